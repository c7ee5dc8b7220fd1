// Utilization and placement-strategy, live migration, node health and
// Pacemaker Remote nodes: small literal CIBs, each asserting the decision
// pacemaker 2.1.5 makes and, when crm_simulate is installed, that it prints
// the same Transition Summary.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>

#include "test_support.hpp"

namespace halab::scheduler::testing {

namespace {

// Two or three nodes, stonith off; `extra_config` goes into crm_config,
// `nodes_xml`, `resources` and `status` are literal.
std::string cib(const std::string& extra_config, const std::string& nodes_xml, const std::string& resources,
                const std::string& status) {
  return "<cib crm_feature_set=\"3.16.1\" validate-with=\"pacemaker-3.9\" epoch=\"1\" num_updates=\"0\" "
         "admin_epoch=\"0\" have-quorum=\"1\"><configuration><crm_config><cluster_property_set id=\"o\">"
         "<nvpair id=\"o1\" name=\"stonith-enabled\" value=\"false\"/>" +
         extra_config + "</cluster_property_set></crm_config><nodes>" + nodes_xml + "</nodes><resources>" + resources +
         "</resources><constraints/></configuration><status>" + status + "</status></cib>";
}

std::string node(int id, const std::string& capacity = "") {
  const std::string n = std::to_string(id);
  std::string x = "<node id=\"" + n + "\" uname=\"node" + n + "\">";
  if (!capacity.empty())
    x += "<utilization id=\"u" + n + "\"><nvpair id=\"u" + n + "c\" name=\"cpu\" value=\"" + capacity +
         "\"/></utilization>";
  return x + "</node>";
}

std::string up(int id, const std::string& lrm = "") {
  const std::string n = std::to_string(id);
  return "<node_state id=\"" + n + "\" uname=\"node" + n +
         "\" in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\"><lrm id=\"" + n +
         "\"><lrm_resources>" + lrm + "</lrm_resources></lrm></node_state>";
}

std::string dummy(const std::string& id, const std::string& cpu = "", const std::string& meta = "") {
  std::string x = "<primitive id=\"" + id + "\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\">";
  if (!meta.empty()) x += "<meta_attributes id=\"" + id + "-m\">" + meta + "</meta_attributes>";
  if (!cpu.empty())
    x += "<utilization id=\"" + id + "-u\"><nvpair id=\"" + id + "-uc\" name=\"cpu\" value=\"" + cpu +
         "\"/></utilization>";
  return x + "</primitive>";
}

std::string started(const std::string& id, int call = 2) {
  return "<lrm_resource id=\"" + id + "\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"><lrm_rsc_op id=\"" +
         id + "_last_0\" operation_key=\"" + id +
         "_start_0\" operation=\"start\" transition-key=\"1:1:0:abc\" transition-magic=\"0:0;1:1:0:abc\" call-id=\"" +
         std::to_string(call) + "\" rc-code=\"0\" op-status=\"0\" interval=\"0\" op-digest=\"f2317cad3d54cec5d7d7aa7d0bf35cf8\"/></lrm_resource>";
}

std::string strategy(const std::string& s) {
  return "<nvpair id=\"o2\" name=\"placement-strategy\" value=\"" + s + "\"/>";
}

// Runs the scheduler; with crm_simulate installed, also checks that it
// prints the same (folded, sorted) Transition Summary.
struct Checked : Scheduled {
  explicit Checked(const std::string& xml) : Scheduled(xml) {
    if (std::system("crm_simulate --version >/dev/null 2>&1") != 0) return;
    char path[] = "/tmp/halab-strategy-XXXXXX";
    const int fd = mkstemp(path);
    if (fd < 0) return;
    close(fd);
    { std::ofstream(path) << xml; }
    FILE* p = popen(("crm_simulate --output-as=text -R -x " + std::string(path) + " 2>/dev/null").c_str(), "r");
    std::vector<std::string> theirs;
    char buf[4096];
    bool inside = false;
    while (p && std::fgets(buf, sizeof buf, p)) {
      std::string l(buf), f;
      while (!l.empty() && l.back() == '\n') l.pop_back();
      if (l == "Transition Summary:") { inside = true; continue; }
      if (inside && l.empty()) break;
      if (!inside) continue;
      bool sp = false;
      for (char ch : l) {
        if (ch == ' ') { sp = true; continue; }
        if (sp && !f.empty()) f += ' ';
        sp = false;
        f += ch;
      }
      theirs.push_back(f.rfind("* ", 0) == 0 ? f.substr(2) : f);
    }
    if (p) pclose(p);
    std::remove(path);
    auto ours = summary();
    std::sort(ours.begin(), ours.end());
    std::sort(theirs.begin(), theirs.end());
    EXPECT_EQ(ours, theirs) << "crm_simulate disagrees on:\n" << xml;
  }
};

}  // namespace

TEST(PlacementStrategy, UtilizationBansNodesWithoutCapacity) {
  // node1 has room for one of the two, node2 for neither: one stays stopped.
  Checked s(cib(strategy("utilization"), node(1, "2") + node(2, "1"), dummy("a", "2") + dummy("b", "2"),
                  up(1) + up(2)));
  EXPECT_EQ(s.placed("a"), "node1");
  EXPECT_EQ(s.placed("b"), "");
  // load_stopped pseudo-actions order stops before starts on each node.
  const auto lines = s.executed();
  EXPECT_NE(std::find(lines.begin(), lines.end(), "  * Pseudo action:   load_stopped_node1"), lines.end());
}

TEST(PlacementStrategy, DefaultStrategyIgnoresUtilization) {
  Checked s(cib("", node(1, "1") + node(2, "1"), dummy("a", "2") + dummy("b", "2"), up(1) + up(2)));
  EXPECT_EQ(s.placed("a"), "node1");
  EXPECT_EQ(s.placed("b"), "node2");
}

TEST(PlacementStrategy, BalancedPrefersMostFreeCapacity) {
  // node2 is bigger: with "balanced" the first resource goes there.
  Checked s(cib(strategy("balanced"), node(1, "4") + node(2, "8"), dummy("a", "1") + dummy("b", "1"),
                  up(1) + up(2)));
  EXPECT_EQ(s.placed("a"), "node2");
  EXPECT_EQ(s.placed("b"), "node2");  // 7 left on node2 is still more than 4
}

TEST(PlacementStrategy, MinimalPacksByNodeName) {
  Checked s(cib(strategy("minimal"), node(1, "4") + node(2, "8"), dummy("a", "1") + dummy("b", "1"),
                  up(1) + up(2)));
  EXPECT_EQ(s.placed("a"), "node1");
  EXPECT_EQ(s.placed("b"), "node1");
}

TEST(LiveMigration, AllowMigrateMovesByMigrating) {
  const std::string ban = "<rsc_location id=\"l\" rsc=\"vm\" node=\"node1\" score=\"-INFINITY\"/>";
  std::string x = cib("", node(1) + node(2), dummy("vm", "", "<nvpair id=\"am\" name=\"allow-migrate\" value=\"true\"/>"),
                      up(1, started("vm")) + up(2));
  x.replace(x.find("<constraints/>"), 14, "<constraints>" + ban + "</constraints>");
  Checked s(x);
  EXPECT_TRUE(s.has_line("Migrate vm ( node1 -> node2 )"));
  const auto lines = s.executed();
  EXPECT_NE(std::find(lines.begin(), lines.end(), "  * Pseudo action:   vm_start_0"), lines.end());
}

TEST(LiveMigration, WithoutAllowMigrateItMoves) {
  const std::string ban = "<rsc_location id=\"l\" rsc=\"vm\" node=\"node1\" score=\"-INFINITY\"/>";
  std::string x = cib("", node(1) + node(2), dummy("vm"), up(1, started("vm")) + up(2));
  x.replace(x.find("<constraints/>"), 14, "<constraints>" + ban + "</constraints>");
  Checked s(x);
  EXPECT_TRUE(s.has_line("Move vm ( node1 -> node2 )"));
}

TEST(NodeHealth, MigrateOnRedMovesAwayFromRedNodes) {
  std::string st = up(1, started("a")) + up(2);
  st.replace(st.find("<lrm id=\"1\">"), 0,
             "<transient_attributes id=\"1\"><instance_attributes id=\"t1\"><nvpair id=\"h1\" name=\"#health-disk\" "
             "value=\"red\"/></instance_attributes></transient_attributes>");
  Checked red(cib("<nvpair id=\"o3\" name=\"node-health-strategy\" value=\"migrate-on-red\"/>", node(1) + node(2),
                    dummy("a"), st));
  EXPECT_TRUE(red.has_line("Move a ( node1 -> node2 )"));
  Checked ignored(cib("", node(1) + node(2), dummy("a"), st));
  EXPECT_TRUE(ignored.summary().empty());
}

TEST(RemoteNodes, ConnectionStartsAndTheRemoteNodeTakesResources) {
  const std::string remote =
      "<primitive id=\"remote1\" class=\"ocf\" provider=\"pacemaker\" type=\"remote\"/>";
  const std::string loc = "<rsc_location id=\"l\" rsc=\"a\" node=\"remote1\" score=\"100\"/>";
  std::string x = cib("", node(1), remote + dummy("a"), up(1));
  x.replace(x.find("<constraints/>"), 14, "<constraints>" + loc + "</constraints>");
  Checked s(x);
  EXPECT_TRUE(s.has_line("Start remote1 ( node1 )"));
  EXPECT_TRUE(s.has_line("Start a ( remote1 )"));
  // The remote node is probed once its connection is up, never for the connection itself.
  const auto lines = s.executed();
  EXPECT_NE(std::find(lines.begin(), lines.end(), "  * Resource action: a               monitor on remote1"),
            lines.end());
  EXPECT_EQ(std::find(lines.begin(), lines.end(), "  * Resource action: remote1         monitor on remote1"),
            lines.end());
}

TEST(RemoteNodes, DisabledConnectionStopsWhatRunsThere) {
  const std::string remote =
      "<primitive id=\"remote1\" class=\"ocf\" provider=\"pacemaker\" type=\"remote\"><meta_attributes id=\"rm\">"
      "<nvpair id=\"rt\" name=\"target-role\" value=\"Stopped\"/></meta_attributes></primitive>";
  const std::string conn =
      "<lrm_resource id=\"remote1\" class=\"ocf\" provider=\"pacemaker\" type=\"remote\"><lrm_rsc_op "
      "id=\"remote1_last_0\" operation_key=\"remote1_start_0\" operation=\"start\" transition-key=\"1:1:0:abc\" "
      "transition-magic=\"0:0;1:1:0:abc\" call-id=\"2\" rc-code=\"0\" op-status=\"0\" interval=\"0\" "
      "op-digest=\"f2317cad3d54cec5d7d7aa7d0bf35cf8\"/></lrm_resource>";
  const std::string remote_state = "<node_state id=\"remote1\" uname=\"remote1\" remote_node=\"true\"><lrm "
                                   "id=\"remote1\"><lrm_resources>" +
                                   started("a") + "</lrm_resources></lrm></node_state>";
  std::string x = cib("", node(1), remote + dummy("a"), up(1, conn) + remote_state);
  x.replace(x.find("<constraints/>"), 14,
            "<constraints><rsc_location id=\"l\" rsc=\"a\" node=\"node1\" score=\"-INFINITY\"/></constraints>");
  Checked s(x);
  EXPECT_TRUE(s.has_line("Stop remote1 ( node1 ) due to node availability"));
  EXPECT_TRUE(s.has_line("Stop a ( remote1 ) due to node availability"));
}

}  // namespace halab::scheduler::testing
