#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "lab/campaign.hpp"
#include "stack/cli/sim_services.hpp"
#include "stack/core/error.hpp"

namespace halab::lab {

namespace {
std::string builtin(const std::string& name) {
  std::string text, file;
  load_scenario_text(name, text, file);
  return text;
}
RunFn runner() {
  return [](const std::string& t, std::uint64_t seed) { return run_one(t, "test.scn", seed, cli::sim_services()); };
}
}  // namespace

TEST(Campaign, ShardsPartitionTheSeeds) {
  EXPECT_EQ(campaign_seeds(1, 7, {0, 1}), (std::vector<std::uint64_t>{1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(campaign_seeds(1, 7, {0, 3}), (std::vector<std::uint64_t>{1, 4, 7}));
  EXPECT_EQ(campaign_seeds(1, 7, {2, 3}), (std::vector<std::uint64_t>{3, 6}));
  EXPECT_EQ(campaign_seeds(10, 2, {1, 4}), (std::vector<std::uint64_t>{11}));
  EXPECT_TRUE(campaign_seeds(1, 2, {3, 4}).empty());
  EXPECT_THROW(campaign_seeds(1, 2, {4, 4}), core::Error);
}

// Threads change nothing: the records (hashes, outages) are those of one thread.
TEST(Campaign, ResultsDoNotDependOnJobs) {
  const std::string text = builtin("mtbf");
  CampaignOptions one, three;
  one.seeds = three.seeds = campaign_seeds(1, 6, {});
  one.jobs = 1;
  three.jobs = 3;
  std::size_t calls = 0;
  three.progress = [&](std::size_t done, std::size_t total, std::size_t) {
    ++calls;
    EXPECT_LE(done, total);
  };
  const auto a = run_campaign(runner(), text, one), b = run_campaign(runner(), text, three);
  ASSERT_EQ(a.size(), 6u);
  EXPECT_EQ(calls, 6u);
  for (std::size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].seed, i + 1);
    EXPECT_EQ(to_json(a[i]).dump(), to_json(b[i]).dump());
  }
  EXPECT_NE(a[0].hash, a[1].hash);  // seeds matter
}

// The lab's outage bookkeeping agrees with the world's own up-time counter
// (which the scenario's availability expectations print).
TEST(Campaign, MeasuredAvailabilityMatchesTheWorld) {
  const RunRecord r = runner()(builtin("mtbf"), 5);
  ASSERT_EQ(r.nodes.size(), 3u);
  int checked = 0;
  for (auto& a : r.audits) {
    double pct = 0;
    if (std::sscanf(a.detail.c_str(), "measured %lf%%", &pct) != 1) continue;
    const std::string node = a.name.substr(std::string("availability ").size(), 2);
    for (auto& n : r.nodes)
      if (n.name == node) {
        EXPECT_NEAR(n.availability * 100, pct, 1e-3) << a.name;
        ++checked;
      }
  }
  EXPECT_EQ(checked, 4);
  EXPECT_GT(r.nodes[0].outages.size(), 10u);
  EXPECT_DOUBLE_EQ(r.nodes[0].mtbf_cfg_ns, 6.0 * 3600e9);
  EXPECT_DOUBLE_EQ(r.nodes[0].mttr_cfg_ns, 15 * 60e9);
}

TEST(Campaign, RecordsPartitionsAndPeerLosses) {
  const RunRecord r = runner()(builtin("faults"), 7);
  ASSERT_FALSE(r.partitions.empty());
  EXPECT_EQ(r.partitions[0].start_ns, 50'000'000'000);
  EXPECT_EQ(r.partitions[0].end_ns, 60'000'000'000);
  EXPECT_FALSE(r.partitions[0].open);
  const auto& n2 = r.nodes[1];
  ASSERT_FALSE(n2.outages.empty());
  EXPECT_EQ(n2.outages[0].start_ns, 10'000'000'000);
  EXPECT_EQ(n2.outages[0].end_ns, 15'000'000'000);
  EXPECT_GT(n2.peer_losses, 0u);  // the heartbeat noticed n2's crash
}

TEST(Campaign, MergeOfShardsEqualsTheWholeAndRejectsConflicts) {
  const std::string text = builtin("mtbf");
  CampaignOptions all, s0, s1;
  all.seeds = campaign_seeds(1, 5, {});
  s0.seeds = campaign_seeds(1, 5, {0, 2});
  s1.seeds = campaign_seeds(1, 5, {1, 2});
  const auto whole = run_campaign(runner(), text, all);
  const auto dir = std::filesystem::temp_directory_path() / ("lab_merge_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  write_results((dir / "a.jsonl").string(), run_campaign(runner(), text, s1));
  write_results((dir / "b.jsonl").string(), run_campaign(runner(), text, s0));
  const auto merged = merge_results({read_results((dir / "a.jsonl").string()), read_results((dir / "b.jsonl").string())});
  ASSERT_EQ(merged.size(), whole.size());
  for (std::size_t i = 0; i < whole.size(); ++i) EXPECT_EQ(to_json(merged[i]).dump(), to_json(whole[i]).dump());
  EXPECT_EQ(summary_line(summarize(merged)), "seeds: 5 violations: 0");

  auto bad = whole;
  bad[0].hash ^= 1;
  EXPECT_THROW(merge_results({whole, bad}), core::Error);
  EXPECT_EQ(merge_results({whole, whole}).size(), whole.size());  // overlapping shards

  { std::FILE* f = std::fopen((dir / "c.jsonl").c_str(), "w"); std::fputs("{\"scenario\":1}\n", f); std::fclose(f); }
  try {
    read_results((dir / "c.jsonl").string());
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("c.jsonl:1"), std::string::npos) << e.what();
  }
  std::filesystem::remove_all(dir);
}

}  // namespace halab::lab
