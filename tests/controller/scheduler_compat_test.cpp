// What the controller records about nodes is what the scheduler expects
// from pacemaker's controller: stack/scheduler reads the DC's CIB and sees
// members online, a crashed node offline (without fencing) or unclean (with
// fencing: it must be shot), and quorum as recorded.
#include <gtest/gtest.h>

#include "stack/scheduler/scheduler.hpp"
#include "tests/controller/cluster_harness.hpp"

using namespace halab;
using namespace halab::test;

namespace {

std::unique_ptr<scheduler::Cluster> schedule(const controller::Controller& c) {
  auto doc = scheduler::XmlDocument::parse_string(c.cib().to_xml(), "dc-cib");
  return scheduler::schedule(doc.root(), {});
}

const scheduler::Node& node(const scheduler::Cluster& c, const std::string& uname) {
  for (auto& n : c.nodes)
    if (n->uname == uname) return *n;
  throw std::runtime_error("no node " + uname);
}

}  // namespace

TEST(SchedulerCompat, MembersOnlineCrashedNodeOfflineOrUnclean) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  auto r = c.update(2, Request{RequestOp::replace_section, "crm_config",
                               R"(<crm_config><cluster_property_set id="opts">)"
                               R"(<nvpair id="opts-stonith" name="stonith-enabled" value="false"/>)"
                               R"(</cluster_property_set></crm_config>)"});
  ASSERT_TRUE(r.ok()) << r.error;
  ASSERT_TRUE(c.update(1, Request{RequestOp::create, "resources", primitive("d1")}).ok());
  {
    auto s = schedule(c.ctl(3));
    EXPECT_TRUE(s->options.have_quorum);
    for (auto* name : {"node1", "node2", "node3"}) {
      EXPECT_TRUE(node(*s, name).online) << name;
      EXPECT_FALSE(node(*s, name).unclean) << name;
    }
  }
  c.crash(3);
  c.quorum({1, 2});
  ASSERT_TRUE(c.settle({1, 2}));
  {
    auto s = schedule(c.ctl(1));
    EXPECT_TRUE(node(*s, "node1").online);
    EXPECT_FALSE(node(*s, "node3").online);
    EXPECT_FALSE(node(*s, "node3").unclean);  // no fencing: simply offline
  }
  // With fencing, the node that vanished while expected up must be shot.
  auto f = c.update(1, Request{RequestOp::modify, "crm_config", R"(<nvpair id="opts-stonith" value="true"/>)"});
  ASSERT_TRUE(f.ok()) << f.error;
  {
    auto s = schedule(c.ctl(2));
    EXPECT_TRUE(node(*s, "node2").online);
    EXPECT_TRUE(node(*s, "node3").unclean);
    EXPECT_FALSE(node(*s, "node3").online);
  }
}
