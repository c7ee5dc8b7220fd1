// The fencer against real fence agents through the real world: Debian's
// fence_dummy, and a test agent shipped under tests/fencer/agents.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <filesystem>

#include "stack/core/real/real_world.hpp"
#include "stack/fencer/executor_bridge.hpp"
#include "stack/fencer/fencer.hpp"
#include "stack/fencer/real/watchdogs.hpp"
#include "tests/core/real/test_util.hpp"

namespace halab::fencer {
namespace {

using namespace std::chrono_literals;
using core::real::RealWorld;
using core::real::testing::slurp;
using core::real::testing::TempDir;
namespace fs = std::filesystem;

const std::string kAgents = std::string(HALAB_SOURCE_DIR) + "/tests/fencer/agents";
bool have_fence_dummy() { return ::access("/usr/sbin/fence_dummy", X_OK) == 0; }

DeviceConfig device(const std::string& id, const std::string& agent, std::map<std::string, std::string> params) {
  std::string error;
  auto d = device_from_params(id, agent, params, error);
  EXPECT_TRUE(d) << error;
  return d.value_or(DeviceConfig{});
}

struct Node {
  explicit Node(const std::string& dir, FencerOptions o = {})
      : world({.node = "n1", .state_dir = dir, .seed = 1}), env(world.env()) {
    o.path_env = kAgents + ":/usr/sbin:/usr/bin:/sbin:/bin";
    fencer = std::make_unique<Fencer>(env, o);
  }
  ~Node() { fencer.reset(); }
  template <class Pred> void run_until(Pred done, core::Duration limit = 60s) {
    for (int i = 0; i < limit / 50ms && !done(); ++i) world.run_for(50ms);
  }
  FenceResult fence(const std::string& target, const std::string& action) {
    std::optional<FenceResult> got;
    fencer->fence(target, action, "n1", [&](const FenceResult& r) { got = r; });
    run_until([&] { return got.has_value(); });
    if (!got) ADD_FAILURE() << "fencing did not complete";
    return got.value_or(FenceResult{});
  }
  AgentResult action(const std::string& dev, const std::string& action, const std::string& target) {
    std::optional<AgentResult> got;
    fencer->device_action(dev, action, target, [&](const AgentResult& r) { got = r; });
    run_until([&] { return got.has_value(); });
    return got.value_or(AgentResult{});
  }
  RealWorld world;
  core::Env env;
  std::unique_ptr<Fencer> fencer;
};

class FencerReal : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }
  void TearDown() override {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }
  TempDir dir;
};

TEST_F(FencerReal, FenceDummyWithAFailingFirstLevel) {
  if (!have_fence_dummy()) GTEST_SKIP() << "fence-agents (fence_dummy) is not installed";
  const std::string status = dir / "n2.power";
  Node n(dir / "state");
  // Level 1: a fence_dummy that never gets the node off (type=fail), no retries.
  n.fencer->register_device(device("broken", "fence_dummy",
                                   {{"type", "fail"}, {"power_timeout", "1"}, {"pcmk_off_retries", "0"}, {"pcmk_on_retries", "0"}}));
  n.fencer->register_device(device("good", "fence_dummy", {{"status_file", status}, {"pcmk_host_list", "n2"}}));
  n.fencer->register_level({"n2", 1, {"broken"}});
  n.fencer->register_level({"n2", 2, {"good"}});

  auto on = n.fence("n2", "on");
  ASSERT_TRUE(on.ok) << on.reason;  // level 1 cannot do "on" either (type=fail), level 2 can
  EXPECT_EQ(slurp(status), "on");
  EXPECT_EQ(n.action("good", "status", "n2").exit_code, 0);

  auto off = n.fence("n2", "off");
  ASSERT_TRUE(off.ok) << off.reason;
  EXPECT_EQ(off.delegate, "good");
  EXPECT_EQ(slurp(status), "off");
  EXPECT_NE(off.reason.find("level 1: fence_dummy off exited 1"), std::string::npos) << off.reason;
  EXPECT_NE(off.reason.find("Timed out waiting to power OFF"), std::string::npos) << off.reason;
  auto st = n.action("good", "status", "n2");
  EXPECT_TRUE(st.ok);
  EXPECT_EQ(st.exit_code, 2) << "status: off";

  EXPECT_TRUE(n.action("good", "monitor", "").ok);
  auto list = n.action("good", "list", "");
  EXPECT_FALSE(list.ok) << "fence_dummy has no list";
  EXPECT_NE(list.reason.find("Unrecognised action 'list'"), std::string::npos) << list.reason;

  // Both levels failing: the request fails and says why, level by level.
  n.fencer->remove_level("n2", 2);
  auto fail = n.fence("n2", "off");
  EXPECT_FALSE(fail.ok);
  EXPECT_FALSE(fail.no_device);
  EXPECT_NE(fail.reason.find("level 1:"), std::string::npos);

  const auto& h = n.fencer->history().entries();
  ASSERT_EQ(h.size(), 3u);
  EXPECT_EQ(h[1].state, HistoryEntry::State::success);
  EXPECT_EQ(h[1].action, "off");
  EXPECT_EQ(h[1].delegate, "good");
  EXPECT_EQ(h[2].state, HistoryEntry::State::failed);
}

