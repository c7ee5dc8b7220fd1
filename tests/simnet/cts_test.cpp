// The CTS generators: every test yields a schedule, seeded and repeatable,
// inside the run, with what the test means (a split has two sides, a near
// quorum point leaves about half the nodes up, ...); fault lines round-trip.
#include <gtest/gtest.h>

#include <set>

#include "simnet/scenario.hpp"

namespace halab::simnet {
namespace {

using K = Scenario::Fault::Kind;

Scenario with(const std::string& lines) {
  return parse_scenario("duration 10m\nnetwork lan 10.0.0.0/24\nnodes n1..n5\n" + lines, "cts.scn");
}

std::vector<std::string> described(const std::vector<Scenario::Fault>& faults) {
  std::vector<std::string> out;
  for (auto& f : faults) out.push_back(describe_fault(f));
  return out;
}

TEST(Cts, EveryTestGeneratesARepeatableScheduleInsideTheRun) {
  for (auto& test : cts_tests()) {
    const Scenario sc = with("cts " + test + " count=3 rsc=web\n");
    const auto a = fault_schedule(sc, 1), b = fault_schedule(sc, 1);
    ASSERT_FALSE(a.empty()) << test;
    EXPECT_EQ(described(a), described(b)) << test;
    for (auto& f : a) {
      EXPECT_GE(f.at, std::chrono::seconds(10)) << test;
      EXPECT_LE(f.at, sc.duration) << test;
      EXPECT_EQ(f.line, 4) << test;
    }
  }
}

TEST(Cts, SeedsChangeRandomChoices) {
  const Scenario sc = with("cts SplitBrain count=5\n");
  std::set<std::vector<std::string>> seen;
  for (std::uint64_t s = 1; s <= 10; ++s) seen.insert(described(fault_schedule(sc, s)));
  EXPECT_GT(seen.size(), 5u);
}

TEST(Cts, SplitBrainCutsTheClusterInTwoAndHeals) {
  const Scenario sc = with("cts SplitBrain count=25 interval=30s heal=10s\n");
  const auto s = fault_schedule(sc, 3);
  int parts = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i].kind != K::partition) continue;
    ++parts;
    ASSERT_EQ(s[i].groups.size(), 2u);
    EXPECT_FALSE(s[i].groups[0].empty());
    EXPECT_FALSE(s[i].groups[1].empty());
    std::set<std::string> all(s[i].groups[0].begin(), s[i].groups[0].end());
    all.insert(s[i].groups[1].begin(), s[i].groups[1].end());
    EXPECT_EQ(all.size(), 5u);
    ASSERT_LT(i + 1, s.size());
    EXPECT_EQ(s[i + 1].kind, K::heal);
    EXPECT_EQ(s[i + 1].at - s[i].at, std::chrono::seconds(10));
  }
  EXPECT_EQ(parts, 20);  // those starting after the 10 minutes are dropped
}

TEST(Cts, NearQuorumPointLeavesAboutHalfUp) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    const auto s = fault_schedule(with("cts NearQuorumPoint restore=no\n"), seed);
    std::size_t stopped = 0;
    for (auto& f : s)
      if (f.kind == K::stop) stopped += f.nodes.size();
    const std::size_t up = 5 - stopped;
    EXPECT_TRUE(up == 3 || up == 2) << up;
  }
}

TEST(Cts, FlipTogglesAndRestoreBringsNodesBack) {
  const auto s = fault_schedule(with("cts Flip count=6 nodes=n2\n"), 9);
  ASSERT_EQ(s.size(), 6u);  // stop, start, stop, ... of the only node; back up at the end
  for (std::size_t i = 0; i < s.size(); ++i) {
    EXPECT_EQ(s[i].kind, i % 2 == 0 ? K::stop : K::start);
    EXPECT_EQ(s[i].nodes, std::vector<std::string>{"n2"});
  }
  const auto r = fault_schedule(with("cts SimulStop\n"), 1);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].kind, K::stop);
  EXPECT_EQ(r[0].nodes.size(), 5u);
  EXPECT_EQ(r[1].kind, K::start);  // restore=yes
}

TEST(Cts, AdministrativeAndResourceActions) {
  const auto s = fault_schedule(with("cts Standby\ncts MaintenanceMode start=1m\ncts ResourceRecover rsc=db rc=1 start=2m\n"
                                     "cts Stonithd start=3m\ncts ComponentFail start=4m component=corosync\n"),
                                1);
  std::vector<std::string> d = described(s);
  ASSERT_EQ(d.size(), 8u);
  EXPECT_NE(d[0].find(" standby n"), std::string::npos);
  EXPECT_NE(d[1].find(" online n"), std::string::npos);
  EXPECT_EQ(d[2], "at 60000ms maintenance on");
  EXPECT_EQ(d[3], "at 70000ms maintenance off");
  EXPECT_EQ(d[4], "at 120000ms fail-resource db rc 1");
  EXPECT_NE(d[5].find(" reboot"), std::string::npos);
  EXPECT_NE(d[6].find("kill-component n"), std::string::npos);
  EXPECT_NE(d[6].find(" corosync"), std::string::npos);
  EXPECT_EQ(s[7].kind, K::start);
}

// Faults in file order, cts output in the place of its statement; and a
// described fault parses back to the same fault.
TEST(Cts, ScheduleOrderAndRoundTrip) {
  const Scenario sc = with("at 5s crash n1\ncts SimulStart start=20s\nat 15s restart n1\nat 1m partition n1 n2 | n3\n"
                           "at 2m fail-resource web on n2 rc 1\nat 3m fence n3 off\nat 4m standby n4\nat 5m pause n5 for 2s\n"
                           "at 6m step n4 -1500ms\nat 7m kill-component n1 pacemaker-fenced\n");
  const auto s = fault_schedule(sc, 4);
  ASSERT_GE(s.size(), 10u);
  EXPECT_EQ(s[0].kind, K::crash);
  EXPECT_EQ(s[1].kind, K::stop);  // the cts line (4) comes before line 5
  EXPECT_EQ(s[1].line, 5);
  std::string text = "duration 10m\nnetwork lan 10.0.0.0/24\nnodes n1..n5\n";
  for (auto& f : s) text += describe_fault(f) + "\n";
  const Scenario back = parse_scenario(text, "back.scn");
  ASSERT_EQ(back.faults.size(), s.size());
  for (std::size_t i = 0; i < s.size(); ++i) EXPECT_EQ(describe_fault(back.faults[i]), describe_fault(s[i]));
}

}  // namespace
}  // namespace halab::simnet
