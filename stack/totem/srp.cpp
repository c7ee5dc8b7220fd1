// Totem SRP: construction, packet dispatch, the token and ordered delivery.
// The membership protocol (GATHER, COMMIT, RECOVERY) is in membership.cpp.
#include "stack/totem/srp.hpp"

#include <algorithm>
#include <charconv>

#include "stack/core/error.hpp"

namespace halab::totem {

namespace {
StoredMsg stored_of(const McastMsg& m) {
  return {m.sender, m.recovered, m.payload, m.old_ring, m.old_seq, m.old_sender};
}
}  // namespace

const char* to_string(SrpState s) {
  switch (s) {
    case SrpState::gather: return "GATHER";
    case SrpState::commit: return "COMMIT";
    case SrpState::recovery: return "RECOVERY";
    case SrpState::operational: return "OPERATIONAL";
  }
  return "?";
}

SrpOptions srp_options(const config::CorosyncConf& conf, NodeId node_id) {
  SrpOptions o;
  o.node_id = node_id;
  o.token = conf.effective_token();
  o.token_retransmit = conf.effective_token_retransmit();
  o.token_retransmits_before_loss_const = conf.totem.token_retransmits_before_loss_const;
  o.join = conf.totem.join;
  o.consensus = conf.effective_consensus();
  o.merge = conf.totem.merge;
  o.hold = conf.effective_hold();
  o.token_warning = o.token * conf.totem.token_warning / 100;
  o.fail_recv_const = conf.totem.fail_recv_const;
  o.window_size = conf.totem.window_size;
  o.max_messages = conf.totem.max_messages;
  return o;
}

Srp::Srp(core::Env& env, SrpOptions opt, Transport& transport, SrpCallbacks cb)
    : env_(env),
      opt_(opt),
      tx_(transport),
      cb_(std::move(cb)),
      log_(env.log("TOTEM")),
      token_loss_timer_(env.clock),
      token_retransmit_timer_(env.clock),
      join_timer_(env.clock),
      consensus_timer_(env.clock),
      merge_timer_(env.clock),
      hold_timer_(env.clock),
      local_timer_(env.clock) {
  HALAB_ASSERT(opt_.node_id != 0);
  HALAB_ASSERT(opt_.window_size > 0 && opt_.max_messages > 0);
  if (auto text = env_.storage.read_text("totem/ringid")) {
    // Written only by persist_ring_seq, atomically: a decimal ring seq.
    std::uint64_t seq = 0;
    auto [p, ec] = std::from_chars(text->data(), text->data() + text->size(), seq);
    if (ec != std::errc() || p != text->data() + text->size())
      throw core::Error("totem/ringid in the state directory is corrupt: '" + *text + "'");
    highest_ring_seq_ = seq;
  }
  // Until it joins a ring the node sits in a ring of its own. Its id must
  // name no ring that exists or existed (we may have been the representative
  // of ring (us, persisted seq) before a restart), so step past it, durably.
  persist_ring_seq(highest_ring_seq_ + 4);
  ring_ = {opt_.node_id, highest_ring_seq_};
  members_ = {opt_.node_id};
  tx_.set_handler([this](NodeId from, core::ByteView p) { on_packet(from, p); });
}

Srp::~Srp() { tx_.set_handler(nullptr); }

void Srp::start() {
  HALAB_ASSERT(!started_);
  started_ = true;
  log_.notice("node {} starting, last ring seq {}", opt_.node_id, highest_ring_seq_);
  enter_gather("startup");
}

bool Srp::mcast(core::ByteView payload) {
  if (queue_.size() >= opt_.max_queue || payload.size() > kMaxMessage) return false;
  queue_.emplace_back(payload.begin(), payload.end());
  // A representative holding an idle token lets it go at once.
  if (held_token_ && state_ == SrpState::operational) {
    hold_timer_.cancel();
    auto t = std::move(*held_token_);
    held_token_.reset();
    hold_timer_.arm(core::Duration::zero(), [this, t]() mutable { forward_token(std::move(t)); });
  }
  return true;
}

// ---------------------------------------------------------------- packets

void Srp::on_packet(NodeId from, core::ByteView payload) {
  if (!started_) return;
  auto m = decode(payload);
  if (!m) {
    ++stats_.bad_messages;
    log_.debug("undecodable message from node {} ({} bytes) dropped", from, payload.size());
    return;
  }
  std::visit(
      [&](auto&& msg) {
        using T = std::decay_t<decltype(msg)>;
        if constexpr (std::is_same_v<T, McastMsg>) on_mcast(msg);
        if constexpr (std::is_same_v<T, TokenMsg>) on_token(std::move(msg));
        if constexpr (std::is_same_v<T, JoinMsg>) on_join(msg);
        if constexpr (std::is_same_v<T, CommitMsg>) on_commit(std::move(msg));
        if constexpr (std::is_same_v<T, MergeDetectMsg>) on_merge_detect(msg);
      },
      *m);
  check_invariants();
}

void Srp::send_all(const Message& m) { tx_.send_all(encode(m)); }

void Srp::send_unicast(NodeId to, const Message& m) {
  if (to != opt_.node_id) {
    tx_.send_to(to, encode(m));
    return;
  }
  local_inbox_.push_back(encode(m));
  if (!local_timer_.armed())
    local_timer_.arm(core::Duration::zero(), [this] {
      while (!local_inbox_.empty()) {
        auto b = std::move(local_inbox_.front());
        local_inbox_.pop_front();
        on_packet(opt_.node_id, b);
      }
    });
}

NodeId Srp::next_of(const std::vector<NodeId>& ring) const {
  HALAB_ASSERT(!ring.empty());
  auto it = std::upper_bound(ring.begin(), ring.end(), opt_.node_id);
  return it == ring.end() ? ring.front() : *it;
}

void Srp::on_mcast(const McastMsg& m) {
  if (m.ring == ring_) {  // our (operational or old) ring: late copies help recovery too
    store_.add(m.seq, stored_of(m));
    if (state_ == SrpState::operational) {
      deliver_ready(store_);
      if (sent_token_ && m.sender == sent_token_to_) token_retransmit_timer_.cancel();  // it has the token
    }
    return;
  }
  if (state_ == SrpState::recovery && m.ring == commit_.ring) {
    if (next_store_.add(m.seq, stored_of(m)) && m.recovered && m.old_ring == ring_)
      store_.add(m.old_seq, StoredMsg{m.old_sender, false, m.payload, {}, 0, 0});
    if (sent_token_ && m.sender == sent_token_to_) token_retransmit_timer_.cancel();
  }
  // A foreign ring's traffic: merge detection handles it.
}

void Srp::deliver_ready(RingStore& s) {
  while (s.high_delivered < s.aru) {
    const auto seq = s.high_delivered + 1;
    auto it = s.msgs.find(seq);
    HALAB_ASSERT(it != s.msgs.end());
    s.high_delivered = seq;
    if (it->second.wrapper) continue;
    ++stats_.delivered;
    if (cb_.deliver) cb_.deliver(it->second.sender, it->second.payload);
  }
}

// ---------------------------------------------------------------- token

void Srp::on_token(TokenMsg t) {
  const bool recovering = state_ == SrpState::recovery;
  if (state_ != SrpState::operational && !recovering) return;
  const RingId active = recovering ? commit_.ring : ring_;
  log_.trace("token ring {} token_seq {} seq {} aru {} rtr {} in {}", t.ring.to_string(), t.token_seq, t.seq, t.aru,
             t.rtr.size(), to_string(state_));
  if (t.ring != active || t.token_seq <= last_token_seq_) return;  // foreign, old or duplicate
  last_token_seq_ = t.token_seq;
  ++stats_.tokens;
  token_retransmit_timer_.cancel();
  sent_token_.reset();
  token_loss_timer_.arm(opt_.token, [this] { on_token_loss(); });
  if (opt_.token_warning.count() > 0)
    token_warning_timer_.arm(opt_.token_warning, [this] {
      if (state_ == SrpState::operational)
        log_.warning("Token has not been received in {} ms", core::to_ms(opt_.token_warning));
    });

  if (recovering && t.install) {
    enter_operational();  // the store below is now the new ring's
  } else if (!recovering && is_rep()) {
    t.install = false;  // it has been all the way round
    arm_merge_detect();
  }
  const bool operational = state_ == SrpState::operational;
  RingStore& s = operational ? store_ : next_store_;
  const RingId ring = operational ? ring_ : commit_.ring;

  // 1. Serve retransmission requests we can.
  std::uint32_t resent = 0;
  std::vector<std::uint64_t> rtr;
  for (auto seq : t.rtr) {
    auto it = s.msgs.find(seq);
    if (it != s.msgs.end() && resent < std::uint32_t(opt_.max_messages)) {
      McastMsg m;
      m.ring = ring;
      m.seq = seq;
      m.sender = it->second.sender;
      m.recovered = it->second.wrapper;
      m.old_ring = it->second.old_ring;
      m.old_seq = it->second.old_seq;
      m.old_sender = it->second.old_sender;
      m.payload = it->second.payload;
      send_all(m);
      ++resent;
      ++stats_.retransmitted;
    } else if (seq > s.aru || !s.has(seq)) {
      rtr.push_back(seq);
    }
  }
  // 2. Ask for what we miss.
  for (auto seq = s.aru + 1; seq <= t.seq && rtr.size() < kMaxRtr; ++seq)
    if (!s.has(seq) && std::find(rtr.begin(), rtr.end(), seq) == rtr.end()) rtr.push_back(seq);
  t.rtr = std::move(rtr);
  // corosync's fail_recv_const: messages keep going missing here while the
  // ring moves on; after that many rotations without progress, form a new ring.
  if (operational) {
    fail_recv_rotations_ = s.aru < t.seq && s.aru == last_aru_seen_ ? fail_recv_rotations_ + 1 : 0;
    last_aru_seen_ = s.aru;
    if (fail_recv_rotations_ >= opt_.fail_recv_const) {
      log_.warning("FAILED TO RECEIVE: {} rotations without receiving message {}; forming a new configuration",
                   fail_recv_rotations_, s.aru + 1);
      fail_recv_rotations_ = 0;
      ++stats_.failed_to_receive;
      token_warning_timer_.cancel();
      enter_gather("failed to receive");
      return;
    }
  }

  // 3. Broadcast new messages, within flow control.
  const std::uint32_t others = t.fcc - std::min(t.fcc, my_fcc_);
  long allowed = opt_.max_messages - long(resent);
  allowed = std::min(allowed, long(opt_.window_size) - long(others) - long(resent));
  allowed = std::min(allowed, long(opt_.window_size) - long(t.seq - t.aru));
  std::uint32_t sent = 0;
  while (allowed > 0) {
    McastMsg m;
    if (operational) {
      if (queue_.empty()) break;
      m.payload = std::move(queue_.front());
      queue_.pop_front();
    } else {
      if (recovery_queue_.empty()) break;
      m = std::move(recovery_queue_.front());
      recovery_queue_.pop_front();
    }
    m.ring = ring;
    m.seq = ++t.seq;
    m.sender = opt_.node_id;
    s.add(m.seq, stored_of(m));
    send_all(m);
    ++sent;
    ++stats_.mcasts_sent;
    --allowed;
  }
  log_.trace("flow: fcc {} others {} resent {} sent {} queued {} backlog {}", t.fcc, others, resent, sent,
             operational ? queue_.size() : recovery_queue_.size(), t.backlog);
  t.fcc = others + sent + resent;
  my_fcc_ = sent + resent;
  const std::uint32_t backlog = std::uint32_t(operational ? queue_.size() : recovery_queue_.size());
  t.backlog = t.backlog - std::min(t.backlog, my_backlog_) + backlog;
  my_backlog_ = backlog;

  // 4. All-received-up-to, as in the paper.
  if (s.aru < t.aru || t.aru_addr == opt_.node_id || t.aru_addr == 0) {
    t.aru = std::min(s.aru, t.seq);
    t.aru_addr = t.aru == t.seq ? 0 : opt_.node_id;
  }

  // 5. Garbage: what every member had on two consecutive visits.
  s.free_up_to(std::min(prev_token_aru_, t.aru));
  prev_token_aru_ = t.aru;

  if (operational) deliver_ready(s);

  // 6. Recovery ends after two quiet rotations seen by the representative.
  if (!operational) {
    const bool rep = commit_.ring.rep == opt_.node_id;
    if (rep) {
      const bool quiet = !t.retrans_flg && t.aru == t.seq && recovery_queue_.empty() && sent == 0 && resent == 0;
      quiet_rotations_ = quiet ? quiet_rotations_ + 1 : 0;
      t.retrans_flg = !recovery_queue_.empty();
      if (quiet_rotations_ >= 2) {
        t.install = true;
        enter_operational();
      }
    } else if (!recovery_queue_.empty()) {
      t.retrans_flg = true;
    }
  }

  t.token_seq = last_token_seq_ + 1;
  // 7. An idle ring's representative holds the token a moment.
  const bool idle = state_ == SrpState::operational && is_rep() && !t.install && queue_.empty() &&
                    t.backlog == 0 && t.rtr.empty() && t.aru == t.seq && sent == 0 && resent == 0;
  if (idle) {
    held_token_ = std::move(t);
    hold_timer_.arm(opt_.hold, [this] {
      if (!held_token_) return;
      auto tok = std::move(*held_token_);
      held_token_.reset();
      forward_token(std::move(tok));
    });
    return;
  }
  forward_token(std::move(t));
}

void Srp::forward_token(TokenMsg t) {
  if (state_ != SrpState::operational && state_ != SrpState::recovery) return;
  const auto& ring = state_ == SrpState::operational ? members_ : commit_members_;
  pass_on(next_of(ring), std::move(t));
}

void Srp::pass_on(NodeId to, Message m) {
  sent_token_to_ = to;
  sent_token_ = std::move(m);
  token_retransmits_left_ = opt_.token_retransmits_before_loss_const;
  send_token();
}

void Srp::send_token() {
  HALAB_ASSERT(sent_token_.has_value());
  send_unicast(sent_token_to_, *sent_token_);
  if (sent_token_to_ == opt_.node_id) return;  // to ourselves: cannot be lost
  token_retransmit_timer_.arm(opt_.token_retransmit, [this] {
    if (!sent_token_ || token_retransmits_left_ <= 0) return;
    --token_retransmits_left_;
    ++stats_.token_retransmits;
    send_token();
  });
}

void Srp::on_token_loss() {
  ++stats_.token_losses;
  if (state_ == SrpState::operational) {
    log_.notice("A processor failed, forming new configuration: token timed out in ring {}", ring_.to_string());
    if (cb_.token_lost) {
      std::vector<NodeId> others;
      for (NodeId m : members_)
        if (m != opt_.node_id) others.push_back(m);
      cb_.token_lost(others);
    }
  } else {
    log_.notice("token lost in {} while forming ring {}", to_string(state_), commit_.ring.to_string());
  }
  enter_gather("token loss");
}

void Srp::on_merge_detect(const MergeDetectMsg& m) {
  if (state_ != SrpState::operational || m.ring == ring_ || !is_rep()) return;
  if (std::binary_search(members_.begin(), members_.end(), m.sender)) return;
  log_.info("ring {} seen from node {}: merging", m.ring.to_string(), m.sender);
  enter_gather("merge");
}

void Srp::start_merge_detect() {
  if (state_ != SrpState::operational || !is_rep()) return;
  send_all(MergeDetectMsg{ring_, opt_.node_id});
}

// As corosync does: the representative's merge-detect timer is started when
// the token reaches it (unless one is pending), so an idle ring announces
// itself once per rotation at most, `merge` after the token's visit.
void Srp::arm_merge_detect() {
  if (merge_timer_.armed()) return;
  merge_timer_.arm(opt_.merge, [this] { start_merge_detect(); });
}

void Srp::persist_ring_seq(std::uint64_t seq) {
  if (seq <= highest_ring_seq_) return;
  highest_ring_seq_ = seq;
  env_.storage.write("totem/ringid", std::to_string(seq), core::Sync::durable);
}

void Srp::check_invariants() const {
  store_.check();
  HALAB_ASSERT(std::is_sorted(members_.begin(), members_.end()));
  HALAB_ASSERT(std::binary_search(members_.begin(), members_.end(), opt_.node_id));
  HALAB_ASSERT(ring_.seq <= highest_ring_seq_);
  if (state_ == SrpState::operational) {
    HALAB_ASSERT(ring_.rep == members_.front());
    HALAB_ASSERT(!join_timer_.armed() && !consensus_timer_.armed());
    HALAB_ASSERT(token_loss_timer_.armed());
  }
  if (state_ == SrpState::gather) {
    HALAB_ASSERT(proc_.count(opt_.node_id) && !failed_.count(opt_.node_id));
    HALAB_ASSERT(consensus_timer_.armed());
  }
  if (state_ == SrpState::commit || state_ == SrpState::recovery) {
    HALAB_ASSERT(commit_.ring.seq > ring_.seq);
    HALAB_ASSERT(commit_.ring.seq <= highest_ring_seq_);
  }
}

}  // namespace halab::totem
