// The executor against real agents through the real world: Debian's
// resource-agents (ocf:heartbeat:Dummy, ocf:pacemaker:Dummy), and test
// agents and an LSB script shipped under tests/executor.
#include <gtest/gtest.h>
#include <sys/prctl.h>
#include <sys/wait.h>

#include <filesystem>
#include <fstream>

#include "stack/core/real/real_world.hpp"
#include "stack/executor/executor.hpp"
#include "tests/core/real/test_util.hpp"

namespace halab::executor {
namespace {

using namespace std::chrono_literals;
using core::real::RealWorld;
using core::real::testing::process_alive;
using core::real::testing::TempDir;
namespace fs = std::filesystem;

const std::string kTestOcfRoot = std::string(HALAB_SOURCE_DIR) + "/tests/executor/ocf_root";
const std::string kTestInitDir = std::string(HALAB_SOURCE_DIR) + "/tests/executor/init.d";

bool have(const std::string& path) { return ::access(path.c_str(), X_OK) == 0; }

ResourceDef ocf(std::string id, std::string provider, std::string type, std::map<std::string, std::string> params = {}) {
  return ResourceDef{std::move(id), "ocf", std::move(provider), std::move(type), std::move(params)};
}

OpRequest op(std::string action, core::Duration timeout = 20s, core::Duration interval = 0s) {
  OpRequest o;
  o.action = std::move(action);
  o.timeout = timeout;
  o.interval = interval;
  return o;
}

// A node: its own state dir, world and executor.
struct Node {
  explicit Node(const std::string& name, ExecutorOptions extra = {})
      : world({.node = name, .state_dir = dir.path(), .seed = 1}) {
    extra.state_dir = dir.path();
    executor = std::make_unique<Executor>(*(env = std::make_unique<core::Env>(world.env())), extra);
  }
  ~Node() { executor.reset(); }
  // Runs one operation to completion (bounded).
  OpResult run(const ResourceDef& rsc, OpRequest o) {
    std::optional<OpResult> got;
    executor->execute(rsc, std::move(o), [&](const OpResult& r) {
      got = r;
      world.stop();
    });
    for (int i = 0; i < 600 && !got; ++i) world.run_for(100ms);
    if (!got) ADD_FAILURE() << "operation did not complete within 60s";
    return got.value_or(OpResult{});
  }
  TempDir dir;
  RealWorld world;
  std::unique_ptr<core::Env> env;
  std::unique_ptr<Executor> executor;
};

class ExecutorReal : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { ::prctl(PR_SET_CHILD_SUBREAPER, 1); }
  void TearDown() override {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
  }
};

TEST_F(ExecutorReal, HeartbeatDummyStartMonitorStopKeepsStateInTheNodesRsctmp) {
  if (!have("/usr/lib/ocf/resource.d/heartbeat/Dummy")) GTEST_SKIP() << "resource-agents is not installed";
  Node n("node1");
  const auto rsc = ocf("web", "heartbeat", "Dummy");
  const std::string state = n.dir / "rsctmp/Dummy-web.state";

  auto probe = n.run(rsc, op("monitor"));
  EXPECT_TRUE(probe.probe);
  EXPECT_EQ(probe.status, ExecStatus::done);
  EXPECT_EQ(probe.rc, 7) << probe.stderr_text;

  auto start = n.run(rsc, op("start"));
  EXPECT_TRUE(start.ok()) << start.exit_reason << start.stderr_text;
  EXPECT_TRUE(fs::exists(state)) << "Dummy's state file belongs in the node's HA_RSCTMP";
  EXPECT_GT(start.exec_time, 0s);
  EXPECT_GT(start.last_run.time_since_epoch().count(), 0);

  auto mon = n.run(rsc, op("monitor"));
  EXPECT_FALSE(mon.probe) << "the executor saw it start";
  EXPECT_EQ(mon.rc, 0);

  auto md = n.run(rsc, op("meta-data"));
  EXPECT_TRUE(md.ok()) << md.exit_reason;
  EXPECT_NE(md.output.find("<resource-agent name=\"Dummy\""), std::string::npos);

  auto stop = n.run(rsc, op("stop"));
  EXPECT_TRUE(stop.ok());
  EXPECT_FALSE(fs::exists(state));
  EXPECT_EQ(n.run(rsc, op("monitor")).rc, 7);
}

TEST_F(ExecutorReal, AStartingExecutorEmptiesRsctmpAsABootEmptiesRun) {
  if (!have("/usr/lib/ocf/resource.d/heartbeat/Dummy")) GTEST_SKIP() << "resource-agents is not installed";
  Node n("node1");
  const auto rsc = ocf("web", "heartbeat", "Dummy");
  ASSERT_TRUE(n.run(rsc, op("start")).ok());
  ASSERT_TRUE(fs::exists(n.dir / "rsctmp/Dummy-web.state"));
  n.executor = std::make_unique<Executor>(*n.env, ExecutorOptions{.state_dir = n.dir.path()});
  EXPECT_FALSE(fs::exists(n.dir / "rsctmp/Dummy-web.state"));
  EXPECT_EQ(n.run(rsc, op("monitor")).rc, 7);
  // Kept when asked to (a daemon restart without a reboot).
  ASSERT_TRUE(n.run(rsc, op("start")).ok());
  n.executor = std::make_unique<Executor>(*n.env, ExecutorOptions{.state_dir = n.dir.path(), .clear_rsctmp = false});
  EXPECT_EQ(n.run(rsc, op("monitor")).rc, 0);
}

TEST_F(ExecutorReal, TwoNodesOnOneHostDoNotShareAgentState) {
  if (!have("/usr/lib/ocf/resource.d/heartbeat/Dummy")) GTEST_SKIP() << "resource-agents is not installed";
  Node a("node1"), b("node2");
  const auto rsc = ocf("db", "heartbeat", "Dummy");
  ASSERT_TRUE(a.run(rsc, op("start")).ok());
  EXPECT_EQ(b.run(rsc, op("monitor")).rc, 7) << "node2 must not see node1's resource as running";
  ASSERT_TRUE(b.run(rsc, op("start")).ok());
  ASSERT_TRUE(a.run(rsc, op("stop")).ok());
  EXPECT_EQ(a.run(rsc, op("monitor")).rc, 7);
  EXPECT_EQ(b.run(rsc, op("monitor")).rc, 0) << "stopping it on node1 must leave node2's copy alone";
  EXPECT_TRUE(fs::exists(b.dir / "rsctmp/Dummy-db.state"));
}

TEST_F(ExecutorReal, PacemakerDummyUsesTheNodesDirectoryToo) {
  if (!have("/usr/lib/ocf/resource.d/pacemaker/Dummy")) GTEST_SKIP() << "pacemaker-resource-agents is not installed";
  Node n("node1");
  const auto rsc = ocf("p1", "pacemaker", "Dummy");
  ASSERT_TRUE(n.run(rsc, op("start")).ok());
  EXPECT_TRUE(fs::exists(n.dir / "rsctmp/Dummy-p1.state"));
  EXPECT_EQ(n.run(rsc, op("monitor")).rc, 0);
  EXPECT_TRUE(n.run(rsc, op("stop")).ok());
}

TEST_F(ExecutorReal, OcfEnvironment) {
  Node n("node1", {.paths = {.ocf_root = kTestOcfRoot}});
  auto rsc = ocf("envrsc", "halab", "Env", {{"ip", "10.0.0.5"}, {"name", "x y"}});
  auto o = op("monitor", 7s, 0s);
  o.meta["notify_type"] = "pre";
  auto r = n.run(rsc, o);
  ASSERT_TRUE(r.ok()) << r.exit_reason;
  for (const char* want : {"OCF_ROOT=", "OCF_RESOURCE_INSTANCE=envrsc\n", "OCF_RESOURCE_TYPE=Env\n",
                           "OCF_RESOURCE_PROVIDER=halab\n", "OCF_RESKEY_ip=10.0.0.5\n", "OCF_RESKEY_name=x y\n",
                           "OCF_RESKEY_CRM_meta_timeout=7000\n", "OCF_RESKEY_CRM_meta_interval=0\n",
                           "OCF_RESKEY_CRM_meta_notify_type=pre\n", "OCF_RA_VERSION_MAJOR=1\n", "OCF_FUNCTIONS_DIR="})
    EXPECT_NE(r.output.find(want), std::string::npos) << want << " missing from\n" << r.output;
  EXPECT_NE(r.output.find("HA_RSCTMP=" + n.dir / "rsctmp\n"), std::string::npos) << r.output;
}

TEST_F(ExecutorReal, RecurringMonitorReportsEachRunUntilCancelled) {
  if (!have("/usr/lib/ocf/resource.d/heartbeat/Dummy")) GTEST_SKIP() << "resource-agents is not installed";
  Node n("node1");
  const auto rsc = ocf("mon", "heartbeat", "Dummy");
  ASSERT_TRUE(n.run(rsc, op("start")).ok());
  std::vector<OpResult> runs;
  n.executor->execute(rsc, op("monitor", 10s, 200ms), [&](const OpResult& r) { runs.push_back(r); });
  ASSERT_EQ(n.executor->recurring().size(), 1u);
  for (int i = 0; i < 100 && runs.size() < 3; ++i) n.world.run_for(50ms);
  ASSERT_GE(runs.size(), 3u);
  for (const auto& r : runs) {
    EXPECT_EQ(r.rc, 0);
    EXPECT_FALSE(r.probe);
    EXPECT_EQ(r.interval, 200ms);
    EXPECT_EQ(r.call_id, runs[0].call_id);
  }
  // The resource dies behind our back: the next run reports it.
  fs::remove(n.dir / "rsctmp/Dummy-mon.state");
  const std::size_t before = runs.size();
  for (int i = 0; i < 100 && (runs.size() == before || runs.back().rc != 7); ++i) n.world.run_for(50ms);
  ASSERT_EQ(runs.back().rc, 7);
  EXPECT_TRUE(n.executor->cancel("mon", "monitor", 200ms));
  EXPECT_FALSE(n.executor->cancel("mon", "monitor", 200ms));
  n.world.run_for(100ms);
  ASSERT_EQ(runs.back().status, ExecStatus::cancelled);
  const std::size_t after = runs.size();
  n.world.run_for(600ms);
  EXPECT_EQ(runs.size(), after) << "no run after the cancel";
  EXPECT_TRUE(n.executor->recurring().empty());
}

TEST_F(ExecutorReal, TimeoutKillsTheAgentsProcessGroup) {
  Node n("node1", {.paths = {.ocf_root = kTestOcfRoot}});
  const std::string pids = n.dir / "slow.pids";
  auto r = n.run(ocf("slow", "halab", "Slow", {{"pids", pids}}), op("start", 500ms));
  EXPECT_EQ(r.status, ExecStatus::timeout);
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.exit_reason.find("timed out after 500ms"), std::string::npos) << r.exit_reason;
  EXPECT_GE(r.exec_time, 500ms);
  EXPECT_LT(r.exec_time, 5s);
  std::ifstream in(pids);
  pid_t agent = 0, grandchild = 0;
  in >> agent >> grandchild;
  ASSERT_GT(agent, 0);
  ASSERT_GT(grandchild, 0);
  for (int i = 0; i < 50 && process_alive(grandchild); ++i) {
    while (::waitpid(-1, nullptr, WNOHANG) > 0) {
    }
    ::usleep(20000);
  }
  EXPECT_FALSE(process_alive(agent));
  EXPECT_FALSE(process_alive(grandchild)) << "the agent's child must die with it";
}

