#pragma once
// What the control socket's requests do to a Node: the cfgtool, quorumtool,
// cmapctl and cpgtool views, formatted as corosync's tools print them.
// Pure stack code (no socket here): halabd feeds it decoded requests, tests
// call it directly on simulated nodes.
#include <functional>
#include <optional>
#include <string>

#include "stack/daemon/control_protocol.hpp"
#include "stack/daemon/node.hpp"

namespace halab::daemon {

struct ControlHooks {
  // cfgtool -R: re-read the configuration. Returns the response to send.
  std::function<Response()> reload;
  // cfgtool -H: stop the daemon after this response is sent.
  std::function<void()> shutdown;
  std::string version;
  long pid = 0;
};

// The node's own verbs first, then its hosted components' handlers
// (Node::add_control_handler); anything else is CS_ERR_NOT_SUPPORTED.
Response handle_request(Node& node, const Request& req, const ControlHooks& hooks);

// cmapctl's type names and value syntax ("u32" "5", "str" "text", "bin" as
// hex); an error message or "".
std::string parse_cmap_value(std::string_view type, std::string_view text, cmap::Value& out);

}  // namespace halab::daemon
