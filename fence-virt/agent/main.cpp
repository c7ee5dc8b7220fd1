// fence_halab_virt: a fence agent for libvirt VMs behind halab-fence-virtd / fence_virtd.
// With no arguments it reads name=value lines from stdin (pacemaker's fencer); otherwise it
// takes fence_xvm's options. Exit codes: 0 success / on, 1 failure, 2 off (status).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "fence-virt/agent/answer.hpp"
#include "fence-virt/agent/client.hpp"
#include "fence-virt/agent/options.hpp"
#include "fence-virt/os/fd.hpp"

using namespace halab::fv;

namespace {
int print(const AgentExit& e) {
  std::fputs(e.out.c_str(), stdout);
  std::fputs(e.err.c_str(), stderr);
  return e.rc;
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
  if (parsed.ok && o.version && !o.help) {
    std::printf("fence_halab_virt %s\n", HALAB_VERSION);
    return 0;
  }
  std::string warnings;
  if (auto e = agent_early_exit(parsed, o, argc > 1, warnings)) return print(*e);
  std::fputs(warnings.c_str(), stderr);

  Key key;
  if (o.hash != HashType::none || o.auth != HashType::none) {
    std::string contents, err;
    if (!os::read_key_file(o.key_file, contents, err))
      return print({1, "", "fence_halab_virt: " + err + " (use -k / key_file, or hash=none and auth=none for an unauthenticated daemon)\n"});
    key = Key::from_contents(std::span(reinterpret_cast<const std::uint8_t*>(contents.data()), contents.size()));
  }

  if (o.delay_s > 0 && (o.action == AgentAction::off || o.action == AgentAction::on || o.action == AgentAction::reboot))
    std::this_thread::sleep_for(std::chrono::seconds(o.delay_s));

  return print(agent_exit(o.action, call_daemon(o, key, wire_op(o.action))));
}
