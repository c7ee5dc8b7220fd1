// Over 100,000 datagrams, measured loss, duplication and latency lie within
// 4 standard deviations of the configured values, for every latency
// distribution.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "probe.hpp"

namespace halab::simnet::testing {
namespace {

using namespace std::chrono_literals;

struct Measured {
  std::uint64_t sent = 0, unique = 0, copies = 0;
  double mean_ns = 0, sd_ns = 0;
};

Measured measure(const LinkModel& m, std::uint64_t seed, int count = 100'000) {
  ProbeWorld pw(2, seed, m);
  const SimTime spacing = at(20ms);  // far apart, so FIFO order never holds a datagram back
  pw.world.start();
  pw.world.run_until(at(1ms));
  for (int i = 0; i < count; ++i)
    pw.world.at(at(1ms) + i * spacing, [&pw, i] { pw.probe(0).send(pw.ep(1), u64_bytes(i, pw.world.now())); });
  pw.world.run_until(at(1ms) + count * spacing + at(10s));
  Measured r;
  r.sent = count;
  std::vector<int> seen(count, 0);
  double sum = 0, sum2 = 0;
  for (auto& g : pw.logs[1].got) {
    const auto i = u64_at(g.data, 0);
    ++seen.at(i);
    const double lat = double(g.t - SimTime(u64_at(g.data, 1)));
    sum += lat;
    sum2 += lat * lat;
  }
  for (int s : seen) {
    r.unique += s > 0;
    r.copies += s > 1 ? s - 1 : 0;
  }
  const double n = double(pw.logs[1].got.size());
  r.mean_ns = sum / n;
  r.sd_ns = std::sqrt(std::max(0.0, sum2 / n - r.mean_ns * r.mean_ns));
  return r;
}

// kurtosis: of the latency distribution, for the standard error of the sample stddev.
void check(const LinkModel& m, double kurtosis, std::uint64_t seed) {
  const Measured r = measure(m, seed);
  const double n = double(r.sent);
  // loss
  const double loss = 1.0 - double(r.unique) / n;
  EXPECT_NEAR(loss, m.loss, 4 * std::sqrt(m.loss * (1 - m.loss) / n) + 1e-12) << "loss";
  // duplication, among the datagrams that got through
  const double dup = double(r.copies) / double(r.unique);
  EXPECT_NEAR(dup, m.duplicate, 4 * std::sqrt(m.duplicate * (1 - m.duplicate) / double(r.unique)) + 1e-12) << "dup";
  // latency: mean and standard deviation (jitter adds a uniform term)
  const double delivered = double(r.unique + r.copies);
  const double var = m.latency.stddev_ns() * m.latency.stddev_ns() + m.jitter_ns * m.jitter_ns / 3;
  const double sd = std::sqrt(var);
  EXPECT_NEAR(r.mean_ns, m.latency.mean_ns(), 4 * sd / std::sqrt(delivered) + 1.0) << "mean latency";
  EXPECT_NEAR(r.sd_ns, sd, 4 * sd * std::sqrt((kurtosis - 1) / (4 * delivered)) + 1.0) << "latency stddev";
}

TEST(SimnetLinkModel, FixedLatencyWithLossAndDuplication) {
  LinkModel m;
  m.latency = Dist::fixed(2ms);
  m.loss = 0.05;
  m.duplicate = 0.02;
  check(m, 3, 101);
}

TEST(SimnetLinkModel, UniformLatency) {
  LinkModel m;
  m.latency = Dist::uniform(1ms, 3ms);
  m.loss = 0.01;
  m.duplicate = 0.01;
  check(m, 1.8, 102);
}

TEST(SimnetLinkModel, NormalLatency) {
  LinkModel m;
  m.latency = Dist::normal(5ms, 1ms);
  m.loss = 0.2;
  m.duplicate = 0.001;
  check(m, 3, 103);
}

TEST(SimnetLinkModel, ExponentialLatency) {
  LinkModel m;
  m.latency = Dist::exponential(1ms);
  m.loss = 0.001;
  m.duplicate = 0.05;
  check(m, 9, 104);
}

TEST(SimnetLinkModel, FixedLatencyWithJitter) {
  LinkModel m;
  m.latency = Dist::fixed(5ms);
  m.jitter_ns = 1e6;  // uniform ±1ms: kurtosis of a uniform
  m.loss = 0.1;
  check(m, 1.8, 105);
}

TEST(SimnetLinkModel, ReorderingHappensOnlyWhenAsked) {
  for (double reorder : {0.0, 0.2}) {
    LinkModel m;
    m.latency = Dist::uniform(1ms, 9ms);  // datagrams 1ms apart would overtake each other
    m.reorder = reorder;
    ProbeWorld pw(2, 9, m);
    pw.world.start();
    for (int i = 0; i < 2000; ++i)
      pw.world.at(at(1ms) * (i + 1), [&pw, i] { pw.probe(0).send(pw.ep(1), u64_bytes(i)); });
    pw.world.run_until(at(5s));
    int inversions = 0;
    for (std::size_t k = 1; k < pw.logs[1].got.size(); ++k)
      inversions += u64_at(pw.logs[1].got[k].data, 0) < u64_at(pw.logs[1].got[k - 1].data, 0);
    ASSERT_EQ(pw.logs[1].got.size(), 2000u);
    if (reorder == 0) EXPECT_EQ(inversions, 0);
    else EXPECT_GT(inversions, 100);
  }
}

// Each directed link draws from its own stream: traffic on one link does not
// change what happens on another.
TEST(SimnetLinkModel, LinksHaveIndependentRandomStreams) {
  LinkModel m;
  m.latency = Dist::exponential(2ms);
  m.loss = 0.3;
  auto run = [&](bool other_traffic) {
    ProbeWorld pw(3, 77, m);
    pw.world.start();
    for (int i = 0; i < 500; ++i)
      pw.world.at(at(10ms) * (i + 1), [&pw, i, other_traffic] {
        pw.probe(0).send(pw.ep(1), u64_bytes(i));
        if (other_traffic) pw.probe(0).send(pw.ep(2), u64_bytes(i));
      });
    pw.world.run_until(at(10s));
    std::vector<std::pair<std::uint64_t, SimTime>> got;
    for (auto& r : pw.logs[1].got) got.emplace_back(u64_at(r.data, 0), r.t);
    return got;
  };
  const auto quiet = run(false), busy = run(true);
  EXPECT_GT(quiet.size(), 250u);
  EXPECT_LT(quiet.size(), 450u);
  EXPECT_EQ(quiet, busy);
}

}  // namespace
}  // namespace halab::simnet::testing
