// `show`: the configuration in crmsh's text form.
#include <algorithm>
#include <map>

#include "stack/shell/build.hpp"
#include "stack/shell/configure.hpp"
#include "stack/shell/lexer.hpp"

namespace halab::shell {

using namespace cib;
using namespace detail;

namespace {

std::string value_text(const std::string& name, const std::string& value) {
  if (name.starts_with("passw")) return "\"******\"";
  return quote_value(value);
}

std::string nvpairs_text(const xmlNode* set) {
  std::string out;
  for (xmlNode* nv : children(set, "nvpair")) {
    if (!out.empty()) out += ' ';
    const std::string n = attr_or(nv, "name", "");
    out += n;
    if (has_attr(nv, "value")) out += "=" + value_text(n, attr_or(nv, "value", ""));
  }
  return out;
}

std::string set_keyword(const xmlNode* set, bool node) {
  auto nm = name_of(set);
  if (nm == "instance_attributes") return node ? "attributes" : "params";
  if (nm == "meta_attributes") return "meta";
  if (nm == "utilization") return "utilization";
  return "";
}

std::string score_text(const std::string& s) {
  if (s == "INFINITY") return "inf";
  if (s == "-INFINITY") return "-inf";
  if (s == "+INFINITY") return "+inf";
  return s;
}

std::string join_lines(const std::vector<std::string>& parts) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i) out += " \\\n\t";
    out += parts[i];
  }
  return out;
}

std::string agent_text(const xmlNode* p) {
  if (auto t = attr(p, "template")) return "@" + *t;
  const std::string cls = attr_or(p, "class", ""), prov = attr_or(p, "provider", ""), type = attr_or(p, "type", "");
  if (cls == "ocf" && prov == "heartbeat") return type;
  return cls + ":" + (prov.empty() ? "" : prov + ":") + type;
}

std::string rule_text(const xmlNode* r);

// An attribute set's text after its keyword: [score:] [rule ...] k=v ...
std::string set_text(const xmlNode* set) {
  std::string out;
  if (auto sc = attr(set, "score")) out += score_text(*sc) + ":";
  for (xmlNode* r : children(set, "rule")) out += (out.empty() ? "" : " ") + rule_text(r);
  const std::string nv = nvpairs_text(set);
  if (!nv.empty()) out += (out.empty() ? "" : " ") + nv;
  return out;
}

// Lines for the sets and ops inside a resource (or node).
void body_lines(const xmlNode* obj, std::vector<std::string>& parts, bool node) {
  if (auto d = attr(obj, "description")) parts.push_back("description=" + quote_value(*d));
  for (xmlNode* c : children(obj)) {
    std::string kw = set_keyword(c, node);
    if (!kw.empty()) {
      const std::string body = set_text(c);
      parts.push_back(kw + (body.empty() ? "" : " " + body));
    } else if (is(c, "operations")) {
      for (xmlNode* op : children(c, "op")) {
        std::string s = "op " + attr_or(op, "name", "");
        for (auto& [k, v] : attrs(op))
          if (k != "id" && k != "name") s += " " + k + "=" + value_text(k, v);
        parts.push_back(s);
        for (xmlNode* os : children(op)) {
          if (is(os, "instance_attributes")) parts.push_back("op_params " + nvpairs_text(os));
          if (is(os, "meta_attributes")) parts.push_back("op_meta " + nvpairs_text(os));
        }
      }
    }
  }
}

std::string expression_text(const xmlNode* e) {
  if (is(e, "date_expression")) {
    const std::string op = attr_or(e, "operation", "");
    if (op == "gt") return "date gt " + quote_value(attr_or(e, "start", ""));
    if (op == "lt") return "date lt " + quote_value(attr_or(e, "end", ""));
    std::string s = op == "date_spec" ? "date spec" : "date in";
    for (auto& [k, v] : attrs(e))
      if (k == "start" || k == "end") s += " " + k + "=" + quote_value(v);
    for (xmlNode* part : children(e))
      if (is(part, "date_spec") || is(part, "duration"))
        for (auto& [k, v] : attrs(part))
          if (k != "id") s += " " + k + "=" + quote_value(v);
    return s;
  }
  const std::string op = attr_or(e, "operation", "");
  if (op == "defined" || op == "not_defined") return op + " " + attr_or(e, "attribute", "");
  std::string type = attr_or(e, "type", "");
  return attr_or(e, "attribute", "") + " " + (type.empty() ? "" : type + ":") + op + " " +
         quote_value(attr_or(e, "value", ""));
}

