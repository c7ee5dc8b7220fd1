#include "stack/executor/codes.hpp"

#include <fmt/format.h>

namespace halab::executor {

bool known_ocf_rc(int rc) { return (rc >= 0 && rc <= 9) || rc == 190 || rc == 191; }

std::string describe_rc(int rc) {
  switch (rc) {
    case 0: return "ok";
    case 1: return "error";
    case 2: return "invalid parameter";
    case 3: return "unimplemented feature";
    case 4: return "insufficient privileges";
    case 5: return "not installed";
    case 6: return "not configured";
    case 7: return "not running";
    case 8: return "promoted";
    case 9: return "promoted (failed)";
    case 190: return "OCF_DEGRADED";
    case 191: return "promoted (degraded)";
  }
  return fmt::format("unknown exit code {}", rc);
}

const char* to_string(ExecStatus status) {
  switch (status) {
    case ExecStatus::done: return "complete";
    case ExecStatus::cancelled: return "Cancelled";
    case ExecStatus::timeout: return "Timed Out";
    case ExecStatus::not_supported: return "NOT SUPPORTED";
    case ExecStatus::error: return "Error";
    case ExecStatus::not_installed: return "Not installed";
    case ExecStatus::invalid: return "Invalid parameter";
    case ExecStatus::no_fence_device: return "No fence device";
  }
  return "?";
}

int lsb_to_ocf(const std::string& action, int exit_code) {
  if (action == "status" || action == "monitor") {
    switch (exit_code) {
      case 0: return 0;
      case 1:  // dead, but a pid file exists
      case 2:  // dead, but a lock file exists
      case 3: return 7;
      case 4: return 1;  // status unknown
      default: return 1;
    }
  }
  if (exit_code >= 0 && exit_code <= 7) return exit_code;  // LSB's generic codes mean what OCF's do
  return 1;
}

}  // namespace halab::executor
