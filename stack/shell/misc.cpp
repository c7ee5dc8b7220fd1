// tag, fencing_topology, role / user / acl_target.
#include <map>

#include "stack/shell/build.hpp"

namespace halab::shell::detail {

using namespace cib;

void parse_tag(Words& w, Build& b) {
  std::string id = w.next();
  if (auto s = score_token(id)) id = *s;
  if (id.empty()) w.fail("identifier");
  if (!valid_object_id(id)) throw ShellError(id + ": invalid object id");
  if (b.ids.used(id)) throw ShellError("Cannot create tag with ID '" + id + "': Found existing object with same ID.");
  std::vector<std::string> refs;
  while (!w.done()) refs.push_back(w.next());
  if (refs.empty()) w.fail("resource");
  xmlNode* t = b.element(b.section("tags"), "tag");
  set_attr(t, "id", id);
  b.ids.claim(id);
  for (auto& r : refs) {
    if (!find_resource(b.cib, r)) throw ShellError(id + ": resource " + r + " does not exist");
    set_attr(b.element(t, "obj_ref"), "id", r);
  }
}

void parse_fencing(Words& w, Build& b) {
  // target -> levels (device lists), in the order written
  std::vector<std::pair<std::string, std::vector<std::string>>> targets;
  std::vector<std::string> untargeted;
  while (!w.done()) {
    std::string t = w.next();
    if (t.size() > 1 && t.back() == ':') {
      targets.emplace_back(t.substr(0, t.size() - 1), std::vector<std::string>{});
      continue;
    }
    if (targets.empty()) untargeted.push_back(t);
    else targets.back().second.push_back(t);
  }
  if (!untargeted.empty()) {
    if (!targets.empty()) w.fail("<target>:");
    // Without targets the levels apply to every node.
    if (xmlNode* nodes = b.cib.section("nodes"))
      for (xmlNode* n : children(nodes, "node")) targets.emplace_back(attr_or(n, "uname", ""), untargeted);
  }
  xmlNode* sec = b.section("fencing-topology");
  for (auto& [target, levels] : targets) {
    int index = 1;
    for (auto& devs : levels) {
      xmlNode* l = b.element(sec, "fencing-level");
      if (target.starts_with("attr:")) {
        auto kv = split_kv(target.substr(5));
        if (!kv) throw ShellError("fencing_topology: bad target " + target);
        set_attr(l, "target-attribute", kv->first);
        set_attr(l, "target-value", kv->second);
      } else if (target.starts_with("pattern:")) {
        set_attr(l, "target-pattern", target.substr(8));
      } else {
        set_attr(l, "target", target);
      }
      set_attr(l, "index", std::to_string(index++));
      set_attr(l, "devices", devs);
      set_attr(l, "id", b.ids.make("fencing", ""));
    }
  }
}

namespace {
void parse_permissions(Words& w, Build& b, xmlNode* role, const std::string& rid) {
  static const std::map<std::string, std::string> spec = {
      {"xpath", "xpath"}, {"ref", "reference"}, {"tag", "object-type"}, {"type", "object-type"}, {"attribute", "attribute"}};
  while (!w.done()) {
    std::string kind = w.next();
    if (kind != "read" && kind != "write" && kind != "deny") {
      --w.i;
      w.fail("(read|write|deny)");
    }
    xmlNode* perm = b.element(role, "acl_permission");
    set_attr(perm, "kind", kind);
    bool any = false;
    while (!w.done()) {
      auto c = w.peek().find(':');
      if (c == std::string::npos) break;
      auto it = spec.find(w.peek().substr(0, c));
      if (it == spec.end()) break;
      set_attr(perm, it->second, w.next().substr(c + 1));
      any = true;
    }
    if (!any) w.fail("(xpath|ref|tag|attribute):<value>");
    set_attr(perm, "id", b.ids.make(rid, ""));
  }
}
}  // namespace

void parse_acl(Words& w, Build& b, const std::string& kind) {
  const std::string id = w.next();
  if (id.empty()) w.fail("identifier");
  if (!valid_object_id(id)) throw ShellError(id + ": invalid object id");
  if (b.ids.used(id)) throw ShellError("Cannot create " + kind + " with ID '" + id + "': Found existing object with same ID.");
  xmlNode* acls = b.section("acls");
  if (kind == "role") {
    xmlNode* r = b.element(acls, "acl_role");
    set_attr(r, "id", id);
    b.ids.claim(id);
    parse_permissions(w, b, r, id);
    return;
  }
  if (kind == "user") {
    // acl_user belongs to the pacemaker-1.x ACL schema; crmsh refuses it on 2.0 and later.
    if (const std::string v = attr_or(b.cib.root(), "validate-with", ""); !v.starts_with("pacemaker-1."))
      throw ShellError("user not supported by the RNG schema");
    xmlNode* u = b.element(acls, "acl_user");
    set_attr(u, "id", id);
    b.ids.claim(id);
    if (w.peek().starts_with("role:")) {
      while (w.peek().starts_with("role:")) set_attr(b.element(u, "role_ref"), "id", w.next().substr(5));
      if (!w.done()) w.fail("role:<id>");
    } else {
      parse_permissions(w, b, u, id);
    }
    return;
  }
  xmlNode* t = b.element(acls, "acl_target");
  set_attr(t, "id", id);
  b.ids.claim(id);
  if (w.done()) w.fail("role");
  while (!w.done()) set_attr(b.element(t, "role"), "id", w.next());
}

}  // namespace halab::shell::detail

