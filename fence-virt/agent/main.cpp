// fence_halab_virt: a fence agent for libvirt VMs behind halab-fence-virtd / fence_virtd.
// With no arguments it reads name=value lines from stdin (pacemaker's fencer); otherwise it
// takes fence_xvm's options. Exit codes: 0 success / on, 1 failure, 2 off (status).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "fence-virt/agent/client.hpp"
#include "fence-virt/agent/options.hpp"
#include "fence-virt/os/fd.hpp"

using namespace halab::fv;

namespace {
int fail(const std::string& msg) {
  std::fprintf(stderr, "fence_halab_virt: %s\n", msg.c_str());
  return 1;
}

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
}  // namespace

int main(int argc, char** argv) {
  AgentOptions o;
  OptionsResult parsed;
  if (argc <= 1) {
    std::string text;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(0, buf, sizeof buf)) > 0 && text.size() < (1u << 20)) text.append(buf, static_cast<std::size_t>(n));
    parsed = parse_stdin_text(text, o);
  } else {
    parsed = parse_command_line(std::vector<std::string>(argv + 1, argv + argc), o);
  }
  for (const auto& w : parsed.warnings) std::fprintf(stderr, "fence_halab_virt: warning: %s\n", w.c_str());
  if (!parsed.ok) {
    std::fprintf(stderr, "fence_halab_virt: %s\n", parsed.error.c_str());
    if (argc > 1) std::fputs(agent_usage().c_str(), stderr);
    return 1;
  }
  if (o.help) { std::fputs(agent_usage().c_str(), stdout); return 0; }
  if (o.version) { std::printf("fence_halab_virt %s\n", HALAB_VERSION); return 0; }
  if (o.action == AgentAction::metadata) { std::fputs(agent_metadata_xml().c_str(), stdout); return 0; }
  if (o.action == AgentAction::validate_all) return 0;
  if (needs_target(o.action) && o.domain.empty()) {
    std::fprintf(stderr, "fence_halab_virt: action '%s' needs a target (plug / -n)\n", to_string(o.action));
    std::fputs(agent_usage().c_str(), stderr);
    return 1;
  }

  Key key;
  if (o.hash != HashType::none || o.auth != HashType::none) {
    std::string contents, err;
    if (!os::read_key_file(o.key_file, contents, err))
      return fail(err + " (use -k / key_file, or hash=none and auth=none for an unauthenticated daemon)");
    key = Key::from_contents(std::span(reinterpret_cast<const std::uint8_t*>(contents.data()), contents.size()));
  }

  if (o.delay_s > 0 && (o.action == AgentAction::off || o.action == AgentAction::on || o.action == AgentAction::reboot))
    std::this_thread::sleep_for(std::chrono::seconds(o.delay_s));

  CallOutcome out = call_daemon(o, key, wire_op(o.action));
  if (!out.answered) return fail(out.error);
  switch (o.action) {
    case AgentAction::list:
    case AgentAction::list_status:
      if (!out.got_hostlist) {
        std::fprintf(stderr, "fence_halab_virt: the host daemon could not list its domains (result %d)\n", out.raw_result);
        return out.raw_result ? out.raw_result : 1;
      }
      for (const auto& h : out.hosts)
        std::printf("%-32s %s %s\n", h.domain.c_str(), h.uuid.c_str(), h.state == 1 ? "on" : "off");
      return 0;
    case AgentAction::status:
      if (out.result == Result::success) std::printf("Status: ON\n");
      else if (out.result == Result::off) std::printf("Status: OFF\n");
      break;
    default:
      break;
  }
  if (out.result == Result::denied) std::fprintf(stderr, "fence_halab_virt: permission denied by the host daemon\n");
  return out.raw_result;
}
