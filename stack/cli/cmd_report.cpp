// halab report INPUT -o DIR
// INPUT: a results file (JSON lines) of one run or of a campaign. Writes
// DIR/index.html (self-contained, inline SVG), DIR/figures.json and DIR/nodes.csv.
#include <cmath>
#include <cstdio>
#include <string>

#include "lab/campaign.hpp"
#include "lab/report.hpp"
#include "stack/cli/command.hpp"

namespace halab::cli {

int run_report(std::span<char*> args) {
  std::string input, dir;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string a = args[i];
    if (a == "--help" || a == "-h") {
      std::printf("usage: halab report INPUT -o DIR\n\nINPUT: results.jsonl of 'halab campaign' (one seed or many).\n"
                  "Writes DIR/index.html, DIR/figures.json and DIR/nodes.csv.\n");
      return 0;
    } else if (a == "-o" || a == "--output") {
      if (i + 1 >= args.size()) {
        std::fprintf(stderr, "halab report: -o needs a directory\n");
        return 2;
      }
      dir = args[++i];
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "halab report: unknown option '%s'\n", a.c_str());
      return 2;
    } else if (input.empty()) input = a;
    else {
      std::fprintf(stderr, "halab report: one input at a time\n");
      return 2;
    }
  }
  if (input.empty() || dir.empty()) {
    std::fprintf(stderr, "usage: halab report INPUT -o DIR\n");
    return 2;
  }
  try {
    const auto runs = lab::read_results(input);
    if (runs.empty()) {
      std::fprintf(stderr, "halab report: %s holds no runs\n", input.c_str());
      return 2;
    }
    lab::write_report(runs, dir);
    for (auto& f : lab::node_figures(runs)) {
      std::printf("%-8s measured %.4f%% [%.4f%%, %.4f%%]", f.name.c_str(), f.measured * 100, f.ci_low * 100,
                  f.ci_high * 100);
      if (f.analytic >= 0) std::printf("  analytic %.4f%%", f.analytic * 100);
      std::printf("  outages %zu  downtime/year %.2fh\n", f.failures, lab::downtime_hours_per_year(f.measured));
    }
    for (auto& f : lab::resource_figures(runs)) {
      std::printf("resource %-8s measured %.4f%% [%.4f%%, %.4f%%]", f.name.c_str(), f.measured * 100,
                  f.ci_low * 100, f.ci_high * 100);
      if (f.analytic >= 0) std::printf("  reference %.4f%%", f.analytic * 100);
      std::printf("  outages %zu  downtime/year %.2fh\n", f.failures, lab::downtime_hours_per_year(f.measured));
    }
  } catch (const core::Error& e) {
    std::fprintf(stderr, "halab report: %s\n", e.what());
    return 2;
  }
  std::printf("report: %s/index.html, %s/figures.json, %s/nodes.csv, %s/resources.csv\n", dir.c_str(), dir.c_str(),
              dir.c_str(), dir.c_str());
  return 0;
}

}  // namespace halab::cli
