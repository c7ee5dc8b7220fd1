#pragma once
// The messages of one ring, by sequence number, with the two counters Totem
// reasons about: aru (every seq up to it is here) and high_seq (the highest
// seq seen), plus how far the application has been given them.
#include <cstdint>
#include <map>

#include "stack/core/assert.hpp"
#include "stack/core/network.hpp"
#include "stack/totem/wire.hpp"

namespace halab::totem {

struct StoredMsg {
  NodeId sender = 0;
  bool wrapper = false;  // a recovery wrapper: unwrapped on receipt, delivers nothing
  core::Bytes payload;
  RingId old_ring;  // a wrapper's original identity, to rebuild it for retransmission
  std::uint64_t old_seq = 0;
  NodeId old_sender = 0;
};

struct RingStore {
  std::map<std::uint64_t, StoredMsg> msgs;
  std::uint64_t aru = 0;             // all received up to
  std::uint64_t high_seq = 0;        // highest received
  std::uint64_t high_delivered = 0;  // highest given to the application (or skipped)
  std::uint64_t freed_to = 0;        // everything up to here was garbage-collected

  bool has(std::uint64_t seq) const { return seq <= freed_to || msgs.count(seq) != 0; }

  // Returns whether it was new.
  bool add(std::uint64_t seq, StoredMsg m) {
    HALAB_ASSERT(seq > 0);
    if (has(seq) || seq <= high_delivered) return false;
    msgs.emplace(seq, std::move(m));
    if (seq > high_seq) high_seq = seq;
    while (msgs.count(aru + 1) || aru + 1 <= freed_to) ++aru;
    check();
    return true;
  }
  // Drops messages everyone has and the application has seen.
  void free_up_to(std::uint64_t seq) {
    if (seq > high_delivered) seq = high_delivered;
    if (seq > aru) seq = aru;
    if (seq <= freed_to) return;
    msgs.erase(msgs.begin(), msgs.upper_bound(seq));
    freed_to = seq;
    check();
  }
  void check() const {
    HALAB_ASSERT(aru <= high_seq);
    HALAB_ASSERT(freed_to <= aru);
    HALAB_ASSERT(freed_to <= high_delivered);
  }
};

}  // namespace halab::totem
