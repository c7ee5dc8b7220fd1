#pragma once
// The narrow channel the controller talks through: what one CPG group gives.
//
// A member is a process (node id, pid). The channel promises, for one group:
//  - views (membership changes) and messages are delivered to every member in
//    the same order, consistently interleaved (agreed order, virtual synchrony);
//  - a message is delivered to every member of the view it was ordered in,
//    the sender included, and to nobody who joined later;
//  - a member's own join is reported to it with itself in `joined`
//    (ChangeReason::join); after a partition heals, the other side's members
//    are reported with ChangeReason::node_up, and members lost with a node
//    with ChangeReason::node_down, before any message of the new ring.
// cpg::Cpg gives exactly this (stack/cpg/cpg.hpp); tests use FakeBus
// (tests/controller/fake_channel.hpp).
#include <compare>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "stack/core/network.hpp"

namespace halab::controller {

using NodeId = std::uint32_t;

struct Member {
  NodeId node = 0;
  std::uint32_t pid = 0;
  auto operator<=>(const Member&) const = default;
  std::string str() const;  // "node 2 pid 7"
};

// corosync's CPG_REASON_* meanings.
enum class ChangeReason : std::uint8_t { join = 1, leave = 2, node_down = 3, node_up = 4, proc_down = 5 };
const char* to_string(ChangeReason r);

struct MemberChange {
  Member who;
  ChangeReason reason = ChangeReason::join;
};

struct View {
  std::vector<Member> members;  // after the change, sorted
  std::vector<MemberChange> left, joined;
};

// The distinct node ids of a view's members, sorted.
std::vector<NodeId> view_nodes(const View& v);

class Channel {
 public:
  struct Handler {
    std::function<void(const Member& from, core::ByteView msg)> deliver;
    std::function<void(const View&)> view;
  };
  virtual ~Channel() = default;
  // Joins the group; the handler receives everything from then on (starting
  // with our own join's view). False: the channel refused (logged by it).
  virtual bool open(Handler handler) = 0;
  // Leaves the group; no callback afterwards.
  virtual void close() = 0;
  virtual Member self() const = 0;
  // Agreed-order broadcast to the group; false means "queue full, try again".
  virtual bool send(core::ByteView msg) = 0;
  // Largest message send() accepts.
  virtual std::size_t max_message() const = 0;
};

}  // namespace halab::controller
