#pragma once
// The executor: runs resource agents for this node's controller, as
// pacemaker-execd does.
//
//   Executor ex(env, {.state_dir = "/var/lib/halab"});
//   ex.execute(rsc, {.action = "start", .timeout = 20s}, [](const OpResult& r) { ... });
//   auto id = ex.execute(rsc, {.action = "monitor", .interval = 10s}, on_monitor);
//   ex.cancel(rsc.id, "monitor", 10s);
//
// Contract:
//  - Callbacks run later on the event loop, never inside execute()/cancel().
//  - Per resource, one operation runs at a time; the others wait in FIFO
//    order (a recurring monitor that falls due joins the same queue).
//  - A recurring monitor (interval > 0) runs at once, then `interval` after
//    each completion, and reports every result until cancelled; cancelling
//    reports one last result with status `cancelled`.
//  - A timed-out operation has its whole process group killed (by
//    core::Processes) and ends with status `timeout`, rc 1.
//  - A monitor with interval 0 on a resource this executor has not seen
//    running is a probe (OpResult::probe); rc 7 is its normal answer.
//  - Agents get HA_RSCTMP = <state_dir>/<rsctmp> (and HA_VARRUN below it),
//    so nodes sharing a host never share agent state files. The directory is
//    made (and, as a reboot empties /run, emptied) through core::Storage.
//
// Classes: ocf, lsb (/etc/init.d), systemd (systemctl; where systemd is not
// PID 1 the result is not-installed, "systemd is not running on this
// node"), service (lsb when the init script exists, else systemd, as
// pacemaker resolves it), stonith (handed to a StonithOps, the fencer).
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "stack/core/env.hpp"
#include "stack/executor/agent_command.hpp"
#include "stack/executor/operation.hpp"

namespace halab::executor {

struct ExecutorOptions {
  // Absolute path of the node's state directory: the root of env.storage.
  std::string state_dir;
  // Storage name (below state_dir) of the agents' HA_RSCTMP. Empty: agents
  // keep their packaged default (only safe with one node per host).
  std::string rsctmp = "rsctmp";
  bool clear_rsctmp = true;  // empty it when the executor starts
  AgentPaths paths{};        // ocf_root, lsb_dir, systemctl, PATH (rsctmp/varrun are filled in)
};

// Stonith-class resources are devices of the fencer: start registers the
// device, stop removes it, monitor checks it, meta-data asks the agent.
class StonithOps {
 public:
  virtual ~StonithOps() = default;
  // `done` runs exactly once, later, with rc/status/exit_reason/output set.
  virtual void stonith_op(const ResourceDef& rsc, const OpRequest& op, std::function<void(OpResult)> done) = 0;
};

struct RecurringOp {
  std::string rsc_id, action;
  core::Duration interval;
  CallId call_id;
};

class Executor {
 public:
  Executor(core::Env& env, ExecutorOptions options, StonithOps* stonith = nullptr);
  ~Executor();
  Executor(const Executor&) = delete;
  Executor& operator=(const Executor&) = delete;

  // Queues an operation; returns its call id (the id of every run of a recurring op).
  CallId execute(const ResourceDef& rsc, OpRequest op, OpCallback done);
  // Cancels a recurring operation. False when there is none.
  bool cancel(const std::string& rsc_id, const std::string& action, core::Duration interval);
  // Cancels every recurring op of the resource and forgets what it knew of it.
  void forget(const std::string& rsc_id);

  std::vector<RecurringOp> recurring() const;
  std::size_t queued(const std::string& rsc_id) const;  // waiting + running
  const std::string& rsctmp_dir() const { return options_.paths.rsctmp; }

 private:
  struct Job;
  struct Resource;
  void enqueue(const std::shared_ptr<Job>& job);
  void run_next(const std::string& rsc_id);
  void launch(Resource& r, const std::shared_ptr<Job>& job);
  void run_process(const std::shared_ptr<Job>& job, const std::string& standard, core::ProcessSpec spec);
  void finish(const std::shared_ptr<Job>& job, OpResult result);
  void finish_later(const std::shared_ptr<Job>& job, OpResult result);
  OpResult base_result(const Job& job) const;
  void prepare_rsctmp();

  core::Env& env_;
  core::Log log_;
  ExecutorOptions options_;
  StonithOps* stonith_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  CallId next_call_ = 1;
  std::map<std::string, Resource> resources_;
  std::map<std::string, std::string> service_class_;  // service:<type> -> lsb | systemd
};

}  // namespace halab::executor
