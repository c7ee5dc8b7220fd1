// halab sim SCENARIO [--seed N] [--trace FILE | --no-trace] [--quiet]
// Runs a simnet scenario (a file, or the name of one built in), prints a
// timeline and a summary, writes the JSON-lines trace, and ends with
// "trace-hash: <hex>". Exit status 1 when an expectation failed.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <string>

#include "simnet/scenario.hpp"
#include "simnet/scenario_run.hpp"
#include "stack/cli/command.hpp"
#include "stack/cli/sim_services.hpp"

namespace halab::cli {

namespace {
void sim_usage(std::FILE* f) {
  std::fprintf(f,
               "usage: halab sim SCENARIO [--seed N] [--trace FILE | --no-trace] [--quiet]\n\n"
               "Runs a simnet scenario: a file (see docs/scenario-format.md) or a built-in name.\n"
               "  --seed N       override the scenario's seed\n"
               "  --trace FILE   write every event as JSON lines (default: halab-sim-trace.jsonl)\n"
               "  --no-trace     write no trace file (the hash is the same)\n"
               "  --quiet        print only failures and the trace-hash line\n\n"
               "built-in scenarios:");
  for (auto& [name, _] : simnet::embedded_scenarios()) std::fprintf(f, " %s", name.c_str());
  std::fprintf(f, "\nThe output ends with 'trace-hash: <hex>'; the same scenario, seed and binary give the same hash.\n");
}
}  // namespace

int run_sim(std::span<char*> args) {
  std::string scenario_arg, trace = "halab-sim-trace.jsonl";
  std::optional<std::uint64_t> seed;
  bool quiet = false;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string a = args[i];
    auto value = [&](const char* opt) -> std::string {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "halab sim: %s needs a value\n", opt);
        std::exit(2);
      }
      return args[++i];
    };
    if (a == "--help" || a == "-h") {
      sim_usage(stdout);
      return 0;
    } else if (a == "--seed") {
      const std::string v = value("--seed");
      char* end = nullptr;
      const unsigned long long s = std::strtoull(v.c_str(), &end, 0);
      if (v.empty() || *end || v[0] == '-') {
        std::fprintf(stderr, "halab sim: bad seed '%s'\n", v.c_str());
        return 2;
      }
      seed = s;
    } else if (a == "--trace") {
      trace = value("--trace");
    } else if (a == "--no-trace") {
      trace.clear();
    } else if (a == "--quiet" || a == "-q") {
      quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "halab sim: unknown option '%s'\n", a.c_str());
      sim_usage(stderr);
      return 2;
    } else if (scenario_arg.empty()) {
      scenario_arg = a;
    } else {
      std::fprintf(stderr, "halab sim: one scenario at a time ('%s' and '%s')\n", scenario_arg.c_str(), a.c_str());
      return 2;
    }
  }
  if (scenario_arg.empty()) {
    sim_usage(stderr);
    return 2;
  }

  simnet::Scenario sc;
  try {
    std::error_code ec;
    if (std::filesystem::is_regular_file(scenario_arg, ec)) {
      sc = simnet::load_scenario(scenario_arg);
    } else {
      const auto& builtin = simnet::embedded_scenarios();
      auto it = builtin.find(scenario_arg);
      if (it == builtin.end()) {
        std::fprintf(stderr, "halab sim: '%s' is neither a file nor a built-in scenario (built in:",
                     scenario_arg.c_str());
        for (auto& [name, _] : builtin) std::fprintf(stderr, " %s", name.c_str());
        std::fprintf(stderr, ")\n");
        return 2;
      }
      sc = simnet::parse_scenario(it->second, "scenarios/" + it->first + ".scn");
    }
  } catch (const core::Error& e) {  // a bad scenario is a usage error, not a failed run
    std::fprintf(stderr, "halab sim: %s\n", e.what());
    return 2;
  }

  simnet::RunOptions opt;
  opt.seed = seed;
  opt.trace_path = trace;
  opt.timeline = quiet ? nullptr : stdout;
  simnet::RunResult r;
  try {
    r = simnet::run_scenario(sc, sim_services(), opt);
  } catch (const simnet::ScenarioError& e) {  // found while building the cluster (addresses, service settings)
    std::fprintf(stderr, "halab sim: %s\n", e.what());
    return 2;
  }
  if (quiet) {
    for (auto& e : r.expects)
      if (!e.ok)
        std::printf("%s:%d: expectation failed: %s (%s)\n", sc.file.c_str(), e.expect->line, e.expect->source.c_str(),
                    e.detail.c_str());
    for (auto& a : r.audits)
      if (!a.ok)
        std::printf("%s:%d: audit violated: %s (%s)\n", sc.file.c_str(), a.audit->line, a.audit->source.c_str(),
                    a.detail.c_str());
  }
  if (!quiet && !trace.empty()) std::printf("  trace: %s\n", trace.c_str());
  const bool audit_failed = std::any_of(r.audits.begin(), r.audits.end(), [](auto& a) { return !a.ok; });
  if (!quiet)
    std::printf("result: %s\n", r.ok ? "all expectations held" : audit_failed ? "AUDIT VIOLATED" : "EXPECTATIONS FAILED");
  std::printf("trace-hash: %016" PRIx64 "\n", r.hash);
  std::fflush(stdout);
  return r.ok ? 0 : 1;
}

}  // namespace halab::cli
