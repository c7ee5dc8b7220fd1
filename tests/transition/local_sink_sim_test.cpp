// The local node's sink in simnet: graph actions run the modelled agents
// through stack/executor (parameters and CRM_meta_* reach the agent,
// recurring monitors start, report changes and are cancelled) and fencing
// goes through stack/fencer to the modelled power switch, which really
// powers the simulated node off. Results go into the CIB with StatusUpdate.
#include <gtest/gtest.h>

#include <set>

#include "simnet/world.hpp"
#include "stack/cib/cib.hpp"
#include "stack/cib/xml.hpp"
#include "stack/fencer/executor_bridge.hpp"
#include "stack/transition/engine.hpp"
#include "stack/transition/local_sink.hpp"
#include "stack/transition/status_update.hpp"
#include "sim_support.hpp"

namespace halab::transition {
namespace {

using namespace std::chrono_literals;
using simnet::AgentModel;
using simnet::Dist;
using simnet::World;

struct Lab {
  explicit Lab(std::uint64_t seed) : world(seed) {
    world.add_network("lan", *core::Subnet::parse("10.0.0.0/24"));
    for (int i = 0; i < 2; ++i) {
      const std::string name = "n" + std::to_string(i + 1);
      world.add_node(name, {core::Ipv4::from_octets(10, 0, 0, std::uint8_t(i + 1))}, [name](core::Env& env) {
        return std::make_unique<NodeStack>(env, "/var/lib/halab/" + name);
      });
    }
  }
  NodeStack& node(int i) { return *static_cast<NodeStack*>(world.service(i)); }
  // Runs `graph_text` on n1's engine until it finishes; results recorded into `update`.
  TransitionResult run(const std::string& graph_text, StatusUpdate& update, std::vector<std::string>* order = nullptr) {
    Graph g = parse_graph(graph_text, "graph");
    std::optional<TransitionResult> done;
    node(0).engine.start(g, {.on_fire = [order](const GraphAction& a) { if (order) order->push_back(a.operation_key); },
                             .on_action = [&update, g](const GraphAction& a, const ActionResult& r, bool) { update.record(g, a, r); },
                             .on_finished = [&](const TransitionResult& r) { done = r; }});
    for (int i = 0; i < 600 && !done; ++i) world.run_for(100ms);
    if (!done)
      throw std::runtime_error(std::string("transition did not finish in 60 s of simulated time: ") +
                               to_string(node(0).engine.state()) + ", in flight " +
                               std::to_string(node(0).engine.in_flight()));
    return *done;
  }
  World world;
};

const char* kStartGraph = R"(<transition_graph cluster-delay="60s" stonith-timeout="60s" failed-stop-offset="INFINITY" failed-start-offset="INFINITY" batch-limit="0" transition_id="1">
  <synapse id="0"><action_set>
    <rsc_op id="1" operation="monitor" operation_key="web_monitor_0" on_node="n1" on_node_uuid="1">
      <primitive id="web" class="ocf" provider="heartbeat" type="Dummy"/>
      <attributes CRM_meta_on_node="n1" CRM_meta_on_node_uuid="1" CRM_meta_op_target_rc="7" CRM_meta_timeout="20000" crm_feature_set="3.16.1" ip="10.0.0.100"/>
    </rsc_op></action_set><inputs/></synapse>
  <synapse id="1"><action_set>
    <rsc_op id="2" operation="start" operation_key="web_start_0" on_node="n1" on_node_uuid="1">
      <primitive id="web" class="ocf" provider="heartbeat" type="Dummy"/>
      <attributes CRM_meta_on_node="n1" CRM_meta_on_node_uuid="1" CRM_meta_timeout="30000" crm_feature_set="3.16.1" ip="10.0.0.100"/>
    </rsc_op></action_set>
    <inputs><trigger><rsc_op id="1" operation="monitor" operation_key="web_monitor_0" on_node="n1" on_node_uuid="1"/></trigger></inputs></synapse>
  <synapse id="2"><action_set>
    <rsc_op id="3" operation="monitor" operation_key="web_monitor_10000" on_node="n1" on_node_uuid="1">
      <primitive id="web" class="ocf" provider="heartbeat" type="Dummy"/>
      <attributes CRM_meta_interval="10000" CRM_meta_name="monitor" CRM_meta_on_node="n1" CRM_meta_on_node_uuid="1" CRM_meta_timeout="20000" crm_feature_set="3.16.1" ip="10.0.0.100"/>
    </rsc_op></action_set>
    <inputs><trigger><rsc_op id="2" operation="start" operation_key="web_start_0" on_node="n1" on_node_uuid="1"/></trigger></inputs></synapse>
</transition_graph>)";

const char* kStopGraph = R"(<transition_graph cluster-delay="60s" stonith-timeout="60s" failed-stop-offset="INFINITY" failed-start-offset="INFINITY" transition_id="2">
  <synapse id="0"><action_set>
    <rsc_op id="4" operation="cancel" operation_key="web_monitor_10000" on_node="n1" on_node_uuid="1">
      <primitive id="web" class="ocf" provider="heartbeat" type="Dummy"/>
      <attributes CRM_meta_interval="10000" CRM_meta_operation="monitor" CRM_meta_on_node="n1" crm_feature_set="3.16.1"/>
    </rsc_op></action_set><inputs/></synapse>
  <synapse id="1"><action_set>
    <rsc_op id="5" operation="stop" operation_key="web_stop_0" on_node="n1" on_node_uuid="1">
      <primitive id="web" class="ocf" provider="heartbeat" type="Dummy"/>
      <attributes CRM_meta_on_node="n1" CRM_meta_timeout="20000" crm_feature_set="3.16.1" ip="10.0.0.100"/>
    </rsc_op></action_set>
    <inputs><trigger><rsc_op id="4" operation="cancel" operation_key="web_monitor_10000" on_node="n1" on_node_uuid="1"/></trigger></inputs></synapse>
</transition_graph>)";

