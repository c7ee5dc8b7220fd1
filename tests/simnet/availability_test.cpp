// A node under an MTBF/MTTR process for a long simulated time has measured
// availability within 1% (absolute) of MTBF / (MTBF + MTTR), whatever the
// distribution (the renewal-reward theorem: only the means matter).
#include <gtest/gtest.h>

#include "probe.hpp"

namespace halab::simnet::testing {
namespace {

using namespace std::chrono_literals;

struct Outcome {
  double availability;
  std::uint32_t crashes;
};

Outcome run(const FailureProcess& p, core::Duration mtbf, core::Duration mttr, std::uint64_t seed) {
  ProbeWorld pw(1, seed);
  pw.world.add_failures(0, p);
  pw.world.start();
  const auto cycles = 20'000;
  pw.world.run_for((mtbf + mttr) * cycles);
  return {pw.world.availability(0), pw.world.stats(0).crashes};
}

void check(const FailureProcess& p, core::Duration mtbf, core::Duration mttr, std::uint64_t seed) {
  const Outcome o = run(p, mtbf, mttr, seed);
  const double expected = core::to_seconds(mtbf) / core::to_seconds(mtbf + mttr);
  EXPECT_NEAR(o.availability, expected, 0.01);
  EXPECT_NEAR(o.crashes, 20'000, 20'000 * 0.05);  // one failure per cycle on average
}

TEST(SimnetAvailability, Exponential) {
  check(FailureProcess::exponential(1h, 6min), 1h, 6min, 1);
  check(FailureProcess::exponential(10min, 10min), 10min, 10min, 2);
}

TEST(SimnetAvailability, Weibull) {
  check(FailureProcess::weibull(1h, 6min, 1.5), 1h, 6min, 3);
  check(FailureProcess::weibull(2h, 30min, 0.8), 2h, 30min, 4);
}

TEST(SimnetAvailability, LogNormal) {
  check(FailureProcess::lognormal(1h, 6min, 1.0), 1h, 6min, 5);
  check(FailureProcess::lognormal(30min, 2min, 0.5), 30min, 2min, 6);
}

TEST(SimnetAvailability, DistributionsHaveTheirAnalyticMeans) {
  core::Rng rng(99);
  for (const Dist& d : {Dist::weibull_mean(1h, 1.5), Dist::weibull_mean(1h, 0.8), Dist::lognormal_mean(1h, 1.0),
                        Dist::exponential(1h)}) {
    double sum = 0;
    const int n = 200'000;
    for (int i = 0; i < n; ++i) sum += d.sample_ns(rng);
    EXPECT_NEAR(sum / n, 3600e9, 4 * d.stddev_ns() / std::sqrt(double(n))) << d.to_string();
    EXPECT_NEAR(d.mean_ns(), 3600e9, 1e3);
  }
}

TEST(SimnetAvailability, LinkFailuresBlockBothDirections) {
  ProbeWorld pw(2, 8);
  pw.world.add_link_failures(0, 1, FailureProcess::exponential(1min, 1min));
  pw.world.start();
  int blocked = 0, samples = 0;
  for (int i = 0; i < 20'000; ++i) {
    pw.world.run_for(10s);
    EXPECT_EQ(pw.world.blocked(0, 1), pw.world.blocked(1, 0));
    blocked += pw.world.blocked(0, 1);
    ++samples;
  }
  EXPECT_NEAR(double(blocked) / samples, 0.5, 0.03);
  EXPECT_DOUBLE_EQ(pw.world.availability(0), 1.0);  // the nodes themselves stay up
}

TEST(SimnetAvailability, PowerOffStaysDownThroughRepairs) {
  ProbeWorld pw(1, 4);
  pw.world.add_failures(0, FailureProcess::exponential(1min, 1min));
  pw.world.start();
  pw.world.run_for(10min);
  pw.world.power_off(0);
  pw.world.run_for(10h);
  EXPECT_FALSE(pw.world.is_up(0));
  pw.world.power_on(0);
  // Up at once, or (inside an outage of its failure process) at the repair.
  for (int i = 0; i < 3600 && !pw.world.is_up(0); ++i) pw.world.run_for(1s);
  EXPECT_TRUE(pw.world.is_up(0));
}

// Powering on a node that its failure process has broken does not repair it:
// fencing (a power cycle) does not shorten the configured MTTR.
TEST(SimnetAvailability, PowerOnDoesNotEndAFailureOutage) {
  ProbeWorld pw(1, 4);
  pw.world.add_failures(0, FailureProcess{Dist::fixed(1min), Dist::fixed(1h)});
  pw.world.start();
  pw.world.run_for(90s);
  ASSERT_FALSE(pw.world.is_up(0));
  pw.world.fence(0, "test", true);
  EXPECT_FALSE(pw.world.is_up(0));
  pw.world.run_for(1h);  // the repair at 1h01m
  EXPECT_TRUE(pw.world.is_up(0));
  pw.world.power_off(0);
  pw.world.power_on(0);  // a healthy node boots at once
  EXPECT_TRUE(pw.world.is_up(0));
}

}  // namespace
}  // namespace halab::simnet::testing
