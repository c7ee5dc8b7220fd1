// Parsing pacemaker's <transition_graph>. Every error names the synapse and
// the action it is about, and the line, so a hand-written or corrupted graph
// is refused with a message a user can act on.
#include "stack/transition/graph.hpp"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <functional>
#include <set>

#include "stack/cib/xml.hpp"
#include "stack/core/error.hpp"

namespace halab::transition {

const char* to_string(ActionType t) {
  switch (t) {
    case ActionType::rsc_op: return "rsc_op";
    case ActionType::pseudo_event: return "pseudo_event";
    case ActionType::crm_event: return "crm_event";
  }
  return "?";
}

std::string GraphAction::attr(const std::string& key, const std::string& dflt) const {
  auto it = attributes.find(key);
  return it == attributes.end() ? dflt : it->second;
}

std::string GraphAction::meta(const std::string& key, const std::string& dflt) const {
  return attr("CRM_meta_" + key, dflt);
}

long GraphAction::interval_ms() const { return std::atol(meta("interval", "0").c_str()); }

int GraphAction::target_rc() const { return std::atoi(meta("op_target_rc", "0").c_str()); }

std::optional<core::Duration> GraphAction::timeout() const {
  auto t = meta("timeout");
  if (t.empty()) return std::nullopt;
  return std::chrono::milliseconds(std::atoll(t.c_str()));
}

std::map<std::string, std::string> GraphAction::params() const {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : attributes)
    if (k.rfind("CRM_meta_", 0) != 0 && k != "crm_feature_set") out.emplace(k, v);
  return out;
}

std::map<std::string, std::string> GraphAction::metas() const {
  std::map<std::string, std::string> out;
  for (const auto& [k, v] : attributes)
    if (k.rfind("CRM_meta_", 0) == 0) out.emplace(k.substr(9), v);
  return out;
}

bool GraphAction::can_fail() const { return meta("on_fail") == "ignore" || meta("can_fail") == "true"; }

std::string GraphAction::describe() const {
  std::string s = std::string(to_string(type)) + " " + std::to_string(id) + " (" + operation_key;
  if (!on_node.empty()) s += " on " + on_node;
  return s + ")";
}

const GraphAction* Graph::find(int action_id) const {
  auto it = by_id.find(action_id);
  return it == by_id.end() ? nullptr : &actions[size_t(it->second)];
}

