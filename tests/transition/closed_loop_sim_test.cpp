// Failure handling end to end in simnet, without the controller's
// messaging: a DC loop (schedule -> engine -> StatusUpdate into the CIB ->
// schedule again) drives two nodes' executors through their LocalSinks. A
// resource starts; its service dies; the recurring monitor reports it; the
// recorded failure (fail-count with migration-threshold=1) moves it to the
// other node.
#include <gtest/gtest.h>

#include <optional>

#include "sim_support.hpp"
#include "stack/cib/cib.hpp"
#include "stack/scheduler/scheduler.hpp"
#include "stack/transition/status_update.hpp"

namespace halab::transition {
namespace {

const char* kCib = R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="5" num_updates="0" admin_epoch="0" have-quorum="1" dc-uuid="1">
  <configuration>
    <crm_config><cluster_property_set id="o">
      <nvpair id="o1" name="stonith-enabled" value="false"/><nvpair id="o2" name="no-quorum-policy" value="ignore"/>
    </cluster_property_set></crm_config>
    <nodes><node id="1" uname="n1"/><node id="2" uname="n2"/></nodes>
    <resources>
      <primitive id="web" class="ocf" provider="heartbeat" type="Dummy">
        <instance_attributes id="web-ia"><nvpair id="web-ip" name="ip" value="10.0.0.100"/></instance_attributes>
        <meta_attributes id="web-meta"><nvpair id="web-mt" name="migration-threshold" value="1"/></meta_attributes>
        <operations><op id="web-mon" name="monitor" interval="10s" timeout="20s"/></operations>
      </primitive>
    </resources>
    <constraints/>
  </configuration>
  <status>
    <node_state id="1" uname="n1" in_ccm="true" crmd="online" join="member" expected="member"/>
    <node_state id="2" uname="n2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>)";

// The DC's view of the cluster's nodes: each action goes straight to the
// named node's LocalSink (the controller will carry it over the network).
class ClusterSink : public ActionSink {
 public:
  explicit ClusterSink(World& w) : world_(w) {}
  void execute_rsc_op(const std::string& node, const GraphAction& op, ActionDone done) override {
    sink(node).execute_rsc_op(node, op, std::move(done));
  }
  void fence(const std::string& node, const std::string& action, const GraphAction& ev, ActionDone done) override {
    sink("n1").fence(node, action, ev, std::move(done));
  }
  void shutdown(const std::string& node, const GraphAction& ev, ActionDone done) override {
    sink(node).shutdown(node, ev, std::move(done));
  }
  void clear_failcount(const std::string& node, const GraphAction& ev, ActionDone done) override {
    sink("n1").clear_failcount(node, ev, std::move(done));
  }

