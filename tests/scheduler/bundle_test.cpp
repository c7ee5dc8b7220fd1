// Bundles: what a <bundle> implies (containers, IPs, connections, guest
// nodes, the inner clone), where each part goes and in which order it starts.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace halab::scheduler::testing {

namespace {

std::string online(const std::string& n) {
  return "<node_state id=\"" + n + "\" uname=\"" + n +
         "\" in_ccm=\"true\" crmd=\"online\" join=\"member\" expected=\"member\"/>";
}

std::string cib(const std::string& resources, const std::string& constraints = "") {
  return "<cib have-quorum=\"1\"><configuration><crm_config><cluster_property_set id=\"o\">"
         "<nvpair id=\"o1\" name=\"stonith-enabled\" value=\"false\"/></cluster_property_set></crm_config>"
         "<nodes><node id=\"node1\" uname=\"node1\"/><node id=\"node2\" uname=\"node2\"/>"
         "<node id=\"node3\" uname=\"node3\"/></nodes><resources>" + resources + "</resources><constraints>" +
         constraints + "</constraints></configuration><status>" + online("node1") + online("node2") +
         online("node3") + "</status></cib>";
}

std::string bundle(const std::string& id, int replicas, const std::string& network, const std::string& inside,
                   const std::string& extra = "") {
  return "<bundle id=\"" + id + "\"><docker image=\"img:1\" replicas=\"" + std::to_string(replicas) + "\" " + extra +
         "/>" + network + inside + "</bundle>";
}

const char* kDummy = "<primitive id=\"web\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/>";

// Index of the first execution line containing both strings, or -1.
int step(const Scheduled& s, const std::string& what, const std::string& where) {
  auto lines = s.executed();
  for (size_t i = 0; i < lines.size(); ++i)
    if (lines[i].find(what) != std::string::npos && lines[i].find(where) != std::string::npos) return int(i);
  return -1;
}

}  // namespace

TEST(Bundle, EachReplicaIsAContainerAConnectionAndAnInstanceOnItsGuestNode) {
  Scheduled s(cib(bundle("b", 2, "<network control-port=\"3121\"/>", kDummy)));
  // The parts pacemaker names: containers, connections (= guest nodes), the inner clone.
  for (const char* id : {"b-docker-0", "b-docker-1", "b-0", "b-1", "b-clone", "web:0", "web:1"})
    EXPECT_NO_THROW(s.rsc(id)) << id;
  // Containers are spread (one replica per host), each connection goes with
  // its container, each instance onto its replica's guest node.
  ASSERT_NE(s.placed("b-docker-0"), "");
  ASSERT_NE(s.placed("b-docker-1"), "");
  EXPECT_NE(s.placed("b-docker-0"), s.placed("b-docker-1"));
  EXPECT_EQ(s.placed("b-0"), s.placed("b-docker-0"));
  EXPECT_EQ(s.placed("b-1"), s.placed("b-docker-1"));
  EXPECT_EQ(s.placed("web:0"), "b-0");
  EXPECT_EQ(s.placed("web:1"), "b-1");
  EXPECT_TRUE(s.has_line("Start web:0 ( b-0 )"));
  EXPECT_TRUE(s.has_line("Start b-1 ( " + s.placed("b-docker-1") + " )"));
}

TEST(Bundle, ContainerStartsBeforeConnectionWhichStartsBeforeTheInstance) {
  Scheduled s(cib(bundle("b", 1, "<network control-port=\"3121\"/>", kDummy)));
  const std::string host = s.placed("b-docker-0");
  const int container = step(s, "b-docker-0 ", "start on " + host);
  const int connection = step(s, "b-0 ", "start on " + host);
  const int instance = step(s, "web:0", "start on b-0");
  ASSERT_GE(container, 0);
  ASSERT_GE(connection, 0);
  ASSERT_GE(instance, 0);
  EXPECT_LT(container, connection);
  EXPECT_LT(connection, instance);
  // The bundle's and the inner clone's pseudo-actions frame it.
  EXPECT_LT(step(s, "b_start_0", ""), container);
  EXPECT_GT(step(s, "b_running_0", ""), step(s, "b-clone_running_0", ""));
  // The connection is probed after the container is up, not before.
  EXPECT_GT(step(s, "b-0 ", "monitor on " + host), container);
}

