#include "stack/controller/election.hpp"

#include <algorithm>

#include "stack/core/assert.hpp"

namespace halab::controller {

namespace {
bool contains(const std::vector<Member>& v, const Member& m) { return std::find(v.begin(), v.end(), m) != v.end(); }
}  // namespace

void Election::drop(const Member& m) {
  older_unknown_.erase(m);
  known_.erase(std::remove(known_.begin(), known_.end(), m), known_.end());
}

void Election::on_view(const View& v) {
  const bool merge = std::any_of(v.joined.begin(), v.joined.end(),
                                 [](const MemberChange& c) { return c.reason == ChangeReason::node_up; });
  const bool self_joined = std::any_of(v.joined.begin(), v.joined.end(),
                                       [&](const MemberChange& c) { return c.who == self_; });
  if (merge) {
    older_unknown_.clear();
    known_ = v.members;  // sorted by (node, pid)
    return;
  }
  if (self_joined) {
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
}

void Election::on_announce(const Member& from, const std::vector<Member>& order) {
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
