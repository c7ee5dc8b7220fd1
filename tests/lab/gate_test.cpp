// Campaign gates: the built-in scenarios hold on every seed, so a campaign can
// gate on zero violations (issue 7: faults and mtbf used to fail on 8% and 2%).
#include <gtest/gtest.h>

#include "lab/campaign.hpp"
#include "stack/cli/sim_services.hpp"

namespace halab::lab {
namespace {

std::size_t violations(const std::string& name, std::uint64_t seeds) {
  std::string text, file;
  load_scenario_text(name, text, file);
  CampaignOptions opt;
  opt.seeds = campaign_seeds(1, seeds, {});
  opt.jobs = 2;
  const auto runs = run_campaign(
      [&](const std::string& t, std::uint64_t seed) { return run_one(t, file, seed, cli::sim_services()); }, text, opt);
  std::size_t v = 0;
  for (auto& r : runs) {
    v += r.violations();
    if (!r.ok) ADD_FAILURE() << name << " seed " << r.seed << ": " << r.first_violation();
  }
  return v;
}

TEST(Gate, FaultsHoldsOnEverySeed) { EXPECT_EQ(violations("faults", 1000), 0u); }
TEST(Gate, MtbfHoldsOnEverySeed) { EXPECT_EQ(violations("mtbf", 1000), 0u); }
TEST(Gate, Chaos3AuditsHoldOnEverySeed) { EXPECT_EQ(violations("chaos3", 300), 0u); }
TEST(Gate, CtsCatalogAuditsHold) { EXPECT_EQ(violations("cts", 30), 0u); }
// The seed's web service on the whole halabd stack (crash, fencing, standby).
TEST(Gate, WebserviceOnHalabdHoldsOnEverySeed) { EXPECT_EQ(violations("webservice", 20), 0u); }
// Five halabd nodes under random node failures and a flaky link (issue 7's
// benchmark): settles within 3 minutes of every fault (a node rebooted into
// the cluster used to become DC and fence the others, over and over), never
// two copies, fencing before recovery. Seeds 1-20 all hold; 6 here.
TEST(Gate, Chaos5OnHalabdHoldsOnSeeds) { EXPECT_EQ(violations("chaos5-halabd", 6), 0u); }
// The brain-split cases of issue 7 on the whole halabd stack: every audit and
// expectation holds on every seed tried (a few each, to keep CI short; the
// campaigns in docs/lab.md ran more).
TEST(Gate, BrainSplitScenariosOnHalabdHold) {
  for (const char* name : {"split2-fencing", "split2-qdisk", "split2-ping", "split4-atb", "split4-noatb", "split-oneway",
                           "split-isolated-dc", "split-during-fencing", "split-flapping"})
    EXPECT_EQ(violations(name, 6), 0u) << name;
}
// pacemaker's CTS catalog on 3 halabd nodes (20 simulated minutes a seed).
TEST(Gate, CtsCatalogOnHalabdHolds) { EXPECT_EQ(violations("cts-halabd", 2), 0u); }

}  // namespace
}  // namespace halab::lab