TEST_F(FencerReal, DynamicListFallsBackToStatusForFenceDummy) {
  if (!have_fence_dummy()) GTEST_SKIP() << "fence-agents (fence_dummy) is not installed";
  Node n(dir / "state");
  n.fencer->register_device(device("d", "fence_dummy", {{"status_file", dir / "p"}}));
  EXPECT_EQ(n.fencer->devices().at("d").host_check, HostCheck::dynamic_list);
  auto r = n.fence("n3", "reboot");
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.delegate, "d");
}

TEST_F(FencerReal, StdinProtocolHostMapDynamicListAndNoDevice) {
  Node n(dir / "state");
  n.fencer->register_device(device("pdu", "fence_halab_test",
                                   {{"dir", dir.path()}, {"hosts", "plug-1,plug-2"}, {"pcmk_host_map", "n1:plug-1;n2:plug-2"},
                                    {"pcmk_host_check", "dynamic-list"}, {"login", "admin"}}));
  std::optional<std::vector<std::string>> listed;
  n.fencer->list_targets("pdu", [&](std::vector<std::string> t, std::string) { listed = t; });
  n.run_until([&] { return listed.has_value(); });
  ASSERT_TRUE(listed);
  EXPECT_EQ(*listed, (std::vector<std::string>{"plug-1", "plug-2"}));

  auto r = n.fence("plug-2", "off");
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(slurp(dir / "plug-2"), "off\n");
  const std::string calls = slurp(dir / "calls");
  EXPECT_NE(calls.find("action=off\nport=plug-2\nnodename=plug-2\n"), std::string::npos) << calls;
  EXPECT_NE(calls.find("login=admin"), std::string::npos);
  EXPECT_EQ(calls.find("pcmk_host_map"), std::string::npos) << "pcmk_* attributes are not the agent's";

  auto none = n.fence("n9", "off");
  EXPECT_FALSE(none.ok);
  EXPECT_TRUE(none.no_device);
  EXPECT_NE(none.reason.find("no fence device can fence n9"), std::string::npos) << none.reason;

  // Retries: "off" refused every time -> 1 + pcmk_off_retries attempts.
  n.fencer->register_device(device("flaky", "fence_halab_test",
                                   {{"dir", dir.path()}, {"fail", "off"}, {"pcmk_host_list", "n5"}, {"pcmk_off_retries", "2"}}));
  fs::remove(dir / "calls");
  auto refused = n.fence("n5", "off");
  EXPECT_FALSE(refused.ok);
  EXPECT_NE(refused.reason.find("Failed: off refused"), std::string::npos) << refused.reason;
  const std::string again = slurp(dir / "calls");
  std::size_t attempts = 0;
  for (std::size_t p = again.find("action=off"); p != std::string::npos; p = again.find("action=off", p + 1)) ++attempts;
  EXPECT_EQ(attempts, 3u);
}

TEST_F(FencerReal, HistorySurvivesARestart) {
  {
    Node n(dir / "state");
    n.fencer->register_device(device("pdu", "fence_halab_test", {{"dir", dir.path()}, {"pcmk_host_list", "n2"}}));
    EXPECT_TRUE(n.fence("n2", "off").ok);
    EXPECT_FALSE(n.fence("n7", "off").ok);
  }
  Node again(dir / "state");
  const auto& h = again.fencer->history().entries();
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].target, "n2");
  EXPECT_EQ(h[0].state, HistoryEntry::State::success);
  EXPECT_EQ(h[0].origin, "n1");
  EXPECT_GT(h[0].completed.time_since_epoch().count(), 0);
  EXPECT_EQ(h[1].state, HistoryEntry::State::failed);
  EXPECT_NE(h[1].reason.find("no fence device"), std::string::npos);
}

