#pragma once
// Clock and timers: the only source of time for stack code.
//
// Callbacks never run synchronously inside schedule(); they run later on the
// component's event loop (a Boost.Asio io_context, or the simnet queue), one
// at a time. Timers with equal deadlines fire in the order they were
// scheduled, in both worlds.
#include <cstdint>
#include <functional>

#include "stack/core/time.hpp"

namespace halab::core {

using TimerId = std::uint64_t;  // 0 is never a live timer
using Callback = std::function<void()>;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual Instant now() const = 0;
  virtual WallTime wall_now() const = 0;
  // Runs `fn` once, `delay` from now (negative delays count as zero).
  virtual TimerId schedule(Duration delay, Callback fn) = 0;
  // Cancelling a fired, cancelled or unknown timer is a no-op.
  virtual void cancel(TimerId id) = 0;
};

// A re-armable one-shot timer owned by a component: destroying it cancels it,
// so a callback can never outlive the object that armed it.
class Timer {
 public:
  explicit Timer(Clock& clock) : clock_(&clock) {}
  ~Timer() { cancel(); }
  Timer(const Timer&) = delete;
  Timer& operator=(const Timer&) = delete;

  void arm(Duration delay, Callback fn) {
    cancel();
    fn_ = std::move(fn);
    id_ = clock_->schedule(delay, [this] {
      id_ = 0;
      auto fn = std::move(fn_);
      fn();
    });
  }
  void cancel() {
    if (id_ != 0) clock_->cancel(id_);
    id_ = 0;
  }
  bool armed() const { return id_ != 0; }

 private:
  Clock* clock_;
  TimerId id_ = 0;
  Callback fn_;
};

}  // namespace halab::core
