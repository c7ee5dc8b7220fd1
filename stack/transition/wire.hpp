#pragma once
// The forms a graph action and its result travel in between the DC's
// controller and the node that runs the action: the action as the element
// pacemaker's graph holds (<rsc_op>/<crm_event> with <primitive>,
// <attributes>, <downed>), plus the transition it belongs to; the result as
// key=value lines.
#include <string>
#include <string_view>

#include "stack/transition/action_sink.hpp"
#include "stack/transition/graph.hpp"

namespace halab::transition {

// <rsc_op id=.. operation=.. operation_key=.. on_node=.. on_node_uuid=.. transition=..>...
std::string encode_action(const GraphAction& a, int transition_id);
// Throws core::Error naming `source` on a malformed action. `transition_id`
// gets the transition the action belongs to.
GraphAction decode_action(std::string_view xml, std::string_view source, int& transition_id);

// rc, status, call_id, last_rc_change (ns since the epoch), exec_ns, queue_ns, exit_reason.
std::string encode_result(const ActionResult& r);
// Throws core::Error naming `source` and the key on a malformed result.
ActionResult decode_result(std::string_view text, std::string_view source);

}  // namespace halab::transition
