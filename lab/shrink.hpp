#pragma once
// Shrinking: given a scenario text and seed whose run fails, find a smaller
// scenario that still fails the same way: drop fixed fault events ("at ..."
// lines) and failure processes one by one, then shorten the duration. Works
// on the text, so the result is itself a scenario a user can read and run.
#include <cstdint>
#include <string>

#include "lab/runner.hpp"

namespace halab::lab {

struct ShrinkResult {
  std::string text;         // the smallest failing scenario found
  RunRecord record;         // its run
  std::size_t faults_before = 0, faults_after = 0;
  std::int64_t duration_before_ns = 0, duration_after_ns = 0;
  int runs = 0;             // how many runs shrinking took
};

// `failure`: the audit that must still fail (the first violation of the
// original run); a candidate also must not fail any audit the original run
// passed (the same failure mode, not a new one). Bounded by `max_runs`.
ShrinkResult shrink(const RunFn& run, const std::string& text, std::uint64_t seed, const std::string& failure,
                    int max_runs = 200);

// The number of fixed fault events and failure processes in a scenario text.
std::size_t count_faults(const std::string& text);

}  // namespace halab::lab
