// Acceptance (issue 6, real nodes): three halabd processes, each in its own
// network namespace on one bridge, run the whole stack. The cluster is
// configured with `halab crm configure load update` against a node's
// control socket: a group of two real ocf:heartbeat:Dummy resources (Debian
// resource-agents) with 1 s monitors and a stonith:fence_dummy device
// (Debian fence-agents, type=file: "off" writes "off" to its status file).
//
// The group starts on one node (its Dummy state files, under that node's
// HA_RSCTMP, and `halab crm status` say where); SIGKILL that node's halabd;
// the survivors fence it with fence_dummy (its status file turns "off", the
// CIB records the node down) and start the group on another node. The test
// prints the failover time (SIGKILL -> both Dummy state files on a survivor).
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "stack/daemon/control_client.hpp"
#include "tests/daemon/crm_lab.hpp"

using namespace halab::testlab;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

constexpr auto kLimit = 30s;

NetnsLabOptions options(int token_ms) {
  NetnsLabOptions o;
  o.nodes = 3;
  o.transport = "udpu";
  o.token_ms = token_ms;
  o.halabd = HALABD_BIN;
  return o;
}

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string logs(const NetnsLab& lab) {
  std::string s;
  for (int i = 1; i <= lab.nodes(); ++i) {
    std::string l = lab.log(i);
    if (l.size() > 6000) l = "..." + l.substr(l.size() - 6000);
    s += "---- node" + std::to_string(i) + " ----\n" + l;
  }
  return s;
}

std::string group_config(const std::string& fence_status) {
  return "primitive d1 ocf:heartbeat:Dummy op monitor interval=1s timeout=20s\n"
         "primitive d2 ocf:heartbeat:Dummy op monitor interval=1s timeout=20s\n"
         "group g d1 d2\n"
         "primitive fence stonith:fence_dummy params type=file status_file=" +
         fence_status +
         " pcmk_host_list=\"node1 node2 node3\" op monitor interval=60s timeout=20s\n"
         "property stonith-enabled=true stonith-action=off no-quorum-policy=stop\n"
         "rsc_defaults resource-stickiness=100\n";
}

