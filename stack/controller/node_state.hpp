#pragma once
// What the DC writes about the nodes, as pacemaker's controller does, so the
// scheduler (stack/scheduler/unpack_nodes.cpp) reads it as pacemaker's:
//  - configuration/nodes: <node id="ID" uname="NAME"/> for every node that
//    ever joined (added only with quorum, since it bumps the epoch);
//  - status/node_state id uname in_ccm crmd join expected:
//      member of the group:  in_ccm="true"  crmd="online"  join="member" expected="member"
//      gone (crash, leave):  in_ccm="false" crmd="offline" join="down"   expected unchanged
//      member not answering the join (hung controller): join="pending", rest unchanged
//    (expected stays "member" for a node that vanished without a clean
//    shutdown: with fencing the scheduler then sees it unclean, as pacemaker);
//  - <cib have-quorum="1|0" dc-uuid="DC's node id">.
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "stack/cib/cib.hpp"
#include "stack/controller/channel.hpp"

namespace halab::controller {

struct MembershipFacts {
  std::map<NodeId, std::string> members;  // node id -> uname, nodes in the group now
  std::set<NodeId> pending;               // members that did not answer the join: join="pending"
  std::map<NodeId, std::string> known;    // every node id -> uname ever seen (members included)
  NodeId dc = 0;
  std::optional<bool> quorate;  // unknown: have-quorum left as it is
  bool add_nodes = false;       // write configuration/nodes entries (needs quorum)
};

// Updates `cib` in place (version untouched: bump_version() numbers it).
void record_membership(cib::Cib& cib, const MembershipFacts& facts);

// node id -> uname from configuration/nodes and status/node_state.
std::map<NodeId, std::string> node_names(const cib::Cib& cib);

}  // namespace halab::controller
