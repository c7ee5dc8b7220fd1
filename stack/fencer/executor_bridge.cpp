#include "stack/fencer/executor_bridge.hpp"

#include "stack/executor/agent_command.hpp"

namespace halab::fencer {

using executor::ExecStatus;
using executor::OpResult;

namespace {

OpResult from_agent(const AgentResult& r) {
  OpResult out;
  out.status = r.timed_out ? ExecStatus::timeout : ExecStatus::done;
  out.rc = r.ok ? 0 : 1;
  out.exit_reason = r.reason;
  out.output = r.output;
  return out;
}

}  // namespace

void FencerStonithOps::stonith_op(const executor::ResourceDef& rsc, const executor::OpRequest& op,
                                  std::function<void(OpResult)> done) {
  const std::string& a = op.action;
  if (a == "start") {
    std::string error;
    auto device = device_from_params(rsc.id, rsc.type, rsc.params, error);
    if (!device) {
      OpResult out;
      out.status = ExecStatus::done;
      out.rc = 6;  // not configured
      out.exit_reason = error;
      return fencer_.post([done, out] { done(out); });
    }
    fencer_.register_device(std::move(*device));
    return fencer_.device_action(rsc.id, "monitor", "", [done](const AgentResult& r) { done(from_agent(r)); });
  }
  if (a == "stop") {
    fencer_.remove_device(rsc.id);
    OpResult out;
    out.status = ExecStatus::done;
    out.rc = 0;
    return fencer_.post([done, out] { done(out); });
  }
  if (a == "monitor" || a == "status") {
    if (!fencer_.devices().count(rsc.id)) {
      OpResult out;
      out.status = ExecStatus::done;
      out.rc = 7;  // not running: not registered here
      return fencer_.post([done, out] { done(out); });
    }
    return fencer_.device_action(rsc.id, "monitor", "", [done](const AgentResult& r) { done(from_agent(r)); });
  }
  if (a == "meta-data") {
    // Ask the agent itself; the device need not be registered.
    DeviceConfig probe;
    probe.id = "__metadata_" + rsc.type;
    probe.agent = rsc.type;
    const bool known = fencer_.devices().count(rsc.id) > 0;
    const std::string id = known ? rsc.id : probe.id;
    if (!known) fencer_.register_device(probe);
    return fencer_.device_action(id, "metadata", "", [this, done, known, id](const AgentResult& r) {
      if (!known) fencer_.remove_device(id);
      OpResult out = from_agent(r);
      if (r.ok) {
        const std::string why = executor::check_metadata(r.output);
        if (!why.empty()) {
          out.status = ExecStatus::error;
          out.rc = 1;
          out.exit_reason = "invalid meta-data: " + why;
        }
      }
      done(out);
    });
  }
  OpResult out;
  out.status = ExecStatus::not_supported;
  out.rc = 3;
  out.exit_reason = "stonith resources do not support the " + a + " action";
  fencer_.post([done, out] { done(out); });
}

}  // namespace halab::fencer
