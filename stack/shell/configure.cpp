#include "stack/shell/configure.hpp"

#include <set>

#include "stack/shell/build.hpp"

namespace halab::shell {

using namespace cib;
using namespace detail;

namespace {
const std::set<std::string> kObjects = {"node", "primitive", "rsc_template", "group", "clone", "ms", "master",
                                         "property", "rsc_defaults", "op_defaults", "location", "colocation",
                                         "collocation", "order", "rsc_ticket", "tag", "fencing_topology", "role",
                                         "user", "acl_target", "alert", "bundle", "xml"};
}

bool Configuration::is_object_command(const std::string& verb) { return kObjects.count(verb) > 0; }

std::vector<std::string> Configuration::run(const std::vector<std::string>& words, const std::string& line, bool loading) {
  if (words.empty()) return {};
  Cib before = cib_;
  try {
    return dispatch(words, line, loading);
  } catch (...) {
    cib_ = std::move(before);
    throw;
  }
}

std::vector<std::string> Configuration::dispatch(const std::vector<std::string>& w, const std::string& line, bool loading) {
  const std::string& verb = w[0];
  Words words{w, 1, verb, line};
  Build b(cib_);
  b.loading = loading;
  if (verb == "node") parse_node(words, b);
  else if (verb == "primitive") parse_primitive(words, b, false);
  else if (verb == "rsc_template") parse_primitive(words, b, true);
  else if (verb == "group" || verb == "clone" || verb == "ms" || verb == "master")
    parse_container(words, b, verb == "master" ? "ms" : verb);
  else if (verb == "property" || verb == "rsc_defaults" || verb == "op_defaults") parse_property(words, b, verb);
  else if (verb == "location") parse_location(words, b);
  else if (verb == "colocation" || verb == "collocation" || verb == "order") parse_colocation_order(words, b, verb);
  else if (verb == "rsc_ticket") parse_ticket(words, b);
  else if (verb == "tag") parse_tag(words, b);
  else if (verb == "fencing_topology") parse_fencing(words, b);
  else if (verb == "role" || verb == "user" || verb == "acl_target") parse_acl(words, b, verb);
  else if (verb == "alert") parse_alert(words, b);
  else if (verb == "bundle") parse_bundle(words, b);
  else if (verb == "xml") parse_xml_object(b, line);
  else if (verb == "monitor") parse_monitor(words, b);
  else if (verb == "delete") delete_objects(b, std::vector<std::string>(w.begin() + 1, w.end()));
  else if (verb == "rename") {
    if (w.size() != 3) throw ShellError("usage: rename <old_id> <new_id>");
    rename_object(b, w[1], w[2]);
  } else if (verb == "modgroup") modgroup(words, b);
  else throw ShellError("unknown command: " + verb);
  return b.info;
}

std::vector<std::string> Configuration::check_references() const {
  std::vector<std::string> errs;
  auto exists = [&](const std::string& id) { return find_resource(cib_, id) != nullptr; };
  if (xmlNode* cons = cib_.section("constraints")) {
    for (xmlNode* k : children(cons)) {
      const std::string cid = attr_or(k, "id", "?");
      for (const char* a : {"rsc", "with-rsc", "first", "then"})
        if (auto v = attr(k, a); v && !exists(*v)) errs.push_back(cid + ": resource " + *v + " does not exist");
      for (xmlNode* set : children(k, "resource_set"))
        for (xmlNode* r : children(set, "resource_ref"))
          if (!exists(attr_or(r, "id", ""))) errs.push_back(cid + ": resource " + attr_or(r, "id", "") + " does not exist");
    }
  }
  if (xmlNode* tags = cib_.section("tags"))
    for (xmlNode* t : children(tags))
      for (xmlNode* r : children(t, "obj_ref"))
        if (!exists(attr_or(r, "id", "")))
          errs.push_back(attr_or(t, "id", "?") + ": resource " + attr_or(r, "id", "") + " does not exist");
  if (xmlNode* res = cib_.section("resources")) {
    std::vector<xmlNode*> stack{res};
    while (!stack.empty()) {
      xmlNode* n = stack.back();
      stack.pop_back();
      for (xmlNode* c : children(n)) {
        if (is(c, "primitive"))
          if (auto t = attr(c, "template"); t && !(find_resource(cib_, *t) && is(find_resource(cib_, *t), "template")))
            errs.push_back(attr_or(c, "id", "?") + ": template " + *t + " does not exist");
        if (is_resource_element(c)) stack.push_back(c);
      }
    }
  }
  return errs;
}

std::string Configuration::show_xml() const {
  Cib copy = cib_;
  if (xmlNode* st = copy.status()) remove_node(st);
  return "<?xml version=\"1.0\" ?>\n" + copy.to_xml() + "\n";  // crmsh ends it with a blank line
}

}  // namespace halab::shell
