#pragma once
// The real world's clock: steady_clock time, one asio steady_timer per clock.
//
// Pending timers live in an ordered map keyed by (deadline, sequence), so
// timers with equal deadlines fire in the order they were scheduled, as the
// Clock contract requires; a single asio timer waits for the earliest one.
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <map>
#include <memory>
#include <utility>

#include "stack/core/clock.hpp"

namespace halab::core::real {

class RealClock final : public Clock {
 public:
  explicit RealClock(boost::asio::io_context& io);
  ~RealClock() override;
  RealClock(const RealClock&) = delete;
  RealClock& operator=(const RealClock&) = delete;

  Instant now() const override;
  WallTime wall_now() const override;
  TimerId schedule(Duration delay, Callback fn) override;
  void cancel(TimerId id) override;

  std::size_t pending() const;  // live timers (tests, diagnostics)

 private:
  struct State;
  std::shared_ptr<State> state_;  // shared with the asio handler, which may outlive us
};

// steady_clock as an Instant (both count nanoseconds since the same epoch).
Instant real_now();

}  // namespace halab::core::real
