#include "stack/quorum/votequorum.hpp"

#include <algorithm>

#include "stack/core/assert.hpp"

namespace halab::quorum {

VotequorumOptions votequorum_options(const config::CorosyncConf& conf) {
  VotequorumOptions o;
  for (const auto& n : conf.nodelist)
    if (n.nodeid) o.votes[*n.nodeid] = n.quorum_votes;
  o.expected_votes = conf.quorum.expected_votes;
  o.two_node = conf.quorum.two_node;
  o.wait_for_all = conf.quorum.wait_for_all.value_or(conf.quorum.two_node);
  o.last_man_standing = conf.quorum.last_man_standing;
  o.last_man_standing_window = conf.quorum.last_man_standing_window;
  o.auto_tie_breaker = conf.quorum.auto_tie_breaker;
  return o;
}

Votequorum::Votequorum(core::Clock& clock, VotequorumOptions opt, Notify notify)
    : opt_(std::move(opt)), notify_(std::move(notify)), lms_timer_(clock) {
  if (opt_.two_node) opt_.wait_for_all = true;  // as corosync: two_node implies wait_for_all
  int sum = 0;
  for (const auto& [id, v] : opt_.votes) sum += v;
  expected_ = opt_.expected_votes.value_or(sum);
  HALAB_ASSERT(expected_ >= 1);
  recompute();
}

int Votequorum::votes_of(const std::vector<NodeId>& members) const {
  int v = 0;
  for (auto id : members) {
    auto it = opt_.votes.find(id);
    v += it == opt_.votes.end() ? 1 : it->second;  // a node outside the list counts one vote
  }
  return v;
}

void Votequorum::membership(const std::vector<NodeId>& members) {
  members_ = members;
  std::sort(members_.begin(), members_.end());
  lms_timer_.cancel();
  recompute();
  if (opt_.last_man_standing && state_.quorate && state_.total_votes < expected_) {
    lms_timer_.arm(opt_.last_man_standing_window, [this] {
      if (!state_.quorate) return;
      expected_ = std::max(state_.total_votes, 1);
      recompute();
    });
  }
}

void Votequorum::recompute() {
  QuorumState s;
  s.members = members_;
  s.total_votes = votes_of(members_);
  // Seeing more votes than expected raises expectations (corosync does too).
  if (s.total_votes > expected_) expected_ = s.total_votes;
  s.expected_votes = expected_;
  s.quorum = expected_ / 2 + 1;
  if (opt_.two_node && expected_ == 2) s.quorum = 1;
  if (s.total_votes >= expected_) all_seen_ = true;
  bool quorate = s.total_votes >= s.quorum;
  if (!quorate && opt_.auto_tie_breaker && expected_ % 2 == 0 && s.total_votes * 2 == expected_ &&
      !opt_.votes.empty() && !members_.empty()) {
    // Exactly half: the side with the lowest listed node id wins.
    quorate = std::binary_search(members_.begin(), members_.end(), opt_.votes.begin()->first);
  }
  if (opt_.wait_for_all && !all_seen_) {
    s.wait_for_all_pending = true;
    quorate = false;
  }
  s.quorate = quorate;
  const bool changed = !(s == state_);
  state_ = s;
  if (changed && notify_) notify_(state_);
}

}  // namespace halab::quorum
