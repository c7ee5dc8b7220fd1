// The scenario parser: good files, and errors that name the line.
#include <gtest/gtest.h>

#include "simnet/scenario.hpp"

namespace halab::simnet {
namespace {

using namespace std::chrono_literals;

const char* kGood = R"(# a full example
name "two sites"
seed 42
duration 2m
log-level debug

network lan 10.0.0.0/24 {
  latency normal 1ms 200us
  jitter 50us
  loss 0.5%
  duplicate 0.1%
  reorder 1% 3ms
}
network wan 10.1.0.0/16 { latency uniform 10ms 20ms; bandwidth 100Mbit; queue 64KB }

nodes n1..n3
node far 10.0.0.50 10.1.0.50

link n1 -> far { loss 10% }
link n2,n3 <-> far on wan latency exponential 30ms

service heartbeat period=100ms timeout=500ms on n1..n3 far

agent Dummy {
  action start duration uniform 1s 3s fail 5% rc 7
  action monitor duration 20ms output "running"
  default duration fixed 10ms
}

at 10s partition n1 n2 | n3 far
at 20s heal
at 30s crash n2
at 35s restart n2
at 40s pause n3 for 2s
at 41s drift far +100ppm
at 42s step far -1.5s
at 43s degrade n1 <-> n2 latency fixed 50ms loss 30%
at 44s partition n1 -> far
at 45s power-off n3
at 46s power-on n3

failures node n1 mtbf 1h mttr 5m weibull 1.5
failures link n2 n3 mtbf 10m mttr 10s

expect no-reach n1 n2 <-> n3 far during 11s..20s
expect reach n1 -> n2 during 21s..end
expect log n1 "peer far lost" during 10s..12s
expect no-log any "assert"
expect availability n1 >= 99%
expect state n2 down at 32s
)";

TEST(ScenarioParse, GoodFile) {
  const Scenario sc = parse_scenario(kGood, "good.scn");
  EXPECT_EQ(sc.name, "two sites");
  EXPECT_EQ(sc.seed, 42u);
  EXPECT_EQ(sc.duration, 2min);
  EXPECT_EQ(sc.log_level, core::Level::debug);
  ASSERT_EQ(sc.networks.size(), 2u);
  LinkModel lan;
  sc.networks[0].model.apply(lan);
  EXPECT_EQ(lan.latency.kind, Dist::Kind::normal);
  EXPECT_DOUBLE_EQ(lan.latency.mean_ns(), 1e6);
  EXPECT_DOUBLE_EQ(lan.latency.stddev_ns(), 2e5);
  EXPECT_DOUBLE_EQ(lan.jitter_ns, 5e4);
  EXPECT_DOUBLE_EQ(lan.loss, 0.005);
  EXPECT_DOUBLE_EQ(lan.duplicate, 0.001);
  EXPECT_DOUBLE_EQ(lan.reorder, 0.01);
  EXPECT_DOUBLE_EQ(lan.reorder_delay_ns, 3e6);
  LinkModel wan;
  sc.networks[1].model.apply(wan);
  EXPECT_EQ(wan.latency.kind, Dist::Kind::uniform);
  EXPECT_DOUBLE_EQ(wan.bandwidth_bps, 1e8);
  EXPECT_EQ(wan.queue_bytes, 65536u);
  ASSERT_EQ(sc.nodes.size(), 4u);
  EXPECT_EQ(sc.nodes[2].name, "n3");
  EXPECT_EQ(sc.nodes[3].addresses.size(), 2u);
  ASSERT_EQ(sc.links.size(), 2u);
  EXPECT_FALSE(sc.links[0].both);
  EXPECT_TRUE(sc.links[1].both);
  EXPECT_EQ(sc.links[1].from, (std::vector<std::string>{"n2", "n3"}));
  EXPECT_EQ(sc.links[1].network, "wan");
  ASSERT_EQ(sc.services.size(), 1u);
  EXPECT_EQ(sc.services[0].params.at("timeout"), "500ms");
  EXPECT_EQ(sc.services[0].nodes.size(), 4u);
  ASSERT_EQ(sc.agents.size(), 1u);
  const auto& start = sc.agents[0].model.actions.at("start");
  EXPECT_DOUBLE_EQ(start.fail_probability, 0.05);
  EXPECT_EQ(start.fail_code, 7);
  EXPECT_EQ(sc.agents[0].model.actions.at("monitor").out, "running");
  ASSERT_EQ(sc.faults.size(), 11u);
  using K = Scenario::Fault::Kind;
  EXPECT_EQ(sc.faults[0].kind, K::partition);
  EXPECT_EQ(sc.faults[0].groups.size(), 2u);
  EXPECT_EQ(sc.faults[0].line, 30);
  EXPECT_EQ(sc.faults[4].delta, 2s);
  EXPECT_NEAR(sc.faults[5].rate, 1.0001, 1e-12);
  EXPECT_EQ(sc.faults[6].delta, -1500ms);
  EXPECT_FALSE(sc.faults[7].one_way);
  EXPECT_TRUE(sc.faults[8].one_way);
  ASSERT_EQ(sc.failures.size(), 2u);
  EXPECT_NEAR(sc.failures[0].process.up.mean_ns(), 3600e9, 1e3);
  EXPECT_TRUE(sc.failures[1].link);
  ASSERT_EQ(sc.expects.size(), 6u);
  EXPECT_EQ(sc.expects[1].t2.count(), -1);
  EXPECT_EQ(sc.expects[2].text, "peer far lost");
  EXPECT_DOUBLE_EQ(sc.expects[4].threshold, 0.99);
  EXPECT_EQ(sc.expects[5].t1, 32s);
}

TEST(ScenarioParse, EmbeddedScenariosParse) {
  ASSERT_TRUE(embedded_scenarios().count("default"));
  for (auto& [name, text] : embedded_scenarios()) EXPECT_NO_THROW(parse_scenario(text, name)) << name;
}

struct Bad {
  const char* text;
  int line;
  const char* says;
};

TEST(ScenarioParse, ErrorsNameTheLine) {
  const std::string base = "network lan 10.0.0.0/24\nnodes n1..n3\n";  // lines 1-2
  const Bad cases[] = {
      {"frobnicate 3\n", 3, "unknown statement 'frobnicate'"},
      {"duration 10\n", 3, "bad duration '10'"},
      {"seed -4\n", 3, "bad seed"},
      {"at 5s crash n9\n", 3, "unknown node 'n9'"},
      {"at 5s explode n1\n", 3, "unknown action 'explode'"},
      {"at 5s partition n1 n2\n", 3, "partition wants"},
      {"at 5s partition n1 | n2 -> n3\n", 3, "mixes"},
      {"\n\nat 99h heal\n", 5, "after the end of the run"},
      {"network wan 10.1.0.0/24 {\n  latency gaussian 1ms\n}\n", 4, "bad duration 'gaussian'"},
      {"network wan 10.1.0.0/24 {\n  loss 150%\n}\n", 4, "not within 0..1"},
      {"network wan 10.1.0.0/24 {\n  colour blue\n}\n", 4, "unknown link setting 'colour'"},
      {"network wan 10.1.0.0/24 {\n", 3, "never closed"},
      {"}\n", 3, "without an open block"},
      {"node n1\n", 3, "already defined at line 2"},
      {"node x 192.168.0.1\n", 3, "is on no network"},
      {"link n1 -> n2\n", 3, "changes nothing"},
      {"link n1 -> n2 on nonet loss 1%\n", 3, "unknown network 'nonet'"},
      {"failures node n1 mtbf 1h\n", 3, "needs both mtbf and mttr"},
      {"failures node n1 mtbf 1h mttr 1m weibull 0\n", 3, "must be positive"},
      {"expect availability n1 > 99%\n", 3, ">= or <="},
      {"expect reach n1 -> n2 during 10s\n", 3, "bad time window"},
      {"expect log n1 \"unterminated\n", 3, "unterminated string"},
      {"expect state n1 sleeping at 3s\n", 3, "up, down or paused"},
      {"agent A {\n  action start speed 3\n}\n", 4, "unknown agent setting 'speed'"},
      {"at 1s drift n1 fast\n", 3, "bad number"},
      {"nodes m5..m2\n", 3, "bad node range"},
      {"service heartbeat period\n", 3, "not key=value"},
  };
  for (const auto& c : cases) {
    try {
      parse_scenario(base + c.text, "bad.scn");
      ADD_FAILURE() << "accepted: " << c.text;
    } catch (const ScenarioError& e) {
      EXPECT_EQ(e.line(), c.line) << c.text << " -> " << e.what();
      EXPECT_NE(std::string(e.what()).find(c.says), std::string::npos) << c.text << " -> " << e.what();
      EXPECT_EQ(std::string(e.what()).rfind("bad.scn:" + std::to_string(c.line) + ": ", 0), 0u) << e.what();
    }
  }
}

TEST(ScenarioParse, NoNodesOrNetworks) {
  EXPECT_THROW(parse_scenario("seed 1\n", "x.scn"), ScenarioError);
  EXPECT_THROW(parse_scenario("nodes a b\n", "x.scn"), ScenarioError);
}

}  // namespace
}  // namespace halab::simnet
