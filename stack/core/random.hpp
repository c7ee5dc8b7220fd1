#pragma once
// Randomness: a seeded engine per component. The engine and every
// distribution are implemented here (not std::*_distribution, whose output
// differs between standard libraries), so a seed means the same numbers
// wherever halab is built.
#include <array>
#include <cstdint>
#include <string_view>

namespace halab::core {

// xoshiro256** seeded through splitmix64.
class Rng {
 public:
  explicit Rng(std::uint64_t seed = 0);

  // An independent stream for a named sub-component: derive("node3").derive("totem").
  // Depends only on this engine's seed and the name, not on how much of this
  // stream has been drawn.
  Rng derive(std::string_view name) const;
  Rng derive(std::uint64_t index) const;
  std::uint64_t seed() const { return seed_; }

  std::uint64_t next();
  // Uniform in [0, n); n > 0. Unbiased (Lemire's method).
  std::uint64_t below(std::uint64_t n);
  // Uniform in [lo, hi].
  std::int64_t between(std::int64_t lo, std::int64_t hi);
  // Uniform in [0, 1), 53 bits.
  double uniform01();
  bool chance(double p) { return p > 0 && (p >= 1 || uniform01() < p); }

  double uniform(double lo, double hi) { return lo + (hi - lo) * uniform01(); }
  double exponential(double mean);
  double normal(double mean, double stddev);
  double lognormal(double mu, double sigma);  // parameters of the underlying normal
  double weibull(double shape, double scale);

 private:
  std::uint64_t seed_;
  std::array<std::uint64_t, 4> s_;
};

// Stable 64-bit mixing, for deriving seeds from names.
std::uint64_t mix64(std::uint64_t x);
std::uint64_t hash_name(std::string_view name);

}  // namespace halab::core
