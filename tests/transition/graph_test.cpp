// Parsing pacemaker's transition graph, and refusing broken ones with a
// message that names the synapse and the action.
#include <gtest/gtest.h>

#include "stack/core/error.hpp"
#include "stack/transition/graph.hpp"
#include "support.hpp"

namespace halab::transition {
namespace {

using testing::A;
using testing::graph_xml;

// Shaped like crm_simulate -G output (rec-node-13): fencing, a downed node,
// a priority synapse, pseudo-events, attributes.
const char* kPacemakerGraph = R"(<transition_graph cluster-delay="3m" stonith-timeout="60s" failed-stop-offset="INFINITY" failed-start-offset="1" batch-limit="7" transition_id="4">
  <synapse id="0">
    <action_set>
      <pseudo_event id="62" operation="stop" operation_key="ocf_msdummy:6_stop_0">
        <attributes CRM_meta_clone="6" CRM_meta_timeout="20000" crm_feature_set="3.16.1" logfile="/var/log/cts_ocfdummy.log"/>
      </pseudo_event>
    </action_set>
    <inputs>
      <trigger>
        <crm_event id="2" operation="stonith" operation_key="stonith-c001n04-reboot" on_node="c001n04" on_node_uuid="9e08"/>
      </trigger>
    </inputs>
  </synapse>
  <synapse id="1" priority="1000000">
    <action_set>
      <rsc_op id="7" operation="monitor" operation_key="rsc1_monitor_10000" on_node="node1" on_node_uuid="uuid1">
        <primitive id="rsc1" class="ocf" provider="heartbeat" type="apache"/>
        <attributes CRM_meta_interval="10000" CRM_meta_name="monitor" CRM_meta_timeout="30000" configfile="/etc/a.conf" crm_feature_set="3.16.1"/>
      </rsc_op>
    </action_set>
    <inputs/>
  </synapse>
  <synapse id="2">
    <action_set>
      <crm_event id="2" operation="stonith" operation_key="stonith-c001n04-reboot" on_node="c001n04" on_node_uuid="9e08">
        <attributes CRM_meta_on_node="c001n04" CRM_meta_stonith_action="off"/>
        <downed>
          <node id="9e08"/>
        </downed>
      </crm_event>
    </action_set>
    <inputs/>
  </synapse>
</transition_graph>
)";

TEST(TransitionGraph, ParsesPacemakersFormat) {
  Graph g = parse_graph(kPacemakerGraph, "rec-node-13.graph");
  EXPECT_EQ(g.transition_id, 4);
  EXPECT_EQ(g.cluster_delay, std::chrono::minutes(3));
  EXPECT_EQ(g.stonith_timeout, std::chrono::seconds(60));
  EXPECT_EQ(g.batch_limit, 7);
  EXPECT_EQ(g.failed_start_offset, "1");
  ASSERT_EQ(g.synapses.size(), 3u);
  EXPECT_EQ(g.synapses[1].priority, kInfinity);
  EXPECT_EQ(g.synapses[0].inputs, std::vector<int>{2});
  const GraphAction* mon = g.find(7);
  ASSERT_TRUE(mon);
  EXPECT_EQ(mon->type, ActionType::rsc_op);
  EXPECT_EQ(mon->interval_ms(), 10000);
  EXPECT_EQ(mon->timeout(), std::chrono::milliseconds(30000));
  EXPECT_EQ(mon->rsc_provider, "heartbeat");
  EXPECT_EQ(mon->params(), (std::map<std::string, std::string>{{"configfile", "/etc/a.conf"}}));
  EXPECT_EQ(mon->metas().at("name"), "monitor");
  const GraphAction* fence = g.find(2);
  ASSERT_TRUE(fence);
  EXPECT_EQ(fence->type, ActionType::crm_event);
  EXPECT_EQ(fence->meta("stonith_action"), "off");
  EXPECT_EQ(fence->downed, std::vector<std::string>{"9e08"});
  EXPECT_EQ(g.synapses[size_t(fence->synapse)].id, 2);
  EXPECT_EQ(g.find(62)->type, ActionType::pseudo_event);
  EXPECT_FALSE(g.find(99));
}

void expect_error(const std::string& xml, const std::vector<std::string>& needles) {
  try {
    parse_graph(xml, "bad.graph");
    ADD_FAILURE() << "accepted:\n" << xml;
  } catch (const core::Error& e) {
    const std::string what = e.what();
    for (const auto& n : needles) EXPECT_NE(what.find(n), std::string::npos) << "'" << n << "' not in: " << what;
  }
}

TEST(TransitionGraph, RefusesBrokenGraphsNamingSynapseAndAction) {
  expect_error("<transition_graph><synapse id=\"0\"><action_set><rsc_op id=\"1\"", {"bad.graph:", "not well-formed"});
  expect_error("<cib/>", {"expected <transition_graph>"});
  expect_error(graph_xml({{1}, {2, "rsc_op", "start", "node1", {7}}}),
               {"synapse 1", "trigger names action 7", "no synapse"});
  expect_error(graph_xml({{1}, {1, "rsc_op", "stop"}}), {"synapse 1", "action 1", "already appears in synapse 0"});
  expect_error(graph_xml({{1, "rsc_op", "start", "node1", {3}}, {2, "rsc_op", "start", "node1", {1}},
                          {3, "pseudo_event", "running", "", {2}}}),
               {"dependency cycle", "synapse"});
  expect_error(graph_xml({{1, "crm_event", "reboot_everything"}}), {"synapse 0", "action 1", "unknown crm_event"});
  expect_error(graph_xml({{1, "rsc_op", "start", "node1", {}, 0, {{"CRM_meta_timeout", "soon"}}}}),
               {"synapse 0", "action 1", "CRM_meta_timeout=\"soon\""});
  expect_error(graph_xml({{1}}, "cluster-delay=\"forever\""), {"cluster-delay=\"forever\""});
  expect_error(graph_xml({{1}}, "batch-limit=\"-5\""), {"batch-limit"});
  expect_error("<transition_graph><synapse id=\"4\"><action_set><rsc_op id=\"9\" operation=\"start\" "
               "operation_key=\"r_start_0\" on_node=\"n1\"/></action_set></synapse></transition_graph>",
               {"bad.graph:1", "synapse 4", "action 9", "<primitive>"});
  expect_error("<transition_graph><synapse id=\"4\"><action_set><rsc_op id=\"x\"/></action_set></synapse>"
               "</transition_graph>",
               {"synapse 4", "id=\"x\" is not an integer"});
  expect_error("<transition_graph><synapse id=\"2\"><action_set><bogus id=\"3\"/></action_set></synapse>"
               "</transition_graph>",
               {"synapse 2", "unknown action <bogus>"});
  expect_error("<transition_graph><synapse id=\"2\"/></transition_graph>", {"synapse 2", "no <action_set>"});
}

TEST(TransitionGraph, EmptyGraph) {
  Graph g = parse_graph("<transition_graph transition_id=\"9\"/>", "empty");
  EXPECT_TRUE(g.empty());
  EXPECT_EQ(g.cluster_delay, std::chrono::seconds(60));
  EXPECT_EQ(g.batch_limit, 0);
}

}  // namespace
}  // namespace halab::transition
