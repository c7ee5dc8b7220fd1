#include "stack/scheduler/score.hpp"

#include <cerrno>
#include <cstdlib>

namespace halab::scheduler {

int add_scores(int a, int b) {
  if (a <= -kInfinity || b <= -kInfinity) return -kInfinity;
  if (a >= kInfinity || b >= kInfinity) return kInfinity;
  long long s = (long long)a + b;
  if (s >= kInfinity) return kInfinity;
  if (s <= -kInfinity) return -kInfinity;
  return int(s);
}

std::optional<int> parse_score(std::string_view t) {
  if (t == "INFINITY" || t == "+INFINITY" || t == "infinity" || t == "+infinity" || t == "inf" || t == "+inf")
    return kInfinity;
  if (t == "-INFINITY" || t == "-infinity" || t == "-inf") return -kInfinity;
  if (t.empty()) return std::nullopt;
  std::string s(t);
  char* end = nullptr;
  errno = 0;
  long long v = std::strtoll(s.c_str(), &end, 10);
  if (end == s.c_str()) return std::nullopt;
  if (v >= kInfinity || (errno == ERANGE && v > 0)) return kInfinity;
  if (v <= -kInfinity || (errno == ERANGE && v < 0)) return -kInfinity;
  return int(v);
}

int parse_score_or(std::string_view t, int dflt) {
  auto v = parse_score(t);
  return v ? *v : dflt;
}

std::string score_to_string(int score) {
  if (score >= kInfinity) return "INFINITY";
  if (score <= -kInfinity) return "-INFINITY";
  return std::to_string(score);
}

}  // namespace halab::scheduler
