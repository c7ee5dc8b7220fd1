#pragma once
// What fence_halab_virt does around the exchange, without I/O: the options' early exits
// (errors, help, metadata, validate-all, a missing target), the wire operation of an action,
// and how an answer becomes the agent's output and exit code (fence-agents' conventions).
// The real agent (agent/main.cpp) and its simnet model (fence-virt/sim) both use it.
#include <optional>
#include <string>
#include <vector>

#include "fence-virt/agent/options.hpp"
#include "fence-virt/protocol/wire.hpp"

namespace halab::fv {

// The outcome of one call to the host daemon.
struct CallOutcome {
  bool answered = false;  // false: time-out, refused or broken exchange (see error)
  std::string error;
  Result result = Result::failure;
  std::uint8_t raw_result = 1;
  bool got_hostlist = false;      // the daemon answered 253 + records
  std::vector<HostRecord> hosts;  // for list
};

struct AgentExit {
  int rc = 1;
  std::string out, err;  // what goes to stdout / stderr
};

Op wire_op(AgentAction a);

// After the options are parsed: the exit that needs no daemon (an option error, help,
// metadata, validate-all, an action without its target), or nullopt to go on. Warnings are
// part of `err` either way (`warnings` gets them when going on). `usage_on_error`: the
// command line shows the usage after an error (stdin callers do not).
std::optional<AgentExit> agent_early_exit(const OptionsResult& parsed, const AgentOptions& o, bool usage_on_error,
                                          std::string& warnings);

// The output and exit code for a call's outcome.
AgentExit agent_exit(AgentAction action, const CallOutcome& outcome);

}  // namespace halab::fv
