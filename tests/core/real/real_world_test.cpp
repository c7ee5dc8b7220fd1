#include "stack/core/real/real_world.hpp"

#include <gtest/gtest.h>

#include <csignal>

#include "tests/core/real/test_util.hpp"

namespace halab::core::real {
namespace {

using namespace std::chrono_literals;
using testing::slurp;
using testing::TempDir;

TEST(RealWorld, EnvReachesThisWorldsParts) {
  TempDir dir;
  RealWorld world({.node = "node1", .state_dir = dir / "state", .seed = 1234});
  Env env = world.env();
  EXPECT_EQ(env.node, "node1");
  EXPECT_EQ(env.seed, 1234u);
  EXPECT_EQ(world.seed(), 1234u);
  EXPECT_EQ(env.rng("totem").next(), Rng(1234).derive("totem").next());
  env.storage.write("cib.xml", "<cib/>", Sync::durable);
  EXPECT_EQ(slurp(dir / "state/cib.xml"), "<cib/>");

  auto sink = std::make_shared<MemorySink>();
  world.logger().add_sink(sink);
  bool fired = false;
  env.clock.schedule(1ms, [&] {
    fired = true;
    env.log("totem").notice("ring formed on {}", env.node);
    world.stop();
  });
  EXPECT_TRUE(world.run_for(10s));
  EXPECT_TRUE(fired);
  EXPECT_EQ(sink->lines, std::vector<std::string>{"notice totem: ring formed on node1"});
}

TEST(RealWorld, WithoutASeedEachWorldDrawsItsOwn) {
  TempDir dir;
  RealWorld a({.node = "a", .state_dir = dir / "a"});
  RealWorld b({.node = "b", .state_dir = dir / "b"});
  EXPECT_NE(a.seed(), b.seed());  // equal with probability 2^-64
}

TEST(RealWorld, RunForReturnsWhenTimeIsUpEvenWithNothingToDo) {
  TempDir dir;
  RealWorld world({.node = "n", .state_dir = dir.path(), .seed = 1});
  const Instant start = world.clock().now();
  EXPECT_FALSE(world.run_for(30ms));
  EXPECT_GE(world.clock().now() - start, 30ms);
}

TEST(RealWorld, RunKeepsGoingWhileIdleUntilStop) {
  TempDir dir;
  RealWorld world({.node = "n", .state_dir = dir.path(), .seed = 1});
  const Instant start = world.clock().now();
  int ticks = 0;
  // Idle gaps between timers: run() must not return in them.
  std::function<void()> tick = [&] {
    if (++ticks == 3) return world.stop();
    world.clock().schedule(10ms, tick);
  };
  world.clock().schedule(10ms, tick);
  world.run();
  EXPECT_EQ(ticks, 3);
  EXPECT_GE(world.clock().now() - start, 30ms);
  // And it can run again after a stop.
  world.clock().schedule(1ms, [&] { world.stop(); });
  EXPECT_TRUE(world.run_for(10s));
}

TEST(RealWorld, DestroyingTheWorldWithWorkInFlightIsClean) {
  TempDir dir;
  bool ran = false;
  {
    RealWorld world({.node = "n", .state_dir = dir.path(), .seed = 1});
    world.clock().schedule(1h, [&] { ran = true; });
    auto sock = world.network().bind({.local = {Ipv4::loopback(), 0}}, [&](const Endpoint&, ByteView) { ran = true; });
    world.processes().spawn({.argv = {"/bin/sleep", "30"}}, [&](ProcessResult) { ran = true; });
    world.run_for(10ms);
  }
  EXPECT_FALSE(ran);
}


TEST(RealWorld, StopsOnAConfiguredSignal) {
  testing::TempDir dir;
  RealWorld world({.node = "n", .state_dir = dir.path(), .seed = 1});
  world.stop_on_signals({SIGUSR2});
  bool after = false;
  world.clock().schedule(1ms, [&] { ::raise(SIGUSR2); });
  world.clock().schedule(5s, [&] { after = true; });
  EXPECT_TRUE(world.run_for(10s));
  EXPECT_FALSE(after);
  // Still armed for the next run.
  world.clock().schedule(1ms, [&] { ::raise(SIGUSR2); });
  EXPECT_TRUE(world.run_for(10s));
  EXPECT_FALSE(after);
}

}  // namespace
}  // namespace halab::core::real
