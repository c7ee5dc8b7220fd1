#include "stack/core/real/real_clock.hpp"

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <vector>

#include "stack/core/random.hpp"

namespace halab::core::real {
namespace {

using namespace std::chrono_literals;

TEST(RealClock, NowIsMonotonicAndWallTimeIsCalendarTime) {
  boost::asio::io_context io;
  RealClock clock(io);
  const Instant a = clock.now();
  const Instant b = clock.now();
  EXPECT_LE(a, b);
  // After 2020-01-01 and before 2100: a calendar clock, not a monotonic one.
  const auto secs = std::chrono::duration_cast<std::chrono::seconds>(clock.wall_now().time_since_epoch()).count();
  EXPECT_GT(secs, 1577836800);
  EXPECT_LT(secs, 4102444800);
}

TEST(RealClock, CallbacksNeverRunInsideSchedule) {
  boost::asio::io_context io;
  RealClock clock(io);
  bool ran = false;
  clock.schedule(0ns, [&] { ran = true; });
  clock.schedule(-5s, [&] { ran = true; });
  EXPECT_FALSE(ran);
  io.run();
  EXPECT_TRUE(ran);
}

TEST(RealClock, TimersFireInDeadlineOrderAndEqualDelaysInSchedulingOrder) {
  boost::asio::io_context io;
  RealClock clock(io);
  std::vector<int> order;
  // Interleaved groups: 60 at 80 ms, 60 at 0, 60 at 40 ms. Each group must
  // fire as scheduled, groups by deadline (the gaps dwarf the time the loop
  // takes, even on a loaded machine).
  for (int i = 0; i < 60; ++i) {
    clock.schedule(80ms, [&, i] { order.push_back(200 + i); });
    clock.schedule(0ms, [&, i] { order.push_back(i); });
    clock.schedule(40ms, [&, i] { order.push_back(100 + i); });
  }
  io.run();
  ASSERT_EQ(order.size(), 180u);
  for (int i = 0; i < 180; ++i) EXPECT_EQ(order[i], (i / 60) * 100 + i % 60) << "at " << i;
}

TEST(RealClock, RandomDelaysFireSortedAndNeverEarly) {
  boost::asio::io_context io;
  RealClock clock(io);
  Rng rng(42);
  // schedule() reads the clock itself: its deadline lies in [earliest, latest].
  struct Timer {
    Instant earliest, latest, fired_at;
  };
  std::vector<Timer> timers(200);
  std::vector<std::size_t> order;
  for (std::size_t i = 0; i < timers.size(); ++i) {
    const Duration d = std::chrono::microseconds(rng.below(20000));
    timers[i].earliest = clock.now() + d;
    clock.schedule(d, [&, i] {
      timers[i].fired_at = clock.now();
      order.push_back(i);
    });
    timers[i].latest = clock.now() + d;
  }
  io.run();
  ASSERT_EQ(order.size(), timers.size());
  for (std::size_t k = 0; k < order.size(); ++k) {
    const Timer& t = timers[order[k]];
    EXPECT_GE(t.fired_at, t.earliest) << "timer " << order[k] << " fired early";
    if (k > 0) {  // surely out of order only if the one before surely had the later deadline
      EXPECT_LE(timers[order[k - 1]].earliest, t.latest) << "out of order at " << k;
    }
  }
}

TEST(RealClock, CancelledTimersNeverRun) {
  boost::asio::io_context io;
  RealClock clock(io);
  std::vector<int> ran;
  const TimerId a = clock.schedule(1ms, [&] { ran.push_back(1); });
  TimerId c = 0;
  clock.schedule(2ms, [&] {
    ran.push_back(2);
    clock.cancel(c);  // due in the same round: must still not run
  });
  c = clock.schedule(2ms, [&] { ran.push_back(3); });
  clock.schedule(2ms, [&] { ran.push_back(4); });
  clock.cancel(a);
  clock.cancel(a);       // twice: no-op
  clock.cancel(0);       // never a live timer
  clock.cancel(999999);  // unknown
  io.run();
  EXPECT_EQ(ran, (std::vector<int>{2, 4}));
  clock.cancel(c);  // fired or cancelled: no-op
  EXPECT_EQ(clock.pending(), 0u);
}

TEST(RealClock, CancellingEverythingLetsTheLoopFinish) {
  boost::asio::io_context io;
  RealClock clock(io);
  const TimerId id = clock.schedule(std::chrono::hours(1), [] { FAIL() << "cancelled timer ran"; });
  clock.schedule(1ms, [&] { clock.cancel(id); });
  const auto start = std::chrono::steady_clock::now();
  io.run();  // returns: no hour-long wait left behind
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(30));
  EXPECT_EQ(clock.pending(), 0u);
}

TEST(RealClock, ZeroDelayReschedulingDoesNotStarveOtherTimers) {
  boost::asio::io_context io;
  RealClock clock(io);
  int spins = 0;
  bool other = false;
  std::function<void()> spin = [&] {
    if (other || ++spins > 100000) return;
    clock.schedule(0ns, spin);
  };
  clock.schedule(0ns, spin);
  clock.schedule(2ms, [&] { other = true; });
  io.run();
  EXPECT_TRUE(other);
  EXPECT_LT(spins, 100000);
}

TEST(RealClock, DestroyedClockRunsNothing) {
  boost::asio::io_context io;
  bool ran = false;
  {
    RealClock clock(io);
    clock.schedule(0ns, [&] { ran = true; });
  }
  io.run();
  EXPECT_FALSE(ran);
}

TEST(Timer, FiresOnceAndDisarms) {
  boost::asio::io_context io;
  RealClock clock(io);
  Timer t(clock);
  int n = 0;
  t.arm(1ms, [&] { ++n; });
  EXPECT_TRUE(t.armed());
  io.run();
  EXPECT_EQ(n, 1);
  EXPECT_FALSE(t.armed());
}

TEST(Timer, RearmingReplacesThePreviousCallback) {
  boost::asio::io_context io;
  RealClock clock(io);
  Timer t(clock);
  std::vector<int> ran;
  t.arm(1ms, [&] { ran.push_back(1); });
  t.arm(2ms, [&] { ran.push_back(2); });
  io.run();
  EXPECT_EQ(ran, std::vector<int>{2});
  EXPECT_EQ(clock.pending(), 0u);
}

TEST(Timer, CanRearmFromItsOwnCallback) {
  boost::asio::io_context io;
  RealClock clock(io);
  Timer t(clock);
  int n = 0;
  std::function<void()> tick = [&] {
    if (++n < 5) t.arm(1ms, tick);
  };
  t.arm(1ms, tick);
  io.run();
  EXPECT_EQ(n, 5);
}

TEST(Timer, DestroyingTheTimerCancelsIt) {
  boost::asio::io_context io;
  RealClock clock(io);
  bool ran = false;
  {
    Timer t(clock);
    t.arm(1ms, [&] { ran = true; });
    EXPECT_EQ(clock.pending(), 1u);
  }
  EXPECT_EQ(clock.pending(), 0u);
  io.run();
  EXPECT_FALSE(ran);
}

TEST(Timer, ExplicitCancel) {
  boost::asio::io_context io;
  RealClock clock(io);
  Timer t(clock);
  bool ran = false;
  t.arm(1ms, [&] { ran = true; });
  t.cancel();
  EXPECT_FALSE(t.armed());
  io.run();
  EXPECT_FALSE(ran);
}


TEST(RealClock, TimersKeepWorkingAfterACallbackThrows) {
  boost::asio::io_context io;
  RealClock clock(io);
  bool later = false;
  clock.schedule(0ns, [] { throw std::runtime_error("agent parser bug"); });
  clock.schedule(std::chrono::milliseconds(5), [&] { later = true; });
  EXPECT_THROW(io.run(), std::runtime_error);
  io.restart();
  io.run();
  EXPECT_TRUE(later);
}

}  // namespace
}  // namespace halab::core::real
