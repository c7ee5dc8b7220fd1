// The cluster resource manager end to end in simnet: two nodes running the
// whole halabd stack (Totem, votequorum two_node, CPG, controller, executor,
// fencer, scheduler, transition engine), configured with `crm configure load
// update` of the seed's web service against the running cluster's CIB.
//
// The service starts on one node in group order; that node crashes; the
// survivor fences it (fence_simnet, stonith-action=off, so it stays down) and
// starts the three resources in group order; the crash-to-running time is
// printed; the node is powered on, rejoins, and the service stays put.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "stack/daemon/control.hpp"
#include "tests/daemon/crm_sim_harness.hpp"
#include "tests/shell/shell_support.hpp"

using namespace halab;
using namespace std::chrono_literals;
using halab::test::crm::Cluster;

namespace {

const std::set<std::string> kGroup = {"webstore", "webip", "websrv"};

// The seed's web service, trimmed to what the issue's acceptance names: the
// group of three, stickiness 100, and a modelled power switch. (The seed's
// `location webip_node webip inf: node2` would pin the service to one node,
// and its clone / promotable examples are not part of the failover story.)
const char* kWebService = R"(primitive webstore ocf:heartbeat:Filesystem \
	params device="172.16.60.3:/webdata" directory="/var/www/html" fstype="nfs" \
	op monitor interval=20s timeout=40s
primitive webip ocf:heartbeat:IPaddr params ip=172.16.60.99 op monitor interval=30s timeout=20s
primitive websrv ocf:heartbeat:apache op monitor interval=10s timeout=20s
group webservice webstore webip websrv
primitive power stonith:fence_simnet params pcmk_host_list="n1 n2" op monitor interval=60s
property stonith-enabled=true stonith-action=off
rsc_defaults resource-stickiness=100
op_defaults timeout=60s
)";

