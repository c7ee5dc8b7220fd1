#pragma once
// The joinlist exchange after a ring change (corosync's CPG sync): every
// member of the new ring broadcasts what its own processes are joined to;
// once every member's list of this ring has been delivered (the same point
// in the agreed order for all of them), each node replaces what it knew by
// the union of the lists. Until then CPG holds back its own requests, so no
// message of the new ring is ordered before the exchange ends.
#include <map>
#include <set>
#include <vector>

#include "stack/cpg/wire.hpp"

namespace halab::cpg {

using totem::NodeId;

class JoinListSync {
 public:
  enum class Added { more, complete, unexpected };

  // A new regular configuration: wait for the lists of `members`.
  void start(const totem::RingId& ring, std::vector<NodeId> members);
  // The ring changes before the exchange ended: what arrived is dropped.
  void abort();
  bool waiting() const { return active_; }
  const totem::RingId& ring() const { return ring_; }

  // A JoinList part of this ring from `sender`. unexpected: not a member, or
  // its list was already complete (counted as stale by the caller).
  Added add(NodeId sender, const wire::JoinListMsg& m);
  // Once complete: every member's list.
  const std::map<NodeId, std::vector<wire::JoinListEntry>>& lists() const { return lists_; }

 private:
  bool active_ = false;
  totem::RingId ring_;
  std::set<NodeId> pending_;
  std::map<NodeId, std::vector<wire::JoinListEntry>> lists_;
};

}  // namespace halab::cpg
