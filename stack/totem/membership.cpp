// Totem SRP's membership protocol: GATHER (join messages, consensus),
// COMMIT (the commit token's first rotation), RECOVERY (old-ring messages
// rebroadcast in the new ring) and the installation of the new ring with
// its transitional and regular configurations.
#include <algorithm>
#include <iterator>

#include "stack/totem/srp.hpp"

namespace halab::totem {

namespace {
std::vector<NodeId> sorted(const std::set<NodeId>& s) { return {s.begin(), s.end()}; }
std::vector<NodeId> minus(const std::vector<NodeId>& a, const std::vector<NodeId>& b) {
  std::vector<NodeId> out;
  std::set_difference(a.begin(), a.end(), b.begin(), b.end(), std::back_inserter(out));
  return out;
}
std::string list(const std::vector<NodeId>& v) {
  std::string s;
  for (auto id : v) s += (s.empty() ? "" : " ") + std::to_string(id);
  return s.empty() ? "none" : s;
}
}  // namespace

void Srp::enter_gather(const char* why, bool decide) {
  log_.debug("entering GATHER from {} ({})", to_string(state_), why);
  state_ = SrpState::gather;
  token_loss_timer_.cancel();
  token_warning_timer_.cancel();
  token_retransmit_timer_.cancel();
  hold_timer_.cancel();
  fail_recv_rotations_ = 0;
  last_aru_seen_ = 0;
  merge_timer_.cancel();
  held_token_.reset();
  sent_token_.reset();
  recovery_queue_.clear();
  next_store_ = {};
  token_originated_ = false;
  consensus_ = false;
  joins_.clear();  // agreement is per round: peers resend their joins every `join`
  proc_.insert(members_.begin(), members_.end());
  proc_.insert(opt_.node_id);
  failed_.erase(opt_.node_id);
  send_join();
  consensus_timer_.arm(opt_.consensus, [this] { on_consensus_timeout(); });
  if (decide) check_consensus();  // alone, with nobody to wait for
}

void Srp::send_join() {
  JoinMsg j{opt_.node_id, highest_ring_seq_, sorted(proc_), sorted(failed_)};
  send_all(j);
  joins_[opt_.node_id] = j;
  join_timer_.arm(opt_.join, [this] {
    if (state_ == SrpState::gather) send_join();
  });
}

void Srp::on_join(const JoinMsg& j) {
  if (j.sender == opt_.node_id) return;
  if (state_ == SrpState::operational) {
    // A member's join from before this ring formed is stale; anything else
    // means someone is (re)forming membership, and we take part.
    if (std::binary_search(members_.begin(), members_.end(), j.sender) && j.ring_seq < ring_.seq) return;
    enter_gather("join received", false);
  } else if (state_ == SrpState::commit || state_ == SrpState::recovery) {
    // Outsiders wait until the ring is up. A member's join that agrees with
    // the ring being formed was sent before it got the commit token: old news.
    if (!std::binary_search(commit_members_.begin(), commit_members_.end(), j.sender)) return;
    if (minus(j.proc, j.failed) == commit_members_) return;
    enter_gather("join from a member of the ring being formed", false);
  }
  gather_join(j);
}

void Srp::gather_join(const JoinMsg& j) {
  HALAB_ASSERT(state_ == SrpState::gather);
  if (failed_.count(j.sender)) return;
  joins_[j.sender] = j;
  bool changed = false;
  if (std::binary_search(j.failed.begin(), j.failed.end(), opt_.node_id)) {
    // It counts us failed. Counting it failed in return (as the paper does)
    // lets two sides' stale joins keep each other out for ever; instead we
    // ignore this join: either its next one takes us back, or our consensus
    // timeout gives up on it.
    joins_.erase(j.sender);
    proc_.insert(j.sender);
  } else {
    changed |= proc_.insert(j.sender).second;
    for (auto p : j.proc) changed |= proc_.insert(p).second;
    for (auto f : j.failed)
      if (f != opt_.node_id) changed |= failed_.insert(f).second;
  }
  if (changed) {
    consensus_ = false;
    send_join();
  }
  check_consensus();
}

void Srp::check_consensus() {
  if (state_ != SrpState::gather || consensus_) return;
  const auto procs = sorted(proc_), fails = sorted(failed_);
  for (auto n : minus(procs, fails)) {
    if (n == opt_.node_id) continue;
    auto it = joins_.find(n);
    if (it == joins_.end() || it->second.proc != procs || it->second.failed != fails) return;
  }
  consensus_ = true;
  const auto active = minus(procs, fails);
  log_.debug("consensus on members {} (failed {})", list(active), list(fails));
  if (active.front() == opt_.node_id) form_commit();
}

void Srp::on_consensus_timeout() {
  if (state_ != SrpState::gather) return;
  const auto procs = sorted(proc_), fails = sorted(failed_);
  const auto active = minus(procs, fails);
  bool changed = false;
  for (auto n : active) {
    if (n == opt_.node_id) continue;
    auto it = joins_.find(n);
    if (it == joins_.end() || it->second.proc != procs || it->second.failed != fails) {
      failed_.insert(n);
      changed = true;
    }
  }
  if (!changed && consensus_ && active.front() != opt_.node_id) {
    // We agreed but the representative's commit token never came.
    failed_.insert(active.front());
    changed = true;
  }
  log_.debug("consensus timeout: failed now {}", list(sorted(failed_)));
  consensus_ = false;
  send_join();
  consensus_timer_.arm(opt_.consensus, [this] { on_consensus_timeout(); });
  check_consensus();
}

void Srp::form_commit() {
  const auto active = minus(sorted(proc_), sorted(failed_));
  HALAB_ASSERT(active.front() == opt_.node_id);
  std::uint64_t seq = std::max(highest_ring_seq_, ring_.seq);
  for (auto n : active)
    if (auto it = joins_.find(n); it != joins_.end()) seq = std::max(seq, it->second.ring_seq);
  CommitMsg c;
  c.ring = {opt_.node_id, seq + 4};  // corosync steps ring seqs by 4
  for (auto n : active) c.members.push_back(CommitEntry{n, {}, 0, 0, 0, false});
  enter_commit(c);
}

// The commit token: the first rotation collects every member's old-ring
// position and moves everyone to COMMIT; the second, with all entries
// filled, moves everyone to RECOVERY; its return to the representative
// starts the new ring's token.
void Srp::on_commit(CommitMsg c) {
  if (sent_token_ && std::holds_alternative<CommitMsg>(*sent_token_) && c.ring == commit_.ring) {
    token_retransmit_timer_.cancel();  // it came round: our successor had it
    sent_token_.reset();
  }
  const bool all_filled = std::all_of(c.members.begin(), c.members.end(), [](auto& e) { return e.filled; });
  auto mine = std::find_if(c.members.begin(), c.members.end(), [&](auto& e) { return e.node == opt_.node_id; });
  if (mine == c.members.end()) return;
  if (state_ == SrpState::gather) {
    std::vector<NodeId> ids;
    for (const auto& e : c.members) ids.push_back(e.node);
    if (ids != minus(sorted(proc_), sorted(failed_)) || c.ring.seq <= ring_.seq || mine->filled) return;
    enter_commit(c);
    return;
  }
  if (c.ring != commit_.ring || !all_filled) return;
  if (state_ == SrpState::commit) {
    enter_recovery(c);
    pass_on(next_of(commit_members_), c);
    return;
  }
  if (state_ == SrpState::recovery && c.ring.rep == opt_.node_id && !token_originated_) {
    token_originated_ = true;
    TokenMsg t;
    t.ring = commit_.ring;
    t.token_seq = 1;
    last_token_seq_ = 0;
    log_.debug("originating the token of ring {}", commit_.ring.to_string());
    on_token(std::move(t));
  }
}

void Srp::enter_commit(const CommitMsg& c) {
  state_ = SrpState::commit;
  join_timer_.cancel();
  consensus_timer_.cancel();
  commit_ = c;
  commit_members_.clear();
  for (const auto& e : c.members) commit_members_.push_back(e.node);
  persist_ring_seq(c.ring.seq);
  for (auto& e : commit_.members)
    if (e.node == opt_.node_id) e = {opt_.node_id, ring_, store_.aru, store_.high_seq, store_.high_delivered, true};
  token_loss_timer_.arm(opt_.token, [this] { on_token_loss(); });
  log_.debug("COMMIT for ring {} with {}", commit_.ring.to_string(), list(commit_members_));
  const bool all_filled = std::all_of(commit_.members.begin(), commit_.members.end(), [](auto& e) { return e.filled; });
  if (all_filled && commit_members_.size() == 1) {
    enter_recovery(commit_);
    on_commit(commit_);  // alone: originate the token at once
    return;
  }
  pass_on(next_of(commit_members_), commit_);
}

void Srp::enter_recovery(const CommitMsg& c) {
  state_ = SrpState::recovery;
  commit_ = c;
  next_store_ = {};
  last_token_seq_ = 0;
  prev_token_aru_ = 0;
  my_fcc_ = my_backlog_ = 0;
  quiet_rotations_ = 0;
  token_loss_timer_.arm(opt_.token, [this] { on_token_loss(); });

  // Old-ring peers moving with us may lack messages we hold: everything
  // above the lowest aru among them goes out again, wrapped.
  std::uint64_t low_aru = store_.aru;
  std::size_t peers = 0;
  for (const auto& e : c.members)
    if (e.old_ring == ring_) {
      low_aru = std::min(low_aru, e.aru);
      ++peers;
    }
  recovery_queue_.clear();
  if (peers > 1)
    for (auto it = store_.msgs.upper_bound(low_aru); it != store_.msgs.end(); ++it) {
      if (it->second.wrapper) continue;
      McastMsg m;
      m.recovered = true;
      m.old_ring = ring_;
      m.old_seq = it->first;
      m.old_sender = it->second.sender;
      m.payload = it->second.payload;
      recovery_queue_.push_back(std::move(m));
    }
  log_.debug("RECOVERY for ring {}: {} old-ring messages to resend (old-ring peers {}, low aru {})",
             c.ring.to_string(), recovery_queue_.size(), peers, low_aru);
}

void Srp::enter_operational() {
  HALAB_ASSERT(state_ == SrpState::recovery);
  // Old-ring messages not yet delivered, in order; holes nobody moving with
  // us holds are skipped, the same way by all of us.
  for (auto it = store_.msgs.upper_bound(store_.high_delivered); it != store_.msgs.end(); ++it) {
    store_.high_delivered = it->first;
    if (it->second.wrapper) continue;
    ++stats_.delivered;
    if (cb_.deliver) cb_.deliver(it->second.sender, it->second.payload);
  }
  std::vector<NodeId> transitional;
  for (const auto& e : commit_.members)
    if (e.old_ring == ring_) transitional.push_back(e.node);
  const auto old_members = members_;
  const auto left = minus(old_members, transitional);
  const auto joined = minus(commit_members_, transitional);

  ring_ = commit_.ring;
  members_ = commit_members_;
  store_ = std::move(next_store_);
  next_store_ = {};
  state_ = SrpState::operational;
  proc_.clear();
  failed_.clear();
  joins_.clear();
  consensus_ = false;
  recovery_queue_.clear();
  ++stats_.rings_formed;

  log_.notice("A new membership ({}) was formed. Members joined: {} left: {}", ring_.to_string(), list(joined),
              list(left));
  if (cb_.config_change) {
    cb_.config_change({ConfigChange::Kind::transitional, ring_, transitional, left, {}});
    cb_.config_change({ConfigChange::Kind::regular, ring_, members_, left, joined});
  }
  deliver_ready(store_);  // recovery wrappers: nothing for the application
  start_merge_detect();
}

}  // namespace halab::totem
