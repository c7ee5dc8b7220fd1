#include "stack/quorum/votequorum.hpp"

#include <algorithm>

#include "stack/core/assert.hpp"

namespace halab::quorum {

const char* to_string(NodeState s) { return s == NodeState::member ? "member" : "dead"; }

namespace {
bool contains(const std::vector<NodeId>& v, NodeId id) { return std::find(v.begin(), v.end(), id) != v.end(); }
}  // namespace

Votequorum::Votequorum(core::Clock& clock, core::Logger& logger, VotequorumOptions options, Callbacks cb)
    : clock_(clock),
      log_(logger, "votequorum"),
      opt_(std::move(options)),
      cb_(std::move(cb)),
      lms_timer_(clock),
      resend_timer_(clock) {
  HALAB_ASSERT_MSG(opt_.node_id != 0, "votequorum needs a node id");
  HALAB_ASSERT_MSG(opt_.expected_votes > 0, "votequorum needs expected_votes");
  auto& self = nodes_[opt_.node_id];
  self.state = NodeState::member;
  self.votes = opt_.votes;
  self.expected = opt_.expected_votes;
  wfa_status_ = opt_.wait_for_all;
  lms_ = opt_.last_man_standing;
  // Alone, before any ring: a one-node cluster is quorate at once. No
  // callback from the constructor: the first regular configuration reports.
  in_sync_ = true;
  recalculate(false, false);
}

bool Votequorum::is_member(NodeId id) const {
  return members_.empty() ? id == opt_.node_id : contains(members_, id);
}

std::uint32_t Votequorum::total_votes() const {
  std::uint32_t total = 0;
  for (const auto& [id, n] : nodes_)
    if (n.state == NodeState::member) total += n.votes;
  if (device_counts()) total += opt_.device_votes;
  return total;
}

std::uint32_t Votequorum::our_flags() const {
  std::uint32_t f = 0;
  if (quorate_) f |= kFlagQuorate;
  if (wfa_status_) f |= kFlagWaitForAll;
  if (first_) f |= kFlagFirst;
  if (opt_.device_votes > 0) f |= kFlagQdeviceRegistered;
  if (device_alive_) f |= kFlagQdeviceAlive;
  if (device_counts()) f |= kFlagQdeviceCastVote;
  return f;
}

void Votequorum::on_config_change(const totem::ConfigChange& cc) {
  if (!contains(cc.members, opt_.node_id)) {
    log_.error("configuration change for ring {} does not include us (node {}); ignored", cc.ring.to_string(),
               opt_.node_id);
    return;
  }
  // Anyone outside the new configuration stops counting at once: losing votes
  // early is always safe, gaining them waits for the node's NodeInfo.
  bool left = false;
  for (auto& [id, n] : nodes_) {
    if (id == opt_.node_id || contains(cc.members, id)) continue;
    if (n.state == NodeState::member) left = true, n.state = NodeState::dead;
  }
  if (cc.kind == totem::ConfigChange::Kind::transitional) {
    in_sync_ = true;  // the regular configuration follows; report after it
    recalculate(false, false);
    return;
  }

  std::vector<NodeId> members = cc.members;
  std::sort(members.begin(), members.end());
  for (NodeId id : members_)
    if (!contains(members, id)) left = true;
  // Joiners count only once their NodeInfo of this ring arrives.
  for (NodeId id : members)
    if (id != opt_.node_id && !contains(members_, id)) {
      auto& n = nodes_[id];
      n.state = NodeState::dead;
    }
  if (members.size() > 1) first_ = false;

  if (lms_) {
    const auto count = std::uint32_t(members.size());
    const bool tie = opt_.auto_tie_breaker && opt_.tie_breaker != 0 && contains(members, opt_.tie_breaker);
    if ((count >= quorum_ && left) || (count <= quorum_ && tie)) {
      log_.debug("last_man_standing: window of {} started", core::format_duration(opt_.last_man_standing_window));
      lms_timer_.arm(opt_.last_man_standing_window, [this] { on_lms_timer(); });
    }
  }

  previous_members_ = std::move(members_);
  members_ = std::move(members);
  ring_ = cc.ring;
  in_sync_ = true;
  sync_waiting_ = std::set<NodeId>(members_.begin(), members_.end());
  recalculate(false, false);
  send_nodeinfo();
}

void Votequorum::on_message(NodeId sender, core::ByteView payload) {
  auto d = decode(payload);
  if (!d.ok()) {
    ++stats_.bad_messages;
    log_.warning("dropped message from node {}: {}", sender, d.error);
    return;
  }
  if (const auto* n = std::get_if<NodeInfoMsg>(&*d.message)) {
    if (n->node != sender) {
      ++stats_.bad_messages;
      log_.warning("dropped NodeInfo for node {} sent by node {}", n->node, sender);
      return;
    }
    if (n->ring != ring_ || !is_member(sender)) {
      ++stats_.stale_messages;
      log_.debug("stale NodeInfo from node {} (ring {}, ours {})", sender, n->ring.to_string(), ring_.to_string());
      return;
    }
    on_nodeinfo(*n);
    return;
  }
  const auto& r = std::get<ReconfigureMsg>(*d.message);
  if (r.ring != ring_ || !is_member(sender)) {
    ++stats_.stale_messages;
    return;
  }
  on_reconfigure(r);
}

void Votequorum::on_nodeinfo(const NodeInfoMsg& m) {
  bool allow_decrease = false;
  if (m.node != opt_.node_id) {
    auto& n = nodes_[m.node];
    n.flags = m.flags;
    n.votes = m.votes;
    n.state = NodeState::member;
    const bool sender_quorate = m.flags & kFlagQuorate;
    // Joining a quorate partition: take its expected votes, which may be
    // lower than ours if last_man_standing brought them down while we were away.
    if (!quorate_ && sender_quorate) {
      allow_decrease = true;
      us().expected = m.expected_votes;
    }
    n.expected = sender_quorate ? m.expected_votes : us().expected;
    if (lms_ && n.votes > 1) {
      log_.warning("last_man_standing needs one vote per node; node {} has {}: last_man_standing disabled", m.node,
                   n.votes);
      lms_ = false;
      lms_timer_.cancel();
    }
    if (opt_.wait_for_all && sender_quorate && !(m.flags & kFlagWaitForAll)) wfa_status_ = false;
  }
  sync_waiting_.erase(m.node);
  recalculate(allow_decrease, false);
  if (in_sync_ && sync_waiting_.empty()) finish_sync();
}

void Votequorum::on_reconfigure(const ReconfigureMsg& m) {
  if (m.param == ReconfigureMsg::Param::expected_votes) {
    log_.notice("expected votes set to {} by node {}", m.value, m.node);
    for (auto& [id, n] : nodes_)
      if (n.state == NodeState::member) n.expected = m.value;
  } else {
    auto it = nodes_.find(m.node);
    if (it == nodes_.end()) return;
    log_.notice("votes of node {} set to {}", m.node, m.value);
    it->second.votes = m.value;
  }
  recalculate(true, false);
  if (m.param == ReconfigureMsg::Param::node_votes && m.node == opt_.node_id) send_nodeinfo();
}

void Votequorum::finish_sync() {
  in_sync_ = false;
  recalculate(false, false);
  notify();
}

void Votequorum::recalculate(bool allow_decrease, bool by_current) {
  const std::uint32_t total = total_votes();
  std::uint32_t node_count = device_counts() ? 1 : 0;
  for (const auto& [id, n] : nodes_)
    if (n.state == NodeState::member) ++node_count;

  if (total > us().expected) {
    log_.info("expected votes raised from {} to {}", us().expected, total);
    us().expected = total;
  }
  std::uint32_t highest = 0;
  for (const auto& [id, n] : nodes_)
    if (n.state == NodeState::member) highest = std::max(highest, n.expected);
  if (by_current) highest = total;

  std::uint32_t q = std::max(highest / 2 + 1, total / 2 + 1);
  if (!allow_decrease) q = std::max(q, quorum_);
  if (opt_.two_node && node_count <= 2) q = 1;
  quorum_ = q;

  if (by_current && total > 0) {
    log_.notice("last_man_standing: expected votes now {} (quorum {})", total, quorum_);
    for (auto& [id, n] : nodes_)
      if (n.state == NodeState::member) n.expected = total;
  }
  decide(total);
}

bool Votequorum::holds_tie_breaker() const {
  if (!opt_.auto_tie_breaker || opt_.tie_breaker == 0) return false;
  auto it = nodes_.find(opt_.tie_breaker);
  return it != nodes_.end() && it->second.state == NodeState::member && is_member(opt_.tie_breaker);
}

void Votequorum::decide(std::uint32_t total) {
  if (opt_.wait_for_all && wfa_status_) {
    if (total != us().expected) {
      HALAB_ASSERT_MSG(!quorate_, "waiting for all nodes while quorate");
      log_.debug("waiting for all cluster members: current votes {} expected votes {}", total, us().expected);
      return;
    }
    wfa_status_ = false;
  }
  bool q = total >= quorum_;
  // An exact even split: the half holding the tie-breaker keeps quorum.
  if (!q && total * 2 == us().expected && holds_tie_breaker()) q = true;

  const bool changed = q != quorate_;
  quorate_ = q;
  if (opt_.wait_for_all) wfa_status_ = !q;
  HALAB_ASSERT_MSG(quorum_ >= 1, "quorum below one vote");
  HALAB_ASSERT_MSG(us().state == NodeState::member, "we always count ourselves");
  HALAB_ASSERT_MSG(us().expected >= total, "expected votes below the votes present");
  if (!changed) return;
  if (q)
    log_.notice("this node is within the primary component and will provide service ({} of {} votes, quorum {})",
                total, us().expected, quorum_);
  else
    log_.notice("this node is in a non-primary component and will not provide service ({} of {} votes, quorum {})",
                total, us().expected, quorum_);
  if (!in_sync_) notify();
}

void Votequorum::on_lms_timer() {
  if (!quorate_ || !lms_) return;
  recalculate(true, true);
  send_nodeinfo();
}

void Votequorum::set_device_state(bool alive, bool cast_vote, std::optional<RingId> for_ring) {
  if (opt_.device_votes == 0) return;
  cast_vote = cast_vote && alive;
  if (alive == device_alive_ && cast_vote == device_cast_ && for_ring == device_ring_) return;
  log_.info("quorum device {}: {}, {}{}", opt_.device_name, alive ? "alive" : "not alive",
            cast_vote ? "casting its vote" : "not casting its vote",
            for_ring ? " for ring " + for_ring->to_string() : std::string());
  device_alive_ = alive;
  device_cast_ = cast_vote;
  device_ring_ = for_ring;
  recalculate(false, false);
  send_nodeinfo();
}

std::string Votequorum::set_expected_votes(std::uint32_t expected) {
  const std::uint32_t total = total_votes();
  if (expected == 0 || expected > kMaxVotes) return "expected votes out of range";
  if (expected < total) return "cannot set expected votes below the votes present (" + std::to_string(total) + ")";
  if (quorate_ && expected / 2 + 1 > total) return "the cluster would lose quorum";
  if (!send(ReconfigureMsg{opt_.node_id, ring_, ReconfigureMsg::Param::expected_votes, expected}))
    return "ring busy, try again";
  return {};
}

std::string Votequorum::set_votes(NodeId node, std::uint32_t votes) {
  if (nodes_.find(node) == nodes_.end()) return "node " + std::to_string(node) + " is not known";
  if (votes > kMaxVotes) return "votes out of range";
  if (!send(ReconfigureMsg{node, ring_, ReconfigureMsg::Param::node_votes, votes})) return "ring busy, try again";
  return {};
}

bool Votequorum::send(const Message& m) { return cb_.send && cb_.send(encode(m)); }

void Votequorum::send_nodeinfo() {
  // Always the latest state: a retry sends what is true then, not what was.
  NodeInfoMsg m{opt_.node_id, ring_, us().votes, us().expected, our_flags()};
  if (send(m)) {
    resend_timer_.cancel();
    return;
  }
  ++stats_.send_retries;
  if (!resend_timer_.armed()) resend_timer_.arm(std::chrono::milliseconds(100), [this] { send_nodeinfo(); });
}

void Votequorum::notify() {
  ++stats_.notifications;
  if (!cb_.quorum_changed) return;
  QuorumNotification n;
  n.quorate = quorate_;
  n.ring = ring_;
  n.members = members_.empty() ? std::vector<NodeId>{opt_.node_id} : members_;
  n.total_votes = total_votes();
  n.expected_votes = us().expected;
  n.quorum = quorum_;
  cb_.quorum_changed(n);
}

QuorumStatus Votequorum::status() const {
  QuorumStatus s;
  s.node_id = opt_.node_id;
  s.ring = ring_;
  s.members = members_.empty() ? std::vector<NodeId>{opt_.node_id} : members_;
  s.quorate = quorate_;
  s.expected_votes = us().expected;
  for (const auto& [id, n] : nodes_)
    if (n.state == NodeState::member) s.highest_expected = std::max(s.highest_expected, n.expected);
  s.total_votes = total_votes();
  s.quorum = quorum_;
  s.two_node = opt_.two_node;
  s.wait_for_all = opt_.wait_for_all;
  s.wait_for_all_status = wfa_status_;
  s.last_man_standing = lms_;
  s.auto_tie_breaker = opt_.auto_tie_breaker;
  s.device_configured = opt_.device_votes > 0;
  s.device_alive = device_alive_;
  s.device_cast_vote = device_counts();
  s.device_votes = opt_.device_votes;
  s.device_name = opt_.device_name;
  s.in_sync = in_sync_;
  return s;
}

std::vector<NodeView> Votequorum::nodes() const {
  std::vector<NodeView> v;
  for (const auto& [id, n] : nodes_)
    v.push_back(NodeView{id, n.state, n.votes, n.expected, id == opt_.node_id ? our_flags() : n.flags});
  return v;
}

}  // namespace halab::quorum