TEST(Bundle, IpRangeGivesEachReplicaAnAddressStartedWithItsContainer) {
  Scheduled s(cib(bundle("b", 2, "<network ip-range-start=\"10.0.0.254\"/>", "")));
  // 10.0.0.254 is followed by 10.0.1.1 (the last octet wraps).
  EXPECT_EQ(s.placed("b-ip-10.0.0.254"), s.placed("b-docker-0"));
  EXPECT_EQ(s.placed("b-ip-10.0.1.1"), s.placed("b-docker-1"));
  const std::string host = s.placed("b-docker-0");
  EXPECT_LT(step(s, "b-ip-10.0.0.254", "start on " + host), step(s, "b-docker-0 ", "start on " + host));
  // No primitive inside: no connection, no guest node.
  EXPECT_THROW(s.rsc("b-0"), std::runtime_error);
}

TEST(Bundle, LocationOfTheBundlePlacesContainersAndGuestNodesFollowUnpackOrder) {
  // pacemaker bans a bundle's guest nodes for the resources configured
  // before the bundle; those configured after it may go there when a
  // constraint asks (checked against crm_simulate 2.1.5).
  Scheduled s(cib("<primitive id=\"before\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/>" +
                      bundle("b", 1, "<network control-port=\"3121\"/>", kDummy) +
                      "<primitive id=\"after\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/>",
                  "<rsc_location id=\"l1\" rsc=\"b\" node=\"node2\" score=\"100\"/>"
                  "<rsc_location id=\"l2\" rsc=\"before\" node=\"b-0\" score=\"INFINITY\"/>"
                  "<rsc_location id=\"l3\" rsc=\"after\" node=\"b-0\" score=\"50\"/>"));
  EXPECT_EQ(s.placed("b-docker-0"), "node2");
  EXPECT_NE(s.placed("before"), "b-0");
  EXPECT_NE(s.placed("before"), "");
  EXPECT_EQ(s.placed("after"), "b-0");
}

TEST(Bundle, PromotableBundlePromotesWhereTheRoleLocationSays) {
  Scheduled s(cib(bundle("b", 2, "<network control-port=\"3121\"/>",
                         "<primitive id=\"db\" class=\"ocf\" provider=\"pacemaker\" type=\"Stateful\"/>",
                         "promoted-max=\"1\""),
                  "<rsc_location id=\"p\" rsc=\"b\" role=\"Promoted\" node=\"b-1\" score=\"100\"/>"));
  EXPECT_NO_THROW(s.rsc("b-master"));
  EXPECT_EQ(s.rsc("db:1").next_role, Role::Promoted);
  EXPECT_EQ(s.rsc("db:0").next_role, Role::Unpromoted);
  EXPECT_TRUE(s.has_line("Promote db:1 ( Stopped -> Promoted b-1 )"));
  // The bundle's own promote pseudo-action comes before the instance's promote.
  EXPECT_LT(step(s, "b_promote_0", ""), step(s, "db:1", "promote on b-1"));
}

TEST(Bundle, RevisedStatusShowsReplicasAndGuestNodes) {
  Scheduled s(cib(bundle("b", 2, "<network control-port=\"3121\"/>", kDummy)));
  const std::string before = cluster_status(*s.cluster, false);
  const std::string after = cluster_status(*s.cluster, true);
  EXPECT_NE(before.find("Container bundle set: b [img:1]:"), std::string::npos) << before;
  EXPECT_NE(before.find("* b-0\t(ocf:pacemaker:Dummy):\t Stopped"), std::string::npos) << before;
  EXPECT_EQ(before.find("GuestOnline"), std::string::npos) << before;
  EXPECT_NE(after.find("GuestOnline: [ b-0 b-1 ]"), std::string::npos) << after;
  EXPECT_NE(after.find("* b-1\t(ocf:pacemaker:Dummy):\t Started " + s.placed("b-docker-1")), std::string::npos)
      << after;
  // The parts are not listed as resources of their own.
  EXPECT_EQ(after.find("b-docker-0\t"), std::string::npos) << after;
}

