#pragma once
// CPG: closed process groups on the Totem ring, with corosync's semantics.
//
// A "process" is a local client of this node's daemon, named by (node, pid);
// in halabd the controller and the CIB manager are in-process clients with
// pids the daemon hands out. Everything here is pure and event-driven, like
// Votequorum: the caller feeds it the ring's configuration changes and the
// CPG messages the ring delivers (agreed order, our own included), and gives
// it `send` to broadcast on the ring.
//
// Guarantees (the ones the controller relies on):
//  - join / leave / node-down / proc-down of a group are delivered to every
//    member of that group as configuration changes (GroupConfig), in the same
//    order on every node, interleaved with the group's messages consistently;
//  - a message sent to a group is delivered to every current member (the
//    sender included) in agreed order, and only to members that were in the
//    group when it was ordered;
//  - after a ring change, members on nodes that left are reported with
//    Reason::node_down before any message of the new ring; after a merge,
//    the groups' members from the other side are reported (Reason::node_up,
//    corosync's joinlist exchange) before any message of the new ring.
//
// THIS HEADER IS PINNED for the session's helpers (cpg implements it; the
// daemon and the controller use it). Additive changes only.
#include <compare>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "stack/core/log.hpp"
#include "stack/totem/srp.hpp"

namespace halab::cpg {

using totem::NodeId;

struct Address {
  NodeId node = 0;
  std::uint32_t pid = 0;
  auto operator<=>(const Address&) const = default;
};

// corosync's CPG_REASON_* numbering, as corosync-cpgtool prints it.
enum class Reason : std::uint8_t { join = 1, leave = 2, node_down = 3, node_up = 4, proc_down = 5 };
const char* to_string(Reason r);

struct MemberChange {
  Address who;
  Reason reason = Reason::join;
};

struct GroupConfig {
  std::string group;
  std::vector<Address> members;  // after the change, sorted
  std::vector<MemberChange> left, joined;
};

struct RingChange {
  totem::RingId ring;
  std::vector<NodeId> members;  // sorted
};

struct GroupCallbacks {
  std::function<void(const Address& from, core::ByteView msg)> deliver;
  std::function<void(const GroupConfig&)> confchg;
  std::function<void(const RingChange&)> totem_confchg;  // optional
};

enum class Result { ok, try_again, not_exist, exist, too_big, invalid };
const char* to_string(Result r);

struct GroupInfo {
  std::string name;
  std::vector<Address> members;  // sorted
};

struct CpgStats {
  std::uint64_t bad_messages = 0;    // undecodable
  std::uint64_t stale_messages = 0;  // for a group or member we do not know
  std::uint64_t delivered = 0;
  std::uint64_t confchgs = 0;
};

class Cpg {
 public:
  struct Callbacks {
    // Broadcast one CPG message on the ring in agreed order; false means
    // "queue full, try again later".
    std::function<bool(core::Bytes)> send;
  };

  // Largest group name (corosync: 128 bytes) and message payload.
  static constexpr std::size_t kMaxGroupName = 128;
  static constexpr std::size_t kMaxMessage = 50'000;

  Cpg(core::Logger& logger, NodeId local_node, Callbacks cb);
  ~Cpg();
  Cpg(const Cpg&) = delete;
  Cpg& operator=(const Cpg&) = delete;

  // A local process joins `group`; its confchg (and everybody's) comes when
  // the join is delivered. exist: this pid is already in the group.
  Result join(const std::string& group, std::uint32_t pid, GroupCallbacks cb);
  Result leave(const std::string& group, std::uint32_t pid);
  // The local process is gone: it leaves every group with Reason::proc_down.
  void proc_down(std::uint32_t pid);
  // Agreed-order message from a local member to its group.
  Result mcast(const std::string& group, std::uint32_t pid, core::ByteView msg);

  void on_config_change(const totem::ConfigChange& cc);
  void on_message(NodeId sender, core::ByteView payload);

  std::vector<GroupInfo> groups() const;  // every group known, sorted by name
  const CpgStats& stats() const;

  // Additions (after pinning):
  // Every group event this node applies, whether or not a local process is
  // in the group, at the moment it applies it: for logs, tools and tests.
  // `members` in deliver: the group's members when the message was ordered.
  struct Observer {
    std::function<void(const GroupConfig&)> confchg;
    std::function<void(const std::string& group, const Address& from, core::ByteView msg,
                       const std::vector<Address>& members)>
        deliver;
    std::function<void(const RingChange&)> totem_confchg;
  };
  void set_observer(Observer observer);
  // True once the current ring's joinlist exchange is over (local requests
  // are only sent then); false before the first ring and during a change.
  bool synced() const;
  // Local requests not yet delivered back (queued or on the ring).
  std::size_t pending_requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace halab::cpg
