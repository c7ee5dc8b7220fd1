// Placement and the resulting transition for primitives and groups: each
// test asserts halab's decision and, when crm_simulate is installed, that
// pacemaker 2.1.5 prints the same Transition Summary.
#include <gtest/gtest.h>

#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "test_support.hpp"

namespace halab::scheduler::testing {

namespace {

std::vector<std::string> crm_simulate_summary(const std::string& xml) {
  if (std::system("crm_simulate --version >/dev/null 2>&1") != 0) return {"<no crm_simulate>"};
  char path[] = "/tmp/halab-placement-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) return {"<no temp file>"};
  close(fd);
  { std::ofstream(path) << xml; }
  FILE* p = popen(("crm_simulate --output-as=text -R -x " + std::string(path) + " 2>/dev/null").c_str(), "r");
  std::vector<std::string> out;
  char buf[4096];
  bool inside = false;
  while (p && std::fgets(buf, sizeof buf, p)) {
    std::string l(buf);
    while (!l.empty() && (l.back() == '\n')) l.pop_back();
    if (l == "Transition Summary:") { inside = true; continue; }
    if (inside && l.empty()) break;
    if (!inside) continue;
    std::string f;
    bool sp = false;
    for (char ch : l) {
      if (ch == ' ') { sp = true; continue; }
      if (sp && !f.empty()) f += ' ';
      sp = false;
      f += ch;
    }
    out.push_back(f.rfind("* ", 0) == 0 ? f.substr(2) : f);
  }
  if (p) pclose(p);
  std::remove(path);
  std::sort(out.begin(), out.end());
  return out;
}

void expect_peer_agrees(const Scheduled& run, const std::string& xml) {
  auto theirs = crm_simulate_summary(xml);
  if (theirs.size() == 1 && theirs[0] == "<no crm_simulate>") return;
  auto ours = run.summary();
  std::sort(ours.begin(), ours.end());
  EXPECT_EQ(ours, theirs) << xml;
}

}  // namespace

TEST(Placement, SpreadsEqualResourcesAcrossNodes) {
  auto c = cluster_of(2);
  c.rscs = {rsc("a"), rsc("b")};
  Scheduled run(c.xml());
  EXPECT_EQ(run.placed("a"), "node1");
  EXPECT_EQ(run.placed("b"), "node2");  // fewest assigned resources wins a tie
  expect_peer_agrees(run, c.xml());
}

TEST(Placement, LocationScoresPinAndBan) {
  auto c = cluster_of(3);
  c.rscs = {rsc("a"), rsc("b")};
  c.locs = {{0, 2, kInfinity}, {1, 0, -kInfinity}, {1, 1, -kInfinity}};
  Scheduled run(c.xml());
  EXPECT_EQ(run.placed("a"), "node3");
  EXPECT_EQ(run.placed("b"), "node3");
  EXPECT_TRUE(run.has_line("Start a ( node3 )"));
  expect_peer_agrees(run, c.xml());
}

TEST(Placement, AsymmetricClusterNeedsAnOptIn) {
  auto c = cluster_of(2);
  c.symmetric = false;
  c.rscs = {rsc("a"), rsc("b")};
  c.locs = {{1, 1, 10}};
  Scheduled run(c.xml());
  EXPECT_EQ(run.placed("a"), "");
  EXPECT_EQ(run.placed("b"), "node2");
  expect_peer_agrees(run, c.xml());
}

TEST(Placement, StickinessKeepsAResourceAgainstAWeakerPreference) {
  auto c = cluster_of(2);
  c.stickiness = 100;
  c.rscs = {rsc("a", 0)};
  c.locs = {{0, 1, 50}};
  Scheduled stays(c.xml());
  EXPECT_EQ(stays.placed("a"), "node1");
  EXPECT_TRUE(stays.summary().empty());
  c.locs = {{0, 1, 200}};
  Scheduled moves(c.xml());
  EXPECT_EQ(moves.placed("a"), "node2");
  EXPECT_TRUE(moves.has_line("Move a ( node1 -> node2 )"));
  expect_peer_agrees(moves, c.xml());
}

TEST(Placement, ColocationFollowsAndAvoids) {
  auto c = cluster_of(3);
  c.rscs = {rsc("a"), rsc("b"), rsc("c")};
  c.locs = {{0, 1, 100}};
  c.cols = {{1, 0, kInfinity}, {2, 0, -kInfinity}};
  Scheduled run(c.xml());
  EXPECT_EQ(run.placed("a"), "node2");
  EXPECT_EQ(run.placed("b"), "node2");
  EXPECT_NE(run.placed("c"), "node2");
  EXPECT_NE(run.placed("c"), "");
  expect_peer_agrees(run, c.xml());
}

TEST(Placement, MandatoryColocationWithAStoppedResourceStopsTheDependent) {
  auto c = cluster_of(2);
  c.rscs = {rsc("a"), rsc("b", 1)};
  c.rscs[0].disabled = true;
  c.cols = {{1, 0, kInfinity}};
  Scheduled run(c.xml());
  EXPECT_EQ(run.placed("b"), "");
  EXPECT_TRUE(run.has_line("Stop b ( node2 ) due to node availability"));
  expect_peer_agrees(run, c.xml());
}

TEST(Ordering, MandatoryOrderBlocksTheThenSide) {
  auto c = cluster_of(2);
  c.rscs = {rsc("a"), rsc("b")};
  c.rscs[0].disabled = true;
  c.ords = {{0, 1, true}};
  Scheduled run(c.xml());
  EXPECT_TRUE(run.has_line("Start b ( node1 ) due to unrunnable a start (blocked)"));
  expect_peer_agrees(run, c.xml());
  c.ords = {{0, 1, false}};  // optional: b starts anyway
  Scheduled optional(c.xml());
  EXPECT_TRUE(optional.has_line("Start b ( node1 )"));
  expect_peer_agrees(optional, c.xml());
}

TEST(Ordering, RecoveryRestartsMandatoryDependents) {
  auto c = cluster_of(2);
  c.rscs = {rsc("a", 0), rsc("b", 0)};
  c.rscs[0].monitor = true;
  c.rscs[0].failed_monitor = true;
  c.stickiness = 100;
  c.ords = {{0, 1, true}};
  Scheduled run(c.xml());
  EXPECT_TRUE(run.has_line("Recover a ( node1 )"));
  EXPECT_TRUE(run.has_line("Restart b ( node1 ) due to required a start"));
  expect_peer_agrees(run, c.xml());
}

TEST(Groups, MembersRunTogetherInOrder) {
  auto c = cluster_of(2);
  c.rscs = {rsc("a"), rsc("b"), rsc("c")};
  c.groups = {{0, 1, 2}};
  c.locs = {{0, 1, 10}};
  Scheduled run(c.xml());
  EXPECT_EQ(run.placed("a"), "node2");
  EXPECT_EQ(run.placed("b"), "node2");
  EXPECT_EQ(run.placed("c"), "node2");
  auto exec = run.executed();
  auto pos = [&](const std::string& needle) {
    for (size_t i = 0; i < exec.size(); ++i)
      if (exec[i].find(needle) != std::string::npos) return int(i);
    return -1;
  };
  ASSERT_GE(pos("grp0_start_0"), 0);
  EXPECT_LT(pos("a               start"), pos("b               start"));
  EXPECT_LT(pos("b               start"), pos("c               start"));
  EXPECT_LT(pos("c               start"), pos("grp0_running_0"));
  expect_peer_agrees(run, c.xml());
}

TEST(Groups, DisabledMemberStopsTheMembersAfterIt) {
  auto c = cluster_of(2);
  c.rscs = {rsc("a", 0), rsc("b", 0), rsc("c", 0)};
  c.rscs[1].disabled = true;
  c.groups = {{0, 1, 2}};
  Scheduled run(c.xml());
  EXPECT_EQ(run.placed("a"), "node1");
  EXPECT_TRUE(run.has_line("Stop b ( node1 ) due to node availability"));
  EXPECT_TRUE(run.has_line("Stop c ( node1 ) due to node availability"));
  expect_peer_agrees(run, c.xml());
}

TEST(NodeStates, StandbyAndOfflineNodesRunNothing) {
  auto c = cluster_of(3);
  c.node_state = {2, 1, 0};  // standby, offline, online
  c.rscs = {rsc("a", 0), rsc("b")};
  Scheduled run(c.xml());
  EXPECT_EQ(run.placed("a"), "node3");
  EXPECT_EQ(run.placed("b"), "node3");
  EXPECT_TRUE(run.has_line("Move a ( node1 -> node3 )"));
  expect_peer_agrees(run, c.xml());
}

TEST(Failures, FailedStartWithMigrationThresholdMovesAway) {
  const std::string xml = R"(<cib crm_feature_set="3.16.1" have-quorum="1" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config><cluster_property_set id="o">
    <nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
  <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
  <resources><primitive id="a" class="ocf" provider="pacemaker" type="Dummy">
    <meta_attributes id="a-m"><nvpair id="a-mt" name="migration-threshold" value="1"/></meta_attributes>
  </primitive></resources><constraints/></configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
      <transient_attributes id="1"><instance_attributes id="s1">
        <nvpair id="s1-fc" name="fail-count-a#start_0" value="INFINITY"/></instance_attributes></transient_attributes>
      <lrm id="1"><lrm_resources><lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy">
        <lrm_rsc_op id="a_last_0" operation="start" interval="0" call-id="3" rc-code="1" op-status="0"
          transition-key="1:1:0:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>
      </lrm_resource></lrm_resources></lrm>
    </node_state>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status></cib>)";
  Scheduled run(xml);
  EXPECT_TRUE(run.rsc("a").failed);
  EXPECT_EQ(run.placed("a"), "node2");
  EXPECT_TRUE(run.has_line("Recover a ( node1 -> node2 )"));
  expect_peer_agrees(run, xml);
}