const char* kCib = R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="3" num_updates="0" admin_epoch="0">
  <configuration><crm_config/><nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes><resources/><constraints/></configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>)";

TEST(LocalSinkSim, StartsMonitorsCancelsAndStopsThroughTheExecutor) {
  ModelledDummy dummy;
  Lab lab(7);
  lab.world.define_agent(dummy.model());
  lab.world.start();
  lab.world.run_for(1ms);
  StatusUpdate update({.te_uuid = "dc-1", .now = 1700000000});
  std::vector<std::string> order;
  TransitionResult r = lab.run(kStartGraph, update, &order);
  EXPECT_EQ(r.outcome, Outcome::complete) << r.reason;
  EXPECT_EQ(order, (std::vector<std::string>{"web_monitor_0", "web_start_0", "web_monitor_10000"}));
  EXPECT_EQ(dummy.running["n1"], std::set<std::string>{"web"});
  EXPECT_EQ(dummy.last_env["OCF_RESKEY_ip"], "10.0.0.100");
  EXPECT_EQ(dummy.last_env["OCF_RESKEY_CRM_meta_timeout"], "30000");
  EXPECT_EQ(dummy.last_env["OCF_RESKEY_CRM_meta_on_node"], "n1");
  auto& n1 = lab.node(0);
  ASSERT_EQ(n1.sink.recurring().size(), 1u);
  EXPECT_EQ(n1.executor.recurring().size(), 1u);

  // The monitor keeps running every 10 s; a changed result is reported.
  const auto monitors_before = std::count(dummy.calls.begin(), dummy.calls.end(), "n1 monitor web");
  lab.world.run_for(25s);
  EXPECT_GE(std::count(dummy.calls.begin(), dummy.calls.end(), "n1 monitor web"), monitors_before + 2);
  EXPECT_TRUE(n1.recurring.empty()) << "unchanged results are not reported again";
  dummy.running["n1"].clear();  // the service dies under the monitor
  lab.world.run_for(11s);
  ASSERT_EQ(n1.recurring.size(), 1u);
  EXPECT_EQ(n1.recurring[0], (std::pair<std::string, int>{"web_monitor_10000", 7}));
  dummy.running["n1"].insert("web");

  r = lab.run(kStopGraph, update);
  EXPECT_EQ(r.outcome, Outcome::complete) << r.reason;
  EXPECT_TRUE(n1.sink.recurring().empty());
  EXPECT_TRUE(n1.executor.recurring().empty());
  EXPECT_TRUE(dummy.running["n1"].empty());
  const auto calls = dummy.calls.size();
  lab.world.run_for(30s);
  EXPECT_EQ(dummy.calls.size(), calls) << "no monitor after the cancel";

  // The recorded history: probe, start, monitor (then removed by the cancel), stop.
  cib::Cib cib = cib::Cib::parse(kCib, "cib");
  update.apply(cib);
  const std::string xml = cib.to_xml();
  EXPECT_NE(xml.find("<lrm_resource id=\"web\" type=\"Dummy\" class=\"ocf\" provider=\"heartbeat\">"), std::string::npos) << xml;
  EXPECT_NE(xml.find("id=\"web_last_0\" operation_key=\"web_stop_0\" operation=\"stop\""), std::string::npos) << xml;
  EXPECT_EQ(xml.find("id=\"web_monitor_10000\""), std::string::npos) << "cancel removes the recurring entry";
  EXPECT_NE(xml.find("transition-key=\"5:2:0:dc-1\""), std::string::npos) << xml;
}

