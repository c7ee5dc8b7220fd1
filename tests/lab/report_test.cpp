#include <gtest/gtest.h>

#include <cmath>
#include <numeric>
#include <regex>

#include "lab/campaign.hpp"
#include "lab/report.hpp"
#include "stack/cli/sim_services.hpp"

namespace halab::lab {

namespace {
std::vector<RunRecord> mtbf_runs(std::uint64_t n) {
  std::string text, file;
  load_scenario_text("mtbf", text, file);
  CampaignOptions opt;
  opt.seeds = campaign_seeds(1, n, {});
  opt.jobs = 2;
  return run_campaign([&](const std::string& t, std::uint64_t s) { return run_one(t, file, s, cli::sim_services()); },
                      text, opt);
}
std::size_t count(const std::string& s, const std::string& what) {
  std::size_t c = 0;
  for (auto p = s.find(what); p != std::string::npos; p = s.find(what, p + 1)) ++c;
  return c;
}
}  // namespace

TEST(Report, NinesAndDowntime) {
  EXPECT_NEAR(nines(0.999), 3, 1e-9);
  EXPECT_NEAR(downtime_hours_per_year(0.999), 8.766, 1e-9);
  EXPECT_TRUE(std::isinf(nines(1.0)));
}

TEST(Report, HistogramKeepsEverySample) {
  const Histogram h = histogram({0, 1, 2, 3, 10, 10}, 5);
  ASSERT_EQ(h.counts.size(), 5u);
  ASSERT_EQ(h.edges.size(), 6u);
  EXPECT_EQ(std::accumulate(h.counts.begin(), h.counts.end(), std::size_t(0)), 6u);
  EXPECT_EQ(h.counts.back(), 2u);  // the maximum falls in the last bin
  EXPECT_TRUE(histogram({}).counts.empty());
}

// Across seeds, the measured availability brackets the analytic
// MTBF / (MTBF + MTTR) of the configured processes (A = 96% for every node).
TEST(Report, AnalyticAvailabilityInsideTheCampaignInterval) {
  const auto runs = mtbf_runs(12);
  const auto nodes = node_figures(runs);
  ASSERT_EQ(nodes.size(), 3u);
  for (auto& f : nodes) {
    EXPECT_NEAR(f.analytic, 0.96, 1e-9) << f.name;
    EXPECT_LT(f.ci_low, f.ci_high) << f.name;
    EXPECT_LE(f.ci_low, f.analytic) << f.name;
    EXPECT_GE(f.ci_high, f.analytic) << f.name;
    EXPECT_NEAR(f.measured, 0.96, 0.01) << f.name;
    // Measured MTBF/MTTR near the configured ones (hundreds of cycles per node).
    EXPECT_NEAR(f.mtbf_s / f.mtbf_cfg_s, 1.0, 0.15) << f.name;
    EXPECT_NEAR(f.mttr_s / f.mttr_cfg_s, 1.0, 0.15) << f.name;
    EXPECT_EQ(f.ttr_s.size(), f.repairs);
    EXPECT_NE(f.ci_method.find("12 seeds"), std::string::npos);
  }
}

TEST(Report, OneRunUsesBatchMeans) {
  const auto runs = mtbf_runs(1);
  const auto nodes = node_figures(runs);
  EXPECT_NE(nodes[0].ci_method.find("batch means"), std::string::npos);
  EXPECT_DOUBLE_EQ(nodes[0].measured, runs[0].nodes[0].availability);
  EXPECT_LT(nodes[0].ci_low, nodes[0].ci_high);
}

TEST(Report, HtmlIsSelfContainedWithPictures) {
  const auto runs = mtbf_runs(2);
  const auto nodes = node_figures(runs);
  const std::string html = report_html(runs, nodes);
  EXPECT_EQ(count(html, "<svg"), 2 * nodes.size() + 1);  // two histograms per node, one timeline
  EXPECT_EQ(html.find(" src="), std::string::npos);       // no external assets
  EXPECT_EQ(html.find("<link"), std::string::npos);
  std::size_t outages = 0;
  for (auto& n : runs[0].nodes) outages += n.outages.size();
  EXPECT_EQ(count(timeline_svg(runs[0]), "class=\"down\""), outages);
  const Json j = figures_json(runs, nodes);
  EXPECT_EQ(j.at("nodes").items().size(), 3u);
  EXPECT_EQ(j.at("runs").number(), 2);
  const std::string csv = figures_csv(nodes);
  EXPECT_EQ(count(csv, "\n"), 4u);
  EXPECT_EQ(csv.rfind("node,runs,analytic_availability", 0), 0u);
}

}  // namespace halab::lab