namespace {

struct Where {
  std::string source;
  std::string prefix(const xmlNode* n, int synapse, int action) const {
    std::string s = source + ":" + std::to_string(cib::line_of(n)) + ": ";
    if (synapse >= 0) s += "synapse " + std::to_string(synapse) + ": ";
    if (action >= 0) s += "action " + std::to_string(action) + ": ";
    return s;
  }
};

bool parse_int(const std::string& text, long long& out) {
  if (text.empty()) return false;
  errno = 0;
  char* end = nullptr;
  out = std::strtoll(text.c_str(), &end, 10);
  return errno == 0 && end && *end == '\0';
}

int int_attr(const xmlNode* n, const char* key, const Where& w, int synapse, int action, bool required,
             int dflt = 0) {
  auto v = cib::attr(n, key);
  if (!v) {
    if (required)
      throw core::Error(w.prefix(n, synapse, action) + "<" + std::string(cib::name_of(n)) + "> has no " + key);
    return dflt;
  }
  long long x = 0;
  if (!parse_int(*v, x) || x < INT_MIN || x > INT_MAX)
    throw core::Error(w.prefix(n, synapse, action) + key + "=\"" + *v + "\" is not an integer");
  return int(x);
}

core::Duration duration_attr(const xmlNode* n, const char* key, core::Duration dflt, const Where& w) {
  auto v = cib::attr(n, key);
  if (!v) return dflt;
  core::Duration d{};
  // Pacemaker's interval specs: a bare number is seconds.
  if (!core::parse_duration(*v, d, std::chrono::seconds(1)) || d < core::Duration::zero())
    throw core::Error(w.prefix(n, -1, -1) + key + "=\"" + *v + "\" is not a duration");
  return d;
}

int limit_attr(const xmlNode* n, const char* key, int dflt, const Where& w) {
  auto v = cib::attr(n, key);
  if (!v) return dflt;
  long long x = 0;
  if (!parse_int(*v, x) || x < -1 || x > INT_MAX)
    throw core::Error(w.prefix(n, -1, -1) + key + "=\"" + *v + "\" is not a count");
  return int(x);
}

GraphAction parse_action(const xmlNode* n, int synapse_id, const Where& w) {
  GraphAction a;
  const std::string tag(cib::name_of(n));
  if (tag == "rsc_op") a.type = ActionType::rsc_op;
  else if (tag == "pseudo_event") a.type = ActionType::pseudo_event;
  else if (tag == "crm_event") a.type = ActionType::crm_event;
  else
    throw core::Error(w.prefix(n, synapse_id, -1) + "unknown action <" + tag +
                      "> (expected rsc_op, pseudo_event or crm_event)");
  a.id = int_attr(n, "id", w, synapse_id, -1, true);
  a.line = cib::line_of(n);
  a.operation = cib::attr_or(n, "operation", "");
  a.operation_key = cib::attr_or(n, "operation_key", "");
  a.on_node = cib::attr_or(n, "on_node", "");
  a.on_node_uuid = cib::attr_or(n, "on_node_uuid", "");
  if (a.operation.empty())
    throw core::Error(w.prefix(n, synapse_id, a.id) + "<" + tag + "> has no operation");
  if (a.type != ActionType::pseudo_event && a.on_node.empty())
    throw core::Error(w.prefix(n, synapse_id, a.id) + "<" + tag + "> " + a.operation + " has no on_node");
  for (const xmlNode* c : cib::children(n)) {
    const auto cname = cib::name_of(c);
    if (cname == "primitive") {
      a.rsc_id = cib::attr_or(c, "id", "");
      a.rsc_long_id = cib::attr_or(c, "long-id", "");
      a.rsc_class = cib::attr_or(c, "class", "");
      a.rsc_provider = cib::attr_or(c, "provider", "");
      a.rsc_type = cib::attr_or(c, "type", "");
    } else if (cname == "attributes") {
      for (auto& [k, v] : cib::attrs(c)) a.attributes[k] = v;
      // Parameters whose names cannot be attributes ("1", "2": heartbeat class).
      for (const xmlNode* p : cib::children(c, "param"))
        if (auto name = cib::attr(p, "name")) a.attributes[*name] = cib::attr_or(p, "value", "");
    } else if (cname == "downed") {
      for (const xmlNode* d : cib::children(c, "node")) a.downed.push_back(cib::attr_or(d, "id", ""));
    }
  }
  // halab's scheduler names the resource of clear_failcount only in the key.
  const std::string cf = "_clear_failcount_0";
  if (a.operation == "clear_failcount" && a.rsc_id.empty() && a.operation_key.size() > cf.size() &&
      a.operation_key.compare(a.operation_key.size() - cf.size(), cf.size(), cf) == 0)
    a.rsc_id = a.operation_key.substr(0, a.operation_key.size() - cf.size());
  // probe_again (a reprobe of the whole node) is the one rsc_op without a resource.
  if (a.type == ActionType::rsc_op && a.operation != "probe_again") {
    if (a.rsc_id.empty() || a.rsc_class.empty() || a.rsc_type.empty())
      throw core::Error(w.prefix(n, synapse_id, a.id) + "rsc_op " + a.operation_key +
                        " needs a <primitive> with id, class and type");
    if (a.rsc_class == "ocf" && a.rsc_provider.empty())
      throw core::Error(w.prefix(n, synapse_id, a.id) + "ocf primitive " + a.rsc_id + " has no provider");
  }
  if (a.type == ActionType::crm_event && a.operation != "stonith" && a.operation != "do_shutdown" &&
      a.operation != "clear_failcount" && a.operation != "lrm_refresh" && a.operation != "lrm_delete")
    throw core::Error(w.prefix(n, synapse_id, a.id) + "unknown crm_event operation '" + a.operation + "'");
  for (const char* key : {"CRM_meta_interval", "CRM_meta_timeout", "CRM_meta_op_target_rc"}) {
    auto it = a.attributes.find(key);
    long long x = 0;
    if (it != a.attributes.end() && (!parse_int(it->second, x) || x < 0))
      throw core::Error(w.prefix(n, synapse_id, a.id) + key + "=\"" + it->second + "\" is not a number");
  }
  return a;
}

void check_acyclic(const Graph& g, const Where& w) {
  // Synapse-level dependency graph: synapse s waits for the synapses of its inputs.
  const size_t n = g.synapses.size();
  std::vector<int> colour(n, 0);  // 0 new, 1 on the stack, 2 done
  std::function<void(size_t, std::vector<int>&)> visit = [&](size_t s, std::vector<int>& path) {
    colour[s] = 1;
    path.push_back(g.synapses[s].id);
    for (int input : g.synapses[s].inputs) {
      const size_t t = size_t(g.actions[size_t(g.by_id.at(input))].synapse);
      if (colour[t] == 1) {
        std::string cycle;
        for (int id : path) cycle += std::to_string(id) + " -> ";
        throw core::Error(w.source + ": synapse " + std::to_string(g.synapses[s].id) +
                          ": dependency cycle through synapses " + cycle + std::to_string(g.synapses[t].id));
      }
      if (colour[t] == 0) visit(t, path);
    }
    path.pop_back();
    colour[s] = 2;
  };
  for (size_t s = 0; s < n; ++s) {
    std::vector<int> path;
    if (colour[s] == 0) visit(s, path);
  }
}

}  // namespace