namespace halab::shell::detail {

using namespace cib;

// `xml <element ...>`: an object given as raw CIB XML, as `show` prints
// objects that have no text form. It goes into its section; its ids must be free.
void parse_xml_object(Build& b, const std::string& line) {
  const auto lt = line.find('<');
  if (lt == std::string::npos) throw ShellError("xml: expected an XML element in '" + line + "'");
  XmlDocPtr doc = parse_xml(line.substr(lt), "xml");
  const xmlNode* root = xmlDocGetRootElement(doc.get());
  const std::string nm(name_of(root));
  std::string section;
  if (nm == "alert") section = "alerts";
  else if (nm == "rsc_location" || nm == "rsc_colocation" || nm == "rsc_order" || nm == "rsc_ticket") section = "constraints";
  else if (is_resource_element(root)) section = "resources";
  else if (nm == "tag") section = "tags";
  else if (nm == "node") section = "nodes";
  else if (nm == "acl_role" || nm == "acl_target" || nm == "acl_group") section = "acls";
  else if (nm == "fencing-topology") section = "fencing-topology";
  else throw ShellError("xml: <" + nm + "> is not a configuration object");
  // every id in the element must be free
  std::vector<const xmlNode*> todo{root};
  while (!todo.empty()) {
    const xmlNode* n = todo.back();
    todo.pop_back();
    if (!is_reference_element(n))
      if (auto id = attr(n, "id"); id && b.ids.used(*id))
        throw ShellError("Cannot create " + nm + " with ID '" + *id + "': Found existing object with same ID.");
    for (xmlNode* c : children(n)) todo.push_back(c);
  }
  xmlNode* copy = copy_node(root, b.cib.doc());
  if (section == "fencing-topology") {
    if (xmlNode* old = b.cib.section(section)) remove_node(old);
    xmlAddChild(b.cib.configuration(), copy);
  } else {
    xmlAddChild(b.section(section), copy);
  }
  todo = {copy};
  while (!todo.empty()) {
    const xmlNode* n = todo.back();
    todo.pop_back();
    if (!is_reference_element(n))
      if (auto id = attr(n, "id")) b.ids.claim(*id);
    for (xmlNode* c : children(n)) todo.push_back(c);
  }
}

}  // namespace halab::shell::detail