TEST_F(ExecutorReal, PacemakerDummyOpSleepTimesOut) {
  if (!have("/usr/lib/ocf/resource.d/pacemaker/Dummy")) GTEST_SKIP() << "pacemaker-resource-agents is not installed";
  Node n("node1");
  auto r = n.run(ocf("sleepy", "pacemaker", "Dummy", {{"op_sleep", "10"}}), op("start", 1s));
  EXPECT_EQ(r.status, ExecStatus::timeout);
  EXPECT_LT(r.exec_time, 5s);
}

TEST_F(ExecutorReal, OneOperationAtATimePerResource) {
  Node n("node1", {.paths = {.ocf_root = kTestOcfRoot}});
  const auto slow = ocf("q", "halab", "Slow", {{"pids", n.dir / "q.pids"}});
  const auto other = ocf("other", "halab", "Env");
  std::vector<std::string> order;
  std::vector<OpResult> results;
  auto rec = [&](std::string tag) {
    return [&, tag](const OpResult& r) {
      order.push_back(tag);
      results.push_back(r);
    };
  };
  n.executor->execute(slow, op("start", 400ms), rec("slow-start"));
  n.executor->execute(slow, op("monitor", 5s), rec("slow-monitor"));
  n.executor->execute(other, op("monitor", 5s), rec("other-monitor"));
  EXPECT_EQ(n.executor->queued("q"), 2u);
  for (int i = 0; i < 100 && order.size() < 3; ++i) n.world.run_for(50ms);
  ASSERT_EQ(order, (std::vector<std::string>{"other-monitor", "slow-start", "slow-monitor"}))
      << "another resource is not held up; the same resource waits its turn";
  EXPECT_GE(results[2].queue_time, 350ms) << "the monitor waited for the start";
  EXPECT_GE(results[2].last_run, results[1].last_run + results[1].exec_time);
}

