// The CRM at run time in simnet, beyond failover: what a new DC learns from
// the nodes' executors, clean shutdown, failure-timeout, stonith-max-attempts
// and watchdog self-fencing. Every test asserts on the agents' ground truth
// (tests/daemon/crm_sim_harness.hpp): no resource ever active on two live
// nodes.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "stack/cib/xml.hpp"
#include "stack/fencer/watchdog.hpp"
#include "tests/daemon/crm_sim_harness.hpp"
#include "tests/shell/shell_support.hpp"

using namespace halab;
using namespace std::chrono_literals;
using halab::test::crm::Cluster;

namespace {

const std::vector<std::string> kGroupOrder = {"webstore", "webip", "websrv"};
const std::set<std::string> kGroup = {"webstore", "webip", "websrv"};

std::uint64_t first_seed() {
  if (const char* s = std::getenv("HALAB_SEED")) return std::strtoull(s, nullptr, 10);
  return 1;
}

// `crm configure load update` of `script` against the running cluster.
// `force`: commit although crm's verification objects (no fence device: the
// watchdog fences).
void load(Cluster& c, const std::string& script, bool force = false) {
  test::MemoryHost host;
  host.use_agents = false;
  host.cib_xml = c.dc()->controller().cib().to_xml();
  ASSERT_TRUE(test::run_load(host, script, force)) << host.err_text;
  const std::string xml = host.cib_xml;
  std::string err;
  ASSERT_TRUE(c.commit([&](cib::Cib& cib) { cib = cib::Cib::parse(xml, "crm"); }, -1, &err)) << err;
}

void start_cluster(Cluster& c) {
  ASSERT_TRUE(c.run_until([&] { return c.dc() && int(c.dc()->controller().view().members.size()) == c.n &&
                                        c.dc()->controller().quorate() && c.settled(); },
                          30s))
      << "no quorate DC with every node synced";
}

std::string node_state_of(const cib::Cib& cib, const std::string& uname) {
  if (xmlNode* status = cib.status())
    for (xmlNode* ns : cib::children(status, "node_state"))
      if (cib::attr_or(ns, "uname", "") == uname) return cib::serialize(ns, false);
  return "";
}

std::vector<std::string> events_since(const Cluster& c, std::size_t mark) {
  return {c.agents.events.begin() + long(mark), c.agents.events.end()};
}

// ---- 1. a new DC learns what the nodes' executors did -------------------------

// The DC dispatches the start of `rsc` on node Y and dies while it runs; the
// configuration meanwhile makes another node X preferable (a location score
// below the stickiness). The start's result never reaches a DC. The new DC
// asks every node for its executor state at the join, learns that rsc runs on
// Y, and keeps it there: without that it would see rsc stopped everywhere and
// start it on X while Y still runs it.
void run_dc_dies_mid_start(std::uint64_t seed) {
  Cluster c(seed, 3, 1500ms);
  start_cluster(c);
  if (::testing::Test::HasFatalFailure()) return;
  const int dc_i = c.index_of(c.dc());
  const int x_i = (dc_i + 1) % 3, y_i = (dc_i + 2) % 3;
  const std::string dc = c.names[size_t(dc_i)], x = c.names[size_t(x_i)], y = c.names[size_t(y_i)];
  load(c, "primitive rsc ocf:heartbeat:Dummy op monitor interval=10s timeout=20s\n"
          "location avoid-dc rsc -inf: " + dc + "\n"
          "location prefer-y rsc 10: " + y + "\n"
          "property stonith-enabled=false\n"
          "rsc_defaults resource-stickiness=100\n");
  if (::testing::Test::HasFatalFailure()) return;

  // The start runs on Y once the probes are in Y's history.
  ASSERT_TRUE(c.run_until([&] { return c.crm(y_i)->executor().queued("rsc") > 0 &&
                                        c.crm(y_i)->history_xml().find("rsc_last_0") != std::string::npos; },
                          20s))
      << "the start on " << y << " never began";
  EXPECT_TRUE(c.running("rsc").empty());
  std::string err;
  ASSERT_TRUE(c.commit(
      [&](cib::Cib& cib) {
        xmlNode* cons = cib.ensure_section("constraints");
        xmlNode* l = cib::add_child(cons, "rsc_location");
        cib::set_attr(l, "id", "prefer-x");
        cib::set_attr(l, "rsc", "rsc");
        cib::set_attr(l, "node", x);
        cib::set_attr(l, "score", "50");
      },
      y_i, &err))
      << err;
  ASSERT_GT(c.crm(y_i)->executor().queued("rsc"), 0u) << "the start is still running on " << y;
  const std::size_t mark = c.agents.events.size();
  c.world.crash(dc_i);
  c.agents.running[dc].clear();

  ASSERT_TRUE(c.run_until([&] { return c.dc() && c.dc()->controller().view().members.size() == 2 && c.settled(); },
                          60s))
      << "no new DC settled";
  c.world.run_for(20s);  // monitors run; nothing may move
  EXPECT_TRUE(c.settled());
  EXPECT_EQ(c.running("rsc"), std::vector<std::string>{y}) << ::testing::PrintToString(events_since(c, mark));
  EXPECT_TRUE(c.agents.starts_on(x, mark).empty()) << "started a second time on " << x;
  EXPECT_TRUE(c.agents.double_active.empty()) << ::testing::PrintToString(c.agents.double_active);
  const std::string state = node_state_of(c.dc()->controller().cib(), y);
  EXPECT_NE(state.find("id=\"rsc_last_0\" operation_key=\"rsc_start_0\" operation=\"start\""), std::string::npos)
      << "the start the old DC never recorded is in the status:\n" << state;
  EXPECT_NE(state.find("id=\"rsc_monitor_10000\""), std::string::npos) << state;
  EXPECT_GE(c.dc()->stats().reports_recorded, 2u);
}

TEST(CrmRuntimeSim, NewDcLearnsAStartTheOldDcNeverRecorded) {
  for (std::uint64_t seed = first_seed(); seed < first_seed() + 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_dc_dies_mid_start(seed);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// The same with a start that fails: the old DC dies before recording the
// failure, so its fail count (INFINITY: start-failure-is-fatal) is not in the
// CIB. The new DC learns the failure from Y's report and counts it, so the
// resource goes to X without a second attempt on Y.
void run_dc_dies_mid_failing_start(std::uint64_t seed) {
  Cluster c(seed, 3, 1500ms);
  start_cluster(c);
  if (::testing::Test::HasFatalFailure()) return;
  const int dc_i = c.index_of(c.dc());
  const int x_i = (dc_i + 1) % 3, y_i = (dc_i + 2) % 3;
  const std::string dc = c.names[size_t(dc_i)], x = c.names[size_t(x_i)], y = c.names[size_t(y_i)];
  c.agents.fail_start_on = {y};
  load(c, "primitive rsc ocf:heartbeat:Dummy op monitor interval=10s timeout=20s\n"
          "location avoid-dc rsc -inf: " + dc + "\n"
          "location prefer-y rsc 10: " + y + "\n"
          "property stonith-enabled=false\n");
  if (::testing::Test::HasFatalFailure()) return;
  ASSERT_TRUE(c.run_until([&] { return c.crm(y_i)->executor().queued("rsc") > 0 &&
                                        c.crm(y_i)->history_xml().find("rsc_last_0") != std::string::npos; },
                          20s));
  const std::size_t mark = c.agents.events.size();
  c.world.crash(dc_i);
  c.agents.running[dc].clear();
  ASSERT_TRUE(c.run_until([&] { return c.dc() && c.dc()->controller().view().members.size() == 2 && c.settled() &&
                                        c.running("rsc") == std::vector<std::string>{x}; },
                          60s))
      << ::testing::PrintToString(events_since(c, mark));
  int attempts_on_y = 0;
  for (auto& e : events_since(c, mark))
    if (e.rfind(y + " start", 0) == 0) ++attempts_on_y;
  EXPECT_EQ(attempts_on_y, 1) << "the failed start (under the old DC) only: " << ::testing::PrintToString(events_since(c, mark));
  const std::string state = node_state_of(c.dc()->controller().cib(), y);
  EXPECT_NE(state.find("name=\"fail-count-rsc#start_0\" value=\"INFINITY\""), std::string::npos) << state;
  EXPECT_TRUE(c.agents.double_active.empty());
}

TEST(CrmRuntimeSim, NewDcCountsAFailureTheOldDcNeverRecorded) {
  for (std::uint64_t seed = first_seed(); seed < first_seed() + 3; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_dc_dies_mid_failing_start(seed);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// ---- 2. clean shutdown ------------------------------------------------------

const char* kWebService = R"(primitive webstore ocf:heartbeat:Filesystem \
	params device="172.16.60.3:/webdata" directory="/var/www/html" fstype="nfs" \
	op monitor interval=20s timeout=40s
primitive webip ocf:heartbeat:IPaddr params ip=172.16.60.99 op monitor interval=30s timeout=20s
primitive websrv ocf:heartbeat:apache op monitor interval=10s timeout=20s
group webservice webstore webip websrv
primitive power stonith:fence_simnet params pcmk_host_list="n1 n2 n3" op monitor interval=60s
property stonith-enabled=true stonith-action=off
rsc_defaults resource-stickiness=100
op_defaults timeout=60s
)";

// The node running the web service (the DC, or not) shuts down cleanly: it
// asks the DC, the service stops there (reverse group order) and starts on
// another node (group order), the node leaves and is recorded down
// (expected="down"), nobody fences it. Powered on again it rejoins as a
// member and the service stays where it is.
void run_clean_shutdown(std::uint64_t seed, bool dc_leaves) {
  Cluster c(seed, 3);
  start_cluster(c);
  if (::testing::Test::HasFatalFailure()) return;
  const int dc_i = c.index_of(c.dc());
  const int home_i = dc_leaves ? dc_i : (dc_i + 1 + int(seed % 2)) % 3;
  const std::string home = c.names[size_t(home_i)];
  load(c, std::string(kWebService) + "location prefer-home webservice 50: " + home + "\n");
  if (::testing::Test::HasFatalFailure()) return;
  ASSERT_TRUE(c.run_until([&] { return c.agents.running[home] == kGroup && c.settled(); }, 60s))
      << ::testing::PrintToString(c.agents.events);
  c.world.run_for(std::chrono::milliseconds(2000 + seed * 1237 % 5000));

  const std::size_t mark = c.agents.events.size();
  const double asked_at = c.seconds();
  bool may_leave = false;
  c.crm(home_i)->request_shutdown([&] { may_leave = true; });
  ASSERT_TRUE(c.run_until([&] { return may_leave; }, 60s))
      << "never allowed to leave; events: " << ::testing::PrintToString(events_since(c, mark));
  EXPECT_TRUE(c.agents.running[home].empty()) << "its resources are stopped before it leaves";
  std::vector<std::string> stops;
  for (auto& e : events_since(c, mark))
    if (e.rfind(home + " stop ", 0) == 0) stops.push_back(e.substr(home.size() + 6));
  EXPECT_EQ(stops, (std::vector<std::string>{"websrv", "webip", "webstore"}));
  c.world.halt(home_i);  // the node's stack exits (halabd: the event loop stops)

  std::string taker;
  ASSERT_TRUE(c.run_until(
      [&] {
        for (auto& n : c.names)
          if (n != home && c.agents.running[n] == kGroup) taker = n;
        return !taker.empty() && c.settled();
      },
      60s))
      << ::testing::PrintToString(events_since(c, mark));
  std::printf("seed %llu: %s (%s) shut down cleanly -> webservice running on %s after %.3f s simulated\n",
              (unsigned long long)seed, home.c_str(), dc_leaves ? "DC" : "not DC", taker.c_str(),
              c.seconds() - asked_at);
  // In group order (since its last stop there: a membership that reforms in
  // steps may leave a node alone and without quorum for a moment, which
  // stops what it started).
  std::size_t last_stop = mark;
  for (std::size_t i = mark; i < c.agents.events.size(); ++i)
    if (c.agents.events[i].rfind(taker + " stop ", 0) == 0) last_stop = i;
  EXPECT_EQ(c.agents.starts_on(taker, last_stop), kGroupOrder) << ::testing::PrintToString(events_since(c, mark));
  c.world.run_for(10s);
  for (int i = 0; i < 3; ++i)
    if (auto* crm = c.crm(i)) {
      for (auto& h : crm->fencer().history().entries())
        EXPECT_NE(h.target, home) << c.names[size_t(i)] << " fenced the node that shut down cleanly";
    }
  EXPECT_FALSE(c.world.is_up(home_i));
  const std::string state = node_state_of(c.dc()->controller().cib(), home);
  EXPECT_NE(state.find("in_ccm=\"false\" crmd=\"offline\" join=\"down\" expected=\"down\""), std::string::npos)
      << "recorded cleanly down:\n" << state;
  EXPECT_TRUE(c.agents.double_active.empty()) << ::testing::PrintToString(c.agents.double_active);

  // Back on: a member again, no shutdown attribute, the service stays.
  const std::size_t back = c.agents.events.size();
  c.world.power_on(home_i);
  ASSERT_TRUE(c.run_until([&] { return c.crm(home_i) && c.crm(home_i)->controller().synced() && c.settled() &&
                                        c.dc()->controller().view().members.size() == 3; },
                          60s));
  c.world.run_for(20s);
  EXPECT_TRUE(c.settled());
  const std::string again = node_state_of(c.dc()->controller().cib(), home);
  EXPECT_NE(again.find("crmd=\"online\" join=\"member\" expected=\"member\""), std::string::npos) << again;
  EXPECT_EQ(again.find("name=\"shutdown\""), std::string::npos) << again;
  EXPECT_EQ(c.agents.running[taker], kGroup);
  EXPECT_TRUE(c.agents.starts_on(home, back).empty());
  EXPECT_TRUE(c.agents.double_active.empty()) << ::testing::PrintToString(c.agents.double_active);
}

TEST(CrmRuntimeSim, NodeRunningTheServiceShutsDownCleanly) {
  for (std::uint64_t seed = first_seed(); seed < first_seed() + 3; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_clean_shutdown(seed, false);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

TEST(CrmRuntimeSim, DcRunningTheServiceShutsDownCleanly) {
  for (std::uint64_t seed = first_seed(); seed < first_seed() + 3; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_clean_shutdown(seed, true);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// ---- 3. failure-timeout and stonith-max-attempts -----------------------------

// migration-threshold=1 and failure-timeout=60s: the resource dies on its
// preferred node, moves away, and once its failure expires the DC schedules
// again by itself (a timer at the expiry time: nothing else happens in the
// cluster) and the resource comes back.
void run_failure_timeout(std::uint64_t seed) {
  Cluster c(seed, 2);
  start_cluster(c);
  if (::testing::Test::HasFatalFailure()) return;
  load(c, "primitive rsc ocf:heartbeat:Dummy meta migration-threshold=1 failure-timeout=60s "
          "op monitor interval=5s timeout=20s\n"
          "location prefer-n1 rsc 100: n1\n"
          "property stonith-enabled=false\n");
  if (::testing::Test::HasFatalFailure()) return;
  ASSERT_TRUE(c.run_until([&] { return c.running("rsc") == std::vector<std::string>{"n1"} && c.settled(); }, 30s));
  c.world.run_for(std::chrono::milliseconds(1000 + seed * 977 % 4000));

  c.agents.running["n1"].erase("rsc");  // the service dies
  ASSERT_TRUE(c.run_until([&] { return c.running("rsc") == std::vector<std::string>{"n2"}; }, 30s))
      << ::testing::PrintToString(c.agents.events);
  auto wall = [&] {  // the DC's wall clock, in seconds
    return double(std::chrono::duration_cast<std::chrono::milliseconds>(
                      c.node(c.index_of(c.dc()))->env().clock.wall_now().time_since_epoch())
                      .count()) /
           1000.0;
  };
  // The failure as recorded (the monitor's last-rc-change, whole seconds).
  long long failed_at = 0;
  const std::string n1 = node_state_of(c.dc()->controller().cib(), "n1");
  const std::string key = "name=\"last-failure-rsc#monitor_5000\" value=\"";
  if (auto p = n1.find(key); p != std::string::npos) failed_at = std::atoll(n1.c_str() + p + key.size());
  ASSERT_GT(failed_at, 0) << n1;
  // Stays away while the failure counts.
  while (wall() < double(failed_at) + 59.5) {
    ASSERT_EQ(c.running("rsc"), std::vector<std::string>{"n2"}) << "moved back before the failure expired";
    c.world.run_for(500ms);
  }
  ASSERT_TRUE(c.run_until([&] { return c.running("rsc") == std::vector<std::string>{"n1"} && c.settled(); }, 15s))
      << "the expired failure did not bring the resource back";
  std::printf("seed %llu: failure at %lld, back on n1 %.1f s after it (failure-timeout 60 s)\n",
              (unsigned long long)seed, failed_at, wall() - double(failed_at));
  EXPECT_LT(wall(), double(failed_at) + 66);
  EXPECT_GE(c.dc()->stats().rechecks, 1u);
  EXPECT_TRUE(c.agents.double_active.empty()) << ::testing::PrintToString(c.agents.double_active);
}

TEST(CrmRuntimeSim, ExpiredFailureBringsTheResourceBack) {
  for (std::uint64_t seed = first_seed(); seed < first_seed() + 3; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_failure_timeout(seed);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// stonith-max-attempts=3 with a power switch that always fails: the DC tries
// to fence the crashed node three times, then gives up; a configuration
// change makes it try once more; the node coming back ends it.
void run_max_attempts(std::uint64_t seed) {
  Cluster c(seed, 3, 300ms, /*fence_fails=*/true);
  start_cluster(c);
  if (::testing::Test::HasFatalFailure()) return;
  load(c, "primitive power stonith:fence_simnet params pcmk_host_list=\"n1 n2 n3\" op monitor interval=60s\n"
          "property stonith-enabled=true stonith-max-attempts=3\n");
  if (::testing::Test::HasFatalFailure()) return;
  ASSERT_TRUE(c.run_until([&] { return c.settled(); }, 30s));
  const int dc_i = c.index_of(c.dc());
  const int lost_i = (dc_i + 1 + int(seed % 2)) % 3;
  const std::string lost = c.names[size_t(lost_i)];
  c.world.crash(lost_i);
  ASSERT_TRUE(c.run_until([&] { return c.dc() && c.dc()->stats().fencing_given_up >= 1; }, 120s))
      << "never gave up; failures " << (c.dc() ? c.dc()->fence_failures(lost) : -1);
  auto* dc = c.dc();
  EXPECT_EQ(dc->fence_failures(lost), 3);
  const auto attempts = dc->fencer().history().entries().size();
  c.world.run_for(60s);
  EXPECT_EQ(dc->fence_failures(lost), 3) << "no retry while nothing changes";
  EXPECT_EQ(dc->fencer().history().entries().size(), attempts);
  EXPECT_TRUE(dc->idle());

  // Something changes: one more try, then it gives up again.
  std::string err;
  ASSERT_TRUE(c.commit(
      [](cib::Cib& cib) {
        xmlNode* cfg = cib.ensure_section("crm_config");
        xmlNode* set = cib::first_child(cfg, "cluster_property_set");
        xmlNode* nv = cib::add_child(set, "nvpair");
        cib::set_attr(nv, "id", "cib-bootstrap-options-cluster-name");
        cib::set_attr(nv, "name", "cluster-name");
        cib::set_attr(nv, "value", "lab");
      },
      -1, &err))
      << err;
  ASSERT_TRUE(c.run_until([&] { return dc->stats().fencing_given_up >= 2; }, 60s));
  EXPECT_EQ(dc->fence_failures(lost), 4);
  c.world.run_for(30s);
  EXPECT_EQ(dc->fence_failures(lost), 4);

  // The node comes back: the count is forgotten and the cluster settles.
  c.world.power_on(lost_i);
  ASSERT_TRUE(c.run_until([&] { return c.crm(lost_i) && c.crm(lost_i)->controller().synced() && c.settled() &&
                                        c.dc()->controller().view().members.size() == 3; },
                          60s));
  EXPECT_EQ(c.dc()->fence_failures(lost), 0);
}

TEST(CrmRuntimeSim, StonithMaxAttemptsStopsRetryingUntilSomethingChanges) {
  for (std::uint64_t seed = first_seed(); seed < first_seed() + 2; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    run_max_attempts(seed);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// ---- 4. watchdog self-fencing without a fence device ------------------------

// A modelled watchdog on node i: when it fires, the node is reset (crashed).
void install_watchdog(Cluster& c, int i, std::vector<std::pair<int, double>>& resets) {
  c.crm(i)->set_watchdog(std::make_unique<fencer::ModelledWatchdog>(c.node(i)->env().clock, [&c, i, &resets] {
    resets.emplace_back(i, c.seconds());
    c.world.at(c.world.now(), [&c, i] { c.world.crash(i); });
  }));
}

// Three nodes, no fence device: stonith-watchdog-timeout=10s and a modelled
// watchdog on every node (have-watchdog, as sbd gives pacemaker). The node
// running the web service is cut off (2 | 1). Without quorum it stops the
// service (no-quorum-policy=stop; its watchdog would reset it if the stop
// did not finish in 5 s) or lets its watchdog reset it (suicide); the
// majority's fencing of it succeeds only after 10 s, and only then does the
// service start there. At no event are two copies active.
void run_watchdog(std::uint64_t seed, const std::string& policy, double& takeover_s) {
  Cluster c(seed, 3);
  start_cluster(c);
  if (::testing::Test::HasFatalFailure()) return;
  std::vector<std::pair<int, double>> resets;
  for (int i = 0; i < 3; ++i) install_watchdog(c, i, resets);
  std::string script = kWebService;
  script.erase(script.find("primitive power"), script.find("property") - script.find("primitive power"));
  script.replace(script.find("stonith-action=off"), 18,
                 "stonith-watchdog-timeout=10s no-quorum-policy=" + policy);
  script += "location prefer-home webservice 50: n" + std::to_string(1 + seed % 3) + "\n";  // DC or not
  load(c, script, /*force=*/true);
  if (::testing::Test::HasFatalFailure()) return;
  std::string home;
  ASSERT_TRUE(c.run_until(
      [&] {
        for (auto& n : c.names)
          if (c.agents.running[n] == kGroup) home = n;
        return !home.empty() && c.settled();
      },
      60s))
      << ::testing::PrintToString(c.agents.events);
  EXPECT_NE(c.dc()->controller().cib().to_xml().find("name=\"have-watchdog\" value=\"true\""), std::string::npos)
      << "the DC writes have-watchdog";
  for (int i = 0; i < 3; ++i)
    ASSERT_TRUE(c.crm(i)->self_fencing() && c.crm(i)->self_fencing()->state() == fencer::SelfFencing::State::healthy)
        << c.names[size_t(i)];
  const int home_i = c.world.node_index(home);
  std::vector<int> rest;
  for (int i = 0; i < 3; ++i)
    if (i != home_i) rest.push_back(i);
  c.world.run_for(std::chrono::milliseconds(2000 + seed * 1237 % 5000));
  EXPECT_TRUE(resets.empty()) << "fed while quorate";

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
      << ::testing::PrintToString(events_since(c, mark));
  takeover_s = c.seconds() - cut_at;
  double first_start = 1e18, last_home_stop = -1;
  for (std::size_t i = mark; i < c.agents.events.size(); ++i) {
    if (c.agents.events[i].rfind(taker + " start ", 0) == 0) first_start = std::min(first_start, c.agents.event_times[i]);
    if (c.agents.events[i].rfind(home + " stop ", 0) == 0) last_home_stop = c.agents.event_times[i];
  }
  double reset_at = -1;
  for (auto& [i, t] : resets)
    if (i == home_i) reset_at = t;
  std::printf("seed %llu (%s): %s cut off at %.3f; %s at %.3f; webservice starts on %s at %.3f (%.3f s after the cut)\n",
              (unsigned long long)seed, policy.c_str(), home.c_str(), cut_at,
              policy == "suicide" ? "watchdog reset" : "its last stop", policy == "suicide" ? reset_at : last_home_stop,
              taker.c_str(), first_start, takeover_s);
  EXPECT_TRUE(c.agents.double_active.empty()) << ::testing::PrintToString(c.agents.double_active);
  EXPECT_GE(first_start - cut_at, 10.0) << "the majority waits stonith-watchdog-timeout before it starts anything";
  if (policy == "suicide") {
    ASSERT_GE(reset_at, 0) << "the cut-off node's watchdog reset it";
    EXPECT_LT(reset_at, first_start);
    EXPECT_FALSE(c.world.is_up(home_i));
  } else {
    EXPECT_TRUE(c.world.is_up(home_i)) << "it stopped its resources in time: no reset";
    EXPECT_GE(last_home_stop, 0) << "without quorum it stops what it runs";
    EXPECT_LT(last_home_stop, first_start);
    EXPECT_TRUE(c.agents.running[home].empty());
    ASSERT_TRUE(c.crm(home_i)->self_fencing());
    EXPECT_EQ(c.crm(home_i)->self_fencing()->state(), fencer::SelfFencing::State::safe);
  }
  daemon::CrmService* majority_dc = nullptr;
  for (int i : rest)
    if (c.crm(i) && c.crm(i)->controller().is_dc()) majority_dc = c.crm(i);
  ASSERT_TRUE(majority_dc);
  auto& history = majority_dc->fencer().history().entries();
  ASSERT_FALSE(history.empty());
  EXPECT_EQ(history.back().target, home);
  EXPECT_EQ(history.back().delegate, "watchdog");

  // Heal (and power the reset node on): it rejoins; the service stays.
  c.world.heal_partition(cut);
  const std::size_t back = c.agents.events.size();
  if (!c.world.is_up(home_i)) {
    c.agents.running[home].clear();
    c.world.power_on(home_i);
  }
  ASSERT_TRUE(c.run_until([&] { return c.crm(home_i) && c.crm(home_i)->controller().synced() && c.settled() &&
                                        c.dc()->controller().view().members.size() == 3; },
                          60s));
  if (!c.crm(home_i)->self_fencing()) install_watchdog(c, home_i, resets);
  c.world.run_for(20s);
  EXPECT_TRUE(c.settled());
  EXPECT_EQ(c.agents.running[taker], kGroup);
  EXPECT_TRUE(c.agents.starts_on(home, back).empty());
  EXPECT_TRUE(c.agents.double_active.empty()) << ::testing::PrintToString(c.agents.double_active);
  const std::size_t resets_before = resets.size();
  c.world.run_for(10s);
  EXPECT_EQ(resets.size(), resets_before) << "every watchdog fed again";
}

void run_watchdog_seeds(const std::string& policy) {
  std::vector<double> times;
  for (std::uint64_t seed = first_seed(); seed < first_seed() + 4; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    double t = 0;
    run_watchdog(seed, policy, t);
    if (::testing::Test::HasFatalFailure()) return;
    times.push_back(t);
  }
  std::sort(times.begin(), times.end());
  std::printf("watchdog self-fencing (%s): cut -> service on the majority: median %.3f s simulated\n",
              policy.c_str(), (times[1] + times[2]) / 2);
}

TEST(CrmRuntimeSim, WatchdogSelfFencingNoQuorumPolicyStop) { run_watchdog_seeds("stop"); }
TEST(CrmRuntimeSim, WatchdogSelfFencingNoQuorumPolicySuicide) { run_watchdog_seeds("suicide"); }

}  // namespace
