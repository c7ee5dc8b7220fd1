// Actions and results between controllers: round trips, and malformed
// input refused with a message naming what is wrong.
#include <gtest/gtest.h>

#include "stack/core/error.hpp"
#include "stack/transition/wire.hpp"

namespace halab::transition {
namespace {

TEST(TransitionWire, ActionRoundTrips) {
  Graph g = parse_graph(R"(<transition_graph transition_id="4"><synapse id="0"><action_set>
    <rsc_op id="11" operation="monitor" operation_key="ip:1_monitor_10000" on_node="n2" on_node_uuid="2">
      <primitive id="ip" long-id="ip:1" class="ocf" provider="heartbeat" type="IPaddr2"/>
      <attributes CRM_meta_interval="10000" CRM_meta_timeout="20000" ip="10.0.0.5" note="a &quot;b&quot; &amp; c">
        <param name="1" value="positional"/></attributes>
    </rsc_op></action_set></synapse>
    <synapse id="1"><action_set><crm_event id="2" operation="stonith" operation_key="stonith-n3-off" on_node="n3" on_node_uuid="3">
      <attributes CRM_meta_stonith_action="off"/><downed><node id="3"/></downed></crm_event></action_set></synapse>
    </transition_graph>)",
                        "g");
  for (const GraphAction& a : g.actions) {
    int t = -1;
    GraphAction b = decode_action(encode_action(a, 4), "wire", t);
    EXPECT_EQ(t, 4);
    EXPECT_EQ(b.id, a.id);
    EXPECT_EQ(b.type, a.type);
    EXPECT_EQ(b.operation_key, a.operation_key);
    EXPECT_EQ(b.on_node_uuid, a.on_node_uuid);
    EXPECT_EQ(b.rsc_long_id, a.rsc_long_id);
    EXPECT_EQ(b.rsc_provider, a.rsc_provider);
    EXPECT_EQ(b.attributes, a.attributes);
    EXPECT_EQ(b.downed, a.downed);
  }
  EXPECT_EQ(g.actions[0].attr("1"), "positional");
  int t = 0;
  EXPECT_THROW(decode_action("<rsc_op id=\"1\" operation=\"start\"/>", "peer n2", t), core::Error);
  try {
    decode_action("<rsc_op id=\"1\" operation=\"start\" operation_key=\"r_start_0\" on_node=\"n1\" transition=\"2\"/>",
                  "peer n2", t);
    ADD_FAILURE();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("<primitive>"), std::string::npos) << e.what();
  }
}

TEST(TransitionWire, ResultRoundTripsAndBadOnesAreRefused) {
  ActionResult r;
  r.rc = 7;
  r.status = executor::ExecStatus::timeout;
  r.call_id = 42;
  r.exit_reason = "killed at\nits timeout";
  r.last_rc_change = core::WallTime(std::chrono::seconds(1700000000));
  r.exec_time = std::chrono::milliseconds(1500);
  r.queue_time = std::chrono::microseconds(3);
  ActionResult b = decode_result(encode_result(r), "n2");
  EXPECT_EQ(b.rc, 7);
  EXPECT_EQ(b.status, executor::ExecStatus::timeout);
  EXPECT_EQ(b.call_id, 42);
  EXPECT_EQ(b.exit_reason, "killed at its timeout");
  EXPECT_EQ(b.last_rc_change, r.last_rc_change);
  EXPECT_EQ(b.exec_time, r.exec_time);
  EXPECT_EQ(b.queue_time, r.queue_time);
  for (const char* bad : {"rc=zero\nstatus=0\n", "rc=0\n", "rc=0\nstatus=0\nwho=me\n", "garbage\n"}) {
    try {
      decode_result(bad, "peer n2");
      ADD_FAILURE() << bad;
    } catch (const core::Error& e) {
      EXPECT_NE(std::string(e.what()).find("peer n2"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace halab::transition
