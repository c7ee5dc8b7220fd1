#include <gtest/gtest.h>

#include "lab/replay.hpp"
#include "lab/shrink.hpp"
#include "stack/cli/sim_services.hpp"
#include "stack/core/error.hpp"

namespace halab::lab {

namespace {
RunFn runner() {
  return [](const std::string& t, std::uint64_t seed) { return run_one(t, "test.scn", seed, cli::sim_services()); };
}
// Only the crash of b at 5s makes the expectation fail; the other faults are noise.
const char* kFailing =
    "duration 40s\n"
    "network lan 10.0.0.0/24\n"
    "nodes a b c\n"
    "service heartbeat period=100ms timeout=600ms\n"
    "at 2s pause c for 1s\n"
    "at 5s crash b\n"
    "at 8s partition a | c\n"
    "at 9s heal\n"
    "at 30s crash c\n"
    "failures node a mtbf 10s mttr 1s\n"
    "expect state b up at 6s\n";
}  // namespace

TEST(Shrink, DropsIrrelevantFaultsAndShortensTheRun) {
  const auto s = shrink(runner(), kFailing, 3, "state b up at 6s");
  EXPECT_EQ(s.faults_before, 6u);
  EXPECT_EQ(s.faults_after, 1u);
  EXPECT_NE(s.text.find("\nat 5s crash b\n"), std::string::npos) << s.text;
  EXPECT_LT(s.duration_after_ns, s.duration_before_ns);
  EXPECT_GE(s.duration_after_ns, 6'000'000'000);  // not below what the expectation looks at
  EXPECT_FALSE(s.record.ok);
  EXPECT_EQ(s.record.first_violation(), "state b up at 6s");
  // The shrunk text reproduces itself: same hash when run again.
  EXPECT_EQ(runner()(s.text, 3).hash, s.record.hash);
}

// The target fails with or without the crash of b, but the crash is what
// makes another expectation hold: dropping it would be a different failure.
TEST(Shrink, KeepsFaultsThatPassingAuditsDependOn) {
  const std::string text =
      "duration 20s\nnetwork lan 10.0.0.0/24\nnodes a b c\nservice heartbeat period=100ms timeout=600ms\n"
      "at 2s pause c for 1s\nat 5s crash b\n"
      "expect log a \"peer c lost\" during 5s..6s\nexpect state b down at 6s\n";
  const auto s = shrink(runner(), text, 1, "log a \"peer c lost\" during 5s..6s");
  EXPECT_FALSE(s.record.ok);
  EXPECT_NE(s.text.find("\nat 5s crash b\n"), std::string::npos) << s.text;
  EXPECT_NE(s.text.find("# (shrunk) at 2s pause c"), std::string::npos) << s.text;
  EXPECT_EQ(s.faults_after, 1u);
}

TEST(Shrink, LeavesAPassingRunAlone) {
  const std::string passing = std::string(kFailing).replace(std::string(kFailing).find("up at 6s"), 8, "down at 6s");
  const auto s = shrink(runner(), passing, 3, "state b down at 6s");
  EXPECT_EQ(s.runs, 1);
  EXPECT_EQ(s.text, passing);
}

TEST(Replay, FormatRoundTripsAndRejectsGarbage) {
  ReplayFile r{"0.1.0", 17, 0xabcdef0123456789ull, "state b up at 6s", "x.scn", kFailing, {"at 5000ms crash b"}};
  const ReplayFile b = parse_replay(format_replay(r), "t.replay");
  EXPECT_EQ(b.seed, 17u);
  EXPECT_EQ(b.hash, r.hash);
  EXPECT_EQ(b.failure, r.failure);
  EXPECT_EQ(b.schedule, r.schedule);
  EXPECT_EQ(b.scenario, r.scenario);
  EXPECT_EQ(b.version, "0.1.0");
  EXPECT_THROW(parse_replay("hello\n", "t.replay"), core::Error);
  try {
    parse_replay("# halab replay 1\nseed x\n--- scenario\n", "t.replay");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("t.replay:2: bad seed"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_replay("# halab replay 1\nseed 1\ntrace-hash 12\n", "t.replay"), core::Error);
}

}  // namespace halab::lab
