#pragma once
// CPG's messages on the ring. Every message names the ring its sender was
// in when it sent it: a message that crosses a membership change (queued in
// one ring, ordered in the next) is recognised as stale by every receiver
// alike, and its sender sends it again once the new ring is in sync.
//
//   Join      a local process joins a group
//   Leave     a local process leaves a group (cpg_leave)
//   ProcDown  a local process is gone: it leaves every group
//   Mcast     a member's message to its group
//   JoinList  after a ring change: the sender's local processes and their
//             groups (corosync's joinlist), in one or more parts; `last`
//             marks the sender's final part for that ring.
//
// Big-endian, versioned; decode() accepts exactly one well-formed message
// and says what is wrong with anything else.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "stack/core/network.hpp"
#include "stack/totem/wire.hpp"

namespace halab::cpg::wire {

using totem::RingId;

// Same bounds as cpg.hpp's Cpg::kMaxGroupName / kMaxMessage (checked there).
inline constexpr std::size_t kMaxGroupName = 128;
inline constexpr std::size_t kMaxPayload = 50'000;
// A JoinList part stays under this many bytes; more entries go to more parts.
inline constexpr std::size_t kMaxJoinListBytes = 32'000;

struct JoinMsg {
  RingId ring;
  std::string group;
  std::uint32_t pid = 0;
  bool operator==(const JoinMsg&) const = default;
};
struct LeaveMsg {
  RingId ring;
  std::string group;
  std::uint32_t pid = 0;
  bool operator==(const LeaveMsg&) const = default;
};
struct ProcDownMsg {
  RingId ring;
  std::uint32_t pid = 0;
  bool operator==(const ProcDownMsg&) const = default;
};
struct McastMsg {
  RingId ring;
  std::string group;
  std::uint32_t pid = 0;
  core::Bytes data;
  bool operator==(const McastMsg&) const = default;
};
struct JoinListEntry {
  std::string group;
  std::uint32_t pid = 0;
  auto operator<=>(const JoinListEntry&) const = default;
};
struct JoinListMsg {
  RingId ring;
  bool last = true;
  std::vector<JoinListEntry> entries;
  bool operator==(const JoinListMsg&) const = default;
};

using Message = std::variant<JoinMsg, LeaveMsg, ProcDownMsg, McastMsg, JoinListMsg>;

core::Bytes encode(const Message& m);
const RingId& ring_of(const Message& m);

struct Decoded {
  std::optional<Message> message;
  std::string error;  // "truncated Mcast", "group name of 0 bytes", ...
  bool ok() const { return message.has_value(); }
};
Decoded decode(core::ByteView data);

// Splits a node's joinlist into parts that each fit kMaxJoinListBytes; the
// last part has `last` set (an empty list is one empty, last part).
std::vector<JoinListMsg> split_joinlist(const RingId& ring, std::vector<JoinListEntry> entries);

}  // namespace halab::cpg::wire
