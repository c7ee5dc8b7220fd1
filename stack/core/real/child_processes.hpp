#pragma once
// The real world's child processes: fork/exec on the io_context.
//
// Each child is the leader of its own process group, so kill() and a timeout
// (SIGKILL) reach everything it started. Children are reaped from a SIGCHLD
// asio::signal_set with waitpid(pid, WNOHANG) on our own pids only, so other
// code in the process (or another ChildProcesses) keeps its children.
//
// Output: stdout and stderr are collected until both pipes reach EOF. A
// grandchild that escaped the group and keeps a pipe open cannot hold the
// result back forever: once the child is reaped, the pipes get
// `Options::output_grace` to drain, then they are closed.
//
// The process ignores SIGPIPE (writing stdin to a child that exited must be
// an error, not our death); children start with default signal dispositions
// and an empty signal mask.
#include <boost/asio/io_context.hpp>
#include <memory>

#include "stack/core/process.hpp"

namespace halab::core::real {

class ChildProcesses final : public Processes {
 public:
  struct Options {
    Duration output_grace = std::chrono::milliseconds(500);
    std::size_t max_output = 16u << 20;  // per stream; the rest is read and dropped
  };

  explicit ChildProcesses(boost::asio::io_context& io) : ChildProcesses(io, Options{}) {}
  ChildProcesses(boost::asio::io_context& io, Options options);
  // Kills (SIGKILL to the group) and reaps children still running; their
  // done callbacks do not run.
  ~ChildProcesses() override;
  ChildProcesses(const ChildProcesses&) = delete;
  ChildProcesses& operator=(const ChildProcesses&) = delete;

  ProcessId spawn(ProcessSpec spec, ProcessDone done) override;
  void kill(ProcessId id, int signal) override;

  std::size_t running() const;  // spawned and not yet reported

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace halab::core::real
