// Modelled stateful OCF resources (ground truth for the audits), clean stop,
// injected failures, and trace listeners.
#include <gtest/gtest.h>

#include "probe.hpp"
#include "simnet/world_internal.hpp"

namespace halab::simnet::testing {
namespace {

using namespace std::chrono_literals;

struct Call {
  int code = -99;
};

// Runs `agent action` for instance `inst` on node `i` and returns its exit code (after it ends).
int ocf(ProbeWorld& pw, int i, const std::string& agent, const std::string& action, const std::string& inst) {
  core::ProcessSpec spec;
  spec.argv = {"/usr/lib/ocf/resource.d/heartbeat/" + agent, action};
  spec.env = {"OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=" + inst};
  auto result = std::make_shared<Call>();
  pw.world.env(i).processes.spawn(spec, [result](core::ProcessResult r) {
    result->code = r.end == core::ProcessResult::End::exited ? r.exit_code : -1;
  });
  pw.world.run_for(2s);
  return result->code;
}

class Recorder final : public TraceListener {
 public:
  void on_record(const TraceRecord& r) override {
    if (r.kind == TraceKind::resource) resources.push_back({r.node, r.a, std::string(r.text)});
    ++count;
  }
  struct Res {
    std::uint32_t node;
    std::uint64_t a;
    std::string inst;
  };
  std::vector<Res> resources;
  std::uint64_t count = 0;
};

TEST(SimnetResources, StartStopMonitorPromote) {
  ProbeWorld pw(2);
  pw.world.start();
  pw.world.run_until(1);
  EXPECT_EQ(ocf(pw, 0, "Dummy", "monitor", "db"), 7);
  EXPECT_EQ(ocf(pw, 0, "Dummy", "start", "db"), 0);
  EXPECT_EQ(pw.world.resource_state("db", 0), ResourceState::active);
  EXPECT_EQ(pw.world.resource_state("db", 1), ResourceState::inactive);
  EXPECT_EQ(ocf(pw, 0, "Dummy", "monitor", "db"), 0);
  EXPECT_EQ(ocf(pw, 1, "Dummy", "monitor", "db"), 7);  // per node
  EXPECT_EQ(ocf(pw, 0, "Dummy", "promote", "db"), 0);
  EXPECT_EQ(ocf(pw, 0, "Dummy", "monitor", "db"), 8);
  EXPECT_EQ(ocf(pw, 0, "Dummy", "demote", "db"), 0);
  EXPECT_EQ(ocf(pw, 0, "Dummy", "stop", "db"), 0);
  EXPECT_EQ(ocf(pw, 0, "Dummy", "monitor", "db"), 7);
  EXPECT_EQ(ocf(pw, 1, "Dummy", "promote", "db"), 7);  // not running there
  EXPECT_EQ(ocf(pw, 0, "apache", "migrate_to", "db"), 3);
  EXPECT_EQ(resource_of("web:2"), "web");
  EXPECT_EQ(resource_of("web"), "web");
}

TEST(SimnetResources, ActiveStateDiesWithTheNodeAndATimedOutStartHasNoEffect) {
  ProbeWorld pw(2);
  Recorder rec;
  pw.world.trace().set_listener(&rec);
  pw.world.start();
  pw.world.run_until(1);
  ASSERT_EQ(ocf(pw, 0, "IPaddr2", "start", "ip"), 0);
  pw.world.crash(0);
  EXPECT_EQ(pw.world.resource_state("ip", 0), ResourceState::inactive);
  ASSERT_FALSE(rec.resources.empty());
  EXPECT_EQ(rec.resources.back().a, std::uint64_t(ResourceState::inactive) | (std::uint64_t(ResourceCause::node_down) << 8));
  pw.world.restart(0);
  // A start whose node crashes before it ends leaves nothing running.
  core::ProcessSpec spec;
  spec.argv = {"apache", "start"};
  spec.env = {"OCF_RESOURCE_INSTANCE=web"};
  pw.world.env(0).processes.spawn(spec, [](core::ProcessResult) {});
  pw.world.run_for(100ms);
  pw.world.crash(0);
  pw.world.run_for(2s);
  EXPECT_EQ(pw.world.resource_state("web", 0), ResourceState::inactive);
  pw.world.trace().set_listener(nullptr);
}

TEST(SimnetResources, InjectedFailures) {
  ProbeWorld pw(3);
  pw.world.start();
  pw.world.run_until(1);
  ASSERT_EQ(ocf(pw, 0, "Dummy", "start", "web:0"), 0);
  ASSERT_EQ(ocf(pw, 1, "Dummy", "start", "web:1"), 0);
  ASSERT_EQ(ocf(pw, 2, "Dummy", "start", "db"), 0);
  pw.world.fail_resource("web", 1, 7);  // only on n2
  EXPECT_EQ(pw.world.resource_state("web:0", 0), ResourceState::active);
  EXPECT_EQ(pw.world.resource_state("web:1", 1), ResourceState::inactive);
  pw.world.fail_resource("db", -1, 1);  // wherever it runs: failed, monitor says 1
  EXPECT_EQ(pw.world.resource_state("db", 2), ResourceState::failed);
  EXPECT_EQ(ocf(pw, 2, "Dummy", "monitor", "db"), 1);
  EXPECT_EQ(ocf(pw, 2, "Dummy", "stop", "db"), 0);
  EXPECT_EQ(ocf(pw, 2, "Dummy", "monitor", "db"), 7);
  // An action model's failure leaves the state as it was.
  AgentModel m;
  m.name = "Dummy";
  m.actions["stop"].fail_probability = 1;
  pw.world.define_agent(m);  // keeps being a stateful OCF agent
  EXPECT_EQ(ocf(pw, 0, "Dummy", "stop", "web:0"), 1);
  EXPECT_EQ(pw.world.resource_state("web:0", 0), ResourceState::active);
}

TEST(SimnetResources, CleanStopKeepsStorageAndStaysDown) {
  ProbeWorld pw(2);
  Recorder rec;
  pw.world.trace().set_listener(&rec);
  pw.world.start();
  pw.world.run_until(1);
  ASSERT_EQ(ocf(pw, 0, "Dummy", "start", "db"), 0);
  auto& st0 = pw.world.env(0).storage;
  const core::Bytes data{1, 2, 3};
  st0.write("unsynced", data, core::Sync::none);
  pw.world.env(1).storage.write("unsynced", data, core::Sync::none);
  pw.world.halt(0);
  pw.world.crash(1);
  EXPECT_FALSE(pw.world.is_up(0));
  EXPECT_TRUE(st0.read("unsynced").has_value());  // a clean stop loses nothing
  EXPECT_FALSE(pw.world.env(1).storage.read("unsynced").has_value());
  EXPECT_EQ(rec.resources.back().a >> 8, std::uint64_t(ResourceCause::halt));
  pw.world.add_failures(0, FailureProcess::exponential(1s, 1s));  // repairs do not start a stopped node
  pw.world.run_for(30s);
  EXPECT_FALSE(pw.world.is_up(0));
  pw.world.power_on(0);
  EXPECT_TRUE(pw.world.is_up(0));
  pw.world.trace().set_listener(nullptr);
}

TEST(SimnetResources, FenceRecordsThenPowerCycles) {
  ProbeWorld pw(2);
  Recorder rec;
  pw.world.start();
  pw.world.run_until(1);
  std::vector<TraceKind> kinds;
  struct Kinds final : TraceListener {
    std::vector<TraceKind>* out;
    void on_record(const TraceRecord& r) override {
      if (r.kind != TraceKind::timer) out->push_back(r.kind);
    }
  } k;
  k.out = &kinds;
  pw.world.trace().set_listener(&k);
  pw.world.fence(1, "n1", true);
  pw.world.trace().set_listener(nullptr);
  ASSERT_GE(kinds.size(), 3u);
  EXPECT_EQ(kinds[0], TraceKind::fence);
  EXPECT_EQ(kinds[1], TraceKind::crash);
  EXPECT_EQ(kinds[2], TraceKind::restart);
  EXPECT_TRUE(pw.world.is_up(1));
}

// A listener sees every record and changes nothing: the hash is the same.
TEST(SimnetResources, ListenerDoesNotChangeTheHash) {
  auto run = [](bool listen) {
    ProbeWorld pw(3, 5, LinkModel{});
    Recorder rec;
    if (listen) pw.world.trace().set_listener(&rec);
    pw.world.start();
    pw.world.run_until(1);
    ocf(pw, 0, "Dummy", "start", "a");
    for (int i = 0; i < 20; ++i) pw.probe(i % 3).send(pw.ep((i + 1) % 3), core::Bytes{1});
    pw.world.run_for(1s);
    pw.world.crash(0);
    pw.world.run_for(1s);
    pw.world.trace().set_listener(nullptr);
    if (listen) {
      EXPECT_EQ(rec.count, pw.world.trace().count());
    }
    return pw.world.trace().hash();
  };
  EXPECT_EQ(run(true), run(false));
}

}  // namespace
}  // namespace halab::simnet::testing