TEST_F(ExecutorReal, BadAgentOutputGivesClearErrors) {
  Node n("node1", {.paths = {.ocf_root = kTestOcfRoot}});
  const auto rsc = ocf("bad", "halab", "Broken");
  auto md = n.run(rsc, op("meta-data"));
  EXPECT_EQ(md.status, ExecStatus::error);
  EXPECT_NE(md.exit_reason.find("invalid meta-data: line"), std::string::npos) << md.exit_reason;
  auto mon = n.run(rsc, op("monitor"));
  EXPECT_EQ(mon.status, ExecStatus::error);
  EXPECT_EQ(mon.rc, 1);
  EXPECT_NE(mon.exit_reason.find("exit code 42, which is not an OCF exit code"), std::string::npos) << mon.exit_reason;
  auto start = n.run(rsc, op("start"));
  EXPECT_EQ(start.status, ExecStatus::done);
  EXPECT_EQ(start.rc, 6);
  EXPECT_EQ(start.exit_reason, "cannot frobnicate the widget");
  auto stop = n.run(rsc, op("stop"));
  EXPECT_EQ(stop.status, ExecStatus::error);
  EXPECT_NE(stop.exit_reason.find("signal 15"), std::string::npos) << stop.exit_reason;
  auto missing = n.run(ocf("gone", "halab", "NoSuchAgent"), op("start"));
  EXPECT_EQ(missing.status, ExecStatus::not_installed);
  EXPECT_EQ(missing.rc, 5);
  auto noprov = n.run(ocf("np", "", "Dummy"), op("start"));
  EXPECT_EQ(noprov.status, ExecStatus::invalid);
  auto escape = n.run(ocf("esc", "halab", "../../../bin/true"), op("start"));
  EXPECT_EQ(escape.status, ExecStatus::invalid);
  auto unknown_class = n.run(ResourceDef{"u", "upstart", "", "x", {}}, op("start"));
  EXPECT_EQ(unknown_class.status, ExecStatus::invalid);
  EXPECT_NE(unknown_class.exit_reason.find("unknown resource class 'upstart'"), std::string::npos);
}

