// The fencer in simnet: the modelled power switch fence_simnet really powers
// simulated nodes off; topology with a failing level, watchdog fencing,
// self-fencing with a modelled watchdog, and determinism.
#include <gtest/gtest.h>

#include "simnet/world.hpp"
#include "stack/fencer/fencer.hpp"
#include "stack/fencer/watchdog.hpp"

namespace halab::fencer {
namespace {

using namespace std::chrono_literals;
using simnet::AgentModel;
using simnet::Dist;
using simnet::World;

struct FencerService final : core::Service {
  FencerService(core::Env& env, FencerOptions o) : fencer(env, o) {}
  Fencer fencer;
};

DeviceConfig device(const std::string& id, const std::string& agent, std::map<std::string, std::string> params = {}) {
  std::string error;
  auto d = device_from_params(id, agent, params, error);
  EXPECT_TRUE(d) << error;
  return d.value_or(DeviceConfig{});
}

struct Cluster {
  explicit Cluster(std::uint64_t seed, int n = 3, FencerOptions o = {}) : world(seed) {
    world.add_network("lan", *core::Subnet::parse("10.0.0.0/24"));
    for (int i = 0; i < n; ++i)
      world.add_node("n" + std::to_string(i + 1), {core::Ipv4::from_octets(10, 0, 0, std::uint8_t(i + 1))},
                     [o](core::Env& env) { return std::make_unique<FencerService>(env, o); });
  }
  Fencer& fencer(int i) { return static_cast<FencerService*>(world.service(i))->fencer; }
  void boot() {
    world.start();
    world.run_for(1ms);
  }
  World world;
};

TEST(FencerSim, FenceSimnetReallyPowersTheNodeOff) {
  Cluster c(1);
  c.boot();
  auto& f = c.fencer(0);
  f.register_device(device("switch", "fence_simnet"));  // dynamic-list: fence_simnet lists the nodes
  std::vector<FenceResult> got;
  f.fence("n2", "off", "n1", [&](const FenceResult& r) { got.push_back(r); });
  c.world.run_for(1s);
  EXPECT_TRUE(c.world.is_up(1)) << "the switch takes 2s";
  c.world.run_for(5s);
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].ok) << got[0].reason;
  EXPECT_EQ(got[0].delegate, "switch");
  EXPECT_FALSE(c.world.is_up(1));
  std::optional<AgentResult> st;
  f.device_action("switch", "status", "n2", [&](const AgentResult& r) { st = r; });
  c.world.run_for(1s);
  ASSERT_TRUE(st);
  EXPECT_EQ(st->exit_code, 2);
  f.fence("n2", "on", "n1", [&](const FenceResult& r) { got.push_back(r); });
  c.world.run_for(5s);
  ASSERT_EQ(got.size(), 2u);
  EXPECT_TRUE(got[1].ok);
  EXPECT_TRUE(c.world.is_up(1));
  f.fence("nosuch", "off", "n1", [&](const FenceResult& r) { got.push_back(r); });
  c.world.run_for(5s);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_FALSE(got[2].ok);
  EXPECT_TRUE(got[2].no_device) << got[2].reason;
}

TEST(FencerSim, IdenticalRequestsAreMerged) {
  Cluster c(4);
  c.boot();
  auto& f = c.fencer(0);
  f.register_device(device("switch", "fence_simnet", {{"pcmk_host_list", "n2 n3"}}));
  std::vector<FenceResult> got;
  auto rec = [&](const FenceResult& r) { got.push_back(r); };
  const auto a = f.fence("n2", "reboot", "n1", rec);
  const auto b = f.fence("n2", "reboot", "n3", rec);
  const auto other = f.fence("n2", "off", "n1", rec);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, other);
  c.world.run_for(10s);
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].id, a);
  EXPECT_EQ(got[1].id, a);
  EXPECT_TRUE(got[0].ok && got[1].ok);
  EXPECT_EQ(c.world.stats(1).crashes, 2u) << "one reboot and one off, not two reboots";
  EXPECT_EQ(f.history().entries().size(), 2u);
}

TEST(FencerSim, TopologyFallsThroughAFailingLevelAfterItsRetries) {
  Cluster c(2);
  AgentModel broken;
  broken.name = "fence_broken";
  broken.default_action.duration = Dist::fixed(1s);
  broken.default_action.fail_probability = 1.0;
  c.world.define_agent(broken);
  c.boot();
  auto& f = c.fencer(0);
  f.register_device(device("ipmi", "fence_broken", {{"pcmk_host_list", "n3"}}));
  f.register_device(device("pdu-a", "fence_simnet", {{"pcmk_host_list", "n3"}}));
  f.register_device(device("pdu-b", "fence_simnet", {{"pcmk_host_list", "n3"}}));
  f.register_level({"n3", 1, {"ipmi"}});
  f.register_level({"n3", 2, {"pdu-a", "pdu-b"}});
  std::optional<FenceResult> got;
  core::Instant done_at{};
  const auto t0 = c.world.env(0).clock.now();
  f.fence("n3", "off", "n1", [&](const FenceResult& r) {
    got = r;
    done_at = c.world.env(0).clock.now();
  });
  c.world.run_for(2900ms);
  EXPECT_TRUE(c.world.is_up(2)) << "level 1 is tried three times (two retries), 1s each";
  c.world.run_for(20s);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->ok) << got->reason;
  EXPECT_EQ(got->delegate, "pdu-a,pdu-b");
  EXPECT_FALSE(c.world.is_up(2));
  EXPECT_EQ(done_at - t0, 3s + 2s + 2s) << "three failed attempts, then both switches in turn";
  EXPECT_NE(got->reason.find("level 1: fence_broken off exited 1"), std::string::npos) << got->reason;
  EXPECT_EQ(f.history().entries().back().delegate, "pdu-a,pdu-b");
}

