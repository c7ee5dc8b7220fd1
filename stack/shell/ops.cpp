// The CIB edits behind crmsh's node / resource levels, crm_attribute,
// crm_resource and crm_failcount (see ops.hpp).
#include "stack/shell/ops.hpp"

#include <algorithm>
#include <cstdlib>
#include <regex>

#include "stack/core/error.hpp"
#include "stack/shell/build.hpp"
#include "stack/shell/ids.hpp"

namespace halab::shell::ops {

using namespace cib;

namespace {

xmlNode* config_node(const Cib& c, const std::string& id) {
  xmlNode* nodes = c.section("nodes");
  if (!nodes) return nullptr;
  for (xmlNode* n : children(nodes, "node"))
    if (attr_or(n, "id", "") == id) return n;
  return nullptr;
}

xmlNode* node_state(const Cib& c, const std::string& id) {
  xmlNode* st = c.status();
  if (!st) return nullptr;
  for (xmlNode* n : children(st, "node_state"))
    if (attr_or(n, "id", "") == id) return n;
  return nullptr;
}

xmlNode* ensure_node_state(Cib& c, const NodeIds& n) {
  if (xmlNode* s = node_state(c, n.id)) return s;
  xmlNode* st = c.status();
  if (!st) st = add_child(c.root(), "status");
  xmlNode* s = add_child(st, "node_state");
  set_attr(s, "id", n.id);
  set_attr(s, "uname", n.uname);
  return s;
}

// The element holding a node's sets for a section, created when `create`.
xmlNode* attr_parent(Cib& c, const NodeIds& n, NodeSection s, bool create) {
  if (s != NodeSection::status) {
    xmlNode* cn = config_node(c, n.id);
    if (!cn && create) throw core::Error("Node " + n.uname + " is not in the nodes section");
    return cn;
  }
  xmlNode* ns = create ? ensure_node_state(c, n) : node_state(c, n.id);
  if (!ns) return nullptr;
  for (xmlNode* t : children(ns, "transient_attributes"))
    if (attr_or(t, "id", "") == n.id) return t;
  if (xmlNode* t = first_child(ns, "transient_attributes"); t && !create) return t;
  if (!create) return nullptr;
  xmlNode* t = add_child(ns, "transient_attributes");
  set_attr(t, "id", n.id);
  return t;
}

const char* set_tag(NodeSection s) { return s == NodeSection::utilization ? "utilization" : "instance_attributes"; }

std::string set_id(const NodeIds& n, NodeSection s) {
  switch (s) {
    case NodeSection::nodes: return "nodes-" + n.id;
    case NodeSection::status: return "status-" + n.id;
    case NodeSection::utilization: return "nodes-" + n.id + "-utilization";
  }
  return "";
}

xmlNode* find_nvpair(xmlNode* parent, const char* tag, const std::string& name) {
  if (!parent) return nullptr;
  for (xmlNode* set : children(parent, tag))
    for (xmlNode* nv : children(set, "nvpair"))
      if (attr_or(nv, "name", "") == name) return nv;
  return nullptr;
}

void remove_if_empty(xmlNode* set) {
  if (set && children(set).empty()) remove_node(set);
}

xmlNode* resource(const Cib& c, const std::string& rsc) {
  xmlNode* r = detail::find_resource(c, rsc);
  if (!r || is(r, "template")) throw core::Error("Resource '" + rsc + "' not found");
  return r;
}

const char* rsc_tag(RscSet s) {
  switch (s) {
    case RscSet::params: return "instance_attributes";
    case RscSet::meta: return "meta_attributes";
    case RscSet::utilization: return "utilization";
  }
  return "";
}

long long score_value(const std::string& v) {
  if (v == "INFINITY" || v == "+INFINITY") return 1000000;
  if (v == "-INFINITY") return -1000000;
  return std::atoll(v.c_str());
}

// The transient nvpairs of `rsc` on a node whose name starts with `prefix`
// ("fail-count-" / "last-failure-"): <prefix><rsc> or <prefix><rsc>#<op>_<ms>.
std::vector<xmlNode*> rsc_transients(const Cib& c, const std::string& node_id, const std::string& prefix,
                                     const std::string& rsc) {
  std::vector<xmlNode*> out;
  xmlNode* ns = node_state(c, node_id);
  if (!ns) return out;
  const std::string base = prefix + rsc;
  for (xmlNode* t : children(ns, "transient_attributes"))
    for (xmlNode* set : children(t, "instance_attributes"))
      for (xmlNode* nv : children(set, "nvpair")) {
        const std::string nm = attr_or(nv, "name", "");
        if (nm == base || nm.starts_with(base + "#")) out.push_back(nv);
      }
  return out;
}

// A history entry's resource id without the clone instance suffix.
std::string history_base(const std::string& id) {
  auto p = id.rfind(':');
  return p == std::string::npos ? id : id.substr(0, p);
}

// The primitives under a resource (itself when a primitive).
void primitives(xmlNode* r, std::vector<std::string>& out) {
  if (is(r, "primitive")) {
    out.push_back(attr_or(r, "id", ""));
    return;
  }
  for (xmlNode* ch : children(r))
    if (detail::is_resource_element(ch)) primitives(ch, out);
}

bool op_failed(xmlNode* op) {
  const std::string rc = attr_or(op, "rc-code", "0"), st = attr_or(op, "op-status", "0");
  if (st != "0") return true;
  // A probe that found it stopped (7) or promoted (8) is not a failure.
  const std::string magic = attr_or(op, "transition-key", "");
  std::string expected = "0";
  // transition-key: <action>:<transition>:<target-rc>:<uuid>
  auto a = magic.find(':'), b = a == std::string::npos ? a : magic.find(':', a + 1);
  if (b != std::string::npos) expected = magic.substr(b + 1, magic.find(':', b + 1) - b - 1);
  return rc != expected;
}

}  // namespace

NodeIds find_node(const Cib& c, const std::string& uname) {
  if (xmlNode* nodes = c.section("nodes"))
    for (xmlNode* n : children(nodes, "node"))
      if (attr_or(n, "uname", "") == uname) return {attr_or(n, "id", uname), uname};
  if (xmlNode* st = c.status())
    for (xmlNode* n : children(st, "node_state"))
      if (attr_or(n, "uname", "") == uname) return {attr_or(n, "id", uname), uname};
  throw core::Error("Could not map name=" + uname + " to a UUID");
}

std::vector<NodeIds> all_nodes(const Cib& c) {
  std::vector<NodeIds> out;
  auto add = [&](xmlNode* n) {
    NodeIds ni{attr_or(n, "id", ""), attr_or(n, "uname", "")};
    for (auto& o : out)
      if (o.uname == ni.uname) return;
    out.push_back(ni);
  };
  if (xmlNode* nodes = c.section("nodes"))
    for (xmlNode* n : children(nodes, "node")) add(n);
  if (xmlNode* st = c.status())
    for (xmlNode* n : children(st, "node_state")) add(n);
  return out;
}

void set_node_attr(Cib& c, const std::string& uname, NodeSection s, const std::string& name,
                   const std::string& value) {
  const NodeIds n = find_node(c, uname);
  xmlNode* parent = attr_parent(c, n, s, true);
  if (xmlNode* nv = find_nvpair(parent, set_tag(s), name)) {
    set_attr(nv, "value", value);
    return;
  }
  const std::string sid = set_id(n, s);
  xmlNode* set = nullptr;
  for (xmlNode* x : children(parent, set_tag(s)))
    if (attr_or(x, "id", "") == sid) set = x;
  if (!set) {
    set = add_child(parent, set_tag(s));
    set_attr(set, "id", sid);
  }
  xmlNode* nv = add_child(set, "nvpair");
  set_attr(nv, "id", sid + "-" + name);
  set_attr(nv, "name", name);
  set_attr(nv, "value", value);
}

bool delete_node_attr(Cib& c, const std::string& uname, NodeSection s, const std::string& name) {
  const NodeIds n = find_node(c, uname);
  xmlNode* parent = attr_parent(c, n, s, false);
  xmlNode* nv = find_nvpair(parent, set_tag(s), name);
  if (!nv) return false;
  remove_node(nv);
  return true;
}

std::optional<std::string> get_node_attr(const Cib& c, const std::string& uname, NodeSection s,
                                         const std::string& name) {
  const NodeIds n = find_node(c, uname);
  Cib& mc = const_cast<Cib&>(c);  // attr_parent does not create with create=false
  if (xmlNode* nv = find_nvpair(attr_parent(mc, n, s, false), set_tag(s), name)) return attr_or(nv, "value", "");
  return std::nullopt;
}

namespace {

xmlNode* standby_nvpair(const Cib& c, const NodeIds& n, bool status) {
  if (!status) {
    xmlNode* cn = config_node(c, n.id);
    return cn ? find_nvpair(cn, "instance_attributes", "standby") : nullptr;
  }
  xmlNode* ns = node_state(c, n.id);
  if (!ns) return nullptr;
  for (xmlNode* t : children(ns, "transient_attributes"))
    if (xmlNode* nv = find_nvpair(t, "instance_attributes", "standby")) return nv;
  return nullptr;
}

// crmsh's get_set_nodes(create=True) + set_attr.
void crmsh_set_attr(Cib& c, xmlNode* parent, const char* set_tag, const std::string& name, const std::string& value) {
  Ids ids(c.root());
  xmlNode* set = first_child(parent, set_tag);
  if (!set) {
    set = add_child(parent, set_tag);
    set_attr(set, "id", "");
    const std::string sid = ids.make(attr_or(parent, "id", ""), set_tag);
    set_attr(set, "id", sid);
    ids.claim(sid);
  }
  for (xmlNode* nv : children(set, "nvpair"))
    if (attr_or(nv, "name", "") == name) {
      set_attr(nv, "value", value);
      return;
    }
  xmlNode* nv = add_child(set, "nvpair");
  set_attr(nv, "id", ids.make(attr_or(set, "id", ""), name));
  set_attr(nv, "name", name);
  set_attr(nv, "value", value);
}

}  // namespace

void standby(Cib& c, const std::string& uname, bool reboot) {
  const NodeIds n = find_node(c, uname);
  xmlNode* holder = reboot ? node_state(c, n.id) : config_node(c, n.id);
  if (!holder) return;  // crmsh only edits the nodes it finds in that section
  if (xmlNode* other = standby_nvpair(c, n, !reboot)) {
    xmlNode* set = other->parent;
    remove_node(other);
    (void)set;  // crmsh's rmnodes leaves the set in place
  }
  if (xmlNode* nv = standby_nvpair(c, n, reboot)) {
    set_attr(nv, "value", "on");
    return;
  }
  if (reboot) {
    xmlNode* t = first_child(holder, "transient_attributes");
    if (!t) {
      Ids ids(c.root());
      t = add_child(holder, "transient_attributes");
      set_attr(t, "id", "");
      set_attr(t, "id", ids.make(attr_or(holder, "id", ""), "transient_attributes"));
    }
    holder = t;
  }
  crmsh_set_attr(c, holder, "instance_attributes", "standby", "on");
}

void online(Cib& c, const std::string& uname) {
  const NodeIds n = find_node(c, uname);
  for (bool st : {false, true})
    if (xmlNode* nv = standby_nvpair(c, n, st))
      if (attr_or(nv, "value", "") != "off") set_attr(nv, "value", "off");
}

void clear_state(Cib& c, const std::string& uname) {
  const NodeIds n = find_node(c, uname);
  if (xmlNode* old = node_state(c, n.id)) remove_node(old);
  xmlNode* s = ensure_node_state(c, n);
  for (auto [k, v] : std::initializer_list<std::pair<const char*, const char*>>{
           {"ha", "active"}, {"in_ccm", "false"}, {"crmd", "offline"}, {"join", "member"},
           {"expected", "down"}, {"crm-debug-origin", "manual_clear"}, {"shutdown", "0"}})
    set_attr(s, k, v);
}

namespace {

// crm_resource applies a meta attribute of a clone's child to the clone,
// unless the child defines it itself.
xmlNode* meta_target(xmlNode* r, RscSet s, const std::string& name, std::string& note) {
  if (s != RscSet::meta || !r->parent || !(is(r->parent, "clone") || is(r->parent, "master"))) return r;
  if (find_nvpair(r, "meta_attributes", name)) return r;
  note = "Performing update of '" + name + "' on '" + attr_or(r->parent, "id", "") + "', the parent of '" +
         attr_or(r, "id", "") + "'\n";
  return r->parent;
}

}  // namespace

std::string set_rsc_attr(Cib& c, const std::string& rsc, RscSet s, const std::string& name,
                         const std::string& value) {
  std::string note;
  xmlNode* r = meta_target(resource(c, rsc), s, name, note);
  const std::string rid = attr_or(r, "id", "");
  const char* tag = rsc_tag(s);
  if (xmlNode* nv = find_nvpair(r, tag, name)) {
    set_attr(nv, "value", value);
    return note + "Set '" + rid + "' option: id=" + attr_or(nv, "id", "") + " name=" + name + " value=" + value + "\n";
  }
  // crm_resource merges into <rsc>-<set type>, whatever other sets exist
  xmlNode* set = nullptr;
  for (xmlNode* x : children(r, tag))
    if (attr_or(x, "id", "") == rid + "-" + tag) set = x;
  if (!set) {
    set = add_child(r, tag);
    set_attr(set, "id", rid + "-" + tag);
  }
  const std::string sid = attr_or(set, "id", "");
  std::string id = sid + "-" + name;
  if (find_by_id(c.root(), id)) {
    for (int i = 0;; ++i)
      if (!find_by_id(c.root(), id + "-" + std::to_string(i))) {
        id += "-" + std::to_string(i);
        break;
      }
  }
  xmlNode* nv = add_child(set, "nvpair");
  set_attr(nv, "id", id);
  set_attr(nv, "name", name);
  set_attr(nv, "value", value);
  return note + "Set '" + rid + "' option: id=" + id + " set=" + sid + " name=" + name + " value=" + value + "\n";
}

std::string delete_rsc_attr(Cib& c, const std::string& rsc, RscSet s, const std::string& name) {
  std::string note;
  xmlNode* r = meta_target(resource(c, rsc), s, name, note);
  xmlNode* nv = find_nvpair(r, rsc_tag(s), name);
  if (!nv) throw core::Error("Attribute '" + name + "' not found for '" + rsc + "'");
  const std::string msg = "Deleted '" + attr_or(r, "id", "") + "' option: id=" + attr_or(nv, "id", "") +
                          " name=" + name + "\n";
  remove_node(nv);
  return note + msg;
}

std::optional<std::string> get_rsc_attr(const Cib& c, const std::string& rsc, RscSet s, const std::string& name) {
  std::string note;
  xmlNode* r = meta_target(resource(c, rsc), s, name, note);
  if (xmlNode* nv = find_nvpair(r, rsc_tag(s), name)) return attr_or(nv, "value", "");
  return std::nullopt;
}

void set_deep_meta(Cib& c, const std::string& rsc_id, const std::string& name, const std::string& value) {
  xmlNode* rsc = resource(c, rsc_id);
  xmlNode* target = rsc;
  if (!(is(rsc, "primitive") && is(rsc->parent, "group")))
    while (target->parent && (is(target->parent, "group") || is(target->parent, "clone") ||
                              is(target->parent, "master") || is(target->parent, "bundle")))
      target = target->parent;
  if (is(target, "clone") || is(target, "master"))
    for (xmlNode* ch : children(target)) {
      if (!detail::is_resource_element(ch)) continue;
      for (xmlNode* set : children(ch, "meta_attributes")) {
        for (xmlNode* nv : children(set, "nvpair"))
          if (attr_or(nv, "name", "") == name) remove_node(nv);
        remove_if_empty(set);
      }
    }
  crmsh_set_attr(c, target, "meta_attributes", name, value);
}

bool is_promotable(const Cib& c, const std::string& rsc) {
  xmlNode* r = resource(c, rsc);
  for (xmlNode* x = r; x && x->type == XML_ELEMENT_NODE; x = x->parent) {
    if (is(x, "master")) return true;
    if (is(x, "clone")) {
      for (xmlNode* set : children(x, "meta_attributes"))
        for (xmlNode* nv : children(set, "nvpair"))
          if (attr_or(nv, "name", "") == "promotable" && attr_or(nv, "value", "") == "true") return true;
      return false;
    }
  }
  return false;
}

namespace {

void location(Cib& c, const std::string& id, const std::string& rsc, const std::string& node, const char* score) {
  xmlNode* cons = c.ensure_section("constraints");
  if (xmlNode* old = find_by_id(cons, id)) remove_node(old);
  xmlNode* l = add_child(cons, "rsc_location");
  set_attr(l, "id", id);
  set_attr(l, "rsc", rsc);
  set_attr(l, "role", "Started");
  set_attr(l, "node", node);
  set_attr(l, "score", score);
}

}  // namespace

namespace {
void known_node(const Cib& c, const std::string& node) {
  try {
    (void)find_node(c, node);
  } catch (const core::Error&) {
    throw core::Error("Node '" + node + "' not found");
  }
}
}  // namespace

void move(Cib& c, const std::string& rsc, const std::string& node) {
  (void)resource(c, rsc);
  known_node(c, node);
  location(c, "cli-prefer-" + rsc, rsc, node, "INFINITY");
}

void ban(Cib& c, const std::string& rsc, const std::string& node) {
  (void)resource(c, rsc);
  known_node(c, node);
  location(c, "cli-ban-" + rsc + "-on-" + node, rsc, node, "-INFINITY");
}

int clear(Cib& c, const std::string& rsc, const std::string& node) {
  (void)resource(c, rsc);
  int removed = 0;
  xmlNode* cons = c.section("constraints");
  if (!cons) return 0;
  for (xmlNode* k : children(cons, "rsc_location")) {
    const std::string id = attr_or(k, "id", "");
    const bool prefer = id == "cli-prefer-" + rsc && (node.empty() || attr_or(k, "node", "") == node);
    const bool banned = node.empty() ? id.starts_with("cli-ban-" + rsc + "-on-") : id == "cli-ban-" + rsc + "-on-" + node;
    if (prefer || banned) {
      remove_node(k);
      ++removed;
    }
  }
  return removed;
}

int failcount(const Cib& c, const std::string& rsc, const std::string& node) {
  const NodeIds n = find_node(c, node);
  long long sum = 0;
  for (xmlNode* nv : rsc_transients(c, n.id, "fail-count-", rsc)) sum += score_value(attr_or(nv, "value", "0"));
  return static_cast<int>(std::min<long long>(sum, 1000000));
}

void set_failcount(Cib& c, const std::string& rsc, const std::string& node, int value, const std::string& op,
                   const std::string& interval_s) {
  (void)resource(c, rsc);
  const NodeIds n = find_node(c, node);
  auto existing = rsc_transients(c, n.id, "fail-count-", rsc);
  std::vector<xmlNode*> per_op;
  for (xmlNode* nv : existing)
    if (attr_or(nv, "name", "").find('#') != std::string::npos) per_op.push_back(nv);
  if (per_op.empty()) {
    if (value == 0) return;
    throw core::Error("no fail count of " + rsc + " on " + node + " to set");
  }
  std::vector<xmlNode*> chosen;
  for (xmlNode* nv : per_op) {
    const std::string nm = attr_or(nv, "name", "");
    const std::string opint = nm.substr(nm.find('#') + 1);
    const std::string o = opint.substr(0, opint.rfind('_')), ms = opint.substr(opint.rfind('_') + 1);
    if (!op.empty() && o != op) continue;
    if (!interval_s.empty() && ms != interval_s + "000") continue;
    chosen.push_back(nv);
  }
  if (chosen.empty())
    throw core::Error("Usage: failcount <rsc> set <node> <value> [operation] [interval]");
  if (chosen.size() > 1 && value != 0)
    throw core::Error("Should specify (operation, interval) of the fail count to set");
  for (xmlNode* nv : chosen) set_attr(nv, "value", std::to_string(value));
}

void delete_failcount(Cib& c, const std::string& rsc, const std::string& node) {
  const NodeIds n = find_node(c, node);
  for (const char* p : {"fail-count-", "last-failure-"})
    for (xmlNode* nv : rsc_transients(c, n.id, p, rsc)) remove_node(nv);
}

std::vector<std::string> cleanup(Cib& c, const std::string& rsc, const std::string& node, bool refresh) {
  std::vector<std::string> prims;
  xmlNode* r = resource(c, rsc);
  primitives(r, prims);
  std::vector<NodeIds> nodes;
  if (!node.empty()) nodes.push_back(find_node(c, node));
  else nodes = all_nodes(c);
  std::vector<std::string> cleaned;
  for (const NodeIds& n : nodes) {
    xmlNode* ns = node_state(c, n.id);
    if (!ns) continue;
    bool did = false;
    for (const std::string& p : prims) {
      const bool has_failures = !rsc_transients(c, n.id, "fail-count-", p).empty();
      for (const char* pre : {"fail-count-", "last-failure-"})
        for (xmlNode* nv : rsc_transients(c, n.id, pre, p)) {
          remove_node(nv);
          did = true;
        }
      for (xmlNode* lrm : children(ns, "lrm"))
        for (xmlNode* lrs : children(lrm, "lrm_resources"))
          for (xmlNode* lr : children(lrs, "lrm_resource")) {
            if (history_base(attr_or(lr, "id", "")) != p && attr_or(lr, "id", "") != p) continue;
            bool failed = has_failures;
            for (xmlNode* op : children(lr, "lrm_rsc_op"))
              if (op_failed(op)) failed = true;
            if (refresh || failed) {
              remove_node(lr);
              did = true;
            }
          }
    }
    if (did) cleaned.push_back(n.uname);
  }
  return cleaned;
}

}  // namespace halab::shell::ops