TEST(CrmNetns, GroupOfRealDummiesFailsOverAfterFenceDummy) {
  if (auto why = NetnsLab::unavailable(); !why.empty()) GTEST_SKIP() << why;
  if (::access("/usr/lib/ocf/resource.d/heartbeat/Dummy", X_OK) != 0 || ::access("/usr/sbin/fence_dummy", X_OK) != 0)
    GTEST_SKIP() << "needs Debian's resource-agents (ocf:heartbeat:Dummy) and fence-agents (fence_dummy)";
  NetnsLab lab(options(1000));
  CrmLab crm(lab, HALAB_BIN);
  for (int i = 1; i <= 3; ++i) lab.start(i);
  ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({1, 2, 3}, "1 2 3", true); }, kLimit)) << lab.describe();
  ASSERT_TRUE(NetnsLab::wait_for([&] { return crm.has_dc({1, 2, 3}); }, kLimit)) << logs(lab);

  const std::string fence_status = lab.dir() + "/fence_dummy.status";
  std::ofstream(fence_status) << "on";
  ASSERT_EQ(crm.configure(2, group_config(fence_status)), "");

  // The group runs on exactly one node, both resources together.
  const std::vector<std::string> rscs = {"d1", "d2"};
  ASSERT_TRUE(NetnsLab::wait_for([&] { return crm.nodes_running_all(rscs).size() == 1; }, kLimit)) << logs(lab);
  std::this_thread::sleep_for(1500ms);  // monitors run; nothing moves
  auto where = crm.nodes_running_any(rscs);
  ASSERT_EQ(where.size(), 1u) << logs(lab);
  const int victim = where[0];
  const std::string victim_name = "node" + std::to_string(victim);
  {
    auto [rc, status] = crm.crm(victim % 3 + 1, "status");
    EXPECT_EQ(rc, 0) << status;
    EXPECT_NE(status.find("d1\t(ocf:heartbeat:Dummy):\t Started " + victim_name), std::string::npos) << status;
    EXPECT_NE(status.find("d2\t(ocf:heartbeat:Dummy):\t Started " + victim_name), std::string::npos) << status;
    auto [rc2, cib] = crm.cibadmin(1, "-Q");
    EXPECT_EQ(rc2, 0);
    EXPECT_NE(cib.find("<group id=\"g\">"), std::string::npos) << cib;
    EXPECT_NE(cib.find("type=\"fence_dummy\""), std::string::npos) << cib;
  }

  // SIGKILL the node running the group.
  const auto t0 = Clock::now();
  lab.kill(victim, SIGKILL);
  std::vector<int> survivors;
  for (int i = 1; i <= 3; ++i)
    if (i != victim) survivors.push_back(i);
  auto elsewhere = [&] {
    for (int i : survivors)
      if (crm.dummy_running(i, "d1") && crm.dummy_running(i, "d2")) return i;
    return 0;
  };
  ASSERT_TRUE(NetnsLab::wait_for([&] { return elsewhere() != 0; }, kLimit)) << lab.describe() << logs(lab);
  const double failover_s = std::chrono::duration<double>(Clock::now() - t0).count();
  const int taker = elsewhere();
  std::printf("[ failover ] SIGKILL of %s -> group g (d1, d2) running on node%d: %.3f s (token 1000)\n",
              victim_name.c_str(), taker, failover_s);
  std::fflush(stdout);
  // Both resources on one survivor only.
  EXPECT_EQ(crm.nodes_running_any(rscs).size(), 2u);  // the victim's stale files, and the taker

  // fence_dummy ran: its status file says "off"; the CIB records the node down.
  EXPECT_EQ(slurp(fence_status), "off");
  ASSERT_TRUE(NetnsLab::wait_for(
      [&] {
        auto [rc, status] = crm.crm(survivors[0], "status");
        return rc == 0 && status.find("d1\t(ocf:heartbeat:Dummy):\t Started node" + std::to_string(taker)) != std::string::npos &&
               status.find("d2\t(ocf:heartbeat:Dummy):\t Started node" + std::to_string(taker)) != std::string::npos &&
               status.find("OFFLINE: [ " + victim_name + " ]") != std::string::npos;
      },
      10s))
      << crm.crm(survivors[0], "status").second << logs(lab);
  auto c = crm.cib(survivors[0]);
  ASSERT_TRUE(c);
  EXPECT_NE(c->xml.find("uname=\"" + victim_name + "\" in_ccm=\"false\" crmd=\"offline\""), std::string::npos)
      << c->xml;
}

}  // namespace

