#include "stack/core/process.hpp"

namespace halab::core {

const char* to_string(ProcessResult::End end) {
  switch (end) {
    case ProcessResult::End::exited: return "exited";
    case ProcessResult::End::signaled: return "signaled";
    case ProcessResult::End::timed_out: return "timed out";
    case ProcessResult::End::spawn_failed: return "spawn failed";
  }
  return "?";
}

}  // namespace halab::core
