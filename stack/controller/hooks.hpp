#pragma once
// Where the transition engine plugs into the controller.
//
// `changed` fires on every node after anything the scheduler's input depends
// on moved: the CIB (any delivered change), the group membership, quorum, or
// who is DC. Changes within one burst of events are coalesced into one call
// (a zero-delay timer), so a join round or a stream of commits gives one
// call per burst. The transition engine acts only where `is_dc` is true.
//
// `operation_result` is where executor results come back to the controller
// (the executor of this node reports them through
// Controller::report_operation_result). Interface only for now: the
// controller hands them to the hook and does nothing else with them.
#include <chrono>
#include <functional>
#include <string>

#include "stack/cib/cib.hpp"

namespace halab::controller {

struct ClusterChange {
  bool cib = false;         // the local CIB changed (commit, sync, resync)
  bool membership = false;  // the group's view changed
  bool quorum = false;      // quorate flipped
  bool dc = false;          // the DC changed (or became known)
  bool is_dc = false;       // this node is DC now
  bool joined = false;      // a join round ended (the DC's JoinConfirm was delivered)
  bool synced = false;      // this node's CIB is the cluster's (join done)
  // Quorum now. The scheduler must take it from here, not from the CIB's
  // have-quorum: a partition without quorum writes nothing (by default), so
  // its CIB may still say have-quorum="1" from before the split.
  bool quorate = false;
  cib::Version version;     // the local CIB's version now
};

// One executor result, as pacemaker's lrm_rsc_op records it.
struct OperationResult {
  std::string node;        // where it ran (uname)
  std::string resource;    // resource id
  std::string operation;   // start, stop, monitor, promote, ...
  std::chrono::milliseconds interval{0};
  int rc = 0;              // OCF exit code
  int op_status = 0;       // pacemaker's execution status (0 done, 1 cancelled, 2 timeout, ...)
  int call_id = 0;
  std::string transition_key;  // which transition action asked for it
  std::string exit_reason;
};

struct Hooks {
  std::function<void(const ClusterChange&)> changed;
  std::function<void(const OperationResult&)> operation_result;
};

}  // namespace halab::controller
