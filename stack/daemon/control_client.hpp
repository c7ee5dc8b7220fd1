#pragma once
// The `halab` tools' (and tests') side of halabd's control socket (stack/daemon/
// control_protocol.hpp): find the state directory, send one request, wait
// (bounded) for the answer.
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "stack/daemon/control_protocol.hpp"

namespace halab::daemon {

// --state-dir DIR / --state-dir=DIR (removed from `args`), else
// $HALAB_STATE_DIR, else /var/lib/halab.
std::string take_state_dir(std::vector<std::string>& args);

struct CtlResult {
  std::optional<Response> response;  // nullopt: no daemon answered
  std::string error;                          // why not
};

// Timeout covers connect, send and the whole answer.
CtlResult ctl_call(const std::string& state_dir, const Request& req, int timeout_ms = 10'000);

}  // namespace halab::daemon
