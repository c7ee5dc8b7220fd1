#pragma once
// Votequorum's messages on the ring. Each node broadcasts a NodeInfo (its
// votes, its expected_votes and its flags) in agreed order after every
// membership change and whenever one of them changes; a Reconfigure carries
// an administrator's change of expected votes or of a node's votes
// (`quorumtool -e` / `-v`). Both name the ring they were sent in, so a
// message that crosses a membership change is recognised as stale.
//
// Big-endian, fixed layout, versioned; decode() accepts exactly one
// well-formed message and reports what is wrong with anything else.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include "stack/core/network.hpp"
#include "stack/totem/wire.hpp"

namespace halab::quorum {

using NodeId = totem::NodeId;
using RingId = totem::RingId;

// Per-node flags, as votequorum keeps them for every node.
enum NodeFlag : std::uint32_t {
  kFlagQuorate = 1u << 0,
  kFlagLeaving = 1u << 1,
  kFlagWaitForAll = 1u << 2,   // still waiting for all nodes (wait_for_all status)
  kFlagFirst = 1u << 3,        // has not yet been in a ring with anyone else
  kFlagQdeviceRegistered = 1u << 4,
  kFlagQdeviceAlive = 1u << 5,
  kFlagQdeviceCastVote = 1u << 6,
  kFlagQdeviceMasterWins = 1u << 7,
};
inline constexpr std::uint32_t kKnownFlags = 0xffu;

struct NodeInfoMsg {
  NodeId node = 0;
  RingId ring;  // the ring the sender was in when it sent this
  std::uint32_t votes = 0;
  std::uint32_t expected_votes = 0;
  std::uint32_t flags = 0;
  auto operator<=>(const NodeInfoMsg&) const = default;
};

struct ReconfigureMsg {
  enum class Param : std::uint8_t { expected_votes = 1, node_votes = 2 };
  NodeId node = 0;  // whose votes (node_votes); the requester (expected_votes)
  RingId ring;
  Param param = Param::expected_votes;
  std::uint32_t value = 0;
  auto operator<=>(const ReconfigureMsg&) const = default;
};

using Message = std::variant<NodeInfoMsg, ReconfigureMsg>;

// Votes and expected votes beyond this are refused on decode: corosync keeps
// them in 32 bits but no real cluster comes near, and a bound keeps sums of
// a few thousand nodes' votes far from overflow.
inline constexpr std::uint32_t kMaxVotes = 1'000'000;

core::Bytes encode(const Message& m);

struct Decoded {
  std::optional<Message> message;
  std::string error;  // why decoding failed ("truncated NodeInfo", "unknown type 9", ...)
  bool ok() const { return message.has_value(); }
};
Decoded decode(core::ByteView data);

}  // namespace halab::quorum
