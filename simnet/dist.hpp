#pragma once
// Probability distributions for simulated durations (latency, agent run
// times, MTBF/MTTR), drawn from core::Rng so a seed means the same numbers
// on every build.
#include <string>

#include "stack/core/random.hpp"
#include "stack/core/time.hpp"

namespace halab::simnet {

struct Dist {
  enum class Kind : std::uint8_t { fixed, uniform, normal, exponential, weibull, lognormal };
  Kind kind = Kind::fixed;
  // fixed: a = value; uniform: [a, b]; normal: mean a, stddev b;
  // exponential: mean a; weibull: shape a, scale b; lognormal: mu a, sigma b
  // (of the underlying normal, in log-nanoseconds). Values in nanoseconds.
  double a = 0, b = 0;

  static Dist fixed(core::Duration d) { return {Kind::fixed, double(d.count()), 0}; }
  static Dist uniform(core::Duration lo, core::Duration hi) { return {Kind::uniform, double(lo.count()), double(hi.count())}; }
  static Dist normal(core::Duration mean, core::Duration sd) { return {Kind::normal, double(mean.count()), double(sd.count())}; }
  static Dist exponential(core::Duration mean) { return {Kind::exponential, double(mean.count()), 0}; }
  // Weibull with shape k whose mean is `mean` (scale = mean / Γ(1 + 1/k)).
  static Dist weibull_mean(core::Duration mean, double shape);
  // Log-normal with sigma s whose mean is `mean` (mu = ln(mean) - s²/2).
  static Dist lognormal_mean(core::Duration mean, double sigma);

  // A sample in nanoseconds, never negative (normal is clamped at zero).
  double sample_ns(core::Rng& rng) const;
  core::Duration sample(core::Rng& rng) const { return core::Duration(static_cast<std::int64_t>(sample_ns(rng))); }
  double mean_ns() const;    // analytic mean (normal: before clamping)
  double stddev_ns() const;  // analytic standard deviation
  std::string to_string() const;
};

const char* to_string(Dist::Kind kind);

}  // namespace halab::simnet