TEST_F(FencerReal, MeatwareWaitsForAHuman) {
  Node n(dir / "state");
  n.fencer->register_device(device("human", "meatware", {{"pcmk_host_list", "n2"}}));
  std::optional<FenceResult> got;
  n.fencer->fence("n2", "off", "n1", [&](const FenceResult& r) { got = r; });
  n.world.run_for(300ms);
  EXPECT_FALSE(got) << "no completion before the confirmation";
  EXPECT_EQ(n.fencer->awaiting_confirmation(), std::vector<std::string>{"n2"});
  EXPECT_TRUE(n.fencer->confirm("n2"));
  n.run_until([&] { return got.has_value(); }, 5s);
  ASSERT_TRUE(got);
  EXPECT_TRUE(got->ok);
  EXPECT_EQ(got->delegate, "human");
  // A confirmation with nothing pending is recorded as a manual fencing.
  EXPECT_FALSE(n.fencer->confirm("n3", "admin"));
  n.world.run_for(100ms);
  EXPECT_EQ(n.fencer->history().entries().back().delegate, "manual");
  EXPECT_EQ(n.fencer->history().entries().back().origin, "admin");
}

TEST_F(FencerReal, StonithResourcesThroughTheExecutor) {
  Node n(dir / "state");
  FencerStonithOps ops(*n.fencer);
  executor::Executor ex(n.env, {.state_dir = dir / "state"}, &ops);
  auto run = [&](executor::ResourceDef rsc, std::string action) {
    std::optional<executor::OpResult> got;
    executor::OpRequest o;
    o.action = std::move(action);
    ex.execute(rsc, o, [&](const executor::OpResult& r) { got = r; });
    n.run_until([&] { return got.has_value(); });
    return got.value_or(executor::OpResult{});
  };
  executor::ResourceDef rsc{"fence-pdu", "stonith", "", "fence_halab_test", {{"dir", dir.path()}, {"pcmk_host_list", "n2"}}};
  EXPECT_EQ(run(rsc, "monitor").rc, 7) << "not registered yet";
  EXPECT_TRUE(run(rsc, "start").ok());
  EXPECT_EQ(n.fencer->devices().count("fence-pdu"), 1u);
  EXPECT_TRUE(run(rsc, "monitor").ok());
  auto md = run(rsc, "meta-data");
  EXPECT_TRUE(md.ok()) << md.exit_reason;
  EXPECT_TRUE(run(rsc, "stop").ok());
  EXPECT_EQ(n.fencer->devices().count("fence-pdu"), 0u);
  rsc.params["pcmk_host_check"] = "sometimes";
  auto bad = run(rsc, "start");
  EXPECT_EQ(bad.rc, 6);
  EXPECT_NE(bad.exit_reason.find("pcmk_host_check"), std::string::npos) << bad.exit_reason;
}

// The process-level watchdog kills a process that stops kicking it, and
// leaves alone one that disarms. Each case runs in a forked child that leads
// its own process group.
int run_guarded(bool disarm) {
  const pid_t pid = ::fork();
  if (pid == 0) {
    ::setpgid(0, 0);
    real::ProcessWatchdog wd;
    wd.arm(300ms);
    for (int i = 0; i < 6; ++i) {
      ::usleep(100000);
      wd.kick();
    }
    if (disarm) wd.disarm();
    ::usleep(1500000);  // no kicks: five timeouts
    ::_exit(7);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  return status;
}

TEST_F(FencerReal, ProcessWatchdogKillsWhenNotKicked) {
  const int killed = run_guarded(false);
  ASSERT_TRUE(WIFSIGNALED(killed)) << "status " << killed;
  EXPECT_EQ(WTERMSIG(killed), SIGKILL);
  const int clean = run_guarded(true);
  ASSERT_TRUE(WIFEXITED(clean)) << "a disarmed watchdog must not fire";
  EXPECT_EQ(WEXITSTATUS(clean), 7) << "it survived the kicks and the disarmed period";
}

}  // namespace
}  // namespace halab::fencer
