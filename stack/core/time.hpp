#pragma once
// Time as the stack sees it. Instant is monotonic time on the node's own
// clock (in simnet: virtual time, skewed by the node's drift and steps);
// WallTime is calendar time (CIB timestamps, date rules, log lines).
#include <chrono>
#include <cstdint>
#include <string>

namespace halab::core {

using Duration = std::chrono::nanoseconds;

// Tag type so Instant cannot be mixed up with std::chrono's clocks.
struct MonotonicTag {
  using rep = std::int64_t;
  using period = std::nano;
  using duration = Duration;
  using time_point = std::chrono::time_point<MonotonicTag, Duration>;
  static constexpr bool is_steady = true;
};
using Instant = MonotonicTag::time_point;
using WallTime = std::chrono::time_point<std::chrono::system_clock, Duration>;

using namespace std::chrono_literals;

inline double to_seconds(Duration d) { return std::chrono::duration<double>(d).count(); }
inline Duration from_seconds(double s) {
  return std::chrono::duration_cast<Duration>(std::chrono::duration<double>(s));
}
inline std::int64_t to_ms(Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d).count(); }

// "1.250s", "15ms", "2h03m": compact, for logs and reports.
std::string format_duration(Duration d);
// Parses "500", "500ms", "1.5s", "2m", "4h", "30d", "10us", "100ns".
// A bare number means `bare_unit`. Returns false on malformed input.
bool parse_duration(const std::string& text, Duration& out, Duration bare_unit = std::chrono::milliseconds(1));

}  // namespace halab::core
