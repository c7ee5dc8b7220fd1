#pragma once
// Pacemaker scores: integers saturated at +/-INFINITY (1,000,000), where
// -INFINITY wins over +INFINITY.
#include <optional>
#include <string>
#include <string_view>

namespace halab::scheduler {

inline constexpr int kInfinity = 1000000;

// a + b with pacemaker's rules: -INF dominates, then +INF, then clamp.
int add_scores(int a, int b);
// "INFINITY", "+INFINITY", "-INFINITY", "red"/"yellow"/"green" are not
// handled here (node health is unsupported); integers are clamped.
std::optional<int> parse_score(std::string_view text);
int parse_score_or(std::string_view text, int dflt);
std::string score_to_string(int score);

}  // namespace halab::scheduler