TEST(Fencing, UncleanNodeIsFencedBeforeItsResourcesMove) {
  const std::string xml = R"(<cib crm_feature_set="3.16.1" have-quorum="1" epoch="1" num_updates="0" admin_epoch="0">
  <configuration><crm_config/>
  <nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes>
  <resources>
    <primitive id="fence" class="stonith" type="fence_dummy"/>
    <primitive id="a" class="ocf" provider="pacemaker" type="Dummy"/>
  </resources><constraints/></configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="false" crmd="offline" join="down" expected="member">
      <lrm id="1"><lrm_resources><lrm_resource id="a" class="ocf" provider="pacemaker" type="Dummy">
        <lrm_rsc_op id="a_last_0" operation="start" interval="0" call-id="3" rc-code="0" op-status="0"
          transition-key="1:1:0:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/>
      </lrm_resource></lrm_resources></lrm>
    </node_state>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="2"><lrm_resources><lrm_resource id="fence" class="stonith" type="fence_dummy">
        <lrm_rsc_op id="fence_last_0" operation="start" interval="0" call-id="3" rc-code="0" op-status="0"
          transition-key="1:1:0:x"/>
      </lrm_resource></lrm_resources></lrm>
    </node_state>
  </status></cib>)";
  Scheduled run(xml);
  EXPECT_TRUE(run.has_line("Fence (reboot) node1 'peer is no longer part of the cluster'"));
  EXPECT_TRUE(run.has_line("Move a ( node1 -> node2 )"));
  auto exec = run.executed();
  auto pos = [&](const std::string& needle) {
    for (size_t i = 0; i < exec.size(); ++i)
      if (exec[i].find(needle) != std::string::npos) return int(i);
    return -1;
  };
  ASSERT_GE(pos("Fencing node1 (reboot)"), 0);
  ASSERT_GE(pos("Pseudo action:   a_stop_0"), 0);
  EXPECT_LT(pos("Fencing node1"), pos("a_stop_0"));
  EXPECT_LT(pos("a_stop_0"), pos("a               start on node2"));
}

TEST(Fencing, WithoutFenceDevicesEverythingIsLeftAlone) {
  auto c = cluster_of(2);
  c.rscs = {rsc("a", 0)};
  std::string xml = c.xml();
  const std::string off = "name=\"stonith-enabled\" value=\"false\"";
  xml.replace(xml.find(off), off.size(), "name=\"stonith-enabled\" value=\"true\"");
  Scheduled run(xml);
  EXPECT_FALSE(run.rsc("a").managed);
  EXPECT_TRUE(run.summary().empty());
  expect_peer_agrees(run, xml);
}

}  // namespace halab::scheduler::testing
