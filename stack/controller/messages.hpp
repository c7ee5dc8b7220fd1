#pragma once
// The controller's messages on its group, and their encoding (versioned,
// big-endian, length-prefixed strings; decode() accepts exactly one
// well-formed message and throws core::Error saying what is wrong otherwise).
#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "stack/cib/cib.hpp"
#include "stack/controller/channel.hpp"
#include "stack/controller/election.hpp"
#include "stack/controller/request.hpp"

namespace halab::controller {

// Who asked for an update: the origin member, its incarnation (random per
// controller start, so a restarted process with a reused pid is a new
// origin) and its request sequence number.
struct RequestKey {
  Member origin;
  std::uint64_t incarnation = 0;
  std::uint64_t seq = 0;
  auto operator<=>(const RequestKey&) const = default;
};

// The requests of one origin that are decided (committed or refused), or
// that the origin no longer waits for: every seq <= floor, and `seqs`.
// Exact sets, not a high-water mark: a request re-sent after a DC change can
// reach the new DC after later ones that CPG carried over the ring change.
struct DoneEntry {
  Member origin;
  std::uint64_t incarnation = 0;
  std::uint64_t floor = 0;
  std::vector<std::uint64_t> seqs;  // above floor, ascending
};

// DC -> all: a join round starts; also the DC's announcement of itself and
// of the seniority order (see election.hpp).
struct JoinOffer {
  std::uint64_t join_id = 0;
  std::vector<Member> order;
  std::vector<DoneEntry> done;
};
// Each member -> all: my CIB's version and digest, my node's name.
struct JoinReply {
  std::uint64_t join_id = 0;
  cib::Version version;
  std::string digest;
  std::string uname;
};
// DC -> all: `target` holds the best CIB; it broadcasts it (CibFull).
struct SyncRequest {
  std::uint64_t join_id = 0;
  Member target;
};
// A whole CIB. join_id != 0: the join's sync, everybody adopts it.
// join_id == 0: a resync for `target` only.
struct CibFull {
  std::uint64_t join_id = 0;
  Member target;
  std::string xml;
};
// DC -> all: the join round is over; the CIB is now at version/digest.
struct JoinConfirm {
  std::uint64_t join_id = 0;
  cib::Version version;
  std::string digest;
  std::vector<Member> included;  // the members that answered (others timed out)
};
// Any member -> all (the DC acts on it): a client's update.
struct UpdateMsg {
  RequestKey key;
  // Every request of this origin with seq <= floor is settled at the origin
  // (it waits for none of them): a copy of one is never applied.
  std::uint64_t floor = 0;
  Request request;
};
// DC -> all: the update (key.origin.node == 0: the DC's own) as a v2 patchset.
struct CommitMsg {
  RequestKey key;
  std::string patch;
};
// DC -> all: the update was refused; the CIB is unchanged.
struct RefusedMsg {
  RequestKey key;
  std::uint8_t code = 0;
  std::string error;
};
// A member whose CIB does not match a patchset's source -> DC.
struct ResyncRequest {
  cib::Version have;
};
// Member -> all: my CIB is now at this version (acknowledgements wait for it).
struct AppliedMsg {
  cib::Version version;
};

// Each member -> all, after a merge: its claim to seniority (election.hpp).
struct ClaimMsg {
  Seniority seniority;
};

using Message = std::variant<JoinOffer, JoinReply, SyncRequest, CibFull, JoinConfirm, UpdateMsg, CommitMsg, RefusedMsg,
                             ResyncRequest, AppliedMsg, ClaimMsg>;

core::Bytes encode(const Message& m);
Message decode(core::ByteView data);
const char* message_name(const Message& m);

}  // namespace halab::controller
