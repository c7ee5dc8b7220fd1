// Clones and promotable clones: the rules that are not obvious from the
// outside — instance numbering, matching an anonymous clone's history to
// instances, and how promotion scores combine with location constraints.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace halab::scheduler::testing {

namespace {

std::string node_state(const std::string& n, const std::string& lrm, const std::string& attrs = "") {
  return "<node_state id=\"" + n + "\" uname=\"" + n +
         "\" in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\">"
         "<transient_attributes id=\"" + n + "\"><instance_attributes id=\"ta-" + n + "\">" + attrs +
         "</instance_attributes></transient_attributes><lrm id=\"" + n + "\"><lrm_resources>" + lrm +
         "</lrm_resources></lrm></node_state>";
}

std::string history(const std::string& id, const std::string& op, int rc, int call) {
  return "<lrm_resource id=\"" + id + "\" class=\"ocf\" provider=\"pacemaker\" type=\"Stateful\">"
         "<lrm_rsc_op id=\"" + id + "_" + op + "\" operation=\"" + op + "\" call-id=\"" + std::to_string(call) +
         "\" rc-code=\"" + std::to_string(rc) +
         "\" op-status=\"0\" interval=\"0\" transition-key=\"1:1:0:x\" op-digest=\"f2317cad3d54cec5d7d7aa7d0bf35cf8\"/>"
         "</lrm_resource>";
}

std::string cib(const std::string& resources, const std::string& constraints, const std::string& status) {
  return "<cib have-quorum=\"1\"><configuration><crm_config><cluster_property_set id=\"o\">"
         "<nvpair id=\"o1\" name=\"stonith-enabled\" value=\"false\"/></cluster_property_set></crm_config>"
         "<nodes><node id=\"node1\" uname=\"node1\"/><node id=\"node2\" uname=\"node2\"/>"
         "<node id=\"node3\" uname=\"node3\"/></nodes><resources>" + resources + "</resources><constraints>" +
         constraints + "</constraints></configuration><status>" + status + "</status></cib>";
}

const char* kStateful = "<primitive id=\"rsc\" class=\"ocf\" provider=\"pacemaker\" type=\"Stateful\"/>";

}  // namespace

TEST(Clone, InstancesAreNumberedFromZeroAndGroupMembersShareTheirGroupsNumber) {
  Scheduled s(cib("<clone id=\"c\"><meta_attributes id=\"m\"><nvpair id=\"m1\" name=\"clone-max\" value=\"2\"/>"
                  "</meta_attributes><group id=\"g\"><primitive id=\"a\" class=\"ocf\" provider=\"pacemaker\" "
                  "type=\"Dummy\"/><primitive id=\"b\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/>"
                  "</group></clone>",
                  "", node_state("node1", "") + node_state("node2", "") + node_state("node3", "")));
  EXPECT_EQ(s.rsc("g:0").children.size(), 2u);
  EXPECT_EQ(s.rsc("a:1").parent->id, "g:1");
  EXPECT_EQ(s.rsc("b:1").base_id, "b");
  EXPECT_THROW(s.rsc("g:2"), std::runtime_error);  // clone-max=2
  // Two instances, on two different nodes.
  EXPECT_NE(s.placed("a:0"), "");
  EXPECT_NE(s.placed("a:1"), "");
  EXPECT_NE(s.placed("a:0"), s.placed("a:1"));
  EXPECT_EQ(s.placed("a:0"), s.placed("b:0"));
}

TEST(Clone, AnonymousHistoryIsMatchedToOneInstancePerNodeAndActionsUseItsName) {
  const std::string lrm = history("rsc", "start", 0, 2);
  Scheduled s(cib("<clone id=\"c\">" + std::string(kStateful) + "</clone>", "",
                  node_state("node1", lrm) + node_state("node2", lrm) + node_state("node3", "")));
  const Resource& i0 = s.rsc("rsc:0");
  const Resource& i1 = s.rsc("rsc:1");
  ASSERT_EQ(i0.running_on.size(), 1u);
  ASSERT_EQ(i1.running_on.size(), 1u);
  EXPECT_NE(i0.running_on.front(), i1.running_on.front());
  EXPECT_EQ(i0.clone_name, "rsc");
  // Active instances stay; the third starts on node3, and is probed there
  // under its instance name (its history is under none).
  EXPECT_TRUE(s.has_line("Start rsc:2 ( node3 )"));
  EXPECT_EQ(s.summary().size(), 1u);
  auto lines = s.executed();
  bool start_named_by_history = false;
  for (auto& l : lines)
    if (l.find("Resource action: rsc ") != std::string::npos && l.find("start on node3") != std::string::npos)
      start_named_by_history = true;
  EXPECT_TRUE(start_named_by_history);
}

TEST(Clone, ASecondHistoryEntryOnANodeWithARunningInstanceIsAnOrphan) {
  const std::string lrm = history("rsc", "start", 0, 2) + history("rsc:7", "start", 0, 3);
  Scheduled s(cib("<clone id=\"c\">" + std::string(kStateful) + "</clone>", "",
                  node_state("node1", lrm) + node_state("node2", "") + node_state("node3", "")));
  const Resource& orphan = s.rsc("rsc:3");  // numbered after clone-max (3 nodes)
  EXPECT_TRUE(orphan.orphan);
  EXPECT_EQ(orphan.clone_name, "rsc:7");
  EXPECT_TRUE(s.has_line("Stop rsc:3 ( node1 ) due to node availability"));
}

TEST(Promotable, HighestPromotionScoreIsPromotedUnlessAPromotedRoleLocationOutweighsIt) {
  const std::string resources = "<clone id=\"ms\"><meta_attributes id=\"m\"><nvpair id=\"m1\" name=\"promotable\" "
                                "value=\"true\"/></meta_attributes>" + std::string(kStateful) + "</clone>";
  const std::string lrm = history("rsc", "start", 0, 2);
  auto status = [&](int s1, int s2) {
    auto attr = [](int v) {
      return "<nvpair id=\"p" + std::to_string(v) + "\" name=\"master-rsc\" value=\"" + std::to_string(v) + "\"/>";
    };
    return node_state("node1", lrm, attr(s1)) + node_state("node2", lrm, attr(s2)) + node_state("node3", "");
  };
  {
    Scheduled s(cib(resources, "", status(5, 10)));
    EXPECT_TRUE(s.has_line("Promote rsc:1 ( Unpromoted -> Promoted node2 )") ||
                s.has_line("Promote rsc:0 ( Unpromoted -> Promoted node2 )"));
    EXPECT_EQ(s.summary().size(), 2u);  // the promotion and a start on node3
  }
  {
    // A Promoted-role location adds to the promotion score on its node.
    Scheduled s(cib(resources,
                    "<rsc_location id=\"l\" rsc=\"ms\" role=\"Promoted\" node=\"node1\" score=\"20\"/>",
                    status(5, 10)));
    bool node1 = false;
    for (auto& l : s.summary())
      if (l.find("Promote") == 0 && l.find("Promoted node1") != std::string::npos) node1 = true;
    EXPECT_TRUE(node1);
  }
  {
    // Without any promotion score nothing is promoted.
    Scheduled s(cib(resources, "", node_state("node1", lrm) + node_state("node2", lrm) + node_state("node3", "")));
    for (auto& l : s.summary()) EXPECT_EQ(l.find("Promote"), std::string::npos) << l;
  }
}

}  // namespace halab::scheduler::testing
