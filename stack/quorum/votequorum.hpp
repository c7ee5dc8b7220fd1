#pragma once
// votequorum: who may act, decided by votes, with corosync's semantics.
//
// Pure and event-driven: it reads no socket and keeps no thread. The caller
// feeds it the ring's configuration changes and the votequorum messages the
// ring delivers (in agreed order, including our own), and gives it a `send`
// that broadcasts on the ring. A quorum device reports through
// set_device_state(). Quorum changes are reported through `quorum_changed`
// (the CRM's view).
//
// Rules (see votequorum(5); deviations are marked):
//  - every node has votes (nodelist quorum_votes, default 1); expected_votes
//    comes from the config (or the nodelist's sum) plus the device's votes,
//    and is raised whenever more votes are present at once;
//  - quorum = highest expected_votes / 2 + 1 (never lower than
//    total_votes / 2 + 1); quorum never decreases except through
//    last_man_standing, an administrator's change, or adopting the
//    expected_votes of a quorate partition we join;
//  - two_node: quorum is 1 while at most two nodes (device included) are
//    members; both halves of a split stay quorate, so fencing decides;
//  - wait_for_all: no quorum until all expected votes were present at once,
//    again after any loss of quorum, unless we join a partition that is
//    quorate and past its wait;
//  - last_man_standing: when nodes leave and the rest stay quorate for
//    last_man_standing_window without another change, expected_votes drops
//    to the votes present (only with one vote per node, as corosync);
//  - auto_tie_breaker: a partition holding exactly half of the expected votes
//    is quorate if it holds the tie-breaker node (deviation: exactly half,
//    even expected_votes only, and a fixed tie-breaker; see options.hpp);
//  - a joining node's votes count once its NodeInfo of the current ring is
//    delivered; a leaving node's votes stop counting at the configuration
//    change. Callbacks wait until every member's NodeInfo of the new ring
//    is in (corosync's sync barrier).
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "stack/core/clock.hpp"
#include "stack/core/log.hpp"
#include "stack/quorum/options.hpp"
#include "stack/quorum/wire.hpp"
#include "stack/totem/srp.hpp"

namespace halab::quorum {

enum class NodeState { member, dead };
const char* to_string(NodeState s);

struct NodeView {
  NodeId id = 0;
  NodeState state = NodeState::dead;
  std::uint32_t votes = 0;
  std::uint32_t expected_votes = 0;
  std::uint32_t flags = 0;  // NodeFlag bits, as the node last reported them
};

struct QuorumStatus {
  NodeId node_id = 0;
  RingId ring;
  std::vector<NodeId> members;  // the current ring's members, sorted
  bool quorate = false;
  std::uint32_t expected_votes = 0;    // ours
  std::uint32_t highest_expected = 0;  // over the members
  std::uint32_t total_votes = 0;       // present, device included
  std::uint32_t quorum = 0;
  bool two_node = false, wait_for_all = false, wait_for_all_status = false, last_man_standing = false,
       auto_tie_breaker = false;
  bool device_configured = false, device_alive = false, device_cast_vote = false;
  std::uint32_t device_votes = 0;
  std::string device_name;
  bool in_sync = false;
};

// What the CRM learns: delivered after each membership change once the new
// ring has exchanged its NodeInfo, and whenever quorate flips in between.
struct QuorumNotification {
  bool quorate = false;
  RingId ring;
  std::vector<NodeId> members;
  std::uint32_t total_votes = 0, expected_votes = 0, quorum = 0;
};

struct VotequorumStats {
  std::uint64_t bad_messages = 0;    // undecodable, or a node speaking for another
  std::uint64_t stale_messages = 0;  // from another ring, or from a non-member
  std::uint64_t send_retries = 0;
  std::uint64_t notifications = 0;
};

class Votequorum {
 public:
  struct Callbacks {
    // Broadcast in agreed order; false means "queue full, try again later".
    std::function<bool(core::Bytes)> send;
    std::function<void(const QuorumNotification&)> quorum_changed;
  };

  Votequorum(core::Clock& clock, core::Logger& logger, VotequorumOptions options, Callbacks cb);
  Votequorum(const Votequorum&) = delete;
  Votequorum& operator=(const Votequorum&) = delete;

  void on_config_change(const totem::ConfigChange& cc);
  // A message delivered by the ring. Bad bytes are counted and logged.
  void on_message(NodeId sender, core::ByteView payload);
  // From the quorum device: is it reachable, and does it give us its votes?
  // A device whose decision depends on the membership (the quorum disk:
  // "my ring holds the master") names the ring it decided for; the votes
  // then count only while that ring is ours. Without this, a grant made for
  // a ring we have not installed yet would count in the old one.
  void set_device_state(bool alive, bool cast_vote, std::optional<RingId> for_ring = std::nullopt);

  // Administrator changes (corosync-quorumtool -e / -v); broadcast, applied
  // on delivery. Return an error message, or "" when sent.
  std::string set_expected_votes(std::uint32_t expected);
  std::string set_votes(NodeId node, std::uint32_t votes);

  bool quorate() const { return quorate_; }
  QuorumStatus status() const;
  std::vector<NodeView> nodes() const;  // every node ever heard of, by id
  const VotequorumOptions& options() const { return opt_; }
  const VotequorumStats& stats() const { return stats_; }

 private:
  struct Node {
    NodeState state = NodeState::dead;
    std::uint32_t votes = 0, expected = 0, flags = 0;
  };
  Node& us() { return nodes_.at(opt_.node_id); }
  const Node& us() const { return nodes_.at(opt_.node_id); }
  bool is_member(NodeId id) const;

  void on_nodeinfo(const NodeInfoMsg& m);
  void on_reconfigure(const ReconfigureMsg& m);
  void recalculate(bool allow_decrease, bool by_current);
  void decide(std::uint32_t total_votes);
  bool holds_tie_breaker() const;
  void on_lms_timer();
  void send_nodeinfo();
  bool send(const Message& m);
  void finish_sync();
  void notify();
  std::uint32_t our_flags() const;
  std::uint32_t total_votes() const;

  core::Clock& clock_;
  core::Log log_;
  VotequorumOptions opt_;
  Callbacks cb_;

  std::map<NodeId, Node> nodes_;
  std::vector<NodeId> members_, previous_members_;
  RingId ring_;
  bool first_ = true;
  bool in_sync_ = false;
  std::set<NodeId> sync_waiting_;

  std::uint32_t quorum_ = 0;
  bool quorate_ = false;
  bool wfa_status_ = false;
  bool lms_ = false;
  bool device_alive_ = false, device_cast_ = false;
  std::optional<RingId> device_ring_;
  bool device_counts() const { return device_cast_ && (!device_ring_ || *device_ring_ == ring_); }

  core::Timer lms_timer_, resend_timer_;
  VotequorumStats stats_;
};

}  // namespace halab::quorum
