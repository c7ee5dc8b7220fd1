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

#include <algorithm>
#include <array>
#include <atomic>
#include <mutex>
#include <chrono>
#include <cstdio>
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
