#include "stack/shell/agents.hpp"

#include <set>
#include <sstream>

#include "stack/core/error.hpp"

namespace halab::shell {

using namespace cib;

namespace {

std::string text_of(const xmlNode* n) {
  if (!n) return "";
  xmlChar* c = xmlNodeGetContent(n);
  std::string s = c ? reinterpret_cast<const char*>(c) : "";
  xmlFree(c);
  return s;
}

std::string trim(const std::string& s) {
  auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string::npos) return "";
  auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

}  // namespace

AgentSpec parse_agent_spec(const std::string& s) {
  std::vector<std::string> parts;
  std::size_t st = 0;
  for (;;) {
    auto c = s.find(':', st);
    parts.push_back(s.substr(st, c == std::string::npos ? std::string::npos : c - st));
    if (c == std::string::npos) break;
    st = c + 1;
  }
  if (parts.size() == 1) return {"ocf", "heartbeat", parts[0]};
  if (parts.size() == 2) return parts[0] == "ocf" ? AgentSpec{"ocf", "heartbeat", parts[1]} : AgentSpec{parts[0], "", parts[1]};
  return {parts[0], parts[1], parts[2]};
}

AgentMeta parse_agent_meta(std::string_view xml, std::string_view source) {
  auto doc = parse_xml(xml, source);
  xmlNode* root = xmlDocGetRootElement(doc.get());
  if (!is(root, "resource-agent"))
    throw core::Error(std::string(source) + ":" + std::to_string(line_of(root)) + ": expected <resource-agent>, got <" +
                      std::string(name_of(root)) + ">");
  AgentMeta m;
  m.name = attr_or(root, "name", "");
  m.shortdesc = trim(text_of(first_child(root, "shortdesc")));
  m.longdesc = text_of(first_child(root, "longdesc"));
  if (xmlNode* ps = first_child(root, "parameters"))
    for (xmlNode* p : children(ps, "parameter")) {
      AgentParam ap;
      ap.name = attr_or(p, "name", "");
      ap.required = attr_or(p, "required", "0") == "1" || attr_or(p, "required", "") == "true";
      ap.unique = attr_or(p, "unique", "0") == "1";
      ap.shortdesc = trim(text_of(first_child(p, "shortdesc")));
      ap.longdesc = text_of(first_child(p, "longdesc"));
      if (xmlNode* c = first_child(p, "content")) {
        ap.type = attr_or(c, "type", "string");
        ap.dflt = attr_or(c, "default", "");
      }
      m.params.push_back(std::move(ap));
    }
  if (xmlNode* as = first_child(root, "actions"))
    for (xmlNode* a : children(as, "action")) {
      AgentAction aa;
      aa.name = attr_or(a, "name", "");
      for (auto& kv : attrs(a))
        if (kv.first != "name") aa.attrs.push_back(kv);
      m.actions.push_back(std::move(aa));
    }
  return m;
}

// crmsh's ra.RAInfo.meta_pretty: title, long description, parameters,
// operations, separated by blank lines; descriptions as the agent wrote them.
std::string agent_info_text(const AgentMeta& m, const std::string& spec) {
  const std::string tab = "    ";
  auto shown_short = [&](const std::string& shortdesc, const std::string& name, const std::string& longdesc) {
    if (shortdesc.empty() || shortdesc == name || shortdesc == trim(longdesc) || shortdesc == m.name) return std::string();
    return shortdesc;
  };
  auto indent = [&](const std::string& text) {
    std::string out = tab;
    for (char c : text) {
      out += c;
      if (c == '\n') out += tab;
    }
    return out;
  };
  std::vector<std::string> blocks;
  const std::string title_short = shown_short(m.shortdesc, spec, m.longdesc);
  blocks.push_back(title_short.empty() ? spec : title_short + " (" + spec + ")");
  if (!trim(m.longdesc).empty()) blocks.push_back(trim(m.longdesc));
  std::vector<std::string> params;
  for (const auto& p : m.params) {
    std::string head = p.name + (p.required ? "*" : "");
    if (!p.type.empty() && !p.dflt.empty()) head += " (" + p.type + ", [" + p.dflt + "])";
    else if (!p.type.empty()) head += " (" + p.type + ")";
    head += ": " + shown_short(p.shortdesc, p.name, p.longdesc);
    if (!trim(p.longdesc).empty()) head += "\n" + indent(trim(p.longdesc)) + "\n";
    params.push_back(head);
  }
  if (!params.empty()) {
    std::string s = "Parameters (*: required, []: default):\n\n";
    for (std::size_t i = 0; i < params.size(); ++i) s += (i ? "\n" : "") + params[i];
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
    blocks.push_back(s);
  }
  std::vector<std::string> acts;
  for (const auto& a : m.actions) {
    if (a.name.empty() || a.name == "meta-data" || a.name == "validate-all") continue;
    std::string s = a.name;
    if (s.size() < 13) s += std::string(13 - s.size(), ' ');
    for (auto& [k, v] : a.attrs)
      if (!v.empty()) s += " " + k + "=" + v;
    acts.push_back(tab + s);
  }
  if (!acts.empty()) {
    std::string s = "Operations' defaults (advisory minimum):\n\n";
    for (std::size_t i = 0; i < acts.size(); ++i) s += (i ? "\n" : "") + acts[i];
    blocks.push_back(s);
  }
  std::string out;
  for (std::size_t i = 0; i < blocks.size(); ++i) out += (i ? "\n\n" : "") + blocks[i];
  return out + "\n";
}

std::vector<Issue> check_agent_params(const xmlNode* resources, AgentCatalog& catalog) {
  std::vector<Issue> out;
  if (!resources) return out;
  std::vector<const xmlNode*> stack{resources};
  while (!stack.empty()) {
    const xmlNode* n = stack.back();
    stack.pop_back();
    for (xmlNode* c : children(n)) {
      if (is(c, "group") || is(c, "clone") || is(c, "master")) stack.push_back(c);
      if (!is(c, "primitive") || has_attr(c, "template")) continue;
      const std::string id = attr_or(c, "id", "");
      const std::string cls = attr_or(c, "class", ""), prov = attr_or(c, "provider", ""), type = attr_or(c, "type", "");
      auto md = catalog.meta_data(cls, prov, type);
      if (!md) {
        // As crmsh with core.ignore_missing_metadata=yes: agents that cannot
        // describe themselves here (systemd without systemd) only warn.
        out.push_back({false, false, id + ": got no meta-data, does this RA exist?"});
        continue;
      }
      AgentMeta m;
      try {
        m = parse_agent_meta(*md, cls + ":" + (prov.empty() ? "" : prov + ":") + type + " meta-data");
      } catch (const core::Error& e) {
        out.push_back({false, false, id + ": " + e.what()});
        continue;
      }
      std::set<std::string> given;
      for (xmlNode* ia : children(c, "instance_attributes"))
        for (xmlNode* nv : children(ia, "nvpair")) given.insert(attr_or(nv, "name", ""));
      std::set<std::string> known;
      for (auto& p : m.params) known.insert(p.name);
      for (auto& g : given) {
        if (known.count(g)) continue;
        out.push_back({true, false, id + ": parameter \"" + g + "\" is not known"});
      }
      for (auto& p : m.params)
        if (p.required && !given.count(p.name)) {
          out.push_back({true, false, id + ": required parameter \"" + p.name + "\" not defined"});
        }
    }
  }
  return out;
}

}  // namespace halab::shell
