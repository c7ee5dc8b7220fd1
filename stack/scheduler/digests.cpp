// Operation digests: what changed in a resource's definition since its
// history was recorded, and what pacemaker does about it (restart, reload,
// reschedule a recurring operation, cancel one no longer configured, clean
// the history of orphans and changed agents up).
#include "stack/scheduler/digests.hpp"

#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "stack/cib/cib.hpp"
#include "stack/cib/xml.hpp"
#include "stack/scheduler/actions.hpp"
#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

std::string parameters_digest(const std::map<std::string, std::string>& params) {
  std::string text = " <parameters";
  for (const auto& [k, v] : params) text += " " + k + "=\"" + cib::escape_attr(v) + "\"";
  text += "/>\n";
  return cib::md5_hex(text);
}

namespace {

enum class DigestResult { Match, Restart, Unknown, Mismatch };

struct HistoryOp {
  XmlElement xml;
  std::string task;
  long interval_ms = 0;
  int call_id = 0;
  int status = 0;
  int rc = 0;
};

const OpConfig* find_op_config(const Resource& r, const std::string& task, long interval_ms, bool include_disabled) {
  for (const auto& op : r.ops)
    if (op.name == task && op.interval_ms == interval_ms && (include_disabled || op.enabled)) return &op;
  return nullptr;
}

long op_timeout_ms(const Cluster& c, const OpConfig* op) {
  if (op && op->timeout_ms > 0) return op->timeout_ms;
  if (auto it = c.options.op_defaults.find("timeout"); it != c.options.op_defaults.end()) {
    const long t = parse_interval_ms(it->second);
    if (t > 0) return t;
  }
  return 20000;
}

bool names_listed(const std::string& list, const std::string& name) {
  return list.find(" " + name + " ") != std::string::npos;
}

std::map<std::string, std::string> all_params(const Cluster& c, const Resource& r, const Node& n, const HistoryOp& op,
                                              bool* extra);
DigestResult compare_all_digests(const Cluster& c, const Resource& r, const Node& n, const HistoryOp& op);

// Parameters pacemaker adds for fence devices (pcmk_stonith_param).
bool is_fence_param(const std::string& name) {
  if (name == "provides" || name == "stonith-timeout") return true;
  if (name.rfind("pcmk_", 0) != 0) return false;
  for (const char* p : {"pcmk_action_limit", "pcmk_delay_base", "pcmk_delay_max", "pcmk_host_argument",
                        "pcmk_host_check", "pcmk_host_list", "pcmk_host_map"})
    if (name == p) return true;
  auto us = name.find('_', 5);
  if (us == std::string::npos) return false;
  const std::string rest = name.substr(us);
  return rest == "_action" || rest == "_timeout" || rest == "_retries";
}

bool feature_set_below(const std::string& v, int major, int minor, int patch) {
  int a = 0, b = 0, d = 0;
  std::sscanf(v.c_str(), "%d.%d.%d", &a, &b, &d);
  if (a != major) return a < major;
  if (b != minor) return b < minor;
  return d < patch;
}

// crm_simulate compares "sanitized" digests too: a history whose secure
// digest (without the private parameters, e.g. passwords) still matches is
// not a change.
bool only_private_params_changed(const Resource& r, const HistoryOp& op, const std::map<std::string, std::string>& rsc_params,
                                 const std::map<std::string, std::string>& all) {
  const auto recorded = op.xml.attr("op-secure-digest");
  if (!recorded) return false;
  const std::string version = op.xml.attr_or("crm_feature_set", "3.16.2");
  const bool old_version = feature_set_below(version, 3, 16, 0);
  std::map<std::string, std::string> secure = old_version ? rsc_params : all;
  if (auto list = op.xml.attr("op-secure-params"))
    for (auto it = secure.begin(); it != secure.end();)
      it = names_listed(*list, it->first) ? secure.erase(it) : std::next(it);
  if (old_version) {
    if (r.is_fence_device())
      for (auto it = secure.begin(); it != secure.end();) it = is_fence_param(it->first) ? secure.erase(it) : std::next(it);
    secure.erase("CRM_meta_timeout");
  }
  return parameters_digest(secure) == *recorded;
}

DigestResult compare_digests(const Cluster& c, const Resource& r, const Node& n, const HistoryOp& op) {
  const DigestResult result = compare_all_digests(c, r, n, op);
  if (result == DigestResult::Match) return result;
  auto per_node = r.params_on.find(n.index);
  const auto& rsc_params = per_node != r.params_on.end() ? per_node->second : r.params;
  if (only_private_params_changed(r, op, rsc_params, all_params(c, r, n, op, nullptr))) return DigestResult::Match;
  return result;
}

std::map<std::string, std::string> all_params(const Cluster& c, const Resource& r, const Node& n, const HistoryOp& op,
                                              bool* extra) {
  auto per_node = r.params_on.find(n.index);
  std::map<std::string, std::string> params = per_node != r.params_on.end() ? per_node->second : r.params;
  if (const OpConfig* cfg = find_op_config(r, op.task, op.interval_ms, true)) {
    for (const auto& [k, v] : cfg->params) params[k] = v;
    if (extra) *extra = !cfg->params.empty();
  }
  if (op.interval_ms > 0)
    params["CRM_meta_timeout"] = std::to_string(op_timeout_ms(c, find_op_config(r, op.task, op.interval_ms, true)));
  return params;
}

DigestResult compare_all_digests(const Cluster& c, const Resource& r, const Node& n, const HistoryOp& op) {
  bool extra = false;
  const std::map<std::string, std::string> params = all_params(c, r, n, op, &extra);
  const auto recorded_all = op.xml.attr("op-digest");
  const auto recorded_restart = op.xml.attr("op-restart-digest");
  if (recorded_restart) {
    std::map<std::string, std::string> restart = params;
    if (auto keep = op.xml.attr("op-force-restart"))
      for (auto it = restart.begin(); it != restart.end();)
        it = names_listed(*keep, it->first) ? std::next(it) : restart.erase(it);
    if (parameters_digest(restart) != *recorded_restart) return DigestResult::Restart;
  }
  if (!recorded_all) return DigestResult::Unknown;
  if (*recorded_all != parameters_digest(params))
    return (op.interval_ms == 0 && extra) ? DigestResult::Restart : DigestResult::Mismatch;
  return DigestResult::Match;
}

void force_restart(Resource& r, const Node& n, long interval_ms) {
  if (interval_ms > 0) r.reschedule.emplace(n.index, interval_ms);
  else r.force_start_reason = "resource definition change";
}

// pacemaker's check of one history entry against the configuration.
// Returns whether the operation's definition changed.
bool check_op(Cluster& c, Resource& r, const Node& n, const HistoryOp& op) {
  if (op.interval_ms > 0 && !find_op_config(r, op.task, op.interval_ms, false)) {
    // No longer configured: cancelled (stop-orphan-actions).
    if (!c.options.stop_orphan_actions) return true;
    const std::pair<int, long> key{n.index, op.interval_ms};
    if (std::find(r.cancels.begin(), r.cancels.end(), key) == r.cancels.end()) r.cancels.push_back(key);
    return true;
  }
  switch (compare_digests(c, r, n, op)) {
    case DigestResult::Match: return false;
    case DigestResult::Restart: force_restart(r, n, op.interval_ms); return true;
    case DigestResult::Unknown:
    case DigestResult::Mismatch:
      if (op.interval_ms > 0) {
        r.reschedule.emplace(n.index, op.interval_ms);
      } else if (op.xml.has_attr("op-restart-digest")) {
        // The agent can reload its parameters.
        if (!r.managed || r.failed) return true;
        if (r.start_pending) r.force_stop_on.insert(n.index);
        else r.reload_on.insert(n.index);
      } else {
        force_restart(r, n, 0);
      }
      return true;
  }
  return false;
}

bool agent_changed(const Resource& r, const XmlElement& lrm) {
  return lrm.attr_or("class", "") != r.cls || lrm.attr_or("provider", "") != r.provider ||
         lrm.attr_or("type", "") != r.type;
}

void schedule_delete(Resource& r, const Node& n) {
  // (An unmanaged resource's clean-up would be optional: not done.)
  if (r.failed || !r.managed || !n.online || n.unclean) return;
  r.delete_on.insert(n.index);
}

void check_history(Cluster& c, Resource& r, const Node& n, const XmlElement& lrm) {
  if (r.orphan) {
    const Resource* clone = r.clone_parent();
    if (!clone || clone->clone.unique) schedule_delete(r, n);
    return;
  }
  const bool active = std::find(r.running_on.begin(), r.running_on.end(), &n) != r.running_on.end();
  const bool changed = agent_changed(r, lrm);
  if (!active) {
    if (changed) schedule_delete(r, n);
    return;
  }
  if (changed) {
    r.force_stop_on.insert(n.index);
    r.start_pending = true;
    schedule_delete(r, n);
  }
  std::vector<HistoryOp> ops;
  for (const auto& x : lrm.children("lrm_rsc_op")) {
    HistoryOp op;
    op.xml = x;
    op.task = x.attr_or("operation", "");
    op.interval_ms = std::atol(x.attr_or("interval", "0").c_str());
    op.call_id = std::atoi(x.attr_or("call-id", "0").c_str());
    op.status = std::atoi(x.attr_or("op-status", "0").c_str());
    op.rc = std::atoi(x.attr_or("rc-code", "0").c_str());
    ops.push_back(op);
  }
  std::stable_sort(ops.begin(), ops.end(), [](const HistoryOp& a, const HistoryOp& b) {
    auto k = [](const HistoryOp& o) { return o.call_id < 0 ? INT_MAX : o.call_id; };
    return k(a) < k(b);
  });
  // pacemaker's active operations: those since the last start (or what
  // implies one), unless a later stop ended them.
  int start = -1, stop = -1, implied_monitor = -1, implied_clone = -1;
  for (int i = 0; i < int(ops.size()); ++i) {
    const auto& op = ops[size_t(i)];
    if (op.task == "stop" && op.status == 0) stop = i;
    else if (op.task == "start" || op.task == "migrate_from") start = i;
    else if (implied_monitor <= stop && op.task == "monitor" && (op.rc == 0 || op.rc == 8)) implied_monitor = i;
    else if (op.task == "promote" || op.task == "demote") implied_clone = i;
  }
  if (start == -1) start = implied_clone != -1 ? implied_clone : implied_monitor;
  if (start < stop) return;
  for (int i = std::max(start, 0); i < int(ops.size()); ++i) {
    const auto& op = ops[size_t(i)];
    if (op.interval_ms > 0 || op.task == "monitor" || op.task == "start" || op.task == "promote" ||
        op.task == "migrate_from")
      if (check_op(c, r, n, op) && r.failcount.count(n.index) && r.failcount.at(n.index) != 0)
        r.definition_changed_on.insert(n.index);
  }
}

}  // namespace