std::string rule_text(const xmlNode* r) {
  std::string s = "rule";
  if (auto role = attr(r, "role")) s += " $role=" + *role;
  const std::string score = attr_or(r, "score", "INFINITY");
  if (score != "INFINITY") s += " " + score_text(score) + ":";
  const std::string bop = attr_or(r, "boolean-op", "and");
  bool first = true;
  for (xmlNode* e : children(r)) {
    s += first ? " " : " " + bop + " ";
    first = false;
    s += expression_text(e);
  }
  return s;
}

std::string sets_text(const xmlNode* cons, const std::string& suffix_attr) {
  std::string out;
  for (xmlNode* set : children(cons, "resource_set")) {
    const bool seq_false = attr_or(set, "sequential", "true") == "false";
    const bool req_false = attr_or(set, "require-all", "true") == "false";
    const std::string suffix = attr_or(set, suffix_attr, "");
    std::string members;
    for (xmlNode* r : children(set, "resource_ref"))
      members += (members.empty() ? "" : " ") + attr_or(r, "id", "") + (suffix.empty() ? "" : ":" + suffix);
    if (!out.empty()) out += ' ';
    if (req_false) out += "[ " + members + (seq_false ? "" : " sequential=true") + " ]";
    else if (seq_false) out += "( " + members + " )";
    else out += members;
  }
  return out;
}

std::string with_role(const xmlNode* k, const char* rsc, const char* role) {
  std::string s = attr_or(k, rsc, "");
  if (auto r = attr(k, role)) s += ":" + *r;
  return s;
}

// '#' comments crmsh stored inside an object are shown above it.
std::string with_comments(const xmlNode* el, const std::string& text) {
  std::string pre;
  for (const xmlNode* c = el->children; c; c = c->next)
    if (c->type == XML_COMMENT_NODE) pre += std::string(reinterpret_cast<const char*>(c->content)) + "\n";
  return pre + text;
}

struct Entry {
  int rank;
  std::string id;
  std::string text;
};

std::string resource_text(const xmlNode* r) {
  std::vector<std::string> parts;
  const std::string id = attr_or(r, "id", "");
  auto nm = name_of(r);
  if (nm == "bundle") return bundle_text(r, set_text);
  if (nm == "primitive" || nm == "template") {
    parts.push_back(std::string(nm == "template" ? "rsc_template " : "primitive ") + id + " " + agent_text(r));
  } else {
    std::string head = nm == "master" ? "ms " + id : std::string(nm) + " " + id;
    for (xmlNode* c : children(r))
      if (is_resource_element(c)) head += " " + attr_or(c, "id", "");
    parts.push_back(head);
  }
  body_lines(r, parts, false);
  return join_lines(parts);
}

int resource_rank(std::string_view nm) {
  if (nm == "template") return 1;
  if (nm == "primitive") return 2;
  if (nm == "bundle") return 3;
  if (nm == "group") return 4;
  if (nm == "master") return 5;
  return 6;  // clone
}

void collect_resources(const xmlNode* n, std::vector<Entry>& out) {
  for (xmlNode* c : children(n)) {
    if (!is_resource_element(c)) continue;
    out.push_back({resource_rank(name_of(c)), attr_or(c, "id", ""), with_comments(c, resource_text(c))});
    collect_resources(c, out);
  }
}

// Two adjacent plain sets have no text form; crmsh shows the raw XML then.
bool needs_xml(const xmlNode* k) {
  // (sets with different roles or actions stay apart when read back)
  bool prev_plain = false;
  std::string prev_suffix;
  for (xmlNode* set : children(k, "resource_set")) {
    const bool plain = attr_or(set, "sequential", "true") != "false" && attr_or(set, "require-all", "true") != "false";
    const std::string suffix = attr_or(set, "role", "") + "/" + attr_or(set, "action", "");
    if (plain && prev_plain && suffix == prev_suffix) return true;
    prev_plain = plain;
    prev_suffix = suffix;
  }
  return false;
}

std::string xml_text(const xmlNode* k) {
  std::string x = serialize(k, true);
  while (!x.empty() && x.back() == '\n') x.pop_back();
  std::string out = "xml ";
  for (char c : x) out += c == '\n' ? std::string(" \\\n") : std::string(1, c);
  return out;
}