Graph parse_graph(std::string_view xml, std::string_view source) {
  Where w{std::string(source)};
  auto doc = cib::parse_xml(xml, source);
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  if (cib::name_of(root) != "transition_graph")
    throw core::Error(w.prefix(root, -1, -1) + "root element is <" + std::string(cib::name_of(root)) +
                      ">, expected <transition_graph>");
  Graph g;
  g.transition_id = int_attr(root, "transition_id", w, -1, -1, false, 0);
  g.cluster_delay = duration_attr(root, "cluster-delay", g.cluster_delay, w);
  g.stonith_timeout = duration_attr(root, "stonith-timeout", g.stonith_timeout, w);
  g.failed_stop_offset = cib::attr_or(root, "failed-stop-offset", "INFINITY");
  g.failed_start_offset = cib::attr_or(root, "failed-start-offset", "INFINITY");
  g.batch_limit = limit_attr(root, "batch-limit", 0, w);
  g.migration_limit = limit_attr(root, "migration-limit", -1, w);
  std::set<int> synapse_ids;
  // Triggers are checked once every action is known (an input may be defined later).
  std::vector<std::pair<const xmlNode*, int>> triggers;  // (trigger's action element, synapse id)
  for (const xmlNode* s : cib::children(root)) {
    if (cib::name_of(s) != "synapse")
      throw core::Error(w.prefix(s, -1, -1) + "unexpected <" + std::string(cib::name_of(s)) +
                        "> in <transition_graph> (expected <synapse>)");
    Synapse syn;
    syn.id = int_attr(s, "id", w, -1, -1, true);
    syn.priority = int_attr(s, "priority", w, syn.id, -1, false, 0);
    if (!synapse_ids.insert(syn.id).second)
      throw core::Error(w.prefix(s, syn.id, -1) + "synapse id " + std::to_string(syn.id) + " is used twice");
    const xmlNode* set = cib::first_child(s, "action_set");
    if (!set) throw core::Error(w.prefix(s, syn.id, -1) + "has no <action_set>");
    const int index = int(g.synapses.size());
    for (const xmlNode* an : cib::children(set)) {
      GraphAction a = parse_action(an, syn.id, w);
      a.synapse = index;
      if (g.by_id.count(a.id))
        throw core::Error(w.prefix(an, syn.id, a.id) + "action id " + std::to_string(a.id) +
                          " already appears in synapse " +
                          std::to_string(g.synapses[size_t(g.actions[size_t(g.by_id[a.id])].synapse)].id));
      g.by_id[a.id] = int(g.actions.size());
      syn.actions.push_back(int(g.actions.size()));
      g.actions.push_back(std::move(a));
    }
    if (syn.actions.empty()) throw core::Error(w.prefix(set, syn.id, -1) + "<action_set> is empty");
    if (const xmlNode* inputs = cib::first_child(s, "inputs")) {
      for (const xmlNode* t : cib::children(inputs)) {
        if (cib::name_of(t) != "trigger")
          throw core::Error(w.prefix(t, syn.id, -1) + "unexpected <" + std::string(cib::name_of(t)) +
                            "> in <inputs> (expected <trigger>)");
        for (const xmlNode* an : cib::children(t)) {
          const int id = int_attr(an, "id", w, syn.id, -1, true);
          syn.inputs.push_back(id);
          triggers.emplace_back(an, syn.id);
        }
      }
    }
    g.synapses.push_back(std::move(syn));
  }
  for (auto& [an, synapse_id] : triggers) {
    const int id = int_attr(an, "id", w, synapse_id, -1, true);
    const GraphAction* a = g.find(id);
    if (!a)
      throw core::Error(w.prefix(an, synapse_id, -1) + "trigger names action " + std::to_string(id) +
                        ", which no synapse of the graph contains");
    if (g.synapses[size_t(a->synapse)].id == synapse_id)
      throw core::Error(w.prefix(an, synapse_id, id) + "synapse waits for its own action");
  }
  check_acyclic(g, w);
  return g;
}

}  // namespace halab::transition
