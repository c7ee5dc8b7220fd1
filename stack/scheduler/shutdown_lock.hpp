#pragma once
// Shutdown locks (shutdown-lock=true): a resource active on a node that shuts
// down cleanly stays stopped, locked to that node, until the node comes back
// or shutdown-lock-limit passes (then its history there is cleared).
#include "stack/scheduler/model.hpp"
#include "stack/scheduler/xml_reader.hpp"

namespace halab::scheduler {

// After the history is unpacked: locks from the history (shutdown-lock on
// <lrm_resource>) and from nodes shutting down now; locked resources are
// banned from every other node.
void apply_shutdown_locks(Cluster& c, const XmlElement& cib);
// The lrm_delete actions of expired locks.
void create_shutdown_lock_actions(Cluster& c);

}  // namespace halab::scheduler