std::string constraint_text(const xmlNode* k) {
  const std::string id = attr_or(k, "id", "");
  if (needs_xml(k)) return xml_text(k);
  auto nm = name_of(k);
  if (nm == "rsc_location") {
    std::string head = "location " + id + " ";
    if (auto r = attr(k, "rsc")) head += *r;
    else if (auto p = attr(k, "rsc-pattern")) head += "/" + *p + "/";
    else {
      head += "{";
      for (xmlNode* set : children(k, "resource_set"))
        for (xmlNode* r : children(set, "resource_ref")) head += " " + attr_or(r, "id", "");
      head += " }";
    }
    if (auto r = attr(k, "role")) head += " role=" + *r;
    if (auto d = attr(k, "resource-discovery")) head += " resource-discovery=" + *d;
    if (auto n = attr(k, "node")) return head + " " + score_text(attr_or(k, "score", "")) + ": " + *n;
    std::vector<std::string> parts{head};
    for (xmlNode* r : children(k, "rule")) parts.push_back(rule_text(r));
    return join_lines(parts);
  }
  if (nm == "rsc_colocation") {
    std::string s = "colocation " + id + " " + score_text(attr_or(k, "score", "")) + ": ";
    if (has_attr(k, "rsc")) s += with_role(k, "rsc", "rsc-role") + " " + with_role(k, "with-rsc", "with-rsc-role");
    else s += sets_text(k, "role");
    if (auto na = attr(k, "node-attribute")) s += " node-attribute=" + *na;
    return s;
  }
  if (nm == "rsc_order") {
    std::string s = "order " + id + " ";
    if (auto kind = attr(k, "kind")) s += *kind + ": ";
    else if (auto sc = attr(k, "score")) s += score_text(*sc) + ": ";
    if (has_attr(k, "first")) s += with_role(k, "first", "first-action") + " " + with_role(k, "then", "then-action");
    else s += sets_text(k, "action");
    if (auto sym = attr(k, "symmetrical")) s += " symmetrical=" + *sym;
    return s;
  }
  // rsc_ticket
  std::string s = "rsc_ticket " + id + " " + attr_or(k, "ticket", "") + ": ";
  if (has_attr(k, "rsc")) s += with_role(k, "rsc", "rsc-role");
  else s += sets_text(k, "role");
  if (auto lp = attr(k, "loss-policy")) s += " loss-policy=" + *lp;
  return s;
}

std::string acl_text(const xmlNode* a) {
  const std::string id = attr_or(a, "id", "");
  static const std::map<std::string, std::string> back = {
      {"xpath", "xpath"}, {"reference", "ref"}, {"object-type", "type"}, {"attribute", "attribute"}};
  if (is(a, "acl_target") || is(a, "acl_group")) {
    std::vector<std::string> parts{std::string(is(a, "acl_target") ? "acl_target " : "acl_group ") + id};
    for (xmlNode* r : children(a, "role")) parts.push_back(attr_or(r, "id", ""));
    return join_lines(parts);
  }
  std::vector<std::string> parts{std::string(is(a, "acl_role") ? "role " : "user ") + id};
  std::string roles;
  for (xmlNode* c : children(a)) {
    if (is(c, "role_ref")) {
      roles += " role:" + attr_or(c, "id", "");
      continue;
    }
    if (!is(c, "acl_permission")) continue;
    std::string p = attr_or(c, "kind", "");
    for (auto& [k, v] : attrs(c)) {
      auto it = back.find(k);
      if (it != back.end()) p += " " + it->second + ":" + quote_value(v);
    }
    parts.push_back(p);
  }
  if (!roles.empty()) return parts[0] + roles;
  return join_lines(parts);
}

}  // namespace

