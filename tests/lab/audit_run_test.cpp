// Audited runs through the lab: a violation stops the run, keeps the trace
// around it and the fault schedule, and its replay reproduces it bit for bit;
// every built-in scenario holds; shrinking works on audit failures.
#include <gtest/gtest.h>

#include <sstream>

#include "lab/campaign.hpp"
#include "lab/replay.hpp"
#include "lab/shrink.hpp"
#include "stack/cli/sim_services.hpp"

namespace halab::lab {
namespace {

const char* kSplit = R"(name "split without fencing"
duration 60s
network lan 10.0.0.0/24
nodes n1 n2
service toy-failover resources=web:apache,ip:IPaddr2 fencing=FENCING
at 5s pause n2 for 100ms
at 20s partition n1 | n2
at 40s heal
audit max-active
audit fencing
audit actions timeout=30s
)";

std::string split(bool fencing) {
  std::string s = kSplit;
  s.replace(s.find("FENCING"), 7, fencing ? "yes" : "no");
  return s;
}

RunFn runner() {
  return [](const std::string& t, std::uint64_t seed) { return run_one(t, "split.scn", seed, cli::sim_services()); };
}

TEST(AuditRun, DualActiveStopsTheRunWithATraceWindowAndReplays) {
  RunExtras x;
  x.trace_window = 50;
  const RunRecord r = run_one(split(false), "split.scn", 1, cli::sim_services(), x);
  ASSERT_FALSE(r.ok);
  EXPECT_EQ(r.first_violation(), "audit max-active");
  EXPECT_TRUE(r.stopped);
  EXPECT_GT(r.end_ns, 20'000'000'000);
  EXPECT_LT(r.end_ns, 40'000'000'000);  // stopped a second after the violation, long before the end
  ASSERT_EQ(r.schedule.size(), 3u);
  EXPECT_EQ(r.schedule[1], "at 20000ms partition n1 | n2");
  // The window: up to 50 records before the violation, the violating record among them, and what followed.
  ASSERT_GT(r.trace_window.size(), 50u);
  bool second_copy = false;
  for (auto& l : r.trace_window)
    second_copy = second_copy || (l.find("\"ev\":\"resource\"") != std::string::npos && l.find("\"node\":\"n2\"") != std::string::npos &&
                                  l.find("\"state\":\"active\"") != std::string::npos);
  EXPECT_TRUE(second_copy);

  ReplayFile rf;
  rf.version = "test";
  rf.seed = r.seed;
  rf.hash = r.hash;
  rf.failure = r.first_violation();
  rf.scenario = split(false);
  rf.schedule = r.schedule;
  const ReplayFile back = parse_replay(format_replay(rf), "x.replay");
  EXPECT_EQ(back.schedule, r.schedule);
  const RunRecord again = run_one(back.scenario, "split.scn", back.seed, cli::sim_services());
  EXPECT_EQ(again.hash, r.hash);  // without the window or progress: the same trace
  EXPECT_EQ(again.first_violation(), "audit max-active");
}

TEST(AuditRun, WithFencingEveryAuditHolds) {
  for (std::uint64_t seed = 1; seed <= 5; ++seed) {
    const RunRecord r = runner()(split(true), seed);
    EXPECT_TRUE(r.ok) << seed << ": " << r.first_violation();
    EXPECT_FALSE(r.stopped);
  }
}

TEST(AuditRun, ShrinkingKeepsTheAuditFailure) {
  const auto s = shrink(runner(), split(false), 1, "audit max-active");
  EXPECT_EQ(s.faults_before, 3u);
  EXPECT_LE(s.faults_after, 1u);  // the pause and the heal are noise: only the split is needed
  EXPECT_FALSE(s.record.ok);
  EXPECT_EQ(s.record.first_violation(), "audit max-active");
  EXPECT_NE(s.text.find("\nat 20s partition n1 | n2"), std::string::npos);
}

// A CTS statement is expanded into its faults (the same run, the same hash),
// which then shrink one by one.
TEST(AuditRun, ShrinkingExpandsCtsStatements) {
  const std::string text = "duration 3m\nnetwork lan 10.0.0.0/24\nnodes n1 n2\n"
                           "service toy-failover resources=web:apache fencing=no\n"
                           "cts Standby start=5s\ncts SplitBrain count=3 start=20s interval=40s heal=15s\n"
                           "audit max-active\n";
  const RunRecord before = runner()(text, 2);
  ASSERT_FALSE(before.ok);
  const auto s = shrink(runner(), text, 2, "audit max-active");
  EXPECT_NE(s.text.find("# (expanded) cts SplitBrain count=3"), std::string::npos);
  std::size_t partitions = 0, admin = 0;
  std::istringstream in(s.text);
  for (std::string l; std::getline(in, l);) {
    partitions += l.rfind("at ", 0) == 0 && l.find(" partition ") != std::string::npos;
    admin += l.rfind("at ", 0) == 0 && (l.find(" standby ") != std::string::npos || l.find(" online ") != std::string::npos);
  }
  EXPECT_EQ(partitions, 1u);  // one split is enough for two copies
  EXPECT_EQ(admin, 0u);
  EXPECT_EQ(runner()(s.text, 2).hash, s.record.hash);
  EXPECT_EQ(s.record.first_violation(), "audit max-active");
}

// Every scenario in scenarios/ passes its expectations and audits (as CI runs them).
TEST(AuditRun, EveryBuiltinScenarioHolds) {
  std::size_t audited = 0;
  for (auto& [name, text] : simnet::embedded_scenarios()) {
    const simnet::Scenario sc = simnet::parse_scenario(text, name);
    // The main job's year (webservice-year, the whole halabd stack) runs in scripts/run; here its first hours.
    std::string t(text);
    bool halabd = false;
    for (auto& sv : sc.services) halabd = halabd || sv.name == "halabd";
    if (halabd && sc.duration > std::chrono::hours(6)) t += "\nduration 6h\n";
    const RunRecord r = run_one(t, name, sc.seed.value_or(1), cli::sim_services());
    EXPECT_TRUE(r.ok) << name << ": " << r.first_violation();
    audited += !sc.audits.empty();
  }
  EXPECT_GE(audited, 4u);
}

}  // namespace
}  // namespace halab::lab
