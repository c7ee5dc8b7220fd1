// possible_reasons(): the causes the differential test accepts when
// crm_simulate names another ordering than halab does. They must be real
// causes (orderings into the resource's actions that clear a flag), and only
// those.
#include <gtest/gtest.h>

#include "test_support.hpp"

namespace halab::scheduler::testing {

namespace {

// pacemaker's bug-5014-ordered-set-symmetrical-true: A is ordered after the
// set (B C); C is disabled, so A's start is both required by C's stop-start
// and blocked by C's start that cannot happen.
const char* kCib = R"(<cib have-quorum="1"><configuration><crm_config><cluster_property_set id="o">
<nvpair id="o1" name="stonith-enabled" value="false"/></cluster_property_set></crm_config>
<nodes><node id="1" uname="node1"/></nodes>
<resources>
<primitive class="ocf" id="A" provider="pacemaker" type="Dummy"/>
<primitive class="ocf" id="B" provider="pacemaker" type="Dummy"/>
<primitive class="ocf" id="C" provider="pacemaker" type="Dummy"><meta_attributes id="C-m">
<nvpair id="C-tr" name="target-role" value="Stopped"/></meta_attributes></primitive>
</resources>
<constraints><rsc_order id="order-1"><resource_set id="s1"><resource_ref id="B"/><resource_ref id="C"/></resource_set>
<resource_set id="s2"><resource_ref id="A"/></resource_set></rsc_order></constraints></configuration>
<status><node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member"><lrm id="1"><lrm_resources>
<lrm_resource id="A" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="A_start_0" operation="start" call-id="1"
 rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>
<lrm_resource id="B" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="B_start_0" operation="start" call-id="2"
 rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>
<lrm_resource id="C" class="ocf" provider="pacemaker" type="Dummy"><lrm_rsc_op id="C_start_0" operation="start" call-id="3"
 rc-code="0" op-status="0" interval="0" transition-key="1:1:0:x" op-digest="f2317cad3d54cec5d7d7aa7d0bf35cf8"/></lrm_resource>
</lrm_resources></lrm></node_state></status></cib>)";

}  // namespace

TEST(PossibleReasons, NameEveryOrderingThatBlocksTheActionAndNothingElse) {
  Scheduled s(kCib);
  const auto reasons = possible_reasons(*s.cluster, "A");
  EXPECT_TRUE(reasons.count("required C start")) << "C's stop-start requires it";
  EXPECT_TRUE(reasons.count("unrunnable C start")) << "C cannot start";
  EXPECT_FALSE(reasons.count("required B start")) << "B stays: its start is optional";
  EXPECT_FALSE(reasons.count("unrunnable B start"));
  EXPECT_TRUE(possible_reasons(*s.cluster, "B").empty()) << "nothing happens to B";
}

}  // namespace halab::scheduler::testing