 private:
  LocalSink& sink(const std::string& node) {
    return static_cast<NodeStack*>(world_.service(node == "n1" ? 0 : 1))->sink;
  }
  World& world_;
};

struct Dc {
  explicit Dc(World& w)
      : world(w), sink(w), te(w.env(0).clock, sink, w.env(0).log("te")), cib(cib::Cib::parse(kCib, "cib")) {
    for (int i = 0; i < 2; ++i)
      static_cast<NodeStack*>(w.service(i))->on_recurring = [this](const GraphAction& a, const ActionResult& r) {
        record(a, r);
        ++events;
        te.abort("monitor result changed: " + a.operation_key);
      };
  }
  long long now() const {
    return std::chrono::duration_cast<std::chrono::seconds>(world.env(0).clock.wall_now().time_since_epoch()).count();
  }
  void record(const GraphAction& a, const ActionResult& r) {
    StatusUpdate u({.te_uuid = "dc-uuid", .now = now()});
    u.record(graph, a, r);
    u.apply(cib);
    cib.bump_num_updates();
  }
  // One transition; false when the scheduler has nothing to do.
  bool cycle() {
    auto doc = scheduler::XmlDocument::parse_string(cib.to_xml(), "cib");
    auto cluster = scheduler::schedule(doc.root(), {.now = now()});
    Graph g = parse_graph(scheduler::graph_xml(*cluster), "pe-input");
    if (g.empty()) return false;
    g.transition_id = next_transition++;
    graph = g;
    std::optional<TransitionResult> done;
    te.start(g, {.on_action = [this](const GraphAction& a, const ActionResult& r, bool) { record(a, r); },
                 .on_finished = [&](const TransitionResult& r) { done = r; }});
    for (int i = 0; i < 1000 && !done; ++i) world.run_for(100ms);
    if (!done) throw std::runtime_error("transition did not finish");
    outcomes.push_back(*done);
    return true;
  }
  int converge() {
    int n = 0;
    while (n < 10 && cycle()) ++n;
    return n;
  }
  World& world;
  ClusterSink sink;
  TransitionEngine te;
  cib::Cib cib;
  Graph graph;
  int next_transition = 1;
  int events = 0;
  std::vector<TransitionResult> outcomes;
};

struct TwoNodes {
  explicit TwoNodes(std::uint64_t seed) : world(seed) {
    world.add_network("lan", *core::Subnet::parse("10.0.0.0/24"));
    for (int i = 0; i < 2; ++i) {
      const std::string name = "n" + std::to_string(i + 1);
      world.add_node(name, {core::Ipv4::from_octets(10, 0, 0, std::uint8_t(i + 1))}, [name](core::Env& env) {
        return std::make_unique<NodeStack>(env, "/var/lib/halab/" + name);
      });
    }
    world.define_agent(dummy.model());
    world.start();
    world.run_for(1ms);
  }
  ModelledDummy dummy;
  World world;
};

TEST(ClosedLoopSim, MonitorFailureRecordedAndTheResourceMovesAway) {
  TwoNodes lab(21);
  Dc dc(lab.world);
  const int first = dc.converge();
  EXPECT_GE(first, 1);
  ASSERT_LT(first, 10) << "no convergence";
  for (auto& o : dc.outcomes) EXPECT_EQ(o.outcome, Outcome::complete) << o.reason;
  const std::string home = lab.dummy.running["n1"].count("web") ? "n1" : "n2";
  const std::string other = home == "n1" ? "n2" : "n1";
  ASSERT_EQ(lab.dummy.running[home], std::set<std::string>{"web"});
  EXPECT_TRUE(lab.dummy.running[other].empty());
  EXPECT_EQ(lab.dummy.last_env["OCF_RESKEY_ip"], "10.0.0.100") << "the CIB's parameters reach the agent";
  // Quiet while nothing happens.
  lab.world.run_for(30s);
  EXPECT_EQ(dc.events, 0);
  EXPECT_FALSE(dc.cycle()) << "a converged cluster needs no transition";

  // The service dies under its monitor.
  lab.dummy.running[home].clear();
  const auto died = lab.world.env(0).clock.now();
  for (int i = 0; i < 150 && dc.events == 0; ++i) lab.world.run_for(100ms);
  ASSERT_EQ(dc.events, 1) << "the monitor reports within its 10 s interval";
  const std::string xml = dc.cib.to_xml();
  EXPECT_NE(xml.find("name=\"fail-count-web#monitor_10000\" value=\"1\""), std::string::npos) << xml;
  const int second = dc.converge();
  ASSERT_LT(second, 10) << "no convergence after the failure";
  const auto recovered = lab.world.env(0).clock.now();
  EXPECT_EQ(lab.dummy.running[other], std::set<std::string>{"web"}) << "migration-threshold=1 moves it";
  EXPECT_TRUE(lab.dummy.running[home].empty());
  std::printf("service death on %s -> running on %s: %.3f s simulated (%d transitions)\n", home.c_str(),
              other.c_str(), core::to_seconds(recovered - died), second);
  // The node it failed on stopped it first (a stop is recorded there), and monitors follow it.
  const std::string after = dc.cib.to_xml();
  EXPECT_NE(after.find("operation_key=\"web_stop_0\" operation=\"stop\""), std::string::npos) << after;
  auto& other_stack = *static_cast<NodeStack*>(lab.world.service(other == "n1" ? 0 : 1));
  auto& home_stack = *static_cast<NodeStack*>(lab.world.service(home == "n1" ? 0 : 1));
  EXPECT_EQ(other_stack.executor.recurring().size(), 1u);
  EXPECT_TRUE(home_stack.executor.recurring().empty());
  lab.world.run_for(30s);
  EXPECT_EQ(dc.events, 1) << "no more changes";
}

}  // namespace
}  // namespace halab::transition
