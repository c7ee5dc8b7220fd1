#pragma once
// votequorum as a pure state machine over membership events: each node
// decides, from the membership Totem installed, whether its partition is
// quorate. Rules are corosync's:
//   quorum = expected_votes / 2 + 1;
//   two_node: with expected_votes 2, one vote is quorate (implies wait_for_all);
//   wait_for_all: not quorate until all expected votes were present at once;
//   last_man_standing: after the membership has been stable and quorate for
//     last_man_standing_window, expected_votes drops to the votes present;
//   auto_tie_breaker: on an exact half of expected_votes, the side holding
//     the lowest node id of the node list is quorate.
// Not yet here: quorum devices (ping node, quorum disk), the service that
// exchanges votes and expected_votes over CPG, notifications to the CRM.
#include <functional>
#include <map>
#include <optional>
#include <vector>

#include "stack/config/corosync_conf.hpp"
#include "stack/core/clock.hpp"


namespace halab::quorum {

using NodeId = std::uint32_t;  // as totem::NodeId

struct VotequorumOptions {
  std::map<NodeId, int> votes;        // every node of the node list and its votes
  std::optional<int> expected_votes;  // default: the sum of the node list's votes
  bool two_node = false;
  bool wait_for_all = false;
  bool last_man_standing = false;
  core::Duration last_man_standing_window = std::chrono::seconds(10);
  bool auto_tie_breaker = false;
};

// From corosync.conf's quorum and nodelist sections (node ids must be set).
VotequorumOptions votequorum_options(const config::CorosyncConf& conf);

struct QuorumState {
  bool quorate = false;
  int total_votes = 0;     // of the current members
  int expected_votes = 0;  // as now in force (last_man_standing lowers it)
  int quorum = 0;          // votes needed
  bool wait_for_all_pending = false;
  std::vector<NodeId> members;
  bool operator==(const QuorumState&) const = default;
};

class Votequorum {
 public:
  using Notify = std::function<void(const QuorumState&)>;
  Votequorum(core::Clock& clock, VotequorumOptions opt, Notify notify = {});
  // A regular configuration was installed with these members.
  void membership(const std::vector<NodeId>& members);
  const QuorumState& state() const { return state_; }

 private:
  void recompute();
  int votes_of(const std::vector<NodeId>& members) const;

  VotequorumOptions opt_;
  Notify notify_;
  core::Timer lms_timer_;
  int expected_;
  bool all_seen_ = false;
  std::vector<NodeId> members_;
  QuorumState state_;
};

}  // namespace halab::quorum
