#pragma once
// Duplicate suppression (PROTOCOL.md §7): a request identical in (op, seqno, domain) to one
// completed within the window is dropped. This folds the per-interface copies and the
// retransmissions of one fence_xvm call into one action, and refuses replays inside the
// window. Time is passed in (milliseconds on any monotonic clock): no clock here.
#include <cstdint>
#include <deque>
#include <string>

#include "fence-virt/protocol/wire.hpp"

namespace halab::fv {

class ReplayHistory {
 public:
  static constexpr std::int64_t kDefaultWindowMs = 10'000;
  static constexpr std::size_t kDefaultCapacity = 4096;  // bounds memory under a flood

  explicit ReplayHistory(std::int64_t window_ms = kDefaultWindowMs, std::size_t capacity = kDefaultCapacity)
      : window_ms_(window_ms), capacity_(capacity) {}

  bool seen(const Request& r, std::int64_t now_ms);
  void record(const Request& r, std::int64_t now_ms);
  std::size_t size() const { return entries_.size(); }

 private:
  struct Entry {
    Op op;
    std::uint32_t seqno;
    std::string domain;
    std::int64_t at_ms;
  };
  void expire(std::int64_t now_ms);
  std::int64_t window_ms_;
  std::size_t capacity_;
  std::deque<Entry> entries_;  // oldest first
};

}  // namespace halab::fv