namespace {

// CIB durability (issue 6): three clients stream updates (each adds its own
// nvpair) through the control sockets of the three nodes; in the middle of
// the stream every halabd is killed with SIGKILL. Restarted, all three come
// back with one CIB (same version, same content), valid for pacemaker's
// crm_verify, holding every update that was acknowledged to its client.
// Three rounds.
TEST(CrmNetns, KillingEveryNodeMidStreamLosesNoAcknowledgedUpdate) {
  if (auto why = NetnsLab::unavailable(); !why.empty()) GTEST_SKIP() << why;
  NetnsLab lab(options(1000));
  CrmLab crm(lab, HALAB_BIN);
  for (int i = 1; i <= 3; ++i) lab.start(i);
  ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({1, 2, 3}, "1 2 3", true); }, kLimit)) << lab.describe();
  ASSERT_TRUE(NetnsLab::wait_for([&] { return crm.has_dc({1, 2, 3}); }, kLimit)) << logs(lab);
  {
    auto [rc, out] = crm.crm(1, "configure property stonith-enabled=false");
    ASSERT_EQ(rc, 0) << out;
    // The set the stream modifies, made with cibadmin --create.
    auto [rc2, out2] = crm.cibadmin(2, "-C -o crm_config -X '<cluster_property_set id=\"durability\"/>'");
    ASSERT_EQ(rc2, 0) << out2;
    auto [rc3, out3] = crm.cibadmin(3, "-C -o crm_config -X '<cluster_property_set id=\"durability\"/>'");
    EXPECT_NE(rc3, 0) << "creating it twice must fail";
    EXPECT_NE(out3.find("durability"), std::string::npos) << out3;
  }

  std::vector<std::string> acked;  // nvpair ids acknowledged to their client
  std::string highest_acked;       // the highest CIB version an acknowledgement named
  auto version_less = [](const std::string& a, const std::string& b) {
    auto parse = [](const std::string& v) {
      std::array<long, 3> n{};
      std::sscanf(v.c_str(), "%ld.%ld.%ld", &n[0], &n[1], &n[2]);
      return n;
    };
    return parse(a) < parse(b);
  };
  for (int round = 0; round < 3; ++round) {
    std::atomic<bool> stop{false};
    std::mutex mu;
    std::vector<std::thread> clients;
    for (int c = 1; c <= 3; ++c)
      clients.emplace_back([&, c] {
        for (int k = 0; k < 2000 && !stop; ++k) {
          const std::string id = "r" + std::to_string(round) + "-c" + std::to_string(c) + "-" + std::to_string(k);
          const std::string xml = "<cluster_property_set id=\"durability\"><nvpair id=\"" + id + "\" name=\"" + id +
                                  "\" value=\"" + std::to_string(k) + "\"/></cluster_property_set>";
          auto r = halab::daemon::ctl_call(lab.state_dir(c), {"cib-update", {"modify", "crm_config", xml}}, 10'000);
          if (!r.response) {  // the node is gone (killed), or not up yet
            std::this_thread::sleep_for(5ms);
            continue;
          }
          if (!r.response->ok()) continue;
          std::lock_guard<std::mutex> g(mu);
          acked.push_back(id);
          const std::string v = r.response->headers["Cib-Version"];
          if (highest_acked.empty() || version_less(highest_acked, v)) highest_acked = v;
        }
      });
    // Let the stream run, then kill every node at once.
    std::this_thread::sleep_for(std::chrono::milliseconds(800 + 300 * round));
    std::size_t acked_before_kill;
    {
      std::lock_guard<std::mutex> g(mu);
      acked_before_kill = acked.size();
    }
    for (int i = 1; i <= 3; ++i) ::kill(lab.pid(i), SIGKILL);
    for (int i = 1; i <= 3; ++i) lab.kill(i, SIGKILL);  // reap
    stop = true;
    for (auto& t : clients) t.join();
    ASSERT_GT(acked_before_kill, 0u) << "no update was acknowledged before the kill (round " << round << ")\n"
                                     << logs(lab);

    for (int i = 1; i <= 3; ++i) lab.start(i);
    ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({1, 2, 3}, "1 2 3", true); }, kLimit)) << lab.describe();
    ASSERT_TRUE(NetnsLab::wait_for(
        [&] {
          if (!crm.has_dc({1, 2, 3})) return false;
          auto a = crm.cib(1), b = crm.cib(2), c = crm.cib(3);
          return a && b && c && a->version == b->version && b->version == c->version && a->xml == b->xml &&
                 b->xml == c->xml;
        },
        kLimit))
        << logs(lab);
    auto cib = crm.cib(1);
    ASSERT_TRUE(cib);
    EXPECT_FALSE(version_less(cib->version, highest_acked))
        << "round " << round << ": CIB " << cib->version << " is older than the acknowledged " << highest_acked;
    std::size_t missing = 0;
    std::string first_missing;
    for (const auto& id : acked)
      if (cib->xml.find("id=\"" + id + "\"") == std::string::npos) {
        if (!missing++) first_missing = id;
      }
    EXPECT_EQ(missing, 0u) << "round " << round << ": " << missing << " acknowledged updates lost, e.g. "
                           << first_missing;
    // Valid for pacemaker's own checker.
    if (::access("/usr/sbin/crm_verify", X_OK) == 0) {
      const std::string file = lab.dir() + "/cib-round" + std::to_string(round) + ".xml";
      std::ofstream(file) << cib->xml;
      auto [rc, out] = run_tool("/usr/sbin/crm_verify", "--xml-file " + file);
      EXPECT_EQ(rc, 0) << out;
    }
    std::printf("[ durability ] round %d: %zu updates acknowledged so far, all present after kill -9 of every node; "
                "CIB %s on all three\n",
                round, acked.size(), cib->version.c_str());
    std::fflush(stdout);
  }
}

}  // namespace

