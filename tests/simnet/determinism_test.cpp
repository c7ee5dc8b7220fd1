// Determinism (RapidCheck): random scenarios — node counts, link models,
// fault schedules — run twice with one seed give identical trace hashes;
// different seeds give different traces.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <filesystem>
#include <fstream>

#include "simnet/scenario_run.hpp"
#include "stack/cli/sim_services.hpp"

namespace halab::simnet {
namespace {

std::string ms(int v) { return std::to_string(v) + "ms"; }

// A random scenario, as text (so the parser is exercised too).
rc::Gen<std::string> gen_scenario() {
  return rc::gen::exec([] {
    const int nodes = *rc::gen::inRange(2, 7);
    const int duration_s = *rc::gen::inRange(3, 12);
    std::string s = "duration " + std::to_string(duration_s) + "s\n";
    auto latency = [] {
      switch (*rc::gen::inRange(0, 4)) {
        case 0: return "latency fixed " + ms(*rc::gen::inRange(0, 5)) + "\n";
        case 1: return "latency uniform 1ms " + ms(*rc::gen::inRange(1, 20)) + "\n";
        case 2: return "latency normal " + ms(*rc::gen::inRange(2, 10)) + " 1ms\n";
        default: return "latency exponential " + ms(*rc::gen::inRange(1, 10)) + "\n";
      }
    };
    s += "network lan 10.0.0.0/24 {\n  " + latency();
    s += "  loss " + std::to_string(*rc::gen::inRange(0, 10)) + "%\n";
    s += "  duplicate " + std::to_string(*rc::gen::inRange(0, 3)) + "%\n";
    s += "  reorder " + std::to_string(*rc::gen::inRange(0, 5)) + "%\n";
    if (*rc::gen::inRange(0, 3) == 0) s += "  jitter 1ms\n";
    s += "}\nnodes n1..n" + std::to_string(nodes) + "\n";
    auto node = [nodes] { return "n" + std::to_string(*rc::gen::inRange(1, nodes + 1)); };
    if (*rc::gen::arbitrary<bool>()) s += "link " + node() + " -> " + node() + " { " + latency() + " }\n";
    const char* transports[] = {"unicast", "multicast", "broadcast"};
    s += std::string("service heartbeat period=100ms timeout=400ms transport=") + transports[*rc::gen::inRange(0, 3)] +
         "\n";
    const int faults = *rc::gen::inRange(0, 8);
    for (int i = 0; i < faults; ++i) {
      const std::string t = ms(*rc::gen::inRange(0, duration_s * 1000));
      switch (*rc::gen::inRange(0, 9)) {
        case 0: s += "at " + t + " crash " + node() + "\n"; break;
        case 1: s += "at " + t + " restart " + node() + "\n"; break;
        case 2: s += "at " + t + " partition " + node() + " | " + node() + "\n"; break;
        case 3: s += "at " + t + " partition " + node() + " -> " + node() + "\n"; break;
        case 4: s += "at " + t + " heal\n"; break;
        case 5: s += "at " + t + " pause " + node() + " for " + ms(*rc::gen::inRange(1, 2000)) + "\n"; break;
        case 6: s += "at " + t + " drift " + node() + " +" + std::to_string(*rc::gen::inRange(1, 5000)) + "ppm\n"; break;
        case 7: s += "at " + t + " step " + node() + " -" + ms(*rc::gen::inRange(1, 3000)) + "\n"; break;
        default: s += "at " + t + " degrade " + node() + " <-> " + node() + " loss 50%\n"; break;
      }
    }
    if (*rc::gen::arbitrary<bool>()) s += "failures node " + node() + " mtbf 2s mttr 500ms weibull 1.5\n";
    if (*rc::gen::arbitrary<bool>()) s += "failures link " + node() + " " + node() + " mtbf 3s mttr 1s\n";
    return s;
  });
}

RunResult run(const std::string& text, std::uint64_t seed, const std::string& trace = {}) {
  const Scenario sc = parse_scenario(text, "random.scn");
  RunOptions opt;
  opt.seed = seed;
  opt.trace_path = trace;
  return run_scenario(sc, cli::sim_services(), opt);
}

RC_GTEST_PROP(SimnetDeterminism, SameSeedSameHashOtherSeedOtherTrace, ()) {
  const std::string text = *gen_scenario();
  const auto seed = *rc::gen::inRange<std::uint64_t>(0, 1'000'000);
  const RunResult a = run(text, seed), b = run(text, seed);
  RC_ASSERT(a.events > 20u);  // the scenario really ran
  RC_ASSERT(a.hash == b.hash);
  RC_ASSERT(a.events == b.events);
  RC_ASSERT(a.trace_records == b.trace_records);
  const RunResult c = run(text, seed + 1);
  RC_ASSERT(c.hash != a.hash);
}

TEST(SimnetDeterminism, WritingTheJsonTraceDoesNotChangeTheHash) {
  const std::string text = "duration 5s\nnetwork lan 10.0.0.0/24 { loss 5% }\nnodes n1..n4\n"
                           "service heartbeat\nat 2s partition n1 | n2 n3 n4\nat 3s crash n2\n";
  const auto path = std::filesystem::temp_directory_path() / "halab-determinism-trace.jsonl";
  const RunResult with = run(text, 9, path.string());
  const RunResult without = run(text, 9);
  EXPECT_EQ(with.hash, without.hash);
  std::ifstream in(path);
  std::size_t lines = 0;
  std::string line;
  while (std::getline(in, line)) {
    ++lines;
    ASSERT_EQ(line.front(), '{');
    ASSERT_EQ(line.back(), '}');
  }
  EXPECT_EQ(lines, with.trace_records);
  std::filesystem::remove(path);
}

TEST(SimnetDeterminism, EmbeddedScenariosHoldTheirExpectations) {
  for (auto& [name, text] : embedded_scenarios()) {
    Scenario sc = parse_scenario(text, name + ".scn");
    // The main job's year (webservice-year, the whole halabd stack) runs in scripts/run; here its first hours.
    bool halabd = false;
    for (auto& sv : sc.services) halabd = halabd || sv.name == "halabd";
    if (halabd && sc.duration > std::chrono::hours(6)) sc.duration = std::chrono::hours(6);
    const RunResult r = run_scenario(sc, cli::sim_services(), {});
    EXPECT_FALSE(r.expects.empty() && r.audits.empty()) << name;  // each checks something
    for (auto& e : r.expects) EXPECT_TRUE(e.ok) << name << ": " << e.expect->source << ": " << e.detail;
    for (auto& a : r.audits) EXPECT_TRUE(a.ok) << name << ": " << a.audit->source << ": " << a.detail;
    EXPECT_EQ(r.hash, run_scenario(sc, cli::sim_services(), {}).hash) << name;
  }
}

TEST(SimnetDeterminism, FailedExpectationsAreReported) {
  const Scenario sc = parse_scenario(
      "duration 3s\nnetwork lan 10.0.0.0/24\nnodes a b\nservice heartbeat\nat 1s crash b\n"
      "expect reach b -> a during 2s..3s\nexpect availability b >= 90%\nexpect state b up at 2s\n"
      "expect no-log a \"peer b lost\"\n",
      "fail.scn");
  const RunResult r = run_scenario(sc, cli::sim_services(), {});
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.expects.size(), 4u);
  for (auto& e : r.expects) EXPECT_FALSE(e.ok) << e.expect->source;
}

}  // namespace
}  // namespace halab::simnet
