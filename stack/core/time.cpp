#include "stack/core/time.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

namespace halab::core {

std::string format_duration(Duration d) {
  const bool neg = d < Duration::zero();
  if (neg) d = -d;
  const std::int64_t ns = d.count();
  char buf[64];
  if (ns < 1'000) {
    std::snprintf(buf, sizeof buf, "%lldns", static_cast<long long>(ns));
  } else if (ns < 1'000'000) {
    std::snprintf(buf, sizeof buf, "%.3gus", ns / 1e3);
  } else if (ns < 1'000'000'000) {
    std::snprintf(buf, sizeof buf, "%.4gms", ns / 1e6);
  } else if (ns < 60'000'000'000LL) {
    std::snprintf(buf, sizeof buf, "%.3fs", ns / 1e9);
  } else {
    const std::int64_t s = ns / 1'000'000'000LL;
    if (s < 3600)
      std::snprintf(buf, sizeof buf, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
    else if (s < 86400)
      std::snprintf(buf, sizeof buf, "%lldh%02lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
    else
      std::snprintf(buf, sizeof buf, "%lldd%02lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
  }
  return neg ? "-" + std::string(buf) : std::string(buf);
}

bool parse_duration(const std::string& text, Duration& out, Duration bare_unit) {
  if (text.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(text.c_str(), &end);
  if (end == text.c_str() || !std::isfinite(v) || v < 0) return false;
  const std::string unit(end);
  double ns_per;
  if (unit.empty()) ns_per = static_cast<double>(bare_unit.count());
  else if (unit == "ns") ns_per = 1;
  else if (unit == "us") ns_per = 1e3;
  else if (unit == "ms") ns_per = 1e6;
  else if (unit == "s") ns_per = 1e9;
  else if (unit == "m" || unit == "min") ns_per = 60e9;
  else if (unit == "h") ns_per = 3600e9;
  else if (unit == "d") ns_per = 86400e9;
  else return false;
  const double total = v * ns_per;
  if (total > 9.2e18) return false;
  out = Duration(static_cast<std::int64_t>(std::llround(total)));
  return true;
}

}  // namespace halab::core
