#include "simnet/dist.hpp"

#include <cmath>

namespace halab::simnet {

const char* to_string(Dist::Kind kind) {
  switch (kind) {
    case Dist::Kind::fixed: return "fixed";
    case Dist::Kind::uniform: return "uniform";
    case Dist::Kind::normal: return "normal";
    case Dist::Kind::exponential: return "exponential";
    case Dist::Kind::weibull: return "weibull";
    case Dist::Kind::lognormal: return "lognormal";
  }
  return "?";
}

Dist Dist::weibull_mean(core::Duration mean, double shape) {
  return {Kind::weibull, shape, double(mean.count()) / std::tgamma(1.0 + 1.0 / shape)};
}

Dist Dist::lognormal_mean(core::Duration mean, double sigma) {
  return {Kind::lognormal, std::log(double(mean.count())) - sigma * sigma / 2, sigma};
}

double Dist::sample_ns(core::Rng& rng) const {
  double v = 0;
  switch (kind) {
    case Kind::fixed: return a;
    case Kind::uniform: v = rng.uniform(a, b); break;
    case Kind::normal: v = rng.normal(a, b); break;
    case Kind::exponential: v = rng.exponential(a); break;
    case Kind::weibull: v = rng.weibull(a, b); break;
    case Kind::lognormal: v = rng.lognormal(a, b); break;
  }
  return v < 0 ? 0 : v;
}

double Dist::mean_ns() const {
  switch (kind) {
    case Kind::fixed: return a;
    case Kind::uniform: return (a + b) / 2;
    case Kind::normal: return a;
    case Kind::exponential: return a;
    case Kind::weibull: return b * std::tgamma(1.0 + 1.0 / a);
    case Kind::lognormal: return std::exp(a + b * b / 2);
  }
  return 0;
}

double Dist::stddev_ns() const {
  switch (kind) {
    case Kind::fixed: return 0;
    case Kind::uniform: return (b - a) / std::sqrt(12.0);
    case Kind::normal: return b;
    case Kind::exponential: return a;
    case Kind::weibull: {
      const double g1 = std::tgamma(1.0 + 1.0 / a), g2 = std::tgamma(1.0 + 2.0 / a);
      return b * std::sqrt(g2 - g1 * g1);
    }
    case Kind::lognormal: return std::sqrt((std::exp(b * b) - 1) * std::exp(2 * a + b * b));
  }
  return 0;
}

std::string Dist::to_string() const {
  auto d = [](double ns) { return core::format_duration(core::Duration(static_cast<std::int64_t>(ns))); };
  switch (kind) {
    case Kind::fixed: return "fixed " + d(a);
    case Kind::uniform: return "uniform " + d(a) + " " + d(b);
    case Kind::normal: return "normal " + d(a) + " " + d(b);
    case Kind::exponential: return "exponential " + d(a);
    case Kind::weibull: return "weibull mean " + d(mean_ns()) + " shape " + std::to_string(a);
    case Kind::lognormal: return "lognormal mean " + d(mean_ns()) + " sigma " + std::to_string(b);
  }
  return "?";
}

}  // namespace halab::simnet
