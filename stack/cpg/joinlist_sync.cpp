#include "stack/cpg/joinlist_sync.hpp"

#include "stack/core/assert.hpp"

namespace halab::cpg {

void JoinListSync::start(const totem::RingId& ring, std::vector<NodeId> members) {
  HALAB_ASSERT(!members.empty());
  active_ = true;
  ring_ = ring;
  pending_ = {members.begin(), members.end()};
  lists_.clear();
  for (NodeId n : members) lists_[n];
}

void JoinListSync::abort() {
  active_ = false;
  pending_.clear();
  lists_.clear();
}

JoinListSync::Added JoinListSync::add(NodeId sender, const wire::JoinListMsg& m) {
  if (!active_ || m.ring != ring_ || !pending_.count(sender)) return Added::unexpected;
  auto& list = lists_[sender];
  list.insert(list.end(), m.entries.begin(), m.entries.end());
  if (m.last) pending_.erase(sender);
  if (!pending_.empty()) return Added::more;
  active_ = false;
  return Added::complete;
}

}  // namespace halab::cpg
