#pragma once
// The groups and their members as this node knows them: the state every
// node of a ring holds alike once the ring is in sync. Each change returns
// the configuration change(s) it makes (none when it changes nothing); the
// caller delivers them. Groups without members are forgotten.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "stack/cpg/cpg.hpp"
#include "stack/cpg/wire.hpp"

namespace halab::cpg {

class GroupTable {
 public:
  std::optional<GroupConfig> add(const std::string& group, Address who, Reason why);
  std::optional<GroupConfig> remove(const std::string& group, Address who, Reason why);
  // `who` leaves every group it is in (proc_down).
  std::vector<GroupConfig> remove_process(Address who, Reason why);
  // Members on nodes outside `keep` leave with Reason::node_down.
  std::vector<GroupConfig> remove_nodes_not_in(const std::vector<NodeId>& keep);
  // After a ring's joinlist exchange: each listed node's members become
  // exactly its list (new ones node_up, missing ones node_down), and members
  // of nodes not listed leave (node_down). One change per group touched.
  std::vector<GroupConfig> reconcile(const std::map<NodeId, std::vector<wire::JoinListEntry>>& lists);

  bool is_member(const std::string& group, Address who) const;
  // The members of `group`, sorted; empty when unknown.
  std::vector<Address> members(const std::string& group) const;
  // What `node`'s processes are in, for its joinlist.
  std::vector<wire::JoinListEntry> entries_of(NodeId node) const;
  std::vector<GroupInfo> groups() const;
  std::size_t size() const { return groups_.size(); }

 private:
  GroupConfig make_config(const std::string& group, std::vector<MemberChange> left,
                          std::vector<MemberChange> joined) const;
  std::map<std::string, std::set<Address>> groups_;
};

}  // namespace halab::cpg
