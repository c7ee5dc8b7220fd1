// delete, rename, modgroup: edits that keep references consistent, as crmsh does.
#include <algorithm>

#include "stack/shell/build.hpp"

namespace halab::shell::detail {

using namespace cib;

namespace {

xmlNode* find_object(const Cib& c, const std::string& id) {
  if (xmlNode* r = find_resource(c, id)) return r;
  for (xmlNode* sec : children(c.configuration())) {
    if (is(sec, "resources")) continue;
    for (xmlNode* o : children(sec))
      if (attr_or(o, "id", "") == id) return o;
  }
  return nullptr;
}

// Drop references to a removed resource: simple constraints go away; in
// sets the ref goes, then an empty set, then a constraint without sets.
void remove_references(Build& b, const std::string& id) {
  std::vector<xmlNode*> whole, refs;
  for_each_reference(b.cib, id, [&](xmlNode* el, const std::string&) {
    if (is(el, "resource_ref") || is(el, "obj_ref")) refs.push_back(el);
    else whole.push_back(el);
  });
  std::sort(whole.begin(), whole.end());
  whole.erase(std::unique(whole.begin(), whole.end()), whole.end());
  for (xmlNode* k : whole) {
    b.info.push_back("hanging " + constraint_kind(k) + ":" + attr_or(k, "id", "") + " deleted");
    remove_node(k);
  }
  for (xmlNode* r : refs) {
    xmlNode* set = r->parent;
    remove_node(r);
    if (!children(set).empty()) continue;
    xmlNode* owner = set->parent;
    if (is(set, "tag")) {
      remove_node(set);
      continue;
    }
    remove_node(set);
    if (children(owner, "resource_set").empty()) {
      b.info.push_back("hanging " + constraint_kind(owner) + ":" + attr_or(owner, "id", "") + " deleted");
      remove_node(owner);
    }
  }
}

void delete_one(Build& b, const std::string& id) {
  xmlNode* o = find_object(b.cib, id);
  if (!o) throw ShellError("object " + id + " does not exist");
  if (is(o, "group")) {
    // The members stay, at the top level; constraints follow the first member.
    auto members = children(o, "primitive");
    if (!members.empty()) {
      const std::string first = attr_or(members[0], "id", "");
      for_each_reference(b.cib, id, [&](xmlNode* el, const std::string& a) {
        if (is(el, "obj_ref")) return;
        set_attr(el, a, first);
        xmlNode* cons = is(el, "resource_ref") ? el->parent->parent : el;
        b.info.push_back("modified " + constraint_kind(cons) + ":" + attr_or(cons, "id", "") + " from " + id +
                         " to " + first);
      });
    }
    xmlNode* res = b.cib.section("resources");
    for (xmlNode* m : members) {
      xmlUnlinkNode(m);
      xmlAddChild(res, m);
    }
    remove_node(o);
    return;
  }
  if (is_resource_element(o)) {
    xmlNode* parent = o->parent;
    // Deleting a clone deletes what it holds; the references to both go.
    std::vector<std::string> gone{id};
    for (xmlNode* c : children(o))
      if (is_resource_element(c)) gone.push_back(attr_or(c, "id", ""));
    remove_node(o);
    for (auto& g : gone) remove_references(b, g);
    // An emptied container goes too.
    if (parent && (is(parent, "group") || is(parent, "clone") || is(parent, "master"))) {
      const auto left = children(parent);
      if (std::none_of(left.begin(), left.end(), [](xmlNode* c) { return is_resource_element(c); }))
        delete_one(b, attr_or(parent, "id", ""));
    }
    return;
  }
  remove_node(o);
}

}  // namespace

void delete_objects(Build& b, const std::vector<std::string>& ids) {
  if (ids.empty()) throw ShellError("usage: delete <id> [<id>...]");
  for (auto& id : ids) delete_one(b, id);
}

void rename_object(Build& b, const std::string& from, const std::string& to) {
  xmlNode* o = find_object(b.cib, from);
  if (!o) throw ShellError("object " + from + " does not exist");
  if (!valid_object_id(to)) throw ShellError(to + ": invalid object id");
  if (b.ids.used(to)) throw ShellError("id " + to + " is already in use");
  set_attr(o, "id", to);
  if (!is_resource_element(o)) return;
  for_each_reference(b.cib, from, [&](xmlNode* el, const std::string& a) {
    set_attr(el, a, to);
    if (is(el, "obj_ref")) return;
    xmlNode* cons = is(el, "resource_ref") ? el->parent->parent : el;
    b.info.push_back("modified " + constraint_kind(cons) + ":" + attr_or(cons, "id", "") + " from " + from + " to " + to);
  });
  if (is(o, "template"))
    if (xmlNode* res = b.cib.section("resources"))
      for (xmlNode* p : children(res))
        if (attr_or(p, "template", "") == from) set_attr(p, "template", to);
}

void modgroup(Words& w, Build& b) {
  const std::string gid = w.next();
  xmlNode* g = find_resource(b.cib, gid);
  if (!g || !is(g, "group")) throw ShellError("group " + gid + " does not exist");
  const std::string op = w.next();
  const std::string rid = w.next();
  if ((op != "add" && op != "remove") || rid.empty()) w.fail("(add|remove) <id>");
  if (op == "remove") {
    xmlNode* r = nullptr;
    for (xmlNode* c : children(g, "primitive"))
      if (attr_or(c, "id", "") == rid) r = c;
    if (!r) throw ShellError(rid + " is not member of group " + gid);
    if (children(g, "primitive").size() == 1) throw ShellError("cannot remove the last member of group " + gid);
    xmlUnlinkNode(r);
    xmlAddChild(b.cib.section("resources"), r);
    if (!w.done()) w.fail("end of line");
    return;
  }
  xmlNode* r = find_resource(b.cib, rid);
  if (!r || !is(r, "primitive")) throw ShellError(rid + " is not a primitive");
  if (r->parent != b.cib.section("resources")) throw ShellError(rid + " is already in " + attr_or(r->parent, "id", ""));
  xmlNode* anchor = nullptr;
  bool after = false;
  if (w.peek() == "after" || w.peek() == "before") {
    after = w.next() == "after";
    const std::string aid = w.next();
    for (xmlNode* c : children(g, "primitive"))
      if (attr_or(c, "id", "") == aid) anchor = c;
    if (!anchor) throw ShellError(aid + " is not member of group " + gid);
  }
  if (!w.done()) w.fail("end of line");
  xmlUnlinkNode(r);
  if (!anchor) xmlAddChild(g, r);
  else if (after) xmlAddNextSibling(anchor, r);
  else xmlAddPrevSibling(anchor, r);
}

}  // namespace halab::shell::detail
