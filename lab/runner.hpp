#pragma once
// Runs one scenario text with one seed and measures it. Everything above
// (campaign, shrink, replay) sees only this: scenario text + seed -> record.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lab/run_record.hpp"
#include "simnet/scenario_run.hpp"

namespace halab::lab {

// `file` names the text in messages. Throws simnet::ScenarioError on a bad
// scenario. `services`: the services scenarios may use (the CLI's registry).
RunRecord run_one(const std::string& text, const std::string& file, std::uint64_t seed,
                  const simnet::ServiceRegistry& services);

// What `halab run` adds to a run: a progress callback, the trace window kept
// around a violation, a JSON trace file, and a timeline.
struct RunExtras {
  std::function<void(std::int64_t now_ns, std::int64_t end_ns, std::uint64_t events)> progress;
  std::size_t trace_window = 0;
  std::string trace_path;
  std::FILE* timeline = nullptr;
  simnet::TraceListener* listener = nullptr;
};
RunRecord run_one(const std::string& text, const std::string& file, std::uint64_t seed,
                  const simnet::ServiceRegistry& services, const RunExtras& extras);

// The generic shape the shrinker and replay work with.
using RunFn = std::function<RunRecord(const std::string& text, std::uint64_t seed)>;

}  // namespace halab::lab

namespace halab::lab {
// A scenario argument: a file, or the name of a built-in scenario. Sets
// `text` and `file`; throws core::Error naming the argument when it is neither.
void load_scenario_text(const std::string& arg, std::string& text, std::string& file);
// Appends `cts LINE` statements (the --cts options of run and campaign) to a scenario text.
void add_cts_lines(std::string& text, const std::vector<std::string>& lines);
}  // namespace halab::lab
