// halab campaign SCENARIO --seeds N [--first S] [--jobs J] [--shard I/N] [--out DIR] [--no-shrink]
// halab campaign merge FILES... [-o FILE]
// Runs one scenario over many seeds (worker threads, each with its own
// simnet World), writes DIR/results.jsonl and, for each seed with a
// violation, a shrunk replay file; ends with "seeds: N violations: V" and
// exits 1 when V > 0.
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>

#include "lab/campaign.hpp"
#include "lab/replay.hpp"
#include "lab/shrink.hpp"
#include "stack/cli/command.hpp"
#include "stack/cli/sim_services.hpp"

namespace halab::cli {

namespace {

void campaign_usage(std::FILE* f) {
  std::fprintf(f,
               "usage: halab campaign SCENARIO --seeds N [--first S] [--jobs J] [--shard I/N] [--out DIR]\n"
               "                      [--max-replays K] [--no-shrink] [--cts 'TEST k=v...']... [--quiet]\n"
               "       halab campaign merge FILES... [-o FILE]\n\n"
               "Runs SCENARIO (a file or a built-in name) with seeds S..S+N-1 (S defaults to 1).\n"
               "  --jobs J        worker threads (default: the number of CPUs)\n"
               "  --shard I/N     run only every N-th seed starting at offset I (0 <= I < N)\n"
               "  --out DIR       results directory (default halab-campaign): results.jsonl and,\n"
               "                  per seed with a violation, replay-seed-S.replay (shrunk) and, when an\n"
               "                  audit failed, replay-seed-S.trace.jsonl (the trace around it)\n"
               "  --max-replays K write at most K replay files (default 5)\n"
               "  --no-shrink     write replay files of the runs as they were\n"
               "  --cts 'TEST ..' add a CTS test generator to the scenario (as a 'cts' line;\n"
               "                  see docs/scenario-format.md), e.g. --cts 'SplitBrain count=3'\n"
               "merge joins shard results files (sorted by seed) into FILE (default merged.jsonl).\n"
               "The output ends with 'seeds: N violations: V'; exit status 1 when V > 0.\n");
}

bool parse_u64(const std::string& v, std::uint64_t& out) {
  char* end = nullptr;
  if (v.empty() || v[0] == '-') return false;
  out = std::strtoull(v.c_str(), &end, 0);
  return *end == 0;
}

void print_violations(const std::vector<lab::RunRecord>& runs) {
  std::size_t shown = 0;
  for (auto& r : runs)
    for (auto& a : r.audits)
      if (!a.ok && shown++ < 20)
        std::printf("seed %llu: violation: %s (%s)\n", static_cast<unsigned long long>(r.seed), a.name.c_str(),
                    a.detail.c_str());
}

int run_merge(std::span<char*> args) {
  std::vector<std::string> files;
  std::string out = "merged.jsonl";
  for (std::size_t i = 2; i < args.size(); ++i) {
    const std::string a = args[i];
    if (a == "-o" || a == "--output") {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "halab campaign merge: %s needs a value\n", a.c_str());
        return 2;
      }
      out = args[++i];
    } else if (a == "--help" || a == "-h") {
      campaign_usage(stdout);
      return 0;
    } else files.push_back(a);
  }
  if (files.empty()) {
    std::fprintf(stderr, "halab campaign merge: no results files given\n");
    return 2;
  }
  std::vector<lab::RunRecord> merged;
  try {
    std::vector<std::vector<lab::RunRecord>> shards;
    for (auto& f : files) shards.push_back(lab::read_results(f));
    merged = lab::merge_results(shards);
    lab::write_results(out, merged);
  } catch (const core::Error& e) {
    std::fprintf(stderr, "halab campaign merge: %s\n", e.what());
    return 2;
  }
  print_violations(merged);
  std::printf("merged %zu file(s) into %s\n", files.size(), out.c_str());
  const auto s = lab::summarize(merged);
  std::printf("%s\n", lab::summary_line(s).c_str());
  return s.violations ? 1 : 0;
}

}  // namespace

