#include "fence-virt/agent/answer.hpp"

#include <cstdio>

namespace halab::fv {

Op wire_op(AgentAction a) {
  switch (a) {
    case AgentAction::off: return Op::off;
    case AgentAction::on: return Op::on;
    case AgentAction::reboot: return Op::reboot;
    case AgentAction::status: return Op::status;
    case AgentAction::monitor: return Op::devstatus;
    case AgentAction::list:
    case AgentAction::list_status: return Op::hostlist;
    default: return Op::null;
  }
}

std::optional<AgentExit> agent_early_exit(const OptionsResult& parsed, const AgentOptions& o, bool usage_on_error,
                                          std::string& warnings) {
  warnings.clear();
  for (const auto& w : parsed.warnings) warnings += "fence_halab_virt: warning: " + w + "\n";
  auto done = [&](int rc, std::string out, std::string err) {
    return AgentExit{rc, std::move(out), warnings + std::move(err)};
  };
  if (!parsed.ok) return done(1, "", "fence_halab_virt: " + parsed.error + "\n" + (usage_on_error ? agent_usage() : ""));
  if (o.help) return done(0, agent_usage(), "");
  if (o.action == AgentAction::metadata) return done(0, agent_metadata_xml(), "");
  if (o.action == AgentAction::validate_all) return done(0, "", "");
  if (needs_target(o.action) && o.domain.empty())
    return done(1, "",
                std::string("fence_halab_virt: action '") + to_string(o.action) + "' needs a target (plug / -n)\n" +
                    (usage_on_error ? agent_usage() : ""));
  return std::nullopt;
}

AgentExit agent_exit(AgentAction action, const CallOutcome& out) {
  AgentExit e;
  if (!out.answered) {
    e.err = "fence_halab_virt: " + out.error + "\n";
    return e;
  }
  switch (action) {
    case AgentAction::list:
    case AgentAction::list_status:
      if (!out.got_hostlist) {
        e.err = "fence_halab_virt: the host daemon could not list its domains (result " + std::to_string(out.raw_result) + ")\n";
        e.rc = out.raw_result ? out.raw_result : 1;
        return e;
      }
      for (const auto& h : out.hosts) {
        char line[200];
        std::snprintf(line, sizeof line, "%-32s %s %s\n", h.domain.c_str(), h.uuid.c_str(), h.state == 1 ? "on" : "off");
        e.out += line;
      }
      e.rc = 0;
      return e;
    case AgentAction::status:
      if (out.result == Result::success) e.out = "Status: ON\n";
      else if (out.result == Result::off) e.out = "Status: OFF\n";
      break;
    default:
      break;
  }
  if (out.result == Result::denied) e.err = "fence_halab_virt: permission denied by the host daemon\n";
  e.rc = out.raw_result;
  return e;
}

}  // namespace halab::fv
