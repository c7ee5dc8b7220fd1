// Pause, clock drift and clock step, as documented in simnet/world.hpp.
#include <gtest/gtest.h>

#include "probe.hpp"

namespace halab::simnet::testing {
namespace {

using namespace std::chrono_literals;

SimTime local(World& w, int node) { return w.env(node).clock.now().time_since_epoch().count(); }

TEST(SimnetClock, TimersWithEqualDeadlinesFireInScheduleOrderAndNeverSynchronously) {
  ProbeWorld pw(1);
  pw.world.start();
  pw.world.run_until(1);
  std::vector<int> order;
  auto& clock = pw.world.env(0).clock;
  for (int i = 0; i < 5; ++i) clock.schedule(1s, [&order, i] { order.push_back(i); });
  clock.schedule(0s, [&order] { order.push_back(-1); });
  const auto cancelled = clock.schedule(1s, [&order] { order.push_back(99); });
  clock.cancel(cancelled);
  clock.cancel(cancelled);  // twice: a no-op
  clock.cancel(12345);      // unknown: a no-op
  EXPECT_TRUE(order.empty());
  pw.world.run_for(2s);
  EXPECT_EQ(order, (std::vector<int>{-1, 0, 1, 2, 3, 4}));
}

TEST(SimnetClock, PausedNodeHoldsEventsUntilResumeAndItsClockKeepsRunning) {
  ProbeWorld pw(2);
  pw.world.start();
  pw.world.run_until(1);
  SimTime fired_at = -1, local_at_fire = -1;
  pw.world.env(0).clock.schedule(2s, [&] {
    fired_at = pw.world.now();
    local_at_fire = local(pw.world, 0);
  });
  pw.world.at(at(1s), [&] { pw.world.pause(0); });
  pw.world.at(at(1500ms), [&] { pw.probe(1).send(pw.ep(0), {7}); });
  pw.world.at(at(5s), [&] { pw.world.resume(0); });
  pw.world.run_until(at(4s));
  EXPECT_EQ(fired_at, -1);
  EXPECT_TRUE(pw.logs[0].got.empty());
  EXPECT_TRUE(pw.world.is_paused(0));
  pw.world.run_until(at(5s));
  EXPECT_EQ(fired_at, at(5s));
  EXPECT_EQ(local_at_fire, at(5s));  // the node's clock ran on while it was frozen
  ASSERT_EQ(pw.logs[0].got.size(), 1u);
  EXPECT_EQ(pw.logs[0].got[0].t, at(5s));
  EXPECT_EQ(pw.world.stats(0).crashes, 0u);
}

TEST(SimnetClock, DriftScalesNowAndTimers) {
  ProbeWorld pw(2);
  pw.world.start();
  pw.world.run_until(at(10s));
  pw.world.set_drift(0, 1.5);  // 50% fast
  SimTime fired_at = -1;
  pw.world.env(0).clock.schedule(3s, [&] { fired_at = pw.world.now(); });  // 3s on its clock = 2s true
  pw.world.run_until(at(20s));
  EXPECT_EQ(local(pw.world, 0), at(10s) + at(15s));
  EXPECT_EQ(local(pw.world, 1), at(20s));
  EXPECT_EQ(fired_at, at(12s));
  // Drift changed while a timer is pending: it fires when the node's clock reaches the deadline.
  SimTime second = -1;
  pw.world.env(0).clock.schedule(6s, [&] { second = pw.world.now(); });  // local deadline 31s
  pw.world.run_until(at(22s));  // local 28s
  pw.world.set_drift(0, 0.5);   // 3s more of local time = 6s of true time
  pw.world.run_until(at(40s));
  EXPECT_EQ(second, at(28s));
  EXPECT_EQ(pw.world.env(0).clock.wall_now().time_since_epoch() - pw.world.env(1).clock.wall_now().time_since_epoch(),
            core::Duration(local(pw.world, 0) - local(pw.world, 1)));
}

TEST(SimnetClock, StepMovesNowWallAndTimerExpiry) {
  ProbeWorld pw(1);
  pw.world.start();
  pw.world.run_until(1);
  SimTime fwd = -1, back = -1;
  pw.world.env(0).clock.schedule(8s, [&] { fwd = pw.world.now(); });
  const auto wall0 = pw.world.env(0).clock.wall_now();
  pw.world.run_until(at(1s));
  pw.world.step_clock(0, 5s);
  EXPECT_EQ(local(pw.world, 0), at(6s));
  EXPECT_EQ(pw.world.env(0).clock.wall_now() - wall0, core::Duration(at(6s) - 1));
  pw.world.run_until(at(10s));
  EXPECT_EQ(fwd, at(3s) + 1);  // local deadline 8s+1ns reached 5s early
  pw.world.env(0).clock.schedule(2s, [&] { back = pw.world.now(); });  // local deadline 17s
  pw.world.step_clock(0, -4s);  // local 11s: 6s to go
  pw.world.run_until(at(30s));
  EXPECT_EQ(back, at(16s));
}

}  // namespace
}  // namespace halab::simnet::testing