TEST(LocalSinkSim, StonithPowersTheTargetOffAndIsRecorded) {
  Lab lab(11);
  lab.world.start();
  lab.world.run_for(1ms);
  std::string error;
  auto dev = fencer::device_from_params("switch", "fence_simnet", {}, error);
  ASSERT_TRUE(dev) << error;
  lab.node(0).fencer.register_device(*dev);
  StatusUpdate update({.te_uuid = "dc-1", .now = 1700000000});
  const std::string graph = R"(<transition_graph cluster-delay="60s" stonith-timeout="60s" transition_id="5">
    <synapse id="0"><action_set>
      <crm_event id="1" operation="stonith" operation_key="stonith-n2-off" on_node="n2" on_node_uuid="2">
        <attributes CRM_meta_on_node="n2" CRM_meta_stonith_action="off"/>
        <downed><node id="2"/></downed>
      </crm_event></action_set><inputs/></synapse>
    <synapse id="1"><action_set><pseudo_event id="2" operation="stonith_complete" operation_key="stonith_complete"/></action_set>
      <inputs><trigger><crm_event id="1" operation="stonith" operation_key="stonith-n2-off" on_node="n2" on_node_uuid="2"/></trigger></inputs></synapse>
  </transition_graph>)";
  ASSERT_TRUE(lab.world.is_up(1));
  TransitionResult r = lab.run(graph, update);
  EXPECT_EQ(r.outcome, Outcome::complete) << r.reason;
  EXPECT_FALSE(lab.world.is_up(1)) << "the modelled switch powered n2 off";
  cib::Cib cib = cib::Cib::parse(kCib, "cib");
  update.apply(cib);
  const std::string xml = cib.to_xml();
  EXPECT_NE(xml.find("<node_state id=\"2\" uname=\"n2\" in_ccm=\"false\" crmd=\"offline\" join=\"down\" expected=\"down\""),
            std::string::npos)
      << xml;

  // Without a device able to fence, the transition fails on the stonith action.
  StatusUpdate none;
  const std::string bad = R"(<transition_graph transition_id="6"><synapse id="0"><action_set>
      <crm_event id="1" operation="stonith" operation_key="stonith-nowhere-reboot" on_node="nowhere" on_node_uuid="9"/>
    </action_set></synapse></transition_graph>)";
  r = lab.run(bad, none);
  EXPECT_EQ(r.outcome, Outcome::failed);
  EXPECT_EQ(r.failed_action, 1);
  EXPECT_TRUE(none.empty()) << "a failed fencing changes no node state";
}

TEST(LocalSinkSim, RefusesActionsForOtherNodesAndTimesOutHungAgents) {
  ModelledDummy dummy;
  Lab lab(3);
  AgentModel m = dummy.model();
  m.actions["start"].duration = Dist::fixed(100s);  // hangs past its timeout
  lab.world.define_agent(m);
  lab.world.start();
  lab.world.run_for(1ms);
  StatusUpdate update({.te_uuid = "dc-1", .now = 1700000000});
  const std::string graph = R"(<transition_graph cluster-delay="5s" transition_id="8">
    <synapse id="0"><action_set><rsc_op id="1" operation="start" operation_key="web_start_0" on_node="n1" on_node_uuid="1">
      <primitive id="web" class="ocf" provider="heartbeat" type="Dummy"/><attributes CRM_meta_timeout="2000"/></rsc_op></action_set></synapse>
    <synapse id="1"><action_set><rsc_op id="2" operation="start" operation_key="db_start_0" on_node="n2" on_node_uuid="2">
      <primitive id="db" class="ocf" provider="heartbeat" type="Dummy"/><attributes CRM_meta_timeout="2000"/></rsc_op></action_set></synapse>
  </transition_graph>)";
  TransitionResult r = lab.run(graph, update);
  EXPECT_EQ(r.outcome, Outcome::failed);
  EXPECT_EQ(r.failed, 2);
  cib::Cib cib = cib::Cib::parse(kCib, "cib");
  update.apply(cib);
  const std::string xml = cib.to_xml();
  // The executor killed the agent at 2 s: op-status 2 (timeout), and the start failure is fatal.
  EXPECT_NE(xml.find("id=\"web_last_failure_0\" operation_key=\"web_start_0\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("transition-magic=\"2:1;1:8:0:dc-1\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"fail-count-web#start_0\" value=\"INFINITY\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("exit-reason=\"rsc_op for node n2 reached the local sink of n1\""), std::string::npos) << xml;
}

}  // namespace
}  // namespace halab::transition
