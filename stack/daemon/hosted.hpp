#pragma once
// The components a node runs on top of its messaging layer, built the same
// way for every Node: in halabd and in simnet's `service halabd`. As the CIB
// manager, controller, executor and fencer land (issue 6), each adds one
// line to hosted.cpp; they reach the cluster through the Node's accessors,
// are destroyed before it (Node::add_service), and answer control-socket
// requests through Node::add_control_handler.
#include "stack/daemon/node.hpp"

namespace halab::daemon {

void add_hosted_services(Node& node);

}  // namespace halab::daemon
