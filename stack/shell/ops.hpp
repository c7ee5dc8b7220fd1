#pragma once
// Operations on a running cluster's CIB, as crmsh's node and resource levels
// and pacemaker's crm_attribute / crm_resource / crm_failcount make them.
// Pure edits of a cib::Cib: where the CIB comes from and goes to is the
// caller's business (today a CIB file through ShellHost; with halabd the
// same edits are applied by the DC). Every function throws core::Error with
// a message worded as the tool users know, and returns what the tool prints.
#include <optional>
#include <string>
#include <vector>

#include "stack/cib/cib.hpp"

namespace halab::shell::ops {

// crm_attribute's sections: -t nodes (forever), -t status (-l reboot),
// -z (utilization, in the nodes section).
enum class NodeSection { nodes, status, utilization };

struct NodeIds {
  std::string id, uname;
};
// A node by uname (configuration/nodes, else status/node_state); throws
// "Could not map name=X to a UUID" when the CIB does not know it.
NodeIds find_node(const cib::Cib& c, const std::string& uname);
std::vector<NodeIds> all_nodes(const cib::Cib& c);

// crm_attribute -N NODE -n NAME -v VALUE: an existing nvpair of that name
// is updated in place; otherwise nodes-<id> / status-<id> /
// nodes-<id>-utilization holds a new nvpair <set-id>-<name>.
void set_node_attr(cib::Cib& c, const std::string& uname, NodeSection s, const std::string& name,
                   const std::string& value);
// crm_attribute -D: returns false when there was nothing to delete.
bool delete_node_attr(cib::Cib& c, const std::string& uname, NodeSection s, const std::string& name);
std::optional<std::string> get_node_attr(const cib::Cib& c, const std::string& uname, NodeSection s,
                                         const std::string& name);

// crmsh's `node standby NODE [forever|reboot]`: the standby nvpair of the
// other lifetime goes; an existing one is set "on"; otherwise the node's
// first instance_attributes (or a new <parent-id>-instance_attributes) gets
// <set-id>-standby.
void standby(cib::Cib& c, const std::string& uname, bool reboot);
// crmsh's `node online NODE`: every existing standby nvpair set to "off".
void online(cib::Cib& c, const std::string& uname);
// crmsh's `node clearstate NODE`: the node_state replaced by an offline,
// cleanly down one (what crmsh writes when the node is gone).
void clear_state(cib::Cib& c, const std::string& uname);

// Resource attributes as crm_resource --set-parameter / --delete-parameter /
// --get-parameter (with --meta or --utilization): returns crm_resource's
// "Set 'R' option: ..." / "Deleted 'R' option: ..." line.
enum class RscSet { params, meta, utilization };
std::string set_rsc_attr(cib::Cib& c, const std::string& rsc, RscSet s, const std::string& name,
                         const std::string& value);
std::string delete_rsc_attr(cib::Cib& c, const std::string& rsc, RscSet s, const std::string& name);
std::optional<std::string> get_rsc_attr(const cib::Cib& c, const std::string& rsc, RscSet s,
                                        const std::string& name);
// crmsh's set_deep_meta_attr (start, stop, manage, unmanage, maintenance).
void set_deep_meta(cib::Cib& c, const std::string& rsc, const std::string& name, const std::string& value);
bool is_promotable(const cib::Cib& c, const std::string& rsc);

// crm_resource --move / --ban / --clear: cli-prefer-<rsc> and
// cli-ban-<rsc>-on-<node> location constraints. `lifetime` (ISO 8601
// duration) adds the expiring rule crm_resource writes. clear returns the
// number of constraints removed.
void move(cib::Cib& c, const std::string& rsc, const std::string& node);
void ban(cib::Cib& c, const std::string& rsc, const std::string& node);
int clear(cib::Cib& c, const std::string& rsc, const std::string& node = "");

// Fail counts (transient attributes fail-count-<rsc>#<op>_<interval-ms>).
int failcount(const cib::Cib& c, const std::string& rsc, const std::string& node);
// crmsh's failcount set: an existing per-operation fail count is set (all of
// them when no operation is given); none and value 0 is a no-op.
void set_failcount(cib::Cib& c, const std::string& rsc, const std::string& node, int value,
                   const std::string& op = "", const std::string& interval_s = "");
// crm_failcount -D: the fail counts and last-failure times go.
void delete_failcount(cib::Cib& c, const std::string& rsc, const std::string& node);

// The CIB part of crm_resource --cleanup / --refresh: on the node (or all
// nodes) the resource's fail counts and last-failure times go, and its
// operation history (lrm_resource) is deleted so the controller re-probes it
// (only where it failed, for cleanup). Returns the nodes cleaned.
std::vector<std::string> cleanup(cib::Cib& c, const std::string& rsc, const std::string& node, bool refresh);


}  // namespace halab::shell::ops
