// The controller's join: the DC's round (offer, replies, sync of the best
// CIB, membership records, confirm) and what members do in it; resyncs.
#include "stack/controller/controller.hpp"

#include <algorithm>

#include "stack/cib/patchset.hpp"
#include "stack/controller/node_state.hpp"
#include "stack/core/assert.hpp"
#include "stack/core/error.hpp"

namespace halab::controller {

void Controller::handle(const Member& from, const JoinOffer& m) {
  const auto before = election_.dc();
  election_.on_announce(from, m.order);
  if (election_.dc() != from) {
    ++stats_.stale_messages;
    log_.debug("join offer from {} who is not DC: ignored", from.str());
    return;
  }
  offer_ = {from, m.join_id};
  for (const auto& d : m.done) {
    raise_floor(d.origin, d.incarnation, d.floor);
    for (auto q : d.seqs) mark_done(RequestKey{d.origin, d.incarnation, q});
  }
  if (election_.dc() != before) {
    resend_outstanding();
    changed(false, false, false, true);
  }
  send(JoinReply{m.join_id, cib_.version(), cib_.digest(), opt_.node_name});
}

void Controller::handle(const Member& from, const JoinReply& m) {
  if (!m.uname.empty()) names_[from.node] = m.uname;
  if (!election_.is_dc() || !round_active_ || m.join_id != round_.id) return;
  round_.replies[from] = m;
  check_round();
}

void Controller::handle(const Member& from, const SyncRequest& m) {
  if (election_.dc() != from || !offer_ || offer_->second != m.join_id) return;
  if (m.target != self_) return;
  log_.info("sending our CIB (version {}) for join {}", cib_.version().str(), m.join_id);
  send(CibFull{m.join_id, Member{}, cib_.to_xml()});
}

void Controller::handle(const Member& from, const CibFull& m) {
  if (m.join_id != 0) {
    if (!offer_ || offer_->second != m.join_id) {
      ++stats_.stale_messages;
      return;
    }
    adopt(m.xml, "join sync");
    if (election_.is_dc() && round_active_ && round_.id == m.join_id && round_.syncing) {
      working_ = cib_;
      finish_round();
    }
    return;
  }
  if (m.target != self_ || election_.dc() != from) return;
  adopt(m.xml, "resync");
}

void Controller::adopt(const std::string& xml, const char* why) {
  try {
    auto c = cib::Cib::parse(xml, why);
    const bool same = c.version() == cib_.version() && c.digest() == cib_.digest();
    if (!same) {
      log_.info("{}: CIB replaced, {} -> {}", why, cib_.version().str(), c.version().str());
      cib_ = std::move(c);
      persist();
      changed(true, false, false, false);
      // Our commits not yet acknowledged may be missing from the adopted CIB
      // (another partition's lineage won): ask again; a DC that knows them
      // decided drops the copy.
      bool again = false;
      for (auto& [seq, o] : outstanding_)
        if (o.committed) {
          o.committed.reset();
          o.sent_to.reset();
          again = true;
        }
      if (again) resend_outstanding();
    }
    synced_ = true;
    resync_pending_ = false;
    ++stats_.syncs;
    schedule_applied();
  } catch (const core::Error& e) {
    ++stats_.bad_messages;
    log_.error("{}: received CIB unusable: {}", why, e.what());
    synced_ = false;
  }
}

void Controller::handle(const Member& from, const JoinConfirm& m) {
  if (election_.dc() != from) return;
  confirmed_ = m.included;
  std::sort(confirmed_.begin(), confirmed_.end());
  check_acks();
  if (cib_.version() == m.version && cib_.digest() == m.digest) {
    synced_ = true;
    changed(false, false, false, false, true);
    return;
  }
  request_resync("join " + std::to_string(m.join_id) + " ended at " + m.version.str() + " but our CIB is at " +
                 cib_.version().str());
}

void Controller::request_resync(const std::string& why) {
  synced_ = false;
  if (resync_pending_) return;
  resync_pending_ = true;
  ++stats_.resyncs_requested;
  log_.warning("asking the DC for its CIB: {}", why);
  send(ResyncRequest{cib_.version()});
}

void Controller::handle(const Member& from, const ResyncRequest& m) {
  if (!election_.is_dc()) return;
  ++stats_.resyncs_served;
  log_.info("{} (at {}) asked for the CIB: sending {}", from.str(), m.have.str(), working_->version().str());
  send(CibFull{0, from, working_->to_xml()});
}

void Controller::start_round() {
  HALAB_ASSERT(election_.is_dc());
  round_active_ = true;
  round_ = Round{};
  do round_.id = rng_.next();
  while (round_.id == 0);
  ++stats_.join_rounds;
  JoinOffer offer{round_.id, election_.order(), {}};
  for (const auto& [k, d] : done_)
    offer.done.push_back(DoneEntry{k.first, k.second, d.floor, std::vector<std::uint64_t>(d.seqs.begin(), d.seqs.end())});
  send(offer);
  const auto id = round_.id;
  round_timer_.arm(opt_.join_timeout, [this, id] {
    if (!round_active_ || round_.id != id || round_.syncing || !round_.replies.count(self_)) return;
    std::string missing;
    for (const auto& m : view_.members)
      if (!round_.replies.count(m)) missing += " " + m.str();
    log_.warning("join {}: no answer within {} ms from{}; going on without them", id,
                 std::chrono::duration_cast<std::chrono::milliseconds>(opt_.join_timeout).count(), missing);
    check_round(true);
  });
}

void Controller::check_round(bool timed_out) {
  if (round_.syncing) return;
  if (!timed_out)
    for (const auto& m : view_.members)
      if (!round_.replies.count(m)) return;
  // The best CIB: highest version, then ours, then the lowest member.
  const JoinReply* best = nullptr;
  Member best_member;
  for (const auto& [m, r] : round_.replies) {
    if (!std::binary_search(view_.members.begin(), view_.members.end(), m)) continue;
    if (!best || r.version > best->version || (r.version == best->version && m == self_ && best_member != self_)) {
      best = &r;
      best_member = m;
    }
  }
  HALAB_ASSERT(best);
  bool all_same = true;
  for (const auto& [m, r] : round_.replies)
    if (r.version != best->version || r.digest != best->digest) all_same = false;
  for (const auto& [m, r] : round_.replies)
    if (r.version == best->version && r.digest != best->digest)
      log_.warning("join {}: {} holds a different CIB at the same version {}; {}'s wins", round_.id, m.str(),
                   r.version.str(), best_member.str());
  if (all_same) {
    finish_round();
    return;
  }
  round_.syncing = true;
  log_.info("join {}: the highest CIB is {} at {}", round_.id, best_member.str(), best->version.str());
  if (best_member == self_)
    send(CibFull{round_.id, Member{}, cib_.to_xml()});
  else
    send(SyncRequest{round_.id, best_member});
}

void Controller::finish_round() {
  HALAB_ASSERT(election_.is_dc() && round_active_);
  working_ = cib_;
  round_timer_.cancel();
  record_membership_now();
  JoinConfirm confirm{round_.id, working_->version(), working_->digest(), {}};
  for (const auto& m : view_.members)
    if (round_.replies.count(m)) confirm.included.push_back(m);
  send(confirm);
  round_active_ = false;
  log_.info("join {} done: {} member(s), CIB {}", round_.id, view_.members.size(), working_->version().str());
  drain_queue();
}

MembershipFacts Controller::membership_facts(const cib::Cib& names_from) const {
  MembershipFacts f;
  for (const auto& [id, name] : node_names(names_from)) f.known[id] = name;
  for (const auto& [id, name] : names_) f.known[id] = name;
  for (const auto& m : view_.members) {
    auto it = f.known.find(m.node);
    if (it != f.known.end()) f.members[m.node] = it->second;
  }
  for (const auto& [id, name] : f.members) f.known[id] = name;
  if (round_active_) {
    for (const auto& m : view_.members)
      if (!round_.replies.count(m)) f.pending.insert(m.node);
  } else if (!confirmed_.empty()) {
    for (const auto& m : view_.members)
      if (!std::binary_search(confirmed_.begin(), confirmed_.end(), m)) f.pending.insert(m.node);
  }
  f.dc = self_.node;
  if (quorum_note_) f.quorate = quorate_;
  f.add_nodes = quorate_ || !opt_.updates_need_quorum;
  return f;
}

void Controller::record_membership_now() {
  // Without quorum nothing is written when updates need quorum: a minority
  // that bumped num_updates could otherwise win the merge's version
  // comparison over the quorate side's acknowledged status updates.
  // (scheduler_input() shows the scheduler the membership all the same.)
  if (opt_.updates_need_quorum && !quorate_) return;
  const MembershipFacts f = membership_facts(*working_);
  commit_internal([&](cib::Cib& c) { record_membership(c, f); });
}

cib::Cib Controller::scheduler_input() const {
  HALAB_ASSERT(election_.is_dc());
  cib::Cib c = cib_;
  MembershipFacts f = membership_facts(cib_);
  f.add_nodes = false;  // configuration is the cluster's to change, not the scheduler's input
  f.quorate = quorate_;
  record_membership(c, f);
  return c;
}

void Controller::commit_internal(const std::function<void(cib::Cib&)>& change) {
  HALAB_ASSERT(election_.is_dc() && working_);
  cib::Cib next = *working_;
  change(next);
  if (!bump_version(*working_, next)) return;
  auto patch = cib::diff_xml(*working_, next);
  working_ = std::move(next);
  ++stats_.commits_sent;
  send(CommitMsg{RequestKey{}, std::move(patch)});
}

}  // namespace halab::controller