// One run of the story; the crash-to-running time in simulated seconds.
// Fatal failures return early (the caller checks HasFatalFailure).
// With `on_dc` the service prefers the DC's node (score 50, below the
// stickiness), so the crash takes the DC and the service together.
void run_failover(std::uint64_t seed, bool on_dc, double& failover_s, std::string& crashed) {
  Cluster c(seed);
  ASSERT_TRUE(c.run_until([&] { return c.dc() && c.dc()->controller().view().members.size() == 2 &&
                                        c.dc()->controller().quorate() && c.settled(); },
                          30s))
      << "no quorate DC with both nodes synced";

  // `crm configure load update` against the running cluster's CIB, committed as a patch.
  test::MemoryHost host;
  host.use_agents = false;
  const cib::Cib before = c.dc()->controller().cib();
  host.cib_xml = before.to_xml();
  std::string script = kWebService;
  if (on_dc) script += "location prefer-dc webservice 50: " + c.names[size_t(c.dc() == c.crm(0) ? 0 : 1)] + "\n";
  ASSERT_TRUE(test::run_load(host, script, false)) << host.err_text;
  std::optional<controller::UpdateResult> committed;
  c.crm(0)->controller().submit(controller::patch_request(before, cib::Cib::parse(host.cib_xml, "crm")),
                                [&](const controller::UpdateResult& r) { committed = r; });
  ASSERT_TRUE(c.run_until([&] { return committed.has_value(); }, 10s));
  ASSERT_TRUE(committed->ok()) << committed->error;

  // The service starts on one node, in group order.
  ASSERT_TRUE(c.run_until(
      [&] { return (c.agents.running["n1"] == kGroup || c.agents.running["n2"] == kGroup) && c.settled(); }, 60s))
      << "the web service did not start; events: " << ::testing::PrintToString(c.agents.events);
  const std::string home = c.agents.running["n1"] == kGroup ? "n1" : "n2";
  const std::string other = home == "n1" ? "n2" : "n1";
  const int home_i = home == "n1" ? 0 : 1, other_i = 1 - home_i;
  EXPECT_EQ(c.agents.starts_on(home), (std::vector<std::string>{"webstore", "webip", "websrv"}));
  EXPECT_TRUE(c.agents.running[other].empty());
  c.world.run_for(20s + std::chrono::milliseconds(seed * 1237 % 10000));  // quiet: monitors run, nothing moves
  EXPECT_EQ(c.agents.running[home], kGroup);
  EXPECT_TRUE(c.settled());

  // Crash the node running it: its services die with it.
  const bool home_was_dc = c.crm(home_i)->controller().is_dc();
  const std::size_t mark = c.agents.events.size();
  const auto fenced_before = c.crm(other_i)->fencer().history().entries().size();
  c.world.crash(home_i);
  c.agents.running[home].clear();
  const double crashed_at = c.seconds();
  ASSERT_TRUE(c.run_until([&] { return c.agents.running[other] == kGroup; }, 60s))
      << "no failover; events since the crash: "
      << ::testing::PrintToString(std::vector<std::string>(c.agents.events.begin() + long(mark), c.agents.events.end()));
  const double recovered_at = c.seconds();
  failover_s = recovered_at - crashed_at;
  crashed = home_was_dc ? "DC" : "not DC";
  std::printf("seed %llu: crash of %s (%s) -> webservice running on %s: %.3f s simulated (token 1000 ms)\n",
              (unsigned long long)seed, home.c_str(), crashed.c_str(), other.c_str(),
              failover_s);
  EXPECT_EQ(c.agents.starts_on(other, mark), (std::vector<std::string>{"webstore", "webip", "websrv"}));
  // It was fenced before anything started: the survivor's fencer powered it off.
  auto& history = c.crm(other_i)->fencer().history().entries();
  ASSERT_GT(history.size(), fenced_before);
  EXPECT_EQ(history.back().target, home);
  EXPECT_EQ(history.back().state, fencer::HistoryEntry::State::success);
  EXPECT_FALSE(c.world.is_up(home_i)) << "stonith-action=off leaves it off";
  ASSERT_TRUE(c.run_until([&] { return c.settled(); }, 30s));
  const std::string cib = c.dc()->controller().cib().to_xml();
  EXPECT_NE(cib.find("uname=\"" + home + "\" in_ccm=\"false\" crmd=\"offline\" join=\"down\" expected=\"down\""),
            std::string::npos)
      << "the fenced node is recorded down:\n" << cib;

  // Power it back on: it rejoins, and the service stays where it is.
  const std::size_t back = c.agents.events.size();
  c.world.power_on(home_i);
  ASSERT_TRUE(c.run_until([&] { return c.crm(home_i) && c.crm(home_i)->controller().synced() && c.settled(); }, 60s))
      << "the node did not rejoin";
  c.world.run_for(30s);
  EXPECT_TRUE(c.settled());
  EXPECT_EQ(c.agents.running[other], kGroup);
  EXPECT_TRUE(c.agents.running[home].empty());
  EXPECT_TRUE(c.agents.starts_on(home, back).empty()) << "stickiness keeps the service on " << other;
  for (std::size_t i = back; i < c.agents.events.size(); ++i)
    EXPECT_NE(c.agents.events[i].rfind(other + " stop ", 0), 0u) << "the service was disturbed: " << c.agents.events[i];
  EXPECT_TRUE(c.agents.double_active.empty()) << ::testing::PrintToString(c.agents.double_active);
  EXPECT_EQ(c.crm(other_i)->controller().cib().to_xml().find("uname=\"" + home + "\" in_ccm=\"false\""),
            std::string::npos)
      << "the node is a member again";

  // The control socket's cib-query (what `halab crm status` / `halab mon -1` read) answers on
  // every node with the cluster's CIB.
  for (int i = 0; i < 2; ++i) {
    auto q = daemon::handle_request(*c.node(i), {"cib-query", {}}, {});
    ASSERT_TRUE(q.ok()) << q.body;
    // (A rebooted node that forms its own ring and then merges may be DC again:
    // the controller ranks by node id after a merge. The service stays put anyway.)
    EXPECT_EQ(q.headers["Dc"], c.dc() == c.crm(0) ? "n1" : "n2");
    EXPECT_EQ(q.headers["Quorate"], "yes");
    EXPECT_EQ(q.headers["Synced"], "yes");
    EXPECT_EQ(q.headers["Cib-Version"], c.dc()->controller().version().str());
    EXPECT_EQ(cib::Cib::parse(q.body, "cib-query").version().str(), q.headers["Cib-Version"]);
    EXPECT_NE(q.body.find("<group id=\"webservice\">"), std::string::npos);
    EXPECT_NE(q.body.find("operation_key=\"websrv_start_0\" operation=\"start\""), std::string::npos);
  }
}

void run_seeds(bool on_dc) {
  std::uint64_t first = 1;
  if (const char* s = std::getenv("HALAB_SEED")) first = std::strtoull(s, nullptr, 10);
  std::vector<double> times;
  std::set<std::string> crashed_nodes;
  for (std::uint64_t seed = first; seed < first + 6; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    double t = 0;
    std::string crashed;
    run_failover(seed, on_dc, t, crashed);
    if (::testing::Test::HasFatalFailure()) return;
    times.push_back(t);
    crashed_nodes.insert(crashed);
  }
  std::sort(times.begin(), times.end());
  EXPECT_EQ(crashed_nodes, std::set<std::string>{on_dc ? "DC" : "not DC"});
  std::printf("crash -> webservice running elsewhere: median %.3f s, max %.3f s over %zu seeds (simulated)\n",
              (times[2] + times[3]) / 2, times.back(), times.size());
}

TEST(CrmSim, TwoNodeWebServiceFailsOverAfterFencingAndStaysWhenTheNodeReturns) { run_seeds(false); }

