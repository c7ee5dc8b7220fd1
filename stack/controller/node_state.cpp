#include "stack/controller/node_state.hpp"

#include <charconv>

namespace halab::controller {

namespace {

std::optional<NodeId> parse_id(const std::string& s) {
  NodeId v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v == 0) return std::nullopt;
  return v;
}

xmlNode* find_child_with_id(xmlNode* parent, std::string_view tag, const std::string& id) {
  for (xmlNode* c : cib::children(parent, tag))
    if (cib::attr(c, "id") == id) return c;
  return nullptr;
}

xmlNode* ensure_status(cib::Cib& cib) {
  if (xmlNode* s = cib.status()) return s;
  return cib::add_child(cib.root(), "status");
}

}  // namespace

std::map<NodeId, std::string> node_names(const cib::Cib& cib) {
  std::map<NodeId, std::string> out;
  if (xmlNode* nodes = cib.section("nodes"))
    for (xmlNode* n : cib::children(nodes, "node"))
      if (auto id = parse_id(cib::attr_or(n, "id", "")))
        if (auto uname = cib::attr(n, "uname")) out[*id] = *uname;
  if (xmlNode* status = cib.status())
    for (xmlNode* n : cib::children(status, "node_state"))
      if (auto id = parse_id(cib::attr_or(n, "id", "")))
        if (auto uname = cib::attr(n, "uname"); uname && !out.count(*id)) out[*id] = *uname;
  return out;
}

void record_membership(cib::Cib& cib, const MembershipFacts& facts) {
  if (facts.add_nodes) {
    xmlNode* nodes = cib.ensure_section("nodes");
    for (const auto& [id, uname] : facts.members) {
      const std::string sid = std::to_string(id);
      if (find_child_with_id(nodes, "node", sid)) continue;
      bool uname_taken = false;
      for (xmlNode* n : cib::children(nodes, "node"))
        if (cib::attr(n, "uname") == uname) uname_taken = true;
      if (uname_taken) continue;  // configured under another id: the administrator's choice stands
      xmlNode* n = cib::add_child(nodes, "node");
      cib::set_attr(n, "id", sid);
      cib::set_attr(n, "uname", uname);
    }
  }
  xmlNode* status = ensure_status(cib);
  for (const auto& [id, uname] : facts.known) {
    const std::string sid = std::to_string(id);
    const bool member = facts.members.count(id) > 0;
    xmlNode* ns = find_child_with_id(status, "node_state", sid);
    if (!ns) {
      if (!member) continue;  // never joined: nothing to say about it
      ns = cib::add_child(status, "node_state");
      cib::set_attr(ns, "id", sid);
    }
    cib::set_attr(ns, "uname", uname);
    if (member && facts.pending.count(id)) {
      cib::set_attr(ns, "in_ccm", "true");
      cib::set_attr(ns, "join", "pending");
      continue;
    }
    cib::set_attr(ns, "in_ccm", member ? "true" : "false");
    cib::set_attr(ns, "crmd", member ? "online" : "offline");
    cib::set_attr(ns, "join", member ? "member" : "down");
    if (member) cib::set_attr(ns, "expected", "member");
  }
  if (facts.quorate) cib::set_attr(cib.root(), "have-quorum", *facts.quorate ? "1" : "0");
  if (facts.dc != 0) cib::set_attr(cib.root(), "dc-uuid", std::to_string(facts.dc));
}

}  // namespace halab::controller