namespace {

// Watchdog self-fencing on real nodes (issue 6): three nodes, no fence
// device, stonith-watchdog-timeout=4s; every halabd has its process-level
// watchdog (a guard process that SIGKILLs halabd unless fed; never the
// host's /dev/watchdog). The node running the group is cut off (its link
// down inside its namespace): 2 | 1.
//
// The times come from the Dummy agents' state: a start's time is the state
// file's mtime (CLOCK_REALTIME, written by the agent on the node that
// started it); a stop's time is bounded above by a poll (every 5 ms) that
// first finds the file gone.
struct WatchdogRun {
  int lone = 0, taker = 0;
  double lone_stopped = 0;   // wall seconds: the lone node's last Dummy gone (upper bound)
  double lone_reset = 0;     // wall seconds: its halabd seen dead (0: it lived)
  double taker_started = 0;  // wall seconds: the first Dummy start on the majority side (mtime)
  double cut = 0;
  bool overlap_seen = false;  // a poll saw both sides with a Dummy state file
};

double wall_now() { return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count(); }

double mtime_of_dummy(const CrmLab& crm, int node, const std::string& rsc) {
  namespace fs = std::filesystem;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(crm.rsctmp(node), ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->path().filename() == "Dummy-" + rsc + ".state") {
      struct stat st {};
      if (::stat(it->path().c_str(), &st) == 0) return double(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec / 1e9;
    }
  return 0;
}

bool process_dead(pid_t pid) {
  std::ifstream f("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(f, line)) return true;
  auto close = line.rfind(')');
  return close == std::string::npos || (close + 2 < line.size() && line[close + 2] == 'Z');
}

void watchdog_scenario(const std::string& no_quorum_policy, WatchdogRun& out) {
  NetnsLab lab(options(1000));
  CrmLab crm(lab, HALAB_BIN);
  for (int i = 1; i <= 3; ++i) lab.start(i);
  ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({1, 2, 3}, "1 2 3", true); }, kLimit)) << lab.describe();
  ASSERT_TRUE(NetnsLab::wait_for([&] { return crm.has_dc({1, 2, 3}); }, kLimit)) << logs(lab);
  ASSERT_EQ(crm.configure(1, "primitive d1 ocf:heartbeat:Dummy op monitor interval=1s timeout=20s\n"
                             "primitive d2 ocf:heartbeat:Dummy op monitor interval=1s timeout=20s\n"
                             "group g d1 d2\n"
                             "property stonith-enabled=true stonith-watchdog-timeout=4s no-quorum-policy=" +
                                 no_quorum_policy +
                                 "\n"
                                 "rsc_defaults resource-stickiness=100\n",
                          true),
            "");
  const std::vector<std::string> rscs = {"d1", "d2"};
  ASSERT_TRUE(NetnsLab::wait_for([&] { return crm.nodes_running_all(rscs).size() == 1; }, kLimit)) << logs(lab);
  std::this_thread::sleep_for(1500ms);
  auto where = crm.nodes_running_any(rscs);
  ASSERT_EQ(where.size(), 1u) << logs(lab);
  out.lone = where[0];
  for (int i = 1; i <= 3; ++i)
    EXPECT_NE(lab.log(i).find("process-level watchdog armed, timeout 2.000s"), std::string::npos)
        << "node" << i << "\n"
        << lab.log(i);

