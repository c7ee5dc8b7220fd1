#pragma once
// Pacemaker Remote nodes (remote.cpp): an ocf:pacemaker:remote primitive is
// the connection to a node of the same name. The node is up while its
// connection runs; connections are placed first, and actions on a remote
// node wait for the connection to start (or stop before it stops).
#include "stack/scheduler/model.hpp"

namespace halab::scheduler {

bool is_remote_connection(const Resource& r);
// The remote node named `uname` (created when there is none yet).
Node* make_remote_node(Cluster& c, const std::string& id, const std::string& uname);
// Creates the remote nodes (from <node type="remote"> and from connection
// primitives); call after unpack_nodes, before nodes are sorted.
void add_remote_nodes(Cluster& c, const XmlElement& cib);
// Links each connection resource with its node (after unpack_resources).
void link_remote_connections(Cluster& c);
// Online state of remote nodes from their connections' current state (after
// the cluster nodes' history, before the remote nodes').
void determine_remote_online(Cluster& c);
// A guest node that is down (its connection or container failed) while
// managed resources are active there is "fenced" by recovering its
// container: those resources and the container are marked failed.
void reset_unclean_guests(Cluster& c);
// Connections and fence devices never run on remote nodes.
void ban_connections_from_remote_nodes(Cluster& c);
// A connection has been placed: its node is up for this transition, or
// shutting down.
void after_connection_assigned(Cluster& c, Resource* conn);
// Orders actions on remote nodes after their connection's start or before
// its stop (after apply_orderings).
void order_remote_actions(Cluster& c);

}  // namespace halab::scheduler
