#pragma once
// What the controller asks the executor for, and what it gets back: the
// content of a CIB lrm_rsc_op entry.
#include <cstdint>
#include <functional>
#include <map>
#include <string>

#include "stack/core/time.hpp"
#include "stack/executor/codes.hpp"

namespace halab::executor {

// A primitive as the CIB defines it: class:provider:type plus its
// instance_attributes.
struct ResourceDef {
  std::string id;        // OCF_RESOURCE_INSTANCE
  std::string standard;  // ocf, lsb, systemd, service, stonith
  std::string provider;  // ocf only (heartbeat, pacemaker, ...)
  std::string type;      // agent, script, unit or fence agent name
  std::map<std::string, std::string> params;
  std::string spec() const;  // "ocf:heartbeat:Dummy", "lsb:foo"
};

struct OpRequest {
  std::string action;                      // start, stop, monitor, promote, ..., meta-data, validate-all
  core::Duration interval = core::Duration::zero();  // > 0: a recurring monitor
  core::Duration timeout = std::chrono::seconds(20);
  // Passed to OCF agents as OCF_RESKEY_CRM_meta_<key> (the controller's
  // notify_* keys, clone_max, on_node, ...). timeout and interval are added
  // by the executor, in milliseconds, as pacemaker does.
  std::map<std::string, std::string> meta;
  // Extra instance parameters for this operation only (e.g. OCF_CHECK_LEVEL).
  std::map<std::string, std::string> op_params;
};

using CallId = std::uint64_t;

struct OpResult {
  std::string rsc_id;
  std::string action;
  core::Duration interval = core::Duration::zero();
  CallId call_id = 0;
  bool probe = false;  // monitor with interval 0 on a resource not known to run
  int rc = 1;          // OCF meaning (see codes.hpp)
  ExecStatus status = ExecStatus::error;
  std::string exit_reason;  // 'ocf-exit-reason:' lines of stderr, or the executor's own reason
  std::string output;       // stdout (meta-data XML, list output, ...)
  std::string stderr_text;
  core::WallTime last_run{};        // when the agent started (wall clock, for the CIB)
  core::Duration exec_time = core::Duration::zero();
  core::Duration queue_time = core::Duration::zero();
  bool ok() const { return status == ExecStatus::done && rc == 0; }
};

using OpCallback = std::function<void(const OpResult&)>;

}  // namespace halab::executor
