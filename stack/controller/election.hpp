#pragma once
// DC election without an election round: the DC is the most senior member of
// the group, seniority being the agreed order in which members joined it.
//
// Every member tracks the group's seniority order from the views the channel
// delivers (the same on every member, in the same order):
//  - a member that joins (ChangeReason::join) becomes the most junior; members
//    joining in one view rank among themselves by (node, pid);
//  - a member that leaves (any reason) drops out of the order;
//  - a merge (any member reported ChangeReason::node_up: a partition healed,
//    or a rebooted node's one-node ring met the running cluster) restarts the
//    order of the members present: each of them broadcasts its claim
//    (Seniority: was it the DC of a quorate partition, was it a DC and for how
//    long, how long has it been up), and once every member's claim is
//    delivered all rank them the same way: the incumbent DC of a quorate
//    partition first, then any DC (the longest in office first), then the
//    longest uptime, then the lowest (node, pid). This is
//    pacemaker's election (DC-ness, then uptime, then name): a node rebooted
//    into a running cluster never takes over from its DC. Until the claims
//    are in, nobody is DC (unless one member is left to rank);
//  - DC = the first member of the order.
// Hence: one DC per view; a joining member never moves the DC (the incumbent
// stays while present); when the DC leaves, the next most senior member takes
// over in the same view, with no message exchanged; after a merge the most
// senior claim wins.
//
// A member that just joined does not know how the members already present
// rank among themselves (it only knows they all rank above it). It learns
// the order from the DC's announcement (the join offer carries it). Until
// then dc() is known only when it is determined anyway: one older member
// left (it is the DC), or none (then the order is fully known). A member
// never believes itself DC unless the order above it is empty, so two
// members can never both act as DC in one view.
#include <compare>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <vector>

#include "stack/controller/channel.hpp"

namespace halab::controller {

// What a member claims after a merge.
struct Seniority {
  bool quorate_dc = false;     // it was the DC of a partition with quorum just before
  bool dc = false;             // it was a DC just before (maybe of itself alone)
  std::uint64_t dc_ms = 0;     // for how long it had been DC without a break
  std::uint64_t uptime_ms = 0; // how long its controller has run
  auto operator<=>(const Seniority&) const = default;
};
// Whether (a, ma) ranks above (b, mb): quorate DC, DC, longer DC tenure,
// longer uptime (both in whole seconds: the claims are read at slightly
// different moments on each member, and milliseconds would only rank noise),
// lower (node, pid).
// Whether (a, ma) ranks above (b, mb).
bool more_senior(const Seniority& a, const Member& ma, const Seniority& b, const Member& mb);

class Election {
 public:
  explicit Election(Member self) : self_(self) {}

  void on_view(const View& v);
  // A member's claim after the latest merge. Ignored unless we wait for it.
  void on_claim(const Member& from, const Seniority& s);
  // A merge's claims are not all delivered yet.
  bool ranking() const { return ranking_; }
  // The DC's announcement: the seniority order as the DC knows it. Ignored
  // unless we do not know the DC yet and `from` is among the older members.
  void on_announce(const Member& from, const std::vector<Member>& order);

  std::optional<Member> dc() const;
  bool is_dc() const;
  // The order, most senior first; complete only when !order_unknown().
  std::vector<Member> order() const;
  bool order_unknown() const { return !older_unknown_.empty(); }
  const Member& self() const { return self_; }

 private:
  void drop(const Member& m);
  Member self_;
  std::set<Member> older_unknown_;  // more senior than every member of known_, order unknown
  std::vector<Member> known_;       // seniority order of the rest
  // After a merge: older_unknown_ holds the merged members, ranked by their
  // claims once every one of them is in.
  bool ranking_ = false;
  std::map<Member, Seniority> claims_;
  void rank_if_complete();
};

}  // namespace halab::controller