TEST(Bundle, InnerPrimitiveWithoutNetworkIsRejectedWithAWarning) {
  Scheduled s(cib(bundle("b", 1, "", kDummy)));
  EXPECT_THROW(s.rsc("b-docker-0"), std::runtime_error);
  bool warned = false;
  for (auto& w : s.cluster->warnings) warned = warned || w.find("bundle b") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(Bundle, FailedConnectionWithActiveInstanceResetsTheGuestByRecoveringItsContainer) {
  // Same summary and executed actions as crm_simulate 2.1.5 on this CIB.
  auto op = [](const std::string& r, const std::string& task, int rc, int interval, const std::string& id) {
    return "<lrm_rsc_op id=\"" + id + "\" operation_key=\"" + r + "_" + task + "_" + std::to_string(interval) +
           "\" operation=\"" + task + "\" transition-key=\"1:1:0:b\" transition-magic=\"0:" + std::to_string(rc) +
           ";1:1:0:b\" call-id=\"2\" rc-code=\"" + std::to_string(rc) + "\" op-status=\"0\" interval=\"" +
           std::to_string(interval) + "\"/>";
  };
  auto lrm = [](const std::string& r, const std::string& provider, const std::string& type, const std::string& ops) {
    return "<lrm_resource id=\"" + r + "\" class=\"ocf\" provider=\"" + provider + "\" type=\"" + type + "\">" + ops +
           "</lrm_resource>";
  };
  auto state = [](const std::string& n, const std::string& body, const std::string& extra) {
    return "<node_state id=\"" + n + "\" uname=\"" + n + "\" in_ccm=\"true\" " + extra + "><lrm id=\"" + n +
           "\"><lrm_resources>" + body + "</lrm_resources></lrm></node_state>";
  };
  const std::string member = "crmd=\"online\" join=\"member\" expected=\"member\"";
  const std::string status =
      state("node1",
            lrm("b-docker-0", "heartbeat", "docker", op("b-docker-0", "start", 0, 0, "d0")) +
                lrm("b-0", "pacemaker", "remote",
                    op("b-0", "start", 0, 0, "b-0_last_0") + op("b-0", "monitor", 1, 30000, "b-0_last_failure_0")),
            member) +
      state("node2", "", member) + state("b-0", lrm("web", "pacemaker", "Dummy", op("web", "start", 0, 0, "w0")),
                                         "remote_node=\"true\"");
  Scheduled s("<cib have-quorum=\"1\"><configuration><crm_config><cluster_property_set id=\"o\">"
              "<nvpair id=\"o1\" name=\"stonith-enabled\" value=\"false\"/></cluster_property_set></crm_config>"
              "<nodes><node id=\"node1\" uname=\"node1\"/><node id=\"node2\" uname=\"node2\"/></nodes><resources>" +
              bundle("b", 1, "<network control-port=\"3121\"/>", kDummy) +
              "</resources><constraints/></configuration><status>" + status + "</status></cib>");
  auto sum = s.summary();
  std::sort(sum.begin(), sum.end());
  EXPECT_EQ(sum, (std::vector<std::string>{"Fence (reboot) b-0 (resource: b-docker-0) 'guest is unclean'",
                                            "Recover b-0 ( node1 )", "Recover b-docker-0 ( node1 )",
                                            "Recover web:0 ( b-0 )"}));
  // The guest's "fencing" is a pseudo event after the container stops; the
  // instance's stop is implied by it, and it starts again on the guest.
  const int container_stop = step(s, "b-docker-0 ", "stop on node1");
  const int fence = step(s, "stonith-b-0-reboot on b-0", "");
  const int implied_stop = step(s, "Pseudo action:   web_stop_0", "");
  ASSERT_GE(fence, 0);
  EXPECT_LT(container_stop, fence);
  EXPECT_LT(fence, implied_stop);
  EXPECT_LT(implied_stop, step(s, "web ", "start on b-0"));
}

}  // namespace halab::scheduler::testing
