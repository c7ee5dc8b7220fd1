#pragma once
// How one directed link treats a datagram: latency (a distribution plus
// uniform jitter), loss, duplication, reordering and an optional bandwidth
// with a bounded queue.
#include <cstdint>

#include "simnet/dist.hpp"

namespace halab::simnet {

struct LinkModel {
  Dist latency = Dist::fixed(std::chrono::microseconds(500));
  double jitter_ns = 0;         // uniform in [-jitter, +jitter], added to latency, result clamped at 0
  double loss = 0;              // probability a datagram is dropped
  double duplicate = 0;         // probability a second copy is delivered (own latency)
  double reorder = 0;           // probability a datagram leaves FIFO order...
  double reorder_delay_ns = 0;  // ...and is held up to this much longer (0: twice the mean latency)
  double bandwidth_bps = 0;     // 0: unlimited; else serialisation delay size*8/bps, FIFO queue
  std::uint64_t queue_bytes = 0;  // with bandwidth: tail-drop when the backlog would exceed this (0: unbounded)
};

}  // namespace halab::simnet
