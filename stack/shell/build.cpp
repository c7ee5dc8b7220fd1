#include "stack/shell/build.hpp"

#include <algorithm>
#include <cctype>

namespace halab::shell::detail {

using namespace cib;

void Words::fail(const std::string& expected) const {
  std::string near = done() ? std::string("end of line") : "<" + w[i] + ">";
  throw ShellError("syntax in " + kind + ": Expected " + expected + " near " + near + " parsing '" + line + "'");
}

xmlNode* Build::section(const std::string& name) {
  if (xmlNode* s = cib.section(name)) return s;
  // crmsh appends a section it creates at the end of <configuration>.
  return add_child(cib.configuration(), name);
}

xmlNode* Build::element(xmlNode* parent, const std::string& name) { return add_child(parent, name); }

std::optional<std::pair<std::string, std::string>> split_kv(const std::string& s) {
  auto eq = s.find('=');
  if (eq == std::string::npos || eq == 0) return std::nullopt;
  return std::pair{s.substr(0, eq), s.substr(eq + 1)};
}

bool is_keyword(const std::string& s) {
  static const char* kw[] = {"params", "meta", "utilization", "op", "op_params", "op_meta", "attributes",
                             "operations", "rule"};
  return std::find(std::begin(kw), std::end(kw), s) != std::end(kw);
}

std::string score_value(const std::string& s) {
  std::string l = s;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  if (l == "inf" || l == "infinity") return "INFINITY";
  if (l == "-inf" || l == "-infinity") return "-INFINITY";
  if (l == "+inf" || l == "+infinity") return "+INFINITY";
  return s;
}

std::optional<std::string> score_token(const std::string& s) {
  if (s.size() < 2 || s.back() != ':') return std::nullopt;
  return s.substr(0, s.size() - 1);
}

bool valid_object_id(const std::string& id) {
  if (id.empty()) return false;
  if (!(std::isalpha(static_cast<unsigned char>(id[0])) || id[0] == '_')) return false;
  for (char c : id)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) return false;
  return true;
}

void add_nvpairs(Build& b, xmlNode* set, const std::vector<std::pair<std::string, std::string>>& kv) {
  const std::string sid = attr_or(set, "id", "");
  for (const auto& [k, v] : kv) {
    xmlNode* nv = add_child(set, "nvpair");
    set_attr(nv, "name", k);
    set_attr(nv, "value", v);
    set_attr(nv, "id", b.ids.make(sid, k));
  }
}

void parse_nvset(Words& w, Build& b, xmlNode* parent, const std::string& tag, const std::string& prefix,
                 const std::string& suffix) {
  xmlNode* set = b.element(parent, tag);
  std::string id;
  bool explicit_id = false;
  if (w.peek().starts_with("$id=")) {
    id = w.next().substr(4);
    if (b.ids.used(id)) throw ShellError("id " + id + " is already in use");
    b.ids.claim(id);
    explicit_id = true;
    set_attr(set, "id", id);
  } else if (w.peek().starts_with("$id-ref=")) {
    set_attr(set, "id-ref", w.next().substr(8));
    return;
  }
  // [score:] rule ...: a set that applies where its rules match (crmsh's attr_list)
  if (auto s = score_token(w.peek()); s && !split_kv(w.peek())) {
    set_attr(set, "score", score_value(*s));
    w.next();
  }
  if (!explicit_id) {
    id = b.ids.make(prefix, suffix);
    set_attr(set, "id", id);
  }
  while (w.accept("rule")) parse_rule(w, b, set, id);
  std::vector<std::pair<std::string, std::string>> kv;
  while (!w.done()) {
    auto p = split_kv(w.peek());
    if (!p || w.peek()[0] == '$') break;
    kv.push_back(*p);
    w.next();
  }
  add_nvpairs(b, set, kv);
}

bool is_resource_element(const xmlNode* n) {
  auto nm = name_of(n);
  return nm == "primitive" || nm == "group" || nm == "clone" || nm == "master" || nm == "template" ||
         nm == "bundle";
}

namespace {
xmlNode* find_rsc_in(xmlNode* n, const std::string& id) {
  for (xmlNode* c : children(n)) {
    if (!is_resource_element(c)) continue;
    if (attr_or(c, "id", "") == id) return c;
    if (xmlNode* f = find_rsc_in(c, id)) return f;
  }
  return nullptr;
}
}  // namespace

xmlNode* find_resource(const Cib& c, const std::string& id) {
  xmlNode* r = c.section("resources");
  return r ? find_rsc_in(r, id) : nullptr;
}

std::string constraint_kind(const xmlNode* n) {
  auto nm = std::string(name_of(n));
  if (nm.starts_with("rsc_") && nm != "rsc_ticket") return nm.substr(4);
  return nm;
}

void for_each_reference(const Cib& c, const std::string& id,
                        const std::function<void(xmlNode*, const std::string&)>& fn) {
  static const char* ref_attrs[] = {"rsc", "with-rsc", "first", "then"};
  if (xmlNode* cons = c.section("constraints")) {
    for (xmlNode* k : children(cons)) {
      for (const char* a : ref_attrs)
        if (attr_or(k, a, "") == id) fn(k, a);
      for (xmlNode* set : children(k, "resource_set"))
        for (xmlNode* r : children(set, "resource_ref"))
          if (attr_or(r, "id", "") == id) fn(r, "id");
    }
  }
  if (xmlNode* tags = c.section("tags"))
    for (xmlNode* t : children(tags))
      for (xmlNode* r : children(t, "obj_ref"))
        if (attr_or(r, "id", "") == id) fn(r, "id");
}

}  // namespace halab::shell::detail
