#pragma once
// Child processes: resource agents, fence agents, init scripts.
//
// Every child runs in its own process group, so a timeout or kill() reaches
// the agent and everything it started. In simnet the "process" is a modelled
// agent chosen by argv[0]; see simnet/agents.hpp.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "stack/core/time.hpp"

namespace halab::core {

using ProcessId = std::uint64_t;  // the world's handle, not a pid

struct ProcessSpec {
  std::vector<std::string> argv;      // argv[0] is the program (path, or looked up in PATH)
  std::vector<std::string> env;       // "KEY=value"; the complete environment
  std::string stdin_data;             // written to the child's stdin, then closed
  Duration timeout = Duration::zero();  // zero: no timeout
  std::string working_dir;            // empty: inherit
};

struct ProcessResult {
  enum class End { exited, signaled, timed_out, spawn_failed };
  End end = End::spawn_failed;
  int exit_code = -1;   // valid when end == exited
  int signal = 0;       // valid when end == signaled (or the signal that ended a timed-out child)
  std::string out;      // stdout
  std::string err;      // stderr
  Duration runtime = Duration::zero();
  std::string error;    // why spawn failed
  bool ok() const { return end == End::exited && exit_code == 0; }
};

const char* to_string(ProcessResult::End end);

using ProcessDone = std::function<void(ProcessResult)>;

class Processes {
 public:
  virtual ~Processes() = default;
  // `done` runs exactly once, on the event loop, after the child is reaped
  // and its output collected (or at once-later if it could not start).
  virtual ProcessId spawn(ProcessSpec spec, ProcessDone done) = 0;
  // Sends `signal` to the child's whole process group. No-op once reaped.
  virtual void kill(ProcessId id, int signal) = 0;
};

}  // namespace halab::core
