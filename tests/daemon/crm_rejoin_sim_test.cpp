// A node rebooted into a running cluster (simnet, the whole halabd stack).
//
// The lab found it (bench/chaos5-halabd.scn, seed 1): the rebooted node's
// Totem ring of one meets the running cluster's ring, CPG reports a merge,
// and the old election made the lowest (node, pid) DC at once — the rebooted
// node, with its stale CIB — whose first transition fenced nodes its old
// status still showed unclean. Pacemaker's DC election keeps the incumbent
// (DC-ness, then uptime), and a new DC schedules only after the join's CIB
// sync and the executor re-query.
//
// Each run: N nodes run a group (kept off n1) and a power switch; n1 (the
// lowest id, the one the old rule elected) crashes, the DC fences it, and n1
// comes back: powered on once the cluster has settled after a fence "off"
// (every check from its return on: whoever shares a view with the incumbent
// DC names it as DC; no fence request, fencing or crash; the group neither
// stops nor starts anywhere), or at once by a fence "reboot", in the middle
// of the recovery (the incumbent stays DC; no fence request after n1's
// return; the group runs once, never twice). Totem may form a short-lived
// partial membership while n1's crash is detected, and whatever the
// cluster does about that happens before n1's return.
#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "tests/daemon/crm_sim_harness.hpp"
#include "tests/shell/shell_support.hpp"

using namespace halab;
using namespace std::chrono_literals;
using halab::test::crm::Cluster;

