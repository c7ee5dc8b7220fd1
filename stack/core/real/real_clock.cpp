#include "stack/core/real/real_clock.hpp"

#include <chrono>

#include "stack/core/assert.hpp"

namespace halab::core::real {

namespace {
using SteadyTime = std::chrono::steady_clock::time_point;

// Far enough for "never" without overflowing steady_clock arithmetic.
constexpr Duration kMaxDelay = std::chrono::hours(24 * 365 * 100);

SteadyTime to_steady(Instant t) {
  return SteadyTime(std::chrono::duration_cast<std::chrono::steady_clock::duration>(t.time_since_epoch()));
}
}  // namespace

Instant real_now() {
  return Instant(std::chrono::duration_cast<Duration>(std::chrono::steady_clock::now().time_since_epoch()));
}

struct RealClock::State : std::enable_shared_from_this<State> {
  explicit State(boost::asio::io_context& io) : timer(io) {}

  boost::asio::steady_timer timer;
  // (deadline, id) -> callback. Ids grow, so equal deadlines keep scheduling order.
  std::map<std::pair<Instant, TimerId>, Callback> queue;
  std::map<TimerId, Instant> deadline_of;
  TimerId next_id = 1;
  bool armed = false;
  Instant armed_for{};
  std::uint64_t generation = 0;  // tells a stale timer completion from the current wait
  bool closed = false;

  void arm() {
    if (queue.empty() || closed) return;
    const Instant first = queue.begin()->first.first;
    if (armed && armed_for <= first) return;  // the wait in flight fires early enough
    armed = true;
    armed_for = first;
    const std::uint64_t gen = ++generation;
    timer.expires_at(to_steady(first));
    timer.async_wait([weak = weak_from_this(), gen](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || self->closed || gen != self->generation) return;
      self->armed = false;
      self->fire_due();
    });
  }

  // Runs what is due as of now, one callback at a time, in (deadline, id)
  // order. Timers scheduled by these callbacks wait for the next round even
  // at zero delay, so a callback re-arming itself cannot starve the loop.
  void fire_due() {
    auto keep = shared_from_this();
    // Re-arm on the way out, also when a callback throws out of run().
    struct Rearm {
      State* s;
      ~Rearm() { s->arm(); }
    } rearm{this};
    const Instant now = real_now();
    const TimerId last_id = next_id;  // ids at or above this were scheduled during this round
    while (!closed && !queue.empty()) {
      auto it = queue.begin();
      if (it->first.first > now || it->first.second >= last_id) break;
      Callback fn = std::move(it->second);
      deadline_of.erase(it->first.second);
      queue.erase(it);
      fn();
    }
  }
};

RealClock::RealClock(boost::asio::io_context& io) : state_(std::make_shared<State>(io)) {}

RealClock::~RealClock() {
  state_->closed = true;
  state_->queue.clear();
  state_->deadline_of.clear();
  state_->timer.cancel();
}

Instant RealClock::now() const { return real_now(); }

WallTime RealClock::wall_now() const {
  return WallTime(std::chrono::duration_cast<Duration>(std::chrono::system_clock::now().time_since_epoch()));
}

TimerId RealClock::schedule(Duration delay, Callback fn) {
  HALAB_ASSERT_MSG(fn, "schedule() needs a callback");
  if (delay < Duration::zero()) delay = Duration::zero();
  if (delay > kMaxDelay) delay = kMaxDelay;
  const Instant deadline = real_now() + delay;
  const TimerId id = state_->next_id++;
  state_->queue.emplace(std::make_pair(deadline, id), std::move(fn));
  state_->deadline_of.emplace(id, deadline);
  state_->arm();
  return id;
}

void RealClock::cancel(TimerId id) {
  auto it = state_->deadline_of.find(id);
  if (it == state_->deadline_of.end()) return;
  state_->queue.erase({it->second, id});
  state_->deadline_of.erase(it);
  // A wait left early finds nothing due and re-arms; with nothing left, drop
  // it so that io_context::run() can return for lack of work.
  if (state_->queue.empty() && state_->armed) {
    state_->armed = false;
    ++state_->generation;
    state_->timer.cancel();
  }
}

std::size_t RealClock::pending() const { return state_->queue.size(); }

}  // namespace halab::core::real
