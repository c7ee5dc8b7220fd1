// primitive, rsc_template, group, clone, ms, node, property / defaults, monitor.
#include <algorithm>
#include <set>

#include "stack/shell/build.hpp"

namespace halab::shell::detail {

using namespace cib;

namespace {

void new_object_id(Words& w, Build& b, const std::string& id, const std::string& kind) {
  if (id.empty()) w.fail("identifier");
  if (!valid_object_id(id)) throw ShellError(id + ": invalid object id");
  if (xmlNode* old = find_by_id(b.cib.configuration(), id)) {
    throw ShellError("Cannot create " + kind + " with ID '" + id + "': Found existing " +
                     std::string(name_of(old)) + " with same ID.");
  }
}

void set_agent(Words& w, Build& b, xmlNode* p, const std::string& agent) {
  if (agent.empty()) w.fail("resource agent");
  if (agent[0] == '@') {
    const std::string t = agent.substr(1);
    xmlNode* tpl = find_resource(b.cib, t);
    if (!tpl || !is(tpl, "template")) throw ShellError(attr_or(p, "id", "") + ": template " + t + " does not exist");
    set_attr(p, "template", t);
    return;
  }
  std::vector<std::string> parts;
  std::size_t s = 0;
  for (;;) {
    auto c = agent.find(':', s);
    parts.push_back(agent.substr(s, c == std::string::npos ? std::string::npos : c - s));
    if (c == std::string::npos) break;
    s = c + 1;
  }
  for (auto& x : parts)
    if (x.empty()) w.fail("class:provider:type");
  if (parts.size() == 1) parts = {"ocf", "heartbeat", parts[0]};
  if (parts.size() == 2 && parts[0] == "ocf") parts = {"ocf", "heartbeat", parts[1]};
  if (parts.size() > 3) w.fail("class:provider:type");
  set_attr(p, "class", parts[0]);
  if (parts.size() == 3) set_attr(p, "provider", parts[1]);
  set_attr(p, "type", parts.back());
}

void parse_op(Words& w, Build& b, xmlNode* ops, const std::string& rsc) {
  const std::string name = w.next();
  if (name.empty() || split_kv(name) || is_keyword(name)) w.fail("operation name");
  xmlNode* op = b.element(ops, "op");
  set_attr(op, "name", name);
  std::optional<std::string> interval;
  while (!w.done()) {
    auto kv = split_kv(w.peek());
    if (!kv) break;
    w.next();
    set_attr(op, kv->first, kv->second);
    if (kv->first == "interval") interval = kv->second;
  }
  if (!interval) set_attr(op, "interval", "0");
  const std::string id = b.ids.make(rsc + "-" + name, interval ? *interval : "0");
  set_attr(op, "id", id);
  for (;;) {
    if (w.accept("op_params")) parse_nvset(w, b, op, "instance_attributes", id, "instance_attributes");
    else if (w.accept("op_meta")) parse_nvset(w, b, op, "meta_attributes", id, "meta_attributes");
    else break;
  }
}

void parse_sets_and_ops(Words& w, Build& b, xmlNode* obj, const std::string& id, bool allow_ops) {
  xmlNode* ops = nullptr;
  while (!w.done()) {
    if (w.accept("params")) parse_nvset(w, b, obj, "instance_attributes", id, "instance_attributes");
    else if (w.accept("meta")) parse_nvset(w, b, obj, "meta_attributes", id, "meta_attributes");
    else if (w.accept("utilization")) parse_nvset(w, b, obj, "utilization", id, "utilization");
    else if (allow_ops && w.accept("op")) {
      // crmsh opens another <operations> when other sections came between
      // ops (which the schema then rejects)
      if (!ops || obj->last != ops) ops = b.element(obj, "operations");
      parse_op(w, b, ops, id);
    } else if (split_kv(w.peek()) && allow_ops) {
      // crmsh takes bare name=value pairs as params
      parse_nvset(w, b, obj, "instance_attributes", id, "instance_attributes");
    } else {
      w.fail(allow_ops ? "(params|meta|utilization|op)" : "(params|meta)");
    }
  }
}

bool in_container(const xmlNode* n) {
  return n->parent && (is(n->parent, "group") || is(n->parent, "clone") || is(n->parent, "master") ||
                       is(n->parent, "bundle"));
}

// Group creation points constraints at the group instead of its members and
// drops those that then name the group twice (crmsh does the same).
void retarget_constraints(Build& b, const std::string& member, const std::string& group,
                          std::set<xmlNode*>& modified) {
  for_each_reference(b.cib, member, [&](xmlNode* el, const std::string& a) {
    if (is(el, "obj_ref")) return;
    set_attr(el, a, group);
    xmlNode* cons = is(el, "resource_ref") ? el->parent->parent : el;
    modified.insert(cons);
    b.info.push_back("modified " + constraint_kind(cons) + ":" + attr_or(cons, "id", "") + " from " + member +
                     " to " + group);
  });
}

// After members were replaced by their group: simple constraints naming the
// group twice go; in sets, repeated refs collapse, and what is left of a
// colocation or order that fits the simple form takes it (as crmsh does).
void drop_self_referencing(Build& b, const std::string& group, const std::set<xmlNode*>& modified) {
  xmlNode* cons = b.cib.section("constraints");
  if (!cons) return;
  for (xmlNode* k : children(cons)) {
    auto sets = children(k, "resource_set");
    bool touched = false;
    // repeats inside one set collapse; the group in two places (two sets,
    // or both ends of a simple constraint) drops the constraint
    for (xmlNode* set : sets) {
      std::vector<std::string> seen;
      for (xmlNode* r : children(set, "resource_ref")) {
        const std::string id = attr_or(r, "id", "");
        if (std::find(seen.begin(), seen.end(), id) != seen.end()) {
          remove_node(r);
          touched = true;
        } else {
          seen.push_back(id);
        }
      }
    }
    int n = 0;
    for (const char* a : {"rsc", "with-rsc", "first", "then"})
      if (attr_or(k, a, "") == group) ++n;
    for (xmlNode* set : sets)
      for (xmlNode* r : children(set, "resource_ref"))
        if (attr_or(r, "id", "") == group) ++n;
    if (n >= 2) {
      remove_node(k);
      continue;
    }
    if (sets.empty()) continue;
    if (!(touched || modified.count(k)) || !(is(k, "rsc_colocation") || is(k, "rsc_order"))) continue;
    const bool colo = is(k, "rsc_colocation");
    const char* role = colo ? "role" : "action";
    auto plain = [&](xmlNode* set) {
      for (auto& [a, v] : attrs(set))
        if (a != "id" && a != role) return false;
      return true;
    };
    std::vector<std::pair<std::string, std::string>> ends;  // (rsc, role) in simple-form order
    if (sets.size() == 1 && children(sets[0], "resource_ref").size() == 2 && plain(sets[0])) {
      auto refs = children(sets[0], "resource_ref");
      const std::string r = attr_or(sets[0], role, "");
      if (colo) ends = {{attr_or(refs[1], "id", ""), r}, {attr_or(refs[0], "id", ""), r}};
      else ends = {{attr_or(refs[0], "id", ""), r}, {attr_or(refs[1], "id", ""), r}};
    } else if (sets.size() == 2 && children(sets[0], "resource_ref").size() == 1 &&
               children(sets[1], "resource_ref").size() == 1 && plain(sets[0]) && plain(sets[1])) {
      for (xmlNode* set : sets) ends.emplace_back(attr_or(children(set, "resource_ref")[0], "id", ""), attr_or(set, role, ""));
    } else if (sets.size() == 1 && children(sets[0], "resource_ref").size() == 1) {
      remove_node(k);
      continue;
    } else {
      continue;
    }
    for (xmlNode* set : sets) remove_node(set);
    const char* a1 = colo ? "rsc" : "first";
    const char* r1 = colo ? "rsc-role" : "first-action";
    const char* a2 = colo ? "with-rsc" : "then";
    const char* r2 = colo ? "with-rsc-role" : "then-action";
    set_attr(k, a1, ends[0].first);
    if (!ends[0].second.empty()) set_attr(k, r1, ends[0].second);
    set_attr(k, a2, ends[1].first);
    if (!ends[1].second.empty()) set_attr(k, r2, ends[1].second);
  }
}

}  // namespace

void parse_primitive(Words& w, Build& b, bool templ) {
  const std::string id = w.next();
  new_object_id(w, b, id, templ ? "rsc_template" : "primitive");
  xmlNode* p = b.element(b.section("resources"), templ ? "template" : "primitive");
  set_attr(p, "id", id);
  b.ids.claim(id);
  set_agent(w, b, p, w.next());
  if (w.peek().starts_with("description=")) set_attr(p, "description", w.next().substr(12));
  parse_sets_and_ops(w, b, p, id, true);
}

void parse_container(Words& w, Build& b, const std::string& kind) {
  const std::string id = w.next();
  new_object_id(w, b, id, kind);
  std::vector<std::string> members;
  while (!w.done() && !split_kv(w.peek()) && !is_keyword(w.peek())) members.push_back(w.next());
  if (members.empty()) w.fail("resource id");
  if (kind != "group" && members.size() > 1) w.fail("(params|meta)");
  std::vector<xmlNode*> nodes;
  for (const auto& m : members) {
    xmlNode* r = find_resource(b.cib, m);
    if (!r) throw ShellError(id + " refers to missing object " + m);
    if (kind == "group" && !is(r, "primitive")) throw ShellError(id + ": " + m + " is not a primitive");
    if (kind != "group" && !(is(r, "primitive") || is(r, "group")))
      throw ShellError(id + ": " + m + " cannot be cloned");
    if (in_container(r))
      throw ShellError(m + " is already in " + std::string(name_of(r->parent)) + " " + attr_or(r->parent, "id", ""));
    if (std::count(members.begin(), members.end(), m) > 1) throw ShellError(id + ": " + m + " listed twice");
    nodes.push_back(r);
  }
  xmlNode* c = b.element(b.section("resources"), kind == "ms" ? "master" : kind);
  set_attr(c, "id", id);
  b.ids.claim(id);
  if (w.peek().starts_with("description=")) set_attr(c, "description", w.next().substr(12));
  parse_sets_and_ops(w, b, c, id, false);
  for (xmlNode* n : nodes) {
    xmlUnlinkNode(n);
    xmlAddChild(c, n);
  }
  if (kind == "group") {
    std::set<xmlNode*> modified;
    for (const auto& m : members) retarget_constraints(b, m, id, modified);
    drop_self_referencing(b, id, modified);
  }
  if (kind == "ms") b.info.push_back("WARNING: \"ms\" is deprecated. Please use \"clone " + id + " " + members[0] +
                                     " meta promotable=true\"");
}

void parse_property(Words& w, Build& b, const std::string& kind) {
  std::string set_id = kind == "property" ? "cib-bootstrap-options" : kind == "rsc_defaults" ? "rsc-options" : "op-options";
  if (w.peek().starts_with("$id=")) set_id = w.next().substr(4);
  else if (auto s = score_token(w.peek()); s && !split_kv(w.peek())) {
    set_id = *s;
    w.next();
  }
  // `rule ...` before the pairs: parsed into a scratch element first, since
  // the set may already exist (its rules then join it)
  XmlDocPtr scratch = new_doc("scratch");
  std::vector<xmlNode*> rules;
  while (w.accept("rule")) parse_rule(w, b, xmlDocGetRootElement(scratch.get()), set_id);
  rules = children(xmlDocGetRootElement(scratch.get()));
  std::vector<std::pair<std::string, std::string>> kv;
  while (!w.done()) {
    auto p = split_kv(w.peek());
    if (!p) w.fail("name=value");
    kv.push_back(*p);
    w.next();
  }
  if (kv.empty() && rules.empty()) w.fail("name=value");
  const std::string section = kind == "property" ? "crm_config" : kind;
  const std::string tag = kind == "property" ? "cluster_property_set" : "meta_attributes";
  xmlNode* sec = b.section(section);
  xmlNode* set = nullptr;
  for (xmlNode* s : children(sec, tag))
    if (attr_or(s, "id", "") == set_id) set = s;
  if (!set) {
    if (!valid_object_id(set_id)) throw ShellError(set_id + ": invalid object id");
    if (b.ids.used(set_id)) throw ShellError("id " + set_id + " is already in use");
    set = b.element(sec, tag);
    set_attr(set, "id", set_id);
    b.ids.claim(set_id);
  }
  // rules come before the nvpairs in the set, as crmsh writes them
  xmlNode* first_nv = first_child(set, "nvpair");
  for (xmlNode* r : rules) {
    xmlUnlinkNode(r);
    if (first_nv) xmlAddPrevSibling(first_nv, r);
    else xmlAddChild(set, r);
  }
  for (const auto& [k, v] : kv) {
    xmlNode* have = nullptr;
    for (xmlNode* nv : children(set, "nvpair"))
      if (attr_or(nv, "name", "") == k) have = nv;
    if (have) set_attr(have, "value", v);
    else add_nvpairs(b, set, {{k, v}});
  }
}

void parse_node(Words& w, Build& b) {
  std::string id, uname = w.next();
  if (uname == "$id" || uname.starts_with("$id=")) {
    id = uname.substr(4);
    uname = w.next();
  } else if (auto s = score_token(uname)) {
    id = *s;
    uname = w.next();
  }
  if (uname.empty()) w.fail("node name");
  std::string type;
  if (auto c = uname.find(':'); c != std::string::npos) {
    type = uname.substr(c + 1);
    uname = uname.substr(0, c);
  }
  xmlNode* nodes = b.section("nodes");
  for (xmlNode* n : children(nodes, "node"))
    if (attr_or(n, "uname", "") == uname || attr_or(n, "id", "") == (id.empty() ? uname : id))
      throw ShellError("Cannot create node with ID '" + (id.empty() ? uname : id) +
                       "': Found existing node with same ID.");
  xmlNode* n = b.element(nodes, "node");
  if (id.empty()) {
    set_attr(n, "uname", uname);
    if (!type.empty()) set_attr(n, "type", type);
    set_attr(n, "id", uname);
    b.ids.claim(uname);
  } else {
    set_attr(n, "id", id);
    set_attr(n, "uname", uname);
    if (!type.empty()) set_attr(n, "type", type);
    b.ids.claim(id);
  }
  if (w.peek().starts_with("description=")) set_attr(n, "description", w.next().substr(12));
  while (!w.done()) {
    if (w.accept("attributes")) parse_nvset(w, b, n, "instance_attributes", uname, "instance_attributes");
    else if (w.accept("utilization")) parse_nvset(w, b, n, "utilization", uname, "utilization");
    else w.fail("(attributes|utilization)");
  }
}

void parse_monitor(Words& w, Build& b) {
  std::string rsc = w.next(), spec = w.next();
  if (rsc.empty() || spec.empty()) w.fail("<rsc>[:<role>] <interval>[:<timeout>]");
  if (!w.done()) w.fail("end of line");
  std::string role, timeout;
  if (auto c = rsc.find(':'); c != std::string::npos) {
    role = rsc.substr(c + 1);
    rsc = rsc.substr(0, c);
  }
  std::string interval = spec;
  if (auto c = spec.find(':'); c != std::string::npos) {
    interval = spec.substr(0, c);
    timeout = spec.substr(c + 1);
  }
  xmlNode* p = find_resource(b.cib, rsc);
  if (!p) throw ShellError("No such resource: " + rsc);
  if (!is(p, "primitive")) throw ShellError(rsc + " is not a primitive");
  xmlNode* ops = first_child(p, "operations");
  if (ops)
    for (xmlNode* op : children(ops, "op"))
      if (attr_or(op, "name", "") == "monitor" && attr_or(op, "interval", "") == interval)
        throw ShellError(rsc + " already has a monitor op with interval " + interval);
  if (!ops) ops = b.element(p, "operations");
  xmlNode* op = b.element(ops, "op");
  set_attr(op, "name", "monitor");
  if (!role.empty()) set_attr(op, "role", role);
  set_attr(op, "interval", interval);
  if (!timeout.empty()) set_attr(op, "timeout", timeout);
  set_attr(op, "id", b.ids.make(rsc + "-monitor", interval));
}

}  // namespace halab::shell::detail