namespace {

const std::vector<std::string> kGroup = {"webstore", "webip", "websrv"};

std::uint64_t first_seed() {
  if (const char* s = std::getenv("HALAB_SEED")) return std::strtoull(s, nullptr, 10);
  return 1;
}

void load(Cluster& c, const std::string& script) {
  test::MemoryHost host;
  host.use_agents = false;
  host.cib_xml = c.dc()->controller().cib().to_xml();
  ASSERT_TRUE(test::run_load(host, script, false)) << host.err_text;
  const std::string xml = host.cib_xml;
  std::string err;
  ASSERT_TRUE(c.commit([&](cib::Cib& cib) { cib = cib::Cib::parse(xml, "crm"); }, -1, &err)) << err;
}

// Ground truth from the world's trace: fencings (the power switch acting)
// and crashes, each as "KIND node at T s", and the stack's fence requests.
struct Faults : simnet::TraceListener {
  std::vector<std::string> seen, requests;
  void on_record(const simnet::TraceRecord& r) override {
    const std::string at = " at " + std::to_string(double(r.t) / 1e9) + " s";
    if (r.kind == simnet::TraceKind::fence || r.kind == simnet::TraceKind::crash)
      seen.push_back(std::string(simnet::to_string(r.kind)) + " n" + std::to_string(r.node + 1) + at);
    if (r.kind == simnet::TraceKind::event && r.text.rfind("fence-request ", 0) == 0)
      requests.push_back(std::string(r.text) + at);
  }
  std::size_t fences() const {
    return std::size_t(std::count_if(seen.begin(), seen.end(), [](const std::string& s) { return s.rfind("fence", 0) == 0; }));
  }
};

bool group_runs_once(Cluster& c) {
  for (const auto& r : kGroup)
    if (c.running(r).size() != 1) return false;
  return true;
}

void run_rejoin(std::uint64_t seed, int nodes, bool reboot) {
  Cluster c(seed, nodes);
  Faults faults;
  c.world.trace().set_listener(&faults);
  ASSERT_TRUE(c.run_until([&] { return c.dc() && int(c.dc()->controller().view().members.size()) == c.n &&
                                        c.dc()->controller().quorate() && c.settled(); },
                          30s))
      << "no quorate DC with every node synced";
  std::string hosts;
  for (const auto& n : c.names) hosts += (hosts.empty() ? "" : " ") + n;
  load(c, "primitive webstore ocf:heartbeat:Filesystem op monitor interval=20s timeout=40s\n"
          "primitive webip ocf:heartbeat:IPaddr params ip=10.0.0.100 op monitor interval=30s timeout=20s\n"
          "primitive websrv ocf:heartbeat:apache op monitor interval=10s timeout=20s\n"
          "group webservice webstore webip websrv\n"
          "location not-n1 webservice -inf: n1\n"
          "primitive power stonith:fence_simnet params pcmk_host_list=\"" + hosts + "\" op monitor interval=60s\n"
          "property stonith-enabled=true stonith-action=" + (reboot ? "reboot" : "off") + "\n"
          "rsc_defaults resource-stickiness=100\n"
          "op_defaults timeout=60s\n");
  if (::testing::Test::HasFatalFailure()) return;
  ASSERT_TRUE(c.run_until([&] { return c.settled() && group_runs_once(c); }, 60s)) << "the group never ran";

  std::map<std::string, std::vector<std::string>> placed;
  for (const auto& r : kGroup) placed[r] = c.running(r);

  // n1 crashes; the DC of the others (the incumbent from then on) fences it.
  c.world.crash(0);
  c.agents.running["n1"].clear();
  ASSERT_TRUE(c.run_until([&] { return c.dc() && int(c.dc()->controller().view().members.size()) == c.n - 1; }, 30s))
      << "no DC for the others";
  auto* incumbent_crm = c.dc();
  const controller::Member incumbent = incumbent_crm->controller().self();
  ASSERT_NE(incumbent.node, 1u);
  std::string wrong_dc;
  const auto check = [&] {
    for (int i = 0; i < c.n; ++i)
      if (auto* crm = c.crm(i)) {
        const auto& members = crm->controller().view().members;
        if (auto d = crm->controller().dc(); d && *d != incumbent && wrong_dc.empty() &&
                                              std::count(members.begin(), members.end(), incumbent))
          wrong_dc = c.names[size_t(i)] + " took " + d->str() + " for DC at " + std::to_string(c.seconds()) + " s";
      }
  };
  ASSERT_TRUE(c.run_until([&] { check(); return faults.fences() >= 1; }, 60s)) << "n1 was never fenced";
  if (!reboot) {
    ASSERT_FALSE(c.world.is_up(0)) << "stonith-action=off leaves it off";
    ASSERT_TRUE(c.run_until([&] { check(); return c.settled() && group_runs_once(c); }, 60s));
    for (const auto& r : kGroup) placed[r] = c.running(r);
    c.world.power_on(0);
  }
  // n1 is back: from here on nothing may be fenced because of it.
  const std::size_t faults_at_return = faults.seen.size(), requests_at_return = faults.requests.size();
  const std::size_t mark = c.agents.events.size();
  ASSERT_TRUE(c.run_until(
      [&] {
        check();
        auto* d = c.dc();
        int up = 0;  // a node Totem lost with n1 may have been fenced off too
        for (int i = 0; i < c.n; ++i) up += c.world.is_up(i) ? 1 : 0;
        return d && c.world.is_up(0) && int(d->controller().view().members.size()) == up && c.settled();
      },
      60s))
      << "n1 never rejoined";
  for (int step = 0; step < 600; ++step) {
    c.world.run_for(50ms);
    check();
  }
  EXPECT_TRUE(wrong_dc.empty()) << wrong_dc;
  EXPECT_EQ(c.dc(), c.crm(c.index_of(incumbent_crm))) << "the incumbent DC stays DC";
  EXPECT_EQ(faults.requests.size(), requests_at_return)
      << "fence requests after n1's return: " << ::testing::PrintToString(faults.requests);
  EXPECT_TRUE(group_runs_once(c));
  EXPECT_TRUE(c.agents.double_active.empty()) << ::testing::PrintToString(c.agents.double_active);
  EXPECT_TRUE(c.settled());
  if (!reboot) {
    EXPECT_EQ(faults.seen.size(), faults_at_return)
        << "fenced or crashed after n1's return: " << ::testing::PrintToString(faults.seen);
    for (const auto& r : kGroup) EXPECT_EQ(c.running(r), placed[r]) << r << " moved";
    std::vector<std::string> since(c.agents.events.begin() + long(mark), c.agents.events.end());
    for (const auto& e : since)
      for (const auto& r : kGroup)
        EXPECT_FALSE(e.size() > r.size() && e.compare(e.size() - r.size() - 1, std::string::npos, " " + r) == 0)
            << "after n1's return: " << e;
  }
  c.world.trace().set_listener(nullptr);
}

}  // namespace

TEST(CrmRejoinSim, FencedOffNodePoweredBackIntoThreeNodesTakesNothing) {
  for (std::uint64_t s = first_seed(); s < first_seed() + 3 && !::testing::Test::HasFailure(); ++s) {
    SCOPED_TRACE("seed " + std::to_string(s));
    run_rejoin(s, 3, false);
  }
}

TEST(CrmRejoinSim, FencedOffNodePoweredBackIntoFiveNodesTakesNothing) {
  for (std::uint64_t s = first_seed(); s < first_seed() + 3 && !::testing::Test::HasFailure(); ++s) {
    SCOPED_TRACE("seed " + std::to_string(s));
    run_rejoin(s, 5, false);
  }
}

TEST(CrmRejoinSim, NodeRebootedByFencingIntoFiveNodesFencesNobodyElse) {
  for (std::uint64_t s = first_seed(); s < first_seed() + 3 && !::testing::Test::HasFailure(); ++s) {
    SCOPED_TRACE("seed " + std::to_string(s));
    run_rejoin(s, 5, true);
  }
}
