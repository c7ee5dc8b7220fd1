#pragma once
// Totem Single-Ring Protocol (Amir et al., ACM TOCS 1995), with corosync's
// behaviour where the paper leaves choices open.
//
// States (explicit; see srp.cpp for the transitions):
//   GATHER      exchanging join messages until every live processor agrees on
//               the membership (consensus) or the consensus timeout declares
//               the silent ones failed;
//   COMMIT      the representative's commit token circulates once, collecting
//               each member's old-ring position (ring id, aru, high seq);
//   RECOVERY    the new ring's token runs; members rebroadcast the old-ring
//               messages their old-ring peers may lack, until a quiet rotation;
//               then the transitional and regular configurations are
//               delivered and the ring is
//   OPERATIONAL the token circulates; holding it lets a processor broadcast
//               (flow control: window_size, max_messages); messages are
//               delivered in agreed order (by seq, without gaps); missing ones
//               are requested on the token (rtr list); loss of the token
//               (token timeout) leads back to GATHER.
//
// Extended virtual synchrony: every configuration change is preceded by a
// transitional configuration (the members that move on together from the
// old ring), and members that move together deliver the same old-ring
// messages, because recovery gives each of them the union of what they held.
#include <deque>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "stack/config/corosync_conf.hpp"
#include "stack/core/env.hpp"
#include "stack/totem/ring_store.hpp"
#include "stack/totem/transport.hpp"
#include "stack/totem/wire.hpp"

namespace halab::totem {

enum class SrpState { gather, commit, recovery, operational };
const char* to_string(SrpState s);

struct SrpOptions {
  NodeId node_id = 0;
  core::Duration token = std::chrono::milliseconds(1000);  // effective (with token_coefficient)
  core::Duration token_retransmit = std::chrono::milliseconds(238);
  int token_retransmits_before_loss_const = 4;
  core::Duration join = std::chrono::milliseconds(50);
  core::Duration consensus = std::chrono::milliseconds(1200);
  core::Duration merge = std::chrono::milliseconds(200);
  core::Duration hold = std::chrono::milliseconds(180);
  core::Duration token_warning{};  // no token this long: a warning (corosync's token_warning); 0 = off
  int fail_recv_const = 2500;      // rotations missing messages without progress before a new ring forms
  int window_size = 50;
  int max_messages = 17;
  std::size_t max_queue = 10'000;  // mcast() refuses beyond this
};

SrpOptions srp_options(const config::CorosyncConf& conf, NodeId node_id);

struct ConfigChange {
  enum class Kind { transitional, regular };
  Kind kind = Kind::regular;
  RingId ring;
  std::vector<NodeId> members, left, joined;
};

struct SrpCallbacks {
  std::function<void(NodeId sender, core::ByteView payload)> deliver;
  std::function<void(const ConfigChange&)> config_change;
  // The token was lost in the operational ring: a processor failed. Totem
  // does not know which one until the next membership, so `members` is the
  // ring's other members (optional; the lab's failure-detection record).
  std::function<void(const std::vector<NodeId>& members)> token_lost;
};

struct SrpStats {
  std::uint64_t tokens = 0;             // tokens accepted
  std::uint64_t token_losses = 0;       // token timeouts
  std::uint64_t token_retransmits = 0;
  std::uint64_t mcasts_sent = 0;
  std::uint64_t retransmitted = 0;      // messages resent for rtr requests
  std::uint64_t delivered = 0;
  std::uint64_t rings_formed = 0;       // regular configurations installed
  std::uint64_t bad_messages = 0;       // authenticated but undecodable
  std::uint64_t failed_to_receive = 0;  // new rings forced by fail_recv_const
};

class Srp {
 public:
  // Reads the persisted ring sequence from env.storage ("totem/ringid").
  Srp(core::Env& env, SrpOptions opt, Transport& transport, SrpCallbacks cb);
  ~Srp();
  Srp(const Srp&) = delete;
  Srp& operator=(const Srp&) = delete;