  // Cut it off; poll both sides until the majority runs the group.
  out.cut = wall_now();
  lab.set_link(out.lone, false);
  const auto limit = Clock::now() + kLimit;
  bool lone_has = true;
  while (Clock::now() < limit) {
    const bool lone_now = crm.dummy_running(out.lone, "d1") || crm.dummy_running(out.lone, "d2");
    int majority = 0;
    for (int i = 1; i <= 3; ++i)
      if (i != out.lone && (crm.dummy_running(i, "d1") || crm.dummy_running(i, "d2"))) majority = i;
    const bool lone_alive = !process_dead(lab.pid(out.lone));
    if (!lone_alive && !out.lone_reset) out.lone_reset = wall_now();
    if (lone_has && !lone_now) out.lone_stopped = wall_now(), lone_has = false;
    // A reset node's state files stay (no agent runs), but nothing runs there.
    if (majority && lone_now && lone_alive) out.overlap_seen = true;
    if (majority && crm.dummy_running(majority, "d1") && crm.dummy_running(majority, "d2")) {
      out.taker = majority;
      break;
    }
    std::this_thread::sleep_for(5ms);
  }
  ASSERT_NE(out.taker, 0) << "the majority did not take the group over\n" << lab.describe() << logs(lab);
  out.taker_started = std::min(mtime_of_dummy(crm, out.taker, "d1"), mtime_of_dummy(crm, out.taker, "d2"));

  // Heal: the cluster merges (a reset node is started again first).
  lab.set_link(out.lone, true);
  if (out.lone_reset) lab.kill(out.lone, SIGKILL), lab.start(out.lone);
  ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({1, 2, 3}, "1 2 3", true); }, kLimit)) << lab.describe();
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(crm.nodes_running_any(rscs), std::vector<int>{out.taker}) << logs(lab);
}

TEST(CrmNetns, WatchdogCutOffNodeStopsItsGroupBeforeTheMajorityStartsIt) {
  if (auto why = NetnsLab::unavailable(); !why.empty()) GTEST_SKIP() << why;
  WatchdogRun r;
  watchdog_scenario("stop", r);
  if (HasFatalFailure()) return;
  EXPECT_FALSE(r.overlap_seen) << "both sides ran a Dummy at once";
  ASSERT_GT(r.lone_stopped, 0) << "the cut-off node never stopped its resources";
  EXPECT_EQ(r.lone_reset, 0) << "it stopped them in time: its watchdog must not have fired";
  EXPECT_LT(r.lone_stopped, r.taker_started) << "the majority started before the cut-off node stopped";
  std::printf("[ watchdog ] cut node%d: its group stopped %.3f s after the cut; node%d started it %.3f s after the cut "
              "(%.3f s later; stonith-watchdog-timeout 4 s)\n",
              r.lone, r.lone_stopped - r.cut, r.taker, r.taker_started - r.cut, r.taker_started - r.lone_stopped);
}

// no-quorum-policy=ignore: the cut-off node keeps its resources, so its
// watchdog is never fed again and kills its halabd within 2 s (half of
// stonith-watchdog-timeout), before the majority, waiting 4 s, starts them.
TEST(CrmNetns, WatchdogResetsACutOffNodeThatKeepsItsResources) {
  if (auto why = NetnsLab::unavailable(); !why.empty()) GTEST_SKIP() << why;
  WatchdogRun r;
  watchdog_scenario("ignore", r);
  if (HasFatalFailure()) return;
  EXPECT_FALSE(r.overlap_seen) << "both sides ran the group at once";
  ASSERT_GT(r.lone_reset, 0) << "the watchdog did not kill the cut-off node's halabd";
  EXPECT_LT(r.lone_reset, r.taker_started) << "the majority started before the cut-off node was reset";
  std::printf("[ watchdog ] cut node%d kept its group: its watchdog killed halabd %.3f s after the cut; node%d "
              "started the group %.3f s after the cut (%.3f s later)\n",
              r.lone, r.lone_reset - r.cut, r.taker, r.taker_started - r.cut, r.taker_started - r.lone_reset);
}

}  // namespace
