#pragma once
// How each agent class is run, and how its process result becomes an
// OpResult: pure functions, shared by the executor and its tests.
#include <string>
#include <vector>

#include "stack/core/process.hpp"
#include "stack/executor/operation.hpp"

namespace halab::executor {

struct AgentPaths {
  std::string ocf_root = "/usr/lib/ocf";
  std::string lsb_dir = "/etc/init.d";
  std::string systemctl = "systemctl";
  std::string path_env = "/usr/sbin:/usr/bin:/sbin:/bin";
  std::string rsctmp;  // HA_RSCTMP for this node's agents; empty: the agents' default
  std::string varrun;  // HA_VARRUN (ocf:pacemaker agents keep state there); empty: default
};

// The OCF 1.1 environment and argv of an ocf agent.
core::ProcessSpec ocf_command(const AgentPaths& paths, const ResourceDef& rsc, const OpRequest& op);
// An LSB init script: monitor runs `status`; meta-data is generated, not run.
core::ProcessSpec lsb_command(const AgentPaths& paths, const ResourceDef& rsc, const OpRequest& op);
// systemctl: start/stop; monitor and status run `is-active`.
core::ProcessSpec systemd_command(const AgentPaths& paths, const ResourceDef& rsc, const OpRequest& op);

// Collects 'ocf-exit-reason:' lines of an agent's stderr (pacemaker keeps the
// last one; we join them with "; " in order, so none is lost).
std::string exit_reason_of(const std::string& stderr_text);

// Fills rc/status/exit_reason/output/stderr/exec_time of `out` from what the
// process did, for the given class ("ocf", "lsb" or "systemd").
void interpret(const std::string& standard, const OpRequest& op, const core::ProcessResult& pr, OpResult& out);

// Checks that `xml` is a resource-agent meta-data document: well-formed XML
// whose root is <resource-agent>. Returns "" when valid, else why not
// (with the line number libxml2 reports).
std::string check_metadata(const std::string& xml);

// A minimal meta-data document for classes that have none of their own.
std::string generated_metadata(const ResourceDef& rsc, const std::string& description);

bool valid_agent_name(const std::string& name);  // no '/', no "..": it becomes a path

}  // namespace halab::executor