std::string Configuration::show(const std::vector<std::string>& only) const {
  std::vector<Entry> entries;
  const Cib& c = cib_;
  if (xmlNode* nodes = c.section("nodes"))
    for (xmlNode* n : children(nodes, "node")) {
      const std::string id = attr_or(n, "id", ""), uname = attr_or(n, "uname", id);
      std::string head = "node " + (id == uname ? uname : id + ": " + uname);
      if (auto t = attr(n, "type"); t && *t != "normal" && *t != "member") head += ":" + *t;
      std::vector<std::string> parts{head};
      body_lines(n, parts, true);
      entries.push_back({0, id, with_comments(n, join_lines(parts))});
    }
  if (xmlNode* res = c.section("resources")) collect_resources(res, entries);
  if (xmlNode* tags = c.section("tags"))
    for (xmlNode* t : children(tags, "tag")) {
      std::string s = "tag " + attr_or(t, "id", "");
      for (xmlNode* r : children(t, "obj_ref")) s += " " + attr_or(r, "id", "");
      entries.push_back({7, attr_or(t, "id", ""), with_comments(t, s)});
    }
  if (xmlNode* cons = c.section("constraints"))
    for (xmlNode* k : children(cons))
      entries.push_back({is(k, "rsc_ticket") ? 9 : 8, attr_or(k, "id", ""), with_comments(k, constraint_text(k))});
  xmlNode* ft = c.section("fencing-topology");
  bool ft_xml = false;  // device lists with commas have no text form in crmsh's show
  if (ft)
    for (xmlNode* l : children(ft, "fencing-level"))
      if (attr_or(l, "devices", "").find(',') != std::string::npos) ft_xml = true;
  if (ft && ft_xml) {
    entries.push_back({9, "fencing_topology", xml_text(ft)});
  } else if (ft) {
    std::vector<std::pair<std::string, std::vector<std::pair<int, std::string>>>> by_target;
    for (xmlNode* l : children(ft, "fencing-level")) {
      std::string t;
      if (auto x = attr(l, "target")) t = *x;
      else if (auto a = attr(l, "target-attribute")) t = "attr:" + *a + "=" + attr_or(l, "target-value", "");
      else t = "pattern:" + attr_or(l, "target-pattern", "");
      auto it = std::find_if(by_target.begin(), by_target.end(), [&](auto& p) { return p.first == t; });
      if (it == by_target.end()) it = by_target.insert(by_target.end(), {t, {}});
      it->second.emplace_back(std::atoi(attr_or(l, "index", "0").c_str()), attr_or(l, "devices", ""));
    }
    std::vector<std::string> parts{"fencing_topology"};
    for (auto& [t, levels] : by_target) {
      std::sort(levels.begin(), levels.end());
      std::string s = t + ":";
      for (auto& [i, d] : levels) s += " " + d;
      parts.push_back(s);
    }
    entries.push_back({9, "fencing_topology", join_lines(parts)});
  }
  auto defaults = [&](const char* section, const char* tag, const char* word, int rank) {
    if (xmlNode* sec = c.section(section))
      for (xmlNode* set : children(sec, tag)) {
        std::vector<std::string> parts{std::string(word) + " " + attr_or(set, "id", "") + ":"};
        for (xmlNode* r : children(set, "rule")) parts.push_back(rule_text(r));
        for (xmlNode* nv : children(set, "nvpair"))
          parts.push_back(attr_or(nv, "name", "") + "=" + value_text(attr_or(nv, "name", ""), attr_or(nv, "value", "")));
        entries.push_back({rank, attr_or(set, "id", ""), with_comments(set, join_lines(parts))});
      }
  };
  defaults("crm_config", "cluster_property_set", "property", 10);
  defaults("rsc_defaults", "meta_attributes", "rsc_defaults", 11);
  defaults("op_defaults", "meta_attributes", "op_defaults", 12);
  if (xmlNode* acls = c.section("acls"))
    for (xmlNode* a : children(acls)) entries.push_back({is(a, "acl_role") ? 13 : 14, attr_or(a, "id", ""), with_comments(a, acl_text(a))});
  if (xmlNode* alerts = c.section("alerts"))
    for (xmlNode* a : children(alerts, "alert")) {
      std::string text = alert_text(a, set_text);
      entries.push_back({15, attr_or(a, "id", ""), with_comments(a, text.empty() ? xml_text(a) : text)});
    }
  std::stable_sort(entries.begin(), entries.end(),
                   [](const Entry& a, const Entry& b) { return a.rank != b.rank ? a.rank < b.rank : a.id < b.id; });
  std::string out;
  for (auto& e : entries) {
    if (!only.empty() && std::find(only.begin(), only.end(), e.id) == only.end()) continue;
    out += e.text + "\n";
  }
  return out;
}

}  // namespace halab::shell
