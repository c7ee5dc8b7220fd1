// halab run SCENARIO [--seed N] [--trace FILE] [--out DIR] [--window N] [--results FILE] [--quiet]
// One lab run: a live progress line (simulated time, events, % of the
// duration) on a terminal, plain periodic lines otherwise; then the summary
// and the audits' verdict. On a violation it writes a replay file (scenario,
// seed, fault schedule, binary version) and the trace around the violation,
// and exits 1.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <string>

#include "lab/campaign.hpp"
#include "lab/replay.hpp"
#include "lab/runner.hpp"
#include "stack/cli/command.hpp"
#include "stack/cli/sim_services.hpp"

namespace halab::cli {

namespace {

void run_usage(std::FILE* f) {
  std::fprintf(f,
               "usage: halab run SCENARIO [--seed N] [--trace FILE] [--out DIR] [--window N]\n"
               "                 [--results FILE] [--cts 'TEST k=v...']... [--quiet]\n\n"
               "Runs one scenario (a file or a built-in name, as 'halab sim') with its audits.\n"
               "  --seed N      override the scenario's seed\n"
               "  --trace FILE  write the whole trace as JSON lines\n"
               "  --out DIR     where a violation's replay file and trace window go (default halab-run)\n"
               "  --window N    trace records kept before a violation (default 2000)\n"
               "  --results FILE write the run's record (as 'halab campaign' does) for 'halab report'\n"
               "  --cts 'TEST ..' add a CTS test generator (a 'cts' line), e.g. --cts 'Flip count=3'\n"
               "  --quiet       no progress line\n"
               "Exit status: 0 when every audit and expectation held, 1 on a violation, 2 on usage errors.\n");
}

std::string sim_time(std::int64_t ns) {
  char b[48];
  const double s = double(ns) / 1e9;
  if (s < 3600) std::snprintf(b, sizeof b, "%.3fs", s);
  else std::snprintf(b, sizeof b, "%.0fd%02.0fh%02.0fm", std::floor(s / 86400), std::floor(std::fmod(s, 86400) / 3600),
                     std::floor(std::fmod(s, 3600) / 60));
  return b;
}

}  // namespace

int run_run(std::span<char*> args) {
  std::string scenario_arg, trace, out_dir = "halab-run", results;
  std::optional<std::uint64_t> seed;
  std::size_t window = 2000;
  bool quiet = false;
  std::vector<std::string> cts;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string a = args[i];
    auto value = [&](const char* opt) -> std::string {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "halab run: %s needs a value\n", opt);
        std::exit(2);
      }
      return args[++i];
    };
    auto number = [&](const char* opt) {
      const std::string v = value(opt);
      char* end = nullptr;
      const unsigned long long n = std::strtoull(v.c_str(), &end, 0);
      if (v.empty() || *end || v[0] == '-') {
        std::fprintf(stderr, "halab run: bad %s '%s'\n", opt, v.c_str());
        std::exit(2);
      }
      return n;
    };
    if (a == "--help" || a == "-h") {
      run_usage(stdout);
      return 0;
    } else if (a == "--seed") seed = number("--seed");
    else if (a == "--trace") trace = value("--trace");
    else if (a == "--out") out_dir = value("--out");
    else if (a == "--window") window = number("--window");
    else if (a == "--results") results = value("--results");
    else if (a == "--quiet" || a == "-q") quiet = true;
    else if (a == "--cts") cts.push_back(value("--cts"));
    else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "halab run: unknown option '%s'\n", a.c_str());
      run_usage(stderr);
      return 2;
    } else if (scenario_arg.empty()) scenario_arg = a;
    else {
      std::fprintf(stderr, "halab run: one scenario at a time ('%s' and '%s')\n", scenario_arg.c_str(), a.c_str());
      return 2;
    }
  }
  if (scenario_arg.empty()) {
    run_usage(stderr);
    return 2;
  }
  std::string text, file;
  std::uint64_t run_seed = 1;
  try {
    lab::load_scenario_text(scenario_arg, text, file);
    lab::add_cts_lines(text, cts);
    const simnet::Scenario sc = simnet::parse_scenario(text, file);
    run_seed = seed ? *seed : sc.seed.value_or(1);
    std::printf("halab run: %s — %zu nodes, seed %" PRIu64 ", %s simulated, %zu audit(s)\n",
                sc.name.empty() ? file.c_str() : sc.name.c_str(), sc.nodes.size(), run_seed,
                core::format_duration(sc.duration).c_str(), sc.audits.size());
  } catch (const core::Error& e) {
    std::fprintf(stderr, "halab run: %s\n", e.what());
    return 2;
  }
  std::fflush(stdout);

  // Progress: redrawn in place at most ten times a wall second on a terminal;
  // without one, a plain line at every tenth of the run.
  const bool tty = ::isatty(STDOUT_FILENO) == 1;
  using Wall = std::chrono::steady_clock;
  const auto started = Wall::now();
  auto last_draw = started - std::chrono::seconds(1);
  int last_tenth = 0;
  lab::RunExtras extras;
  extras.trace_window = window;
  extras.trace_path = trace;
  if (!quiet)
    extras.progress = [&](std::int64_t now, std::int64_t end, std::uint64_t events) {
      const double pct = end > 0 ? 100.0 * double(now) / double(end) : 100.0;
      const double wall = std::chrono::duration<double>(Wall::now() - started).count();
      if (tty) {
        if (Wall::now() - last_draw < std::chrono::milliseconds(100) && now < end) return;
        last_draw = Wall::now();
        std::printf("\r  %5.1f%%  simulated %s of %s  %" PRIu64 " events  %.1fs wall \033[K", pct, sim_time(now).c_str(),
                    sim_time(end).c_str(), events, wall);
      } else {
        const int tenth = static_cast<int>(pct / 10);
        if (tenth <= last_tenth && now < end) return;
        last_tenth = tenth;
        std::printf("  %5.1f%%  simulated %s of %s  %" PRIu64 " events\n", pct, sim_time(now).c_str(),
                    sim_time(end).c_str(), events);
      }
      std::fflush(stdout);
    };

  lab::RunRecord r;
  try {
    r = lab::run_one(text, file, run_seed, sim_services(), extras);
  } catch (const core::Error& e) {
    if (tty && !quiet) std::printf("\n");
    std::fprintf(stderr, "halab run: %s\n", e.what());
    return 2;
  }
  if (tty && !quiet) std::printf("\r\033[K");
  const double wall = std::chrono::duration<double>(Wall::now() - started).count();

  std::printf("summary at %s%s (%" PRIu64 " events, %.2fs wall, %.0fx real time):\n", sim_time(r.end_ns).c_str(),
              r.stopped ? ", stopped by an audit" : "", r.events, wall, wall > 0 ? double(r.end_ns) / 1e9 / wall : 0.0);
  for (auto& n : r.nodes) {
    std::size_t outages = n.outages.size();
    std::printf("  %-8s availability %8.4f%%  outages %zu\n", n.name.c_str(), n.availability * 100, outages);
  }
  for (auto& a : r.audits)
    std::printf("  %-56s %s%s%s%s\n", a.name.c_str(), a.ok ? "ok" : "VIOLATED", a.detail.empty() ? "" : " (",
                a.detail.c_str(), a.detail.empty() ? "" : ")");
  if (!trace.empty()) std::printf("  trace: %s\n", trace.c_str());
  if (!results.empty()) {
    try {
      lab::write_results(results, {r});
    } catch (const core::Error& e) {
      std::fprintf(stderr, "halab run: %s\n", e.what());
      return 2;
    }
    std::printf("  results: %s\n", results.c_str());
  }

  if (!r.ok) {
    lab::ReplayFile rf;
    rf.version = HALAB_VERSION;
    rf.seed = r.seed;
    rf.hash = r.hash;
    rf.failure = r.first_violation();
    rf.scenario_file = file;
    rf.scenario = text;
    rf.schedule = r.schedule;
    std::error_code ec;
    std::filesystem::create_directories(out_dir, ec);
    const std::string base = out_dir + "/replay-seed-" + std::to_string(r.seed);
    try {
      lab::write_replay(base + ".replay", rf);
      if (!r.trace_window.empty()) {
        std::FILE* f = std::fopen((base + ".trace.jsonl").c_str(), "we");
        if (!f) throw core::Error("cannot write " + base + ".trace.jsonl");
        for (auto& l : r.trace_window) std::fprintf(f, "%s\n", l.c_str());
        if (std::fclose(f) != 0) throw core::Error("cannot write " + base + ".trace.jsonl");
      }
    } catch (const core::Error& e) {
      std::fprintf(stderr, "halab run: %s\n", e.what());
      return 2;
    }
    std::printf("replay: %s.replay\n", base.c_str());
    if (!r.trace_window.empty()) std::printf("trace window: %s.trace.jsonl (%zu records)\n", base.c_str(), r.trace_window.size());
  }
  std::printf("verdict: %s\n", r.ok ? "every audit and expectation held" : ("VIOLATION: " + r.first_violation()).c_str());
  std::printf("trace-hash: %s\n", lab::hash_hex(r.hash).c_str());
  return r.ok ? 0 : 1;
}

}  // namespace halab::cli
