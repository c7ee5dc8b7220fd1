#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cmath>

#include "stack/core/random.hpp"

using namespace halab::core;

RC_GTEST_PROP(Rng, SameSeedSameStream, (std::uint64_t seed)) {
  Rng a(seed), b(seed);
  for (int i = 0; i < 100; ++i) RC_ASSERT(a.next() == b.next());
}

RC_GTEST_PROP(Rng, DeriveIgnoresStreamPosition, (std::uint64_t seed)) {
  Rng a(seed), b(seed);
  for (int i = 0; i < 10; ++i) b.next();
  RC_ASSERT(a.derive("totem").next() == b.derive("totem").next());
  RC_ASSERT(a.derive("totem").next() != a.derive("cib").next());
}

RC_GTEST_PROP(Rng, BelowStaysInRange, (std::uint64_t seed, std::uint64_t n)) {
  RC_PRE(n > 0u);
  Rng r(seed);
  for (int i = 0; i < 50; ++i) RC_ASSERT(r.below(n) < n);
}

TEST(Rng, DistributionMeans) {
  Rng r(42);
  const int n = 200000;
  double sum_exp = 0, sum_norm = 0, sum_norm2 = 0, sum_u = 0;
  for (int i = 0; i < n; ++i) {
    sum_exp += r.exponential(3.0);
    double x = r.normal(5.0, 2.0);
    sum_norm += x;
    sum_norm2 += x * x;
    sum_u += r.uniform01();
  }
  EXPECT_NEAR(sum_exp / n, 3.0, 4 * 3.0 / std::sqrt(n));
  EXPECT_NEAR(sum_norm / n, 5.0, 4 * 2.0 / std::sqrt(n));
  EXPECT_NEAR(std::sqrt(sum_norm2 / n - (sum_norm / n) * (sum_norm / n)), 2.0, 0.03);
  EXPECT_NEAR(sum_u / n, 0.5, 4 * 0.2887 / std::sqrt(n));
}

TEST(Rng, WeibullShapeOneIsExponential) {
  Rng r(7);
  const int n = 200000;
  double sum = 0;
  for (int i = 0; i < n; ++i) sum += r.weibull(1.0, 10.0);
  EXPECT_NEAR(sum / n, 10.0, 4 * 10.0 / std::sqrt(n));
}
