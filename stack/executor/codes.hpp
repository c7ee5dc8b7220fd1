#pragma once
// Result codes of resource operations, as pacemaker records them in
// lrm_rsc_op: the agent's exit code mapped to OCF meaning (rc) and how the
// execution itself went (status).
#include <string>

namespace halab::executor {

// OCF 1.1 exit codes (also what LSB and systemd results are mapped to).
enum class OcfRc : int {
  ok = 0,
  unknown_error = 1,
  invalid_param = 2,
  unimplemented = 3,
  insufficient_priv = 4,
  not_installed = 5,
  not_configured = 6,
  not_running = 7,
  running_promoted = 8,
  failed_promoted = 9,
  degraded = 190,
  degraded_promoted = 191,
};

// How the execution went, pacemaker's PCMK_EXEC_* values (same numbers, so
// the controller can write op-status as pacemaker does).
enum class ExecStatus : int {
  done = 0,           // the agent ran to completion; rc says what it found
  cancelled = 1,      // a recurring op was cancelled
  timeout = 2,        // killed at its timeout
  not_supported = 3,  // this class cannot do the action
  error = 4,          // the agent could not be run properly (killed, nonsense output or exit code)
  not_installed = 7,  // the agent (script, unit, program) does not exist
  invalid = 9,        // the request itself was invalid (unknown class, missing type)
  no_fence_device = 10,
};

bool known_ocf_rc(int rc);
// "ok", "not running", "running (Promoted)", ... ("unknown exit code N" otherwise).
std::string describe_rc(int rc);
const char* to_string(ExecStatus status);

// LSB init scripts: `status` has its own codes (0 running, 1-3 not running, 4
// unknown); the other actions use codes 0-7 with the OCF meanings.
int lsb_to_ocf(const std::string& action, int exit_code);

}  // namespace halab::executor
