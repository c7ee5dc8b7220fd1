#pragma once
// Totem's messages on the wire (inside PacketCrypto's envelope), and their
// bounds-checked decoder: a packet that does not decode exactly is dropped.
#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "stack/core/network.hpp"

namespace halab::totem {

using NodeId = std::uint32_t;

// A ring's identity: its representative (lowest node id at formation) and a
// sequence number that grows with every new ring and survives restarts.
struct RingId {
  NodeId rep = 0;
  std::uint64_t seq = 0;
  auto operator<=>(const RingId&) const = default;
  std::string to_string() const;  // "1.12" as corosync-cfgtool prints rep.seq
};

inline constexpr std::size_t kMaxMembers = 1024;
inline constexpr std::size_t kMaxRtr = 1024;

// A message broadcast on a ring. During recovery a member rebroadcasts
// old-ring messages in the new ring wrapped in a McastMsg with `recovered`
// set; the inner identity is the original (old ring, seq, sender).
struct McastMsg {
  RingId ring;
  std::uint64_t seq = 0;
  NodeId sender = 0;
  bool recovered = false;
  RingId old_ring;
  std::uint64_t old_seq = 0;
  NodeId old_sender = 0;
  core::Bytes payload;
};

struct TokenMsg {
  RingId ring;
  std::uint64_t token_seq = 0;  // grows on every hop: duplicates are discarded
  std::uint64_t seq = 0;        // highest message seq assigned on the ring
  std::uint64_t aru = 0;        // all-received-up-to, the minimum over the ring
  NodeId aru_addr = 0;          // who lowered aru last (0: nobody)
  std::uint32_t fcc = 0;        // messages sent during the last rotation (flow control)
  std::uint32_t backlog = 0;    // messages queued ring-wide
  bool retrans_flg = false;     // recovery: somebody still has old-ring messages to send
  bool install = false;         // recovery is complete: members enter OPERATIONAL on sight
  std::vector<std::uint64_t> rtr;  // retransmission requests
};

struct JoinMsg {
  NodeId sender = 0;
  std::uint64_t ring_seq = 0;  // highest ring seq the sender knows
  std::vector<NodeId> proc;    // sorted
  std::vector<NodeId> failed;  // sorted
};

struct CommitEntry {
  NodeId node = 0;
  RingId old_ring;
  std::uint64_t aru = 0;             // in the old ring
  std::uint64_t high_seq = 0;        // highest old-ring seq received
  std::uint64_t high_delivered = 0;  // highest old-ring seq delivered
  bool filled = false;
};

struct CommitMsg {
  RingId ring;  // the ring being formed
  std::vector<CommitEntry> members;  // sorted by node id
};

struct MergeDetectMsg {
  RingId ring;
  NodeId sender = 0;
};

using Message = std::variant<McastMsg, TokenMsg, JoinMsg, CommitMsg, MergeDetectMsg>;

core::Bytes encode(const Message& m);
// nullopt unless `data` is exactly one well-formed message.
std::optional<Message> decode(core::ByteView data);

}  // namespace halab::totem