int run_campaign(std::span<char*> args) {
  if (args.size() >= 2 && std::string(args[1]) == "merge") return run_merge(args);
  std::string scenario_arg, out_dir = "halab-campaign";
  std::uint64_t seeds = 0, first = 1, max_replays = 5;
  unsigned jobs = std::max(1u, std::thread::hardware_concurrency());
  lab::Shard shard;
  bool have_seeds = false, do_shrink = true, quiet = false;
  std::vector<std::string> cts;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string a = args[i];
    auto value = [&](const char* opt) -> std::string {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "halab campaign: %s needs a value\n", opt);
        std::exit(2);
      }
      return args[++i];
    };
    std::uint64_t n = 0;
    if (a == "--help" || a == "-h") {
      campaign_usage(stdout);
      return 0;
    } else if (a == "--seeds") {
      const std::string v = value("--seeds");
      if (!parse_u64(v, seeds) || seeds == 0) {
        std::fprintf(stderr, "halab campaign: bad --seeds '%s' (want a positive count)\n", v.c_str());
        return 2;
      }
      have_seeds = true;
    } else if (a == "--first") {
      const std::string v = value("--first");
      if (!parse_u64(v, first)) {
        std::fprintf(stderr, "halab campaign: bad --first '%s'\n", v.c_str());
        return 2;
      }
    } else if (a == "--jobs" || a == "-j") {
      const std::string v = value("--jobs");
      if (!parse_u64(v, n) || n == 0 || n > 1024) {
        std::fprintf(stderr, "halab campaign: bad --jobs '%s' (want 1..1024)\n", v.c_str());
        return 2;
      }
      jobs = unsigned(n);
    } else if (a == "--shard") {
      const std::string v = value("--shard");
      const auto slash = v.find('/');
      std::uint64_t si = 0, sn = 0;
      if (slash == std::string::npos || !parse_u64(v.substr(0, slash), si) || !parse_u64(v.substr(slash + 1), sn) ||
          sn == 0 || si >= sn) {
        std::fprintf(stderr, "halab campaign: bad --shard '%s' (want I/N with 0 <= I < N)\n", v.c_str());
        return 2;
      }
      shard = {si, sn};
    } else if (a == "--out" || a == "-o") {
      out_dir = value("--out");
    } else if (a == "--max-replays") {
      if (!parse_u64(value("--max-replays"), max_replays)) {
        std::fprintf(stderr, "halab campaign: bad --max-replays\n");
        return 2;
      }
    } else if (a == "--no-shrink") {
      do_shrink = false;
    } else if (a == "--cts") {
      cts.push_back(value("--cts"));
    } else if (a == "--quiet" || a == "-q") {
      quiet = true;
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "halab campaign: unknown option '%s'\n", a.c_str());
      campaign_usage(stderr);
      return 2;
    } else if (scenario_arg.empty()) {
      scenario_arg = a;
    } else {
      std::fprintf(stderr, "halab campaign: one scenario at a time ('%s' and '%s')\n", scenario_arg.c_str(), a.c_str());
      return 2;
    }
  }
  if (scenario_arg.empty() || !have_seeds) {
    std::fprintf(stderr, "halab campaign: %s\n", scenario_arg.empty() ? "no scenario given" : "--seeds N is required");
    campaign_usage(stderr);
    return 2;
  }

  std::string text, file;
  try {
    lab::load_scenario_text(scenario_arg, text, file);
    lab::add_cts_lines(text, cts);
    (void)lab::count_faults(text);  // parses: a bad scenario is a usage error, before any run
  } catch (const core::Error& e) {
    std::fprintf(stderr, "halab campaign: %s\n", e.what());
    return 2;
  }
  const auto& services = sim_services();
  const lab::RunFn run = [&](const std::string& t, std::uint64_t seed) { return lab::run_one(t, file, seed, services); };

  lab::CampaignOptions opt;
  opt.seeds = lab::campaign_seeds(first, seeds, shard);
  opt.jobs = jobs;
  int last_width = -1;
  if (!quiet)
    opt.progress = [&](std::size_t done, std::size_t total, std::size_t v) {
      const int width = 40, filled = int(double(done) / double(total) * width);
      if (filled == last_width && done != total) return;  // redraw only when the bar moves
      last_width = filled;
      std::fprintf(stderr, "\r[%s%s] %zu/%zu seeds, %zu violations", std::string(filled, '#').c_str(),
                   std::string(width - filled, ' ').c_str(), done, total, v);
      if (done == total) std::fprintf(stderr, "\n");
      std::fflush(stderr);
    };
  std::printf("campaign: %s, %zu seed(s) (shard %llu/%llu), %u job(s)\n", file.c_str(), opt.seeds.size(),
              static_cast<unsigned long long>(shard.index), static_cast<unsigned long long>(shard.count), jobs);
  const auto runs = lab::run_campaign(run, text, opt);

  std::error_code ec;
  std::filesystem::create_directories(out_dir, ec);
  const std::string results = out_dir + "/results.jsonl";
  try {
    lab::write_results(results, runs);
  } catch (const core::Error& e) {
    std::fprintf(stderr, "halab campaign: %s\n", e.what());
    return 2;
  }
  std::printf("results: %s\n", results.c_str());
  print_violations(runs);

  std::uint64_t written = 0;
  for (auto& r : runs) {
    if (r.ok || written >= max_replays) continue;
    const std::string failure = r.first_violation();
    if (failure == "run") continue;  // the run itself threw: nothing to replay
    lab::ReplayFile rf;
    rf.version = HALAB_VERSION;
    rf.seed = r.seed;
    rf.failure = failure;
    rf.scenario_file = file;
    rf.scenario = text;
    rf.hash = r.hash;
    if (do_shrink) {
      const auto s = lab::shrink(run, text, r.seed, failure);
      rf.scenario = s.text;
      rf.hash = s.record.hash;
      std::printf("seed %llu: shrunk in %d runs: %zu -> %zu fault statements, %.3fs -> %.3fs\n",
                  static_cast<unsigned long long>(r.seed), s.runs, s.faults_before, s.faults_after,
                  double(s.duration_before_ns) / 1e9, double(s.duration_after_ns) / 1e9);
    }
    const std::string base = out_dir + "/replay-seed-" + std::to_string(r.seed);
    const std::string path = base + ".replay";
    try {
      // Once more with the trace window kept (the same run: the window does not change the trace).
      lab::RunExtras x;
      x.trace_window = 2000;
      const lab::RunRecord w = lab::run_one(rf.scenario, file, r.seed, services, x);
      rf.schedule = w.schedule;
      lab::write_replay(path, rf);
      if (!w.trace_window.empty()) {
        std::FILE* f = std::fopen((base + ".trace.jsonl").c_str(), "we");
        if (!f) throw core::Error("cannot write " + base + ".trace.jsonl");
        for (auto& l : w.trace_window) std::fprintf(f, "%s\n", l.c_str());
        if (std::fclose(f) != 0) throw core::Error("cannot write " + base + ".trace.jsonl");
      }
    } catch (const core::Error& e) {
      std::fprintf(stderr, "halab campaign: %s\n", e.what());
      return 2;
    }
    std::printf("replay: %s\n", path.c_str());
    ++written;
  }
  const auto s = lab::summarize(runs);
  std::printf("%s\n", lab::summary_line(s).c_str());
  std::fflush(stdout);
  return s.violations ? 1 : 0;
}

}  // namespace halab::cli