// The DC runs the service and crashes: the other node becomes DC, fences it and recovers the service.
TEST(CrmSim, DcRunningTheWebServiceCrashes) { run_seeds(true); }

}  // namespace

namespace {

// Three nodes, no-quorum-policy=stop (the default): the node running the
// service is cut off from the two others. It loses quorum and stops what it
// runs; the majority fences it (the power switch reaches it across the
// partition) and starts the service; no resource ever runs on two live
// nodes. The partition heals, the node is powered on and rejoins; the
// service stays.
void run_partition(std::uint64_t seed, double& takeover_s) {
  Cluster c(seed, 3);
  ASSERT_TRUE(c.run_until([&] { return c.dc() && c.dc()->controller().view().members.size() == 3 &&
                                        c.dc()->controller().quorate() && c.settled(); },
                          30s));
  test::MemoryHost host;
  host.use_agents = false;
  const cib::Cib before = c.dc()->controller().cib();
  host.cib_xml = before.to_xml();
  std::string script = kWebService;
  script.replace(script.find("pcmk_host_list=\"n1 n2\""), 22, "pcmk_host_list=\"n1 n2 n3\"");
  ASSERT_TRUE(test::run_load(host, script, false)) << host.err_text;
  std::optional<controller::UpdateResult> committed;
  c.dc()->controller().submit(controller::patch_request(before, cib::Cib::parse(host.cib_xml, "crm")),
                              [&](const controller::UpdateResult& r) { committed = r; });
  ASSERT_TRUE(c.run_until([&] { return committed.has_value(); }, 10s));
  ASSERT_TRUE(committed->ok()) << committed->error;
  std::string home;
  ASSERT_TRUE(c.run_until(
      [&] {
        for (auto& n : c.names)
          if (c.agents.running[n] == kGroup) home = n;
        return !home.empty() && c.settled();
      },
      60s));
  const int home_i = c.world.node_index(home);
  std::vector<int> rest;
  for (int i = 0; i < 3; ++i)
    if (i != home_i) rest.push_back(i);
  c.world.run_for(std::chrono::milliseconds(5000 + seed * 1237 % 10000));

  const std::size_t mark = c.agents.events.size();
  const double cut_at = c.seconds();
  const int cut = c.world.partition({home_i}, rest, false);
  std::string taker;
  ASSERT_TRUE(c.run_until(
      [&] {
        for (int i : rest)
          if (c.agents.running[c.names[size_t(i)]] == kGroup) taker = c.names[size_t(i)];
        return !taker.empty();
      },
      60s))
      << ::testing::PrintToString(std::vector<std::string>(c.agents.events.begin() + long(mark), c.agents.events.end()));
  takeover_s = c.seconds() - cut_at;
  std::printf("seed %llu: %s cut off -> webservice running on %s: %.3f s simulated\n", (unsigned long long)seed,
              home.c_str(), taker.c_str(), takeover_s);
  EXPECT_FALSE(c.world.is_up(home_i)) << "the majority fenced the cut-off node";
  bool stopped_itself = false;
  for (std::size_t i = mark; i < c.agents.events.size(); ++i)
    if (c.agents.events[i].rfind(home + " stop ", 0) == 0) stopped_itself = true;
  EXPECT_TRUE(stopped_itself) << "without quorum the cut-off node stops what it runs (no-quorum-policy=stop)";
  EXPECT_EQ(c.agents.starts_on(taker, mark), (std::vector<std::string>{"webstore", "webip", "websrv"}));
  EXPECT_TRUE(c.agents.double_active.empty()) << ::testing::PrintToString(c.agents.double_active);

  c.world.heal_partition(cut);
  c.agents.running[home].clear();  // it was powered off
  const std::size_t back = c.agents.events.size();
  c.world.power_on(home_i);
  ASSERT_TRUE(c.run_until([&] { return c.crm(home_i) && c.crm(home_i)->controller().synced() && c.settled() &&
                                        c.dc()->controller().view().members.size() == 3; },
                          60s));
  c.world.run_for(30s);
  EXPECT_EQ(c.agents.running[taker], kGroup);
  EXPECT_TRUE(c.agents.starts_on(home, back).empty());
  for (std::size_t i = back; i < c.agents.events.size(); ++i)
    EXPECT_NE(c.agents.events[i].rfind(taker + " stop ", 0), 0u) << "the service was disturbed: " << c.agents.events[i];
  EXPECT_TRUE(c.agents.double_active.empty()) << ::testing::PrintToString(c.agents.double_active);
}

}  // namespace

TEST(CrmSim, ThreeNodesPartitionedNodeStopsAndTheMajorityTakesOverAfterFencingIt) {
  std::uint64_t first = 1;
  if (const char* s = std::getenv("HALAB_SEED")) first = std::strtoull(s, nullptr, 10);
  for (std::uint64_t seed = first; seed < first + 3; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    double t = 0;
    run_partition(seed, t);
    if (::testing::Test::HasFatalFailure()) return;
  }
}