  // Enters GATHER and starts looking for peers.
  void start();
  // Largest message: one datagram with room for headers, crypto and MAC
  // (no fragmentation yet).
  static constexpr std::size_t kMaxMessage = 60'000;
  // Queues a message for agreed delivery to the ring; false when the queue
  // is full (the caller retries later, as with CS_ERR_TRY_AGAIN) or the
  // message is larger than kMaxMessage.
  bool mcast(core::ByteView payload);

  SrpState state() const { return state_; }
  RingId ring_id() const { return ring_; }
  const std::vector<NodeId>& members() const { return members_; }
  NodeId node_id() const { return opt_.node_id; }
  const SrpStats& stats() const { return stats_; }
  std::size_t queued() const { return queue_.size(); }

 private:
  // Inbound.
  void on_packet(NodeId from, core::ByteView payload);
  void on_mcast(const McastMsg& m);
  void on_token(TokenMsg t);
  void on_join(const JoinMsg& j);
  void on_commit(CommitMsg c);
  void on_merge_detect(const MergeDetectMsg& m);

  // Membership.
  // decide=false: the caller feeds a join first, then checks consensus.
  void enter_gather(const char* why, bool decide = true);
  void send_join();
  void gather_join(const JoinMsg& j);
  void check_consensus();
  void on_consensus_timeout();
  void form_commit();
  void enter_commit(const CommitMsg& c);
  void enter_recovery(const CommitMsg& c);
  void enter_operational();

  // Token.
  void forward_token(TokenMsg t);
  // Passes the token or the commit token to `to`, resending it every
  // token_retransmit until the successor shows it has it (or we give up
  // after token_retransmits_before_loss_const and let token loss decide).
  void pass_on(NodeId to, Message m);
  void send_token();
  void on_token_loss();
  void start_merge_detect();
  void arm_merge_detect();

  // Helpers.
  void send_unicast(NodeId to, const Message& m);
  void send_all(const Message& m);
  void deliver_ready(RingStore& s);
  NodeId next_of(const std::vector<NodeId>& ring) const;
  void persist_ring_seq(std::uint64_t seq);
  void check_invariants() const;
  bool is_rep() const { return !members_.empty() && members_.front() == opt_.node_id; }

  core::Env& env_;
  SrpOptions opt_;
  Transport& tx_;
  SrpCallbacks cb_;
  core::Log log_;
  SrpState state_ = SrpState::gather;
  bool started_ = false;

  // The ring we are (or were last) operational in, and its messages.
  RingId ring_;
  std::vector<NodeId> members_;
  RingStore store_;
  std::uint64_t highest_ring_seq_ = 0;  // persisted

  // GATHER.
  std::set<NodeId> proc_, failed_;
  std::map<NodeId, JoinMsg> joins_;
  bool consensus_ = false;

  // COMMIT / RECOVERY: the ring being formed.
  CommitMsg commit_;
  std::vector<NodeId> commit_members_;
  RingStore next_store_;
  std::deque<McastMsg> recovery_queue_;
  bool token_originated_ = false;
  int quiet_rotations_ = 0;

  // Token handling, in the active ring.
  std::uint64_t last_token_seq_ = 0;
  std::uint64_t last_aru_seen_ = 0;
  int fail_recv_rotations_ = 0;
  std::uint64_t prev_token_aru_ = 0;
  std::uint32_t my_fcc_ = 0, my_backlog_ = 0;
  std::optional<Message> sent_token_;
  NodeId sent_token_to_ = 0;
  int token_retransmits_left_ = 0;
  std::optional<TokenMsg> held_token_;

  std::deque<core::Bytes> queue_;
  SrpStats stats_;

  core::Timer token_warning_timer_{env_.clock};
  core::Timer token_loss_timer_, token_retransmit_timer_, join_timer_, consensus_timer_, merge_timer_,
      hold_timer_, local_timer_;
  // Messages to ourselves (a one-node ring's token, our own commit token) go
  // through the clock so handlers never re-enter.
  std::deque<core::Bytes> local_inbox_;
};

}  // namespace halab::totem
