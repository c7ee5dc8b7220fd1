// libFuzzer target: fence_virt.conf parsing and the agent's stdin protocol, the two other
// inputs a user (or a broken fencer) controls. Errors are fine; crashes and hangs are not.
#include <cstdint>
#include <string>

#include "fence-virt/agent/options.hpp"
#include "fence-virt/daemon/config.hpp"
#include "stack/core/assert.hpp"

using namespace halab::fv;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  ConfNode root;
  ConfError err;
  if (parse_conf_text(text, "fuzz.conf", root, err)) {
    DaemonConfig cfg;
    (void)daemon_config_from_tree(root, "fuzz.conf", cfg, err);
  } else {
    HALAB_ASSERT(err.line >= 1 && !err.message.empty());
  }
  AgentOptions o;
  auto r = parse_stdin_text(text, o);
  HALAB_ASSERT(r.ok || !r.error.empty());
  HALAB_ASSERT(domain_fits(o.domain));
  return 0;
}
