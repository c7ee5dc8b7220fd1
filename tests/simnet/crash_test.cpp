// Crash semantics: durable writes survive, unsynced writes are lost, timers
// and process completions of a crashed node never run, restart boots a new
// service from the node's durable storage.
#include <gtest/gtest.h>

#include "probe.hpp"

namespace halab::simnet::testing {
namespace {

using namespace std::chrono_literals;

std::string text(const std::optional<core::Bytes>& b) { return b ? std::string(b->begin(), b->end()) : "<absent>"; }

// Counts its boots in durable storage; arms a timer; keeps a volatile note.
class Booter final : public core::Service {
 public:
  Booter(core::Env& env, int& fired, std::vector<std::string>& boots) : timer_(env.clock) {
    const auto prev = env.storage.read_text("boots");
    const int n = prev ? std::stoi(*prev) + 1 : 1;
    env.storage.write("boots", std::to_string(n), core::Sync::durable);
    env.storage.write("volatile/note", "boot " + std::to_string(n), core::Sync::none);
    boots.push_back(std::to_string(n) + (prev ? " from " + *prev : ""));
    timer_.arm(10s, [&fired] { ++fired; });
    env.clock.schedule(10s, [&fired] { ++fired; });  // a raw timer, not owned by an object
  }

 private:
  core::Timer timer_;
};

struct BootWorld {
  int fired = 0;
  std::vector<std::string> boots;
  World world{5};
  BootWorld() {
    world.add_network("lan", *core::Subnet::parse("10.0.0.0/24"));
    world.add_node("n1", {lan(1)}, [this](core::Env& env) { return std::make_unique<Booter>(env, fired, boots); });
  }
};

TEST(SimnetCrash, DurableDataSurvives) {
  ProbeWorld pw(1);
  pw.world.start();
  pw.world.run_until(1);
  auto& st = pw.world.env(0).storage;
  st.write("cib/cib.xml", "v1", core::Sync::durable);
  st.write("cib/cib.xml", "v2", core::Sync::durable);
  st.write("state", "kept", core::Sync::durable);
  pw.world.crash(0);
  EXPECT_EQ(pw.logs[0].destroyed, 1);
  pw.world.restart(0);
  EXPECT_EQ(text(st.read("cib/cib.xml")), "v2");
  EXPECT_EQ(text(st.read("state")), "kept");
  EXPECT_EQ(st.list("cib"), std::vector<std::string>{"cib.xml"});
}

TEST(SimnetCrash, UnsyncedDataIsLost) {
  ProbeWorld pw(1);
  pw.world.start();
  pw.world.run_until(1);
  auto& st = pw.world.env(0).storage;
  st.write("a", "durable-1", core::Sync::durable);
  st.write("a", "unsynced-2", core::Sync::none);   // overwrite, not synced
  st.write("b", "unsynced-only", core::Sync::none);  // new file, not synced
  st.write("c", "durable", core::Sync::durable);
  EXPECT_TRUE(st.remove("c", core::Sync::none));  // removal not synced
  st.write("d", "durable", core::Sync::durable);
  EXPECT_TRUE(st.remove("d", core::Sync::durable));
  EXPECT_EQ(text(st.read("a")), "unsynced-2");  // visible at once
  EXPECT_EQ(text(st.read("b")), "unsynced-only");
  EXPECT_EQ(text(st.read("c")), "<absent>");
  pw.world.crash(0);
  EXPECT_EQ(text(st.read("a")), "durable-1");  // the previous durable content
  EXPECT_EQ(text(st.read("b")), "<absent>");
  EXPECT_EQ(text(st.read("c")), "durable");
  EXPECT_EQ(text(st.read("d")), "<absent>");
  EXPECT_EQ(st.list(""), (std::vector<std::string>{"a", "c"}));
  EXPECT_THROW(st.write("../etc/passwd", "x", core::Sync::durable), core::Error);
}

TEST(SimnetCrash, TimersOfACrashedNodeNeverFire) {
  BootWorld bw;
  bw.world.start();
  bw.world.run_until(at(5s));
  bw.world.crash(0);
  bw.world.run_until(at(60s));
  EXPECT_EQ(bw.fired, 0);
  EXPECT_FALSE(bw.world.is_up(0));
  // Scheduling on a down node's clock does nothing either.
  int late = 0;
  bw.world.env(0).clock.schedule(1s, [&] { ++late; });
  bw.world.run_for(10s);
  EXPECT_EQ(late, 0);
}

TEST(SimnetCrash, RestartBootsFromDurableStorageAndOldTimersStayDead) {
  BootWorld bw;
  bw.world.start();
  bw.world.run_until(at(5s));
  bw.world.crash(0);
  bw.world.run_until(at(6s));
  bw.world.restart(0);  // the new incarnation arms its own timers for t = 16s
  bw.world.run_until(at(15s));
  EXPECT_EQ(bw.fired, 0);  // the first incarnation's timers (due at 10s) did not fire
  bw.world.run_until(at(16s));
  EXPECT_EQ(bw.fired, 2);  // the second's did
  EXPECT_EQ(bw.boots, (std::vector<std::string>{"1", "2 from 1"}));
  EXPECT_EQ(text(bw.world.env(0).storage.read("volatile/note")), "boot 2");
  bw.world.restart(0);  // restart of a running node: a reboot
  EXPECT_EQ(bw.boots.back(), "3 from 2");
  EXPECT_EQ(bw.world.stats(0).crashes, 2u);
  EXPECT_EQ(bw.world.stats(0).restarts, 2u);
}

TEST(SimnetCrash, DatagramsToADownNodeAreDroppedAndItsSocketsClosed) {
  ProbeWorld pw(2);
  pw.world.start();
  pw.world.run_until(1);
  pw.probe(0).send(pw.ep(1), {1});
  pw.world.crash(1);
  pw.world.run_for(1s);
  EXPECT_TRUE(pw.logs[1].got.empty());
  EXPECT_EQ(pw.world.network_stats().dropped[int(DropReason::node_down)], 1u);
  pw.world.restart(1);
  pw.probe(0).send(pw.ep(1), {2});
  pw.world.run_for(1s);
  ASSERT_EQ(pw.logs[1].got.size(), 1u);
  EXPECT_EQ(pw.logs[1].got[0].data, core::Bytes{2});
}

TEST(SimnetCrash, ProcessCompletionsOfACrashedNodeNeverRun) {
  ProbeWorld pw(1);
  pw.world.start();
  pw.world.run_until(1);
  AgentModel slow;
  slow.name = "slow";
  slow.default_action.duration = Dist::fixed(5s);
  pw.world.define_agent(slow);
  int done = 0;
  pw.world.env(0).processes.spawn(argv({"/usr/lib/slow", "start"}), [&](core::ProcessResult) { ++done; });
  pw.world.run_for(1s);
  pw.world.crash(0);
  pw.world.restart(0);
  pw.world.run_for(10s);
  EXPECT_EQ(done, 0);
}

}  // namespace
}  // namespace halab::simnet::testing