TEST(FencerSim, WatchdogFencingWithoutDevicesWaitsStonithWatchdogTimeout) {
  Cluster c(3, 3, {.watchdog_timeout = 10s});
  c.boot();
  std::optional<FenceResult> got;
  c.fencer(0).fence("n2", "reboot", "n1", [&](const FenceResult& r) { got = r; });
  c.world.run_for(9999ms);
  EXPECT_FALSE(got) << "not before stonith-watchdog-timeout";
  c.world.run_for(2ms);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->ok);
  EXPECT_EQ(got->delegate, "watchdog");
}

// A node with SelfFencing on a modelled watchdog that crashes it.
struct Guarded final : core::Service {
  Guarded(core::Env& env, World& world, int index, core::Duration stop_takes, bool stop_ok, int& stops)
      : watchdog(env.clock, [&world, index] { world.at(world.now(), [&world, index] { world.crash(index); }); }),
        self(env, watchdog, {.watchdog_timeout = 6s},
             [&env, stop_takes, stop_ok, &stops](std::function<void(bool)> done) {
               ++stops;
               if (stop_takes < 1h) env.clock.schedule(stop_takes, [done, stop_ok] { done(stop_ok); });
             }) {
    self.start();
  }
  ModelledWatchdog watchdog;
  SelfFencing self;
};

struct SelfFencingCase {
  core::Duration stop_takes;
  bool stop_ok;
};

// Returns when the node crashed (-1: it did not) after losing quorum at 10s.
std::int64_t lose_quorum(SelfFencingCase k, SelfFencing::State* final_state = nullptr) {
  World world(9);
  world.add_network("lan", *core::Subnet::parse("10.0.0.0/24"));
  int stops = 0;
  world.add_node("n1", {core::Ipv4::from_octets(10, 0, 0, 1)}, [&](core::Env& env) {
    return std::make_unique<Guarded>(env, world, 0, k.stop_takes, k.stop_ok, stops);
  });
  world.start();
  world.run_for(10s);
  EXPECT_TRUE(world.is_up(0)) << "fed while quorate";
  const auto lost_at = world.now();
  static_cast<Guarded*>(world.service(0))->self.quorum_lost();
  world.run_for(30s);
  EXPECT_EQ(stops, 1);
  if (final_state && world.is_up(0)) *final_state = static_cast<Guarded*>(world.service(0))->self.state();
  if (world.is_up(0)) return -1;
  return world.stats(0).crashes ? std::int64_t(world.now() - lost_at) : -1;
}

TEST(FencerSim, SelfFencingStopsResourcesOrResetsWithinTheTimeout) {
  SelfFencing::State st{};
  EXPECT_EQ(lose_quorum({1s, true}, &st), -1) << "resources stopped in time: no reset";
  EXPECT_EQ(st, SelfFencing::State::safe);
  // A stop that hangs or fails: the watchdog resets the node. (The crash time
  // is not observable after the run, so check it crashed at all, and below when.)
  EXPECT_NE(lose_quorum({1h, true}), -1);
  EXPECT_NE(lose_quorum({1s, false}), -1);

  World world(9);
  world.add_network("lan", *core::Subnet::parse("10.0.0.0/24"));
  int stops = 0;
  world.add_node("n1", {core::Ipv4::from_octets(10, 0, 0, 1)},
                 [&](core::Env& env) { return std::make_unique<Guarded>(env, world, 0, 1h, true, stops); });
  world.start();
  world.run_for(10s);
  static_cast<Guarded*>(world.service(0))->self.quorum_lost();
  world.run_for(4s - 1ns);
  EXPECT_TRUE(world.is_up(0)) << "the last kick was at most 2s before the quorum loss";
  world.run_for(2s + 1ns);
  EXPECT_FALSE(world.is_up(0)) << "reset within watchdog_timeout (6s) of the quorum loss";
}

std::string flaky_run(std::uint64_t seed) {
  Cluster c(seed, 4);
  AgentModel flaky;
  flaky.name = "fence_simnet";
  flaky.default_action.duration = Dist::uniform(100ms, 3s);
  flaky.default_action.fail_probability = 0.4;
  c.world.define_agent(flaky);
  c.boot();
  auto& f = c.fencer(0);
  f.register_device(device("sw", "fence_simnet", {{"pcmk_host_check", "none"}, {"pcmk_off_retries", "1"}}));
  std::string trace;
  for (const char* t : {"n2", "n3", "n4"})
    f.fence(t, "off", "n1", [&](const FenceResult& r) {
      trace += fmt::format("{} {} {} {}\n", c.world.now(), r.target, r.ok, r.delegate);
    });
  c.world.run_for(1min);
  for (int i = 1; i < 4; ++i) trace += c.world.is_up(i) ? "up " : "down ";
  return trace;
}

TEST(FencerSim, SameSeedSameOutcome) {
  const auto a = flaky_run(11);
  EXPECT_EQ(a, flaky_run(11));
  EXPECT_EQ(std::count(a.begin(), a.end(), '\n'), 3);
  bool differs = false;
  for (std::uint64_t s = 12; s < 16 && !differs; ++s) differs = flaky_run(s) != a;
  EXPECT_TRUE(differs) << "durations and failures depend on the seed";
}

}  // namespace
}  // namespace halab::fencer
