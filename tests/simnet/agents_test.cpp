// Modelled processes: durations, failures, timeouts, kill, unknown agents,
// and the fence_simnet power switch that really powers nodes off and on.
#include <gtest/gtest.h>

#include <csignal>

#include "probe.hpp"

namespace halab::simnet::testing {
namespace {

using namespace std::chrono_literals;

struct Runs {
  std::vector<core::ProcessResult> results;
  std::vector<SimTime> ended;
};

core::ProcessDone collect(Runs& r, World& w) {
  return [&r, &w](core::ProcessResult res) {
    r.results.push_back(std::move(res));
    r.ended.push_back(w.now());
  };
}

TEST(SimnetAgents, DurationsAndFailureProbabilities) {
  ProbeWorld pw(1, 21);
  AgentModel m;
  m.name = "Dummy";
  m.actions["start"].duration = Dist::uniform(1s, 3s);
  m.actions["start"].fail_probability = 0.3;
  m.actions["start"].fail_code = 7;
  m.actions["monitor"].duration = Dist::fixed(50ms);
  m.actions["monitor"].out = "running\n";
  pw.world.define_agent(m);
  pw.world.start();
  pw.world.run_until(1);
  Runs runs;
  const int n = 4000;
  for (int i = 0; i < n; ++i)
    pw.world.env(0).processes.spawn(argv({"/usr/lib/ocf/resource.d/heartbeat/Dummy", "start"}), collect(runs, pw.world));
  EXPECT_TRUE(runs.results.empty()) << "done must never run inside spawn()";
  pw.world.run_for(10s);
  ASSERT_EQ(runs.results.size(), std::size_t(n));
  int failed = 0;
  double total = 0;
  for (std::size_t i = 0; i < runs.results.size(); ++i) {
    const auto& r = runs.results[i];
    ASSERT_EQ(r.end, core::ProcessResult::End::exited);
    EXPECT_TRUE(r.exit_code == 0 || r.exit_code == 7);
    failed += r.exit_code == 7;
    EXPECT_GE(r.runtime, 1s);
    EXPECT_LE(r.runtime, 3s);
    EXPECT_EQ(runs.ended[i] - 1, r.runtime.count());
    total += core::to_seconds(r.runtime);
  }
  EXPECT_NEAR(double(failed) / n, 0.3, 4 * std::sqrt(0.3 * 0.7 / n));
  EXPECT_NEAR(total / n, 2.0, 4 * (2.0 / std::sqrt(12.0)) / std::sqrt(double(n)));

  Runs mon;
  pw.world.env(0).processes.spawn(argv({"Dummy", "monitor"}), collect(mon, pw.world));
  pw.world.run_for(1s);
  ASSERT_EQ(mon.results.size(), 1u);
  EXPECT_TRUE(mon.results[0].ok());
  EXPECT_EQ(mon.results[0].out, "running\n");
  EXPECT_EQ(mon.results[0].runtime, 50ms);
}

TEST(SimnetAgents, TimeoutKillsAtTheTimeout) {
  ProbeWorld pw(1);
  AgentModel m;
  m.name = "slow";
  m.default_action.duration = Dist::fixed(5s);
  bool effect = false;
  m.behaviour = [&](const AgentCall&, core::ProcessResult&) { effect = true; };
  pw.world.define_agent(m);
  pw.world.start();
  pw.world.run_until(1);
  Runs runs;
  core::ProcessSpec spec = argv({"slow", "stop"});
  spec.timeout = 1s;
  pw.world.env(0).processes.spawn(spec, collect(runs, pw.world));
  pw.world.run_for(10s);
  ASSERT_EQ(runs.results.size(), 1u);
  EXPECT_EQ(runs.results[0].end, core::ProcessResult::End::timed_out);
  EXPECT_EQ(runs.results[0].signal, SIGKILL);
  EXPECT_EQ(runs.results[0].runtime, 1s);
  EXPECT_EQ(runs.ended[0], at(1s) + 1);
  EXPECT_FALSE(effect) << "a killed action has no effect";
  // Within the timeout it completes, with its effect.
  spec.timeout = 6s;
  pw.world.env(0).processes.spawn(spec, collect(runs, pw.world));
  pw.world.run_for(10s);
  ASSERT_EQ(runs.results.size(), 2u);
  EXPECT_TRUE(runs.results[1].ok());
  EXPECT_TRUE(effect);
}

// An agent modelled as code on its node (AgentModel::run): it ends when it
// calls finish, at the spec's timeout, on kill, or with its node's crash;
// its state goes with it every time.
TEST(SimnetAgents, CodeAgentsFinishTimeOutAndDieWithTheirNode) {
  ProbeWorld pw(1);
  struct State {
    explicit State(core::Env& env, int& alive) : timer(env.clock), alive(alive) { ++alive; }
    ~State() { --alive; }
    core::Timer timer;
    int& alive;
  };
  int alive = 0;
  AgentModel m;
  m.name = "coded";
  m.run = [&alive](const AgentCall& call, core::Env& env, AgentModel::Finish finish) -> std::shared_ptr<void> {
    auto st = std::make_shared<State>(env, alive);
    const auto after = call.action == "quick" ? 2s : 1h;
    st->timer.arm(after, [finish, action = call.action] {
      core::ProcessResult r;
      r.end = core::ProcessResult::End::exited;
      r.exit_code = 7;
      r.out = action;
      finish(r);
      finish(r);  // a second finish is ignored
    });
    return st;
  };
  pw.world.define_agent(m);
  pw.world.start();
  pw.world.run_until(1);
  Runs runs;
  auto& procs = pw.world.env(0).processes;
  procs.spawn(argv({"coded", "quick"}), collect(runs, pw.world));
  EXPECT_EQ(alive, 1);
  pw.world.run_for(3s);
  ASSERT_EQ(runs.results.size(), 1u);
  EXPECT_EQ(runs.results[0].exit_code, 7);
  EXPECT_EQ(runs.results[0].out, "quick");
  EXPECT_EQ(runs.results[0].runtime, 2s);
  EXPECT_EQ(alive, 0);

  core::ProcessSpec spec = argv({"coded", "slow"});
  spec.timeout = 1s;
  procs.spawn(spec, collect(runs, pw.world));
  pw.world.run_for(2s);
  ASSERT_EQ(runs.results.size(), 2u);
  EXPECT_EQ(runs.results[1].end, core::ProcessResult::End::timed_out);
  EXPECT_EQ(alive, 0);

  const auto id = procs.spawn(argv({"coded", "slow"}), collect(runs, pw.world));
  pw.world.run_for(1s);
  procs.kill(id, SIGTERM);
  EXPECT_EQ(alive, 0);
  pw.world.run_for(1s);
  ASSERT_EQ(runs.results.size(), 3u);
  EXPECT_EQ(runs.results[2].end, core::ProcessResult::End::signaled);

  procs.spawn(argv({"coded", "quick"}), collect(runs, pw.world));
  EXPECT_EQ(alive, 1);
  pw.world.crash(0);
  EXPECT_EQ(alive, 0);
  pw.world.run_for(1h);
  EXPECT_EQ(runs.results.size(), 3u) << "a crashed node's agents never report";
}

TEST(SimnetAgents, KillAndUnknownAgents) {
  ProbeWorld pw(1);
  AgentModel m;
  m.name = "sleeper";
  m.default_action.duration = Dist::fixed(1h);
  pw.world.define_agent(m);
  pw.world.start();
  pw.world.run_until(1);
  Runs runs;
  auto& procs = pw.world.env(0).processes;
  const auto id = procs.spawn(argv({"sleeper"}), collect(runs, pw.world));
  pw.world.run_for(2s);
  procs.kill(id, 0);  // signal 0 only probes
  procs.kill(id, SIGTERM);
  EXPECT_TRUE(runs.results.empty());
  pw.world.run_for(1s);
  ASSERT_EQ(runs.results.size(), 1u);
  EXPECT_EQ(runs.results[0].end, core::ProcessResult::End::signaled);
  EXPECT_EQ(runs.results[0].signal, SIGTERM);
  EXPECT_EQ(runs.results[0].runtime, 2s);
  procs.kill(id, SIGKILL);  // reaped: a no-op
  pw.world.run_for(2h);
  EXPECT_EQ(runs.results.size(), 1u);

  procs.spawn(argv({"/bin/no-such-agent", "start"}), collect(runs, pw.world));
  EXPECT_EQ(runs.results.size(), 1u);
  pw.world.run_for(1s);
  ASSERT_EQ(runs.results.size(), 2u);
  EXPECT_EQ(runs.results[1].end, core::ProcessResult::End::spawn_failed);
  EXPECT_NE(runs.results[1].error.find("no-such-agent"), std::string::npos);
}

TEST(SimnetAgents, DescribeCallFindsActionAndTarget) {
  core::ProcessSpec a = argv({"/usr/sbin/fence_simnet"});
  a.stdin_data = "# comment\naction=reboot\nport=n3\n";
  auto c = describe_call("n1", a);
  EXPECT_EQ(c.agent, "fence_simnet");
  EXPECT_EQ(c.action, "reboot");
  EXPECT_EQ(c.stdin_args["port"], "n3");
  core::ProcessSpec b = argv({"fence_simnet", "-o", "off", "-n", "n2"});
  c = describe_call("n1", b);
  EXPECT_EQ(c.action, "off");
  EXPECT_EQ(c.stdin_args["plug"], "n2");
  core::ProcessSpec d = argv({"fence_simnet", "--action=status", "--plug=n4"});
  c = describe_call("n1", d);
  EXPECT_EQ(c.action, "status");
  EXPECT_EQ(c.stdin_args["plug"], "n4");
}

core::ProcessSpec fence(const std::string& action, const std::string& target) {
  core::ProcessSpec s = argv({"/usr/sbin/fence_simnet"});
  s.stdin_data = "action=" + action + "\nport=" + target + "\n";
  s.timeout = 20s;
  return s;
}

TEST(SimnetAgents, FenceDevicePowersNodesOffAndOn) {
  ProbeWorld pw(3);
  pw.world.start();
  pw.world.run_until(1);
  Runs runs;
  auto& procs = pw.world.env(0).processes;
  procs.spawn(fence("off", "n2"), collect(runs, pw.world));
  pw.world.run_for(1s);
  EXPECT_TRUE(pw.world.is_up(1)) << "the switch takes its time (2s by default)";
  pw.world.run_for(2s);
  EXPECT_FALSE(pw.world.is_up(1));
  ASSERT_EQ(runs.results.size(), 1u);
  EXPECT_TRUE(runs.results[0].ok()) << runs.results[0].err;
  EXPECT_EQ(pw.logs[1].destroyed, 1);

  procs.spawn(fence("status", "n2"), collect(runs, pw.world));
  pw.world.run_for(1s);
  EXPECT_EQ(runs.results.at(1).exit_code, 2);  // off

  procs.spawn(fence("on", "n2"), collect(runs, pw.world));
  pw.world.run_for(3s);
  EXPECT_TRUE(pw.world.is_up(1));
  EXPECT_EQ(pw.logs[1].boots, 2);
  procs.spawn(fence("status", "n2"), collect(runs, pw.world));
  procs.spawn(fence("reboot", "n3"), collect(runs, pw.world));
  procs.spawn(fence("off", "nosuch"), collect(runs, pw.world));
  procs.spawn(fence("list", ""), collect(runs, pw.world));
  pw.world.run_for(3s);
  ASSERT_EQ(runs.results.size(), 7u);
  // Completion order: status and list (100ms), then reboot and off (2s), each pair in spawn order.
  EXPECT_EQ(runs.results[3].exit_code, 0);  // status: on
  EXPECT_EQ(runs.results[4].out, "n1,\nn2,\nn3,\n");
  EXPECT_TRUE(runs.results[5].ok());        // reboot
  EXPECT_EQ(runs.results[6].exit_code, 1);  // no such node
  EXPECT_EQ(pw.logs[2].boots, 2);
  EXPECT_EQ(pw.world.stats(2).crashes, 1u);
}

TEST(SimnetAgents, FenceFailuresHaveNoEffectAndSelfFencingNeverReports) {
  ProbeWorld pw(2);
  AgentModel flaky;
  flaky.name = kFenceAgent;
  flaky.actions["off"].duration = Dist::fixed(1s);
  flaky.actions["off"].fail_probability = 1.0;
  pw.world.define_agent(flaky);
  pw.world.start();
  pw.world.run_until(1);
  Runs runs;
  pw.world.env(0).processes.spawn(fence("off", "n2"), collect(runs, pw.world));
  pw.world.run_for(2s);
  ASSERT_EQ(runs.results.size(), 1u);
  EXPECT_EQ(runs.results[0].exit_code, 1);
  EXPECT_TRUE(pw.world.is_up(1));

  AgentModel good;
  good.name = kFenceAgent;  // the power-switch behaviour is kept
  pw.world.define_agent(good);
  pw.world.env(0).processes.spawn(fence("off", "n1"), collect(runs, pw.world));  // suicide
  pw.world.run_for(2s);
  EXPECT_FALSE(pw.world.is_up(0));
  EXPECT_EQ(runs.results.size(), 1u) << "a node that powered itself off hears nothing back";
}

}  // namespace
}  // namespace halab::simnet::testing
