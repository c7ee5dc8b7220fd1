#pragma once
// Runs one scenario text with one seed and measures it. Everything above
// (campaign, shrink, replay) sees only this: scenario text + seed -> record.
#include <cstdint>
#include <functional>
#include <string>

#include "lab/run_record.hpp"
#include "simnet/scenario_run.hpp"

namespace halab::lab {

// `file` names the text in messages. Throws simnet::ScenarioError on a bad
// scenario. `services`: the services scenarios may use (the CLI's registry).
RunRecord run_one(const std::string& text, const std::string& file, std::uint64_t seed,
                  const simnet::ServiceRegistry& services);

// The generic shape the shrinker and replay work with.
using RunFn = std::function<RunRecord(const std::string& text, std::uint64_t seed)>;

}  // namespace halab::lab

namespace halab::lab {
// A scenario argument: a file, or the name of a built-in scenario. Sets
// `text` and `file`; throws core::Error naming the argument when it is neither.
void load_scenario_text(const std::string& arg, std::string& text, std::string& file);
}  // namespace halab::lab
