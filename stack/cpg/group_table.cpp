#include "stack/cpg/group_table.hpp"

#include <algorithm>

#include "stack/core/assert.hpp"

namespace halab::cpg {

GroupConfig GroupTable::make_config(const std::string& group, std::vector<MemberChange> left,
                                    std::vector<MemberChange> joined) const {
  GroupConfig gc;
  gc.group = group;
  gc.members = members(group);
  auto by_who = [](const MemberChange& a, const MemberChange& b) { return a.who < b.who; };
  std::sort(left.begin(), left.end(), by_who);
  std::sort(joined.begin(), joined.end(), by_who);
  gc.left = std::move(left);
  gc.joined = std::move(joined);
  return gc;
}

std::optional<GroupConfig> GroupTable::add(const std::string& group, Address who, Reason why) {
  if (!groups_[group].insert(who).second) return std::nullopt;
  return make_config(group, {}, {{who, why}});
}

std::optional<GroupConfig> GroupTable::remove(const std::string& group, Address who, Reason why) {
  auto it = groups_.find(group);
  if (it == groups_.end() || it->second.erase(who) == 0) return std::nullopt;
  auto gc = make_config(group, {{who, why}}, {});
  if (it->second.empty()) groups_.erase(it);
  return gc;
}

std::vector<GroupConfig> GroupTable::remove_process(Address who, Reason why) {
  std::vector<std::string> in;
  for (const auto& [name, members] : groups_)
    if (members.count(who)) in.push_back(name);
  std::vector<GroupConfig> out;
  for (const auto& g : in)
    if (auto gc = remove(g, who, why)) out.push_back(std::move(*gc));
  return out;
}

std::vector<GroupConfig> GroupTable::remove_nodes_not_in(const std::vector<NodeId>& keep) {
  std::vector<GroupConfig> out;
  for (auto it = groups_.begin(); it != groups_.end();) {
    std::vector<MemberChange> left;
    for (auto m = it->second.begin(); m != it->second.end();) {
      if (std::find(keep.begin(), keep.end(), m->node) == keep.end()) {
        left.push_back({*m, Reason::node_down});
        m = it->second.erase(m);
      } else {
        ++m;
      }
    }
    if (!left.empty()) out.push_back(make_config(it->first, std::move(left), {}));
    it = it->second.empty() ? groups_.erase(it) : std::next(it);
  }
  return out;
}

std::vector<GroupConfig> GroupTable::reconcile(const std::map<NodeId, std::vector<wire::JoinListEntry>>& lists) {
  std::map<std::string, std::set<Address>> want;
  for (const auto& [node, entries] : lists)
    for (const auto& e : entries) want[e.group].insert({node, e.pid});
  std::set<std::string> names;
  for (const auto& [g, _] : groups_) names.insert(g);
  for (const auto& [g, _] : want) names.insert(g);
  std::vector<GroupConfig> out;
  for (const auto& g : names) {
    auto& have = groups_[g];
    const auto& w = want[g];
    std::vector<MemberChange> left, joined;
    for (const auto& a : have)
      if (!w.count(a)) left.push_back({a, Reason::node_down});
    for (const auto& a : w)
      if (!have.count(a)) joined.push_back({a, Reason::node_up});
    have = w;
    if (!left.empty() || !joined.empty()) out.push_back(make_config(g, std::move(left), std::move(joined)));
    if (have.empty()) groups_.erase(g);
  }
  return out;
}

bool GroupTable::is_member(const std::string& group, Address who) const {
  auto it = groups_.find(group);
  return it != groups_.end() && it->second.count(who) != 0;
}

std::vector<Address> GroupTable::members(const std::string& group) const {
  auto it = groups_.find(group);
  if (it == groups_.end()) return {};
  return {it->second.begin(), it->second.end()};
}

std::vector<wire::JoinListEntry> GroupTable::entries_of(NodeId node) const {
  std::vector<wire::JoinListEntry> out;
  for (const auto& [name, members] : groups_)
    for (const auto& m : members)
      if (m.node == node) out.push_back({name, m.pid});
  return out;
}

std::vector<GroupInfo> GroupTable::groups() const {
  std::vector<GroupInfo> out;
  for (const auto& [name, members] : groups_) {
    HALAB_ASSERT(!members.empty());
    out.push_back({name, {members.begin(), members.end()}});
  }
  return out;
}

}  // namespace halab::cpg