TEST_F(ExecutorReal, LsbInitScript) {
  Node n("node1", {.paths = {.lsb_dir = kTestInitDir}});
  const ResourceDef rsc{"svc", "lsb", "", "halab-test-lsb", {}};
  auto probe = n.run(rsc, op("monitor"));
  EXPECT_TRUE(probe.probe);
  EXPECT_EQ(probe.rc, 7) << "LSB status 3 means not running";
  EXPECT_TRUE(n.run(rsc, op("start")).ok());
  EXPECT_TRUE(fs::exists(n.dir / "rsctmp/halab-test-lsb.running"));
  EXPECT_EQ(n.run(rsc, op("monitor")).rc, 0);
  auto reload = n.run(rsc, op("reload"));
  EXPECT_EQ(reload.rc, 3) << "LSB 3 on reload: unimplemented";
  auto promote = n.run(rsc, op("promote"));
  EXPECT_EQ(promote.status, ExecStatus::not_supported);
  auto md = n.run(rsc, op("meta-data"));
  EXPECT_TRUE(md.ok());
  EXPECT_EQ(check_metadata(md.output), "");
  EXPECT_TRUE(n.run(rsc, op("stop")).ok());
  EXPECT_EQ(n.run(rsc, op("monitor")).rc, 7);
  // service: resolves to the init script when there is one.
  const ResourceDef svc{"svc2", "service", "", "halab-test-lsb", {}};
  EXPECT_TRUE(n.run(svc, op("start")).ok());
  EXPECT_EQ(n.run(svc, op("monitor")).rc, 0);
  EXPECT_TRUE(n.run(svc, op("stop")).ok());
}

TEST_F(ExecutorReal, SystemdWithoutSystemdIsAClearError) {
  if (fs::exists("/run/systemd/system")) GTEST_SKIP() << "systemd runs as PID 1 here; this test is for nodes without it";
  Node n("node1", {.paths = {.lsb_dir = kTestInitDir}});
  for (const char* standard : {"systemd", "service"}) {
    auto r = n.run(ResourceDef{"s", standard, "", "halab-no-such-unit", {}}, op("start"));
    EXPECT_EQ(r.status, ExecStatus::not_installed) << standard;
    EXPECT_EQ(r.rc, 5);
    EXPECT_EQ(r.exit_reason, "systemd is not running on this node") << standard << ": " << r.exit_reason;
  }
}

}  // namespace
}  // namespace halab::executor
