#pragma once
// Availability reports from run records: per node the measured availability
// beside the analytic MTBF / (MTBF + MTTR) of its configured failure process,
// with a confidence interval, the measured MTBF and MTTR and their
// distributions, nines and downtime per year, and a timeline of one run.
#include <map>
#include <string>
#include <vector>

#include "lab/json.hpp"
#include "lab/run_record.hpp"

namespace halab::lab {

// Text or an attribute value made safe inside HTML/SVG.
std::string html_escape(const std::string& s);

struct Histogram {
  std::vector<double> edges;  // seconds; counts.size() + 1 of them
  std::vector<std::size_t> counts;
};
Histogram histogram(const std::vector<double>& samples_s, std::size_t bins = 20);

struct NodeFigures {
  std::string name;
  std::size_t runs = 0;
  double analytic = -1;  // < 0: no failure process configured
  double mtbf_cfg_s = 0, mttr_cfg_s = 0;
  double measured = 0, ci_low = 0, ci_high = 0;
  std::string ci_method;  // "across N seeds" or "batch means (10 batches)"
  std::size_t failures = 0, repairs = 0;
  double mtbf_s = 0, mttr_s = 0;  // measured; 0 when nothing to measure
  std::uint64_t peer_losses = 0;
  std::vector<double> ttf_s, ttr_s;  // completed up and down periods
};

// Availability as nines (-log10(1 - A)) and downtime per year in hours.
double nines(double a);
double downtime_hours_per_year(double a);

std::vector<NodeFigures> node_figures(const std::vector<RunRecord>& runs);
// The same figures per resource (RunRecord::resources), with the reference
// availability 1 - prod(1 - A_node) as `analytic` when every node has a
// failure process.
std::vector<NodeFigures> resource_figures(const std::vector<RunRecord>& runs);
Json figures_json(const std::vector<RunRecord>& runs, const std::vector<NodeFigures>& nodes);
std::string figures_csv(const std::vector<NodeFigures>& nodes);
std::string report_html(const std::vector<RunRecord>& runs, const std::vector<NodeFigures>& nodes);

// Writes DIR/index.html, DIR/figures.json and DIR/nodes.csv (creates DIR).
void write_report(const std::vector<RunRecord>& runs, const std::string& dir);

// Failover phases over every run (report_failover.cpp).
struct PhaseStats {
  std::size_t count = 0;
  double mean_s = 0, median_s = 0, p95_s = 0, max_s = 0;
};
struct FailoverFigures {
  std::size_t count = 0, unrecovered = 0;
  std::map<std::string, std::size_t> by_cause;
  PhaseStats phases[kPhases];
  PhaseStats total;
};
FailoverFigures failover_figures(const std::vector<RunRecord>& runs);
Json failover_json(const FailoverFigures& f);
std::string failovers_csv(const std::vector<RunRecord>& runs);
std::string failover_svg(const FailoverFigures& f);
std::string failover_html(const std::vector<RunRecord>& runs);
// The first `max` transition graphs the runs carry, as inline SVG (empty when none).
std::string graphs_html(const std::vector<RunRecord>& runs, std::size_t max = 3);

// SVG pictures (report_svg.cpp), self-contained <svg> elements.
std::string histogram_svg(const Histogram& h, const std::string& title, const std::string& unit);
std::string timeline_svg(const RunRecord& run);

}  // namespace halab::lab
