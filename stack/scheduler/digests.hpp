#pragma once
// Definition changes: the operation history records digests of the
// parameters each operation ran with (op-digest, op-restart-digest); when
// the configuration's differ, pacemaker restarts, reloads or reschedules.
// Also: recurring operations no longer configured are cancelled, and the
// history of orphans and of changed agents is cleaned up (lrm delete).
#include <map>
#include <string>

#include "stack/scheduler/model.hpp"

namespace halab::scheduler {

// md5 of ` <parameters k="v" .../>\n` (keys sorted), pacemaker's operation digest.
std::string parameters_digest(const std::map<std::string, std::string>& params);

// After unpacking, before assignment (pacemaker's handling of resource
// configuration changes): fills the Resource fields force_start_reason,
// force_stop_on, reschedule, reload_on, delete_on and cancels.
void check_definition_changes(Cluster& c);

// The actions those decisions need, once the resource's own actions exist.
void create_definition_change_actions(Cluster& c, Resource* r);
// A reload is cancelled by a required stop of the resource on its node.
void cancel_reloads_before_stops(Cluster& c);

}  // namespace halab::scheduler