void check_definition_changes(Cluster& c) {
  for (auto& np : c.nodes) {
    Node& n = *np;
    // Maintenance cancels recurring operations (unpack_history.cpp); other
    // nodes that cannot run resources are left alone.
    if (n.maintenance || !n.online || n.shutdown || n.unclean || n.standby || n.pending) continue;
    for (auto& rp : c.all_resources) {
      Resource& r = *rp;
      if (r.is_group() || r.is_clone() || r.maintenance || c.options.maintenance_mode) continue;
      // A guest node's connection is defined implicitly (by its container's
      // remote-node meta), with parameters this scheduler does not model.
      if (r.remote_node && r.container) continue;
      // So are a bundle's containers, IPs and connections: their parameters
      // are built from the bundle's own elements (bundle_unpack.cpp) and do
      // not reproduce pacemaker's digests, so a settled bundle would be
      // restarted for nothing. The primitive inside is the user's and checked.
      if (r.bundle && r.bundle->bundle_data && r.clone_parent() != r.bundle->bundle_data->child_clone) continue;
      auto h = r.history.find(n.index);
      if (h == r.history.end() || !h->second) continue;
      check_history(c, r, n, h->second);
    }
  }
}

void create_definition_change_actions(Cluster& c, Resource* r) {
  for (int ni : r->reload_on) {
    Node* n = c.nodes[size_t(ni)].get();
    if (std::find(r->running_on.begin(), r->running_on.end(), n) == r->running_on.end()) continue;
    Action* reload = c.new_action(ActionKind::Resource, r, "reload-agent", 0, n, false);
    set_reason(reload, "resource definition change", true);
  }
  for (int ni : r->definition_changed_on) {
    Node* n = c.nodes[size_t(ni)].get();
    if (!c.find_action(r, "clear_failcount", 0, n))
      c.new_action(ActionKind::ClearFailcount, r, "clear_failcount", 0, n, false);
  }
  for (int ni : r->delete_on) {
    Node* n = c.nodes[size_t(ni)].get();
    Action* del = c.new_action(ActionKind::Resource, r, "delete", 0, n, false);
    for (Action* a : r->actions) {
      if (a->interval_ms != 0) continue;
      if (a->task == "stop" && a->node == n) c.order(a, del, kOrderOptional);
      if (a->task == "start") c.order(del, a, kOrderOptional);
    }
  }
}

void cancel_reloads_before_stops(Cluster& c) {
  for (auto& rp : c.all_resources) {
    Resource* r = rp.get();
    if (r->reload_on.empty()) continue;
    for (Action* reload : r->actions) {
      if (reload->task != "reload-agent") continue;
      for (Action* a : r->actions)
        if ((a->task == "stop" || a->task == "demote") && a->node == reload->node && !a->optional) reload->optional = true;
    }
  }
}

}  // namespace halab::scheduler
