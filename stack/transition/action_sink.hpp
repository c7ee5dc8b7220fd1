#pragma once
// What the transition engine needs from the controller: a way to run each
// kind of graph action on a node, and the result each one produced.
//
// The controller implements ActionSink: rsc_op goes to the executor of the
// node named in the action (locally, or by a message to that node's
// controller), stonith to the fencer, do_shutdown to the node's controller,
// clear_failcount to the attribute store.
#include <functional>
#include <string>

#include "stack/core/time.hpp"
#include "stack/executor/codes.hpp"
#include "stack/transition/graph.hpp"

namespace halab::transition {

// The outcome of one action, as pacemaker's lrm_rsc_op records it.
struct ActionResult {
  int rc = 0;                                              // OCF meaning (executor/codes.hpp)
  executor::ExecStatus status = executor::ExecStatus::done;  // op-status
  std::string exit_reason;
  int call_id = 0;                  // the executor's call id (0: none, e.g. fencing)
  core::WallTime last_rc_change{};  // when it ran (wall clock, for the CIB)
  core::Duration exec_time = core::Duration::zero();
  core::Duration queue_time = core::Duration::zero();

  static ActionResult ok() { return {}; }
  static ActionResult error(std::string reason, executor::ExecStatus st = executor::ExecStatus::error) {
    ActionResult r;
    r.rc = 1;
    r.status = st;
    r.exit_reason = std::move(reason);
    return r;
  }
};

// Runs exactly once per dispatched action; may run later or (discouraged)
// inside the call. A result arriving after the engine timed the action out,
// or after the engine was destroyed or started another graph, is ignored.
using ActionDone = std::function<void(ActionResult)>;

class ActionSink {
 public:
  virtual ~ActionSink() = default;
  // rsc_op (start, stop, monitor, promote, demote, migrate_*, notify,
  // cancel, ...) on `node`; `op` carries the primitive and its attributes.
  virtual void execute_rsc_op(const std::string& node, const GraphAction& op, ActionDone done) = 0;
  // crm_event stonith: fence `node` with `action` (reboot, off, on).
  virtual void fence(const std::string& node, const std::string& action, const GraphAction& event,
                     ActionDone done) = 0;
  // crm_event do_shutdown: ask `node` to leave the cluster (its resources
  // are already stopped, the graph ordered that).
  virtual void shutdown(const std::string& node, const GraphAction& event, ActionDone done) = 0;
  // crm_event clear_failcount: forget the fail counts of event.rsc_id on `node`.
  virtual void clear_failcount(const std::string& node, const GraphAction& event, ActionDone done) = 0;
};

}  // namespace halab::transition
