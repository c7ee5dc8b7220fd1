#include "stack/controller/election.hpp"

#include <algorithm>

#include "stack/core/assert.hpp"

namespace halab::controller {

namespace {
bool contains(const std::vector<Member>& v, const Member& m) { return std::find(v.begin(), v.end(), m) != v.end(); }
}  // namespace

bool more_senior(const Seniority& a, const Member& ma, const Seniority& b, const Member& mb) {
  if (a.quorate_dc != b.quorate_dc) return a.quorate_dc;
  if (a.dc != b.dc) return a.dc;
  if (a.dc_ms / 1000 != b.dc_ms / 1000) return a.dc_ms > b.dc_ms;
  if (a.uptime_ms / 1000 != b.uptime_ms / 1000) return a.uptime_ms > b.uptime_ms;
  return ma < mb;
}

void Election::drop(const Member& m) {
  claims_.erase(m);
  older_unknown_.erase(m);
  known_.erase(std::remove(known_.begin(), known_.end(), m), known_.end());
}

void Election::on_view(const View& v) {
  const bool merge = std::any_of(v.joined.begin(), v.joined.end(),
                                 [](const MemberChange& c) { return c.reason == ChangeReason::node_up; });
  const bool self_joined = std::any_of(v.joined.begin(), v.joined.end(),
                                       [&](const MemberChange& c) { return c.who == self_; });
  if (merge) {
    // Everybody present is ranked again, by the claims each now sends.
    ranking_ = true;
    claims_.clear();
    known_.clear();
    older_unknown_ = std::set<Member>(v.members.begin(), v.members.end());
    return;
  }
  if (self_joined) {
    ranking_ = false;
    claims_.clear();
    // Our own join: everybody already present is older than us.
    older_unknown_.clear();
    known_.clear();
    std::vector<Member> joined;
    for (const auto& c : v.joined) joined.push_back(c.who);
    std::sort(joined.begin(), joined.end());
    for (const auto& m : v.members)
      if (!contains(joined, m)) older_unknown_.insert(m);
    known_ = joined;
  } else {
    for (const auto& c : v.left) drop(c.who);
    std::vector<Member> joined;
    for (const auto& c : v.joined) joined.push_back(c.who);
    std::sort(joined.begin(), joined.end());
    for (const auto& m : joined)
      if (!contains(known_, m) && !older_unknown_.count(m)) known_.push_back(m);
  }
  // Defensive: keep exactly the view's members (a channel that skipped a
  // change must not leave ghosts that could be elected).
  std::vector<Member> ghosts;
  for (const auto& m : known_)
    if (!std::binary_search(v.members.begin(), v.members.end(), m)) ghosts.push_back(m);
  for (const auto& m : older_unknown_)
    if (!std::binary_search(v.members.begin(), v.members.end(), m)) ghosts.push_back(m);
  for (const auto& m : ghosts) drop(m);
  for (const auto& m : v.members)
    if (!contains(known_, m) && !older_unknown_.count(m)) known_.push_back(m);
  HALAB_ASSERT(known_.size() + older_unknown_.size() == v.members.size());
  rank_if_complete();  // a member we waited for left
}

void Election::on_claim(const Member& from, const Seniority& s) {
  if (!ranking_ || !older_unknown_.count(from) || claims_.count(from)) return;
  claims_[from] = s;
  rank_if_complete();
}

void Election::rank_if_complete() {
  if (!ranking_) return;
  for (const auto& m : older_unknown_)
    if (!claims_.count(m)) return;
  std::vector<Member> ranked(older_unknown_.begin(), older_unknown_.end());
  std::sort(ranked.begin(), ranked.end(), [&](const Member& a, const Member& b) {
    return more_senior(claims_.at(a), a, claims_.at(b), b);
  });
  ranked.insert(ranked.end(), known_.begin(), known_.end());  // processes that joined since the merge
  known_ = std::move(ranked);
  older_unknown_.clear();
  claims_.clear();
  ranking_ = false;
}

void Election::on_announce(const Member& from, const std::vector<Member>& order) {
  // While a merge ranks, nobody is DC: an offer still in flight from before it is stale.
  if (ranking_) return;
  if (older_unknown_.empty() || !older_unknown_.count(from)) return;
  std::vector<Member> older;
  for (const auto& m : order)
    if (older_unknown_.count(m) && !contains(older, m)) older.push_back(m);
  // Members the announcement does not rank (it was sent before they joined,
  // which cannot happen for older members, or a buggy sender): by (node, pid).
  for (const auto& m : older_unknown_)
    if (!contains(older, m)) older.push_back(m);
  older_unknown_.clear();
  older.insert(older.end(), known_.begin(), known_.end());
  known_ = std::move(older);
}

std::optional<Member> Election::dc() const {
  if (older_unknown_.size() == 1) return *older_unknown_.begin();
  if (!older_unknown_.empty()) return std::nullopt;
  if (known_.empty()) return std::nullopt;
  return known_.front();
}

bool Election::is_dc() const {
  auto d = dc();
  return d && *d == self_;
}

std::vector<Member> Election::order() const {
  std::vector<Member> out(older_unknown_.begin(), older_unknown_.end());
  out.insert(out.end(), known_.begin(), known_.end());
  return out;
}

}  // namespace halab::controller
