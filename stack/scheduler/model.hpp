#pragma once
// The scheduler's working set: what pacemaker calls pe_working_set_t. Built
// by unpack (config, nodes, resources, status), then filled in by placement
// and action creation. Plain data; the behaviour lives in one file per
// concern (unpack_*, location, colocation, ordering, assign, actions, ...).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <vector>

#include "stack/scheduler/score.hpp"
#include "stack/scheduler/xml_reader.hpp"

namespace halab::scheduler {

enum class Role { Unknown, Stopped, Started, Unpromoted, Promoted };
const char* role_name(Role r);
Role parse_role(const std::string& s);  // Unknown when unrecognised

struct Resource;
struct Action;

struct Node {
  int index = 0;
  std::string id;
  std::string uname;
  bool online = false;
  bool unclean = false;
  bool standby = false;
  bool standby_onfail = false;
  bool maintenance = false;
  bool shutdown = false;
  bool pending = false;
  bool unseen = true;
  bool expected_up = false;
  std::string fence_reason;  // why the node must be fenced, when unclean
  std::map<std::string, std::string> attrs;  // #uname, #id, config and transient attributes
  int num_resources = 0;                     // assigned so far (tie-break)
  std::vector<Resource*> running;
  std::map<std::string, int> utilization;  // remaining capacity (placement-strategy)
  bool remote = false;                     // a Pacemaker Remote node (or a guest node)
  bool guest = false;                      // a guest node (runs inside a container resource)
  Resource* remote_rsc = nullptr;          // its connection resource
  bool guest_reset = false;                // a guest node "fenced" by recovering its container (remote.cpp)

  // pacemaker's "can run resources": online and in no state that forbids it.
  bool can_run() const { return online && !shutdown && !unclean && !standby && !maintenance && !pending; }
  std::string attr(const std::string& name) const;
};

struct OpConfig {
  std::string id;
  std::string name;
  long interval_ms = 0;
  Role role = Role::Unknown;
  std::string on_fail;
  bool enabled = true;
  long timeout_ms = 0;  // 0: not set on the op
  std::map<std::string, std::string> params;  // the op's own instance_attributes (in its digest)
};

enum class Variant { Primitive, Group, Clone };

// A clone's configuration (meta attributes of <clone>, or <master>).
struct CloneConfig {
  int max = 0;        // clone-max (default: number of nodes)
  int node_max = 1;   // clone-node-max
  int min = 0;        // clone-min
  int promoted_max = 1, promoted_node_max = 1;
  bool unique = false;      // globally-unique
  bool promotable = false;  // promotable=true or <master>
  bool ordered = false, interleave = false, notify = false;
  bool bundle = false;  // a <bundle>: the "instances" are its replicas' containers (bundle.cpp)
};

struct Resource;
// A bundle's replica (bundle_unpack.cpp): its container, optional IP, and,
// with a primitive inside, the remote connection to the guest node the
// container runs and the primitive's instance placed there.
struct BundleReplica {
  Resource* container = nullptr;
  Resource* ip = nullptr;
  Resource* remote = nullptr;
  Resource* child = nullptr;  // the instance of the bundle's child clone
  Node* node = nullptr;  // the guest node
};
struct BundleData {
  Resource* rsc = nullptr;          // the bundle itself
  Resource* child_clone = nullptr;  // "B-clone" / "B-master" of the primitive inside, if any
  std::vector<BundleReplica> replicas;
  std::string image;
  std::string agent = "docker";  // docker, rkt, podman
  int replicas_per_host = 1;
  int promoted_max = 0;
  XmlDocument generated;  // the XML of the resources it implies (kept for instance creation)
};

struct Colocation {
  std::string id;
  Resource* dependent = nullptr;
  Resource* primary = nullptr;
  int score = 0;
  Role dependent_role = Role::Unknown;
  Role primary_role = Role::Unknown;
  std::string node_attribute = "#uname";
  bool influence = true;
};

enum class OnFail { Ignore, Demote, Block, Stop, Restart, RestartContainer, Standby, Fence };

struct Resource {
  std::string id;
  Variant variant = Variant::Primitive;
  Resource* parent = nullptr;
  std::vector<Resource*> children;
  std::string cls, provider, type;
  std::string template_id;  // the <template> it was built from, if any
  std::map<std::string, std::string> meta;
  std::map<std::string, std::string> params;  // instance_attributes: the agent's parameters, in the graph
  std::map<int, std::map<std::string, std::string>> params_on;  // per node, when rules choose them
  int priority = 0;
  int stickiness = 0;
  int migration_threshold = kInfinity;
  long failure_timeout_s = 0;
  bool managed = true;
  bool failed = false;
  bool orphan = false;
  bool blocked = false;     // on-fail=block after a failure
  bool monitor_failed = false;  // a recurring monitor failed (a remote connection's resets its node)
  std::set<int> demote_on;  // on-fail=demote: failed where promoted, recovered by demoting there
  bool provisional = true;  // not assigned yet
  bool allocating = false;
  bool merging = false;
  bool group_colocated = true;
  bool group_ordered = true;
  bool group_expanded = false;  // group colocations moved to members (at assignment)
  bool needs_fencing = false;  // requires=fencing (vs quorum / nothing)
  bool needs_nothing = false;
  bool needs_unfencing = false;  // requires=unfencing (the default once a device provides unfencing)
  bool restart_type_ignore = false;
  Role role = Role::Stopped;
  Role next_role = Role::Unknown;
  Role target_role = Role::Unknown;  // meta target-role
  std::vector<Node*> running_on;
  std::vector<Node*> failed_on;      // nodes where failed (for display)
  std::map<int, int> allowed;        // node index -> score (pacemaker's allowed_nodes)
  Node* assigned = nullptr;
  std::vector<Colocation*> this_with;  // colocations where this is the dependent
  std::vector<Colocation*> with_this;  // colocations where this is the primary
  std::vector<OpConfig> ops;
  std::map<std::string, int> utilization;  // what it needs of a node's capacity
  Node* remote_node = nullptr;              // the node this connection resource stands for
  Resource* container = nullptr;            // a guest node's connection: the resource it runs in
  std::vector<Node*> dangling_on;          // sources of migrations that completed elsewhere: to stop
  Node* prefer_node = nullptr;              // while being placed: the node to take if it is as good as the best
  std::set<int> probed_on;                          // nodes with any history
  std::map<int, std::set<std::string>> monitors_on;  // node -> active recurring op keys
  std::map<int, std::set<long>> stopped_monitors_on;  // node -> active role=Stopped monitor intervals
  std::map<int, int> failcount;                      // node -> failures
  std::set<int> expired_on;                          // nodes with expired failures
  std::set<int> never_expire_on;                     // nodes with an on-fail=block failure (no expiry)
  std::set<int> failcount_ignored;                   // nodes whose failures were all on-fail=ignore
  std::vector<std::pair<int, long>> cancels;         // (node, interval) recurring monitors to cancel
  bool maintenance = false;                          // meta maintenance=true
  std::vector<Action*> actions;
  std::string pending_task;  // a pending (in-flight) operation, for display
  std::map<int, int> assign_scores;  // node scores when it was placed (crm_simulate -s)
  std::map<int, int> group_scores;   // scores when its group was placed
  // Clones: the configuration, the configured id of an instance (its id
  // without ":N"), and the name its history was found under (pacemaker's
  // clone_name), which is what actions on anonymous instances are called.
  CloneConfig clone;
  std::string base_id;
  std::string clone_name;
  Node* pending_node = nullptr;          // node of a pending operation (instance matching)
  std::map<int, int> instance_count;     // clone: node -> instances assigned there
  bool no_promotion = false;             // a ticket for the Promoted role is not granted
  // Bundles: on the bundle, its replicas; on a resource the bundle implies
  // (container, IP, connection, child clone and its instances), the bundle.
  BundleData* bundle_data = nullptr;
  Resource* bundle = nullptr;
  // Definition changes found by comparing the history's digests with the
  // configuration (digests.cpp). `history` is valid while scheduling only.
  std::map<int, XmlElement> history;             // node -> its <lrm_resource>
  std::string force_start_reason;                // a required start (restart) and why
  std::set<int> force_stop_on;                   // the agent changed: stop there
  std::set<std::pair<int, long>> reschedule;     // (node, interval): recurring ops to run again
  std::set<int> reload_on;                       // reload-agent there
  std::set<int> delete_on;                       // clean the history up there (lrm delete)
  std::set<int> definition_changed_on;           // its failures there are cleared
  bool start_pending = false;                    // a restart is forced: no reload
  bool restart_container = false;                // a filler's failed stop: its container restarts
  Node* lock_node = nullptr;                     // shutdown lock: may run only there
  std::set<int> clear_history_on;                // an expired shutdown lock: history cleared there
  bool is_group() const { return variant == Variant::Group; }
  bool is_clone() const { return variant == Variant::Clone; }
  // The clone this resource is an instance of (or a member of an instance of).
  Resource* clone_parent() const {
    for (Resource* p = parent; p; p = p->parent)
      if (p->is_clone()) return p;
    return nullptr;
  }
  bool is_fence_device() const { return cls == "stonith"; }
  // pacemaker's active node: the first where it runs, or for a resource that
  // does not need fencing the first clean node where it runs.
  Node* current_node() const {
    if (running_on.empty()) return nullptr;
    if (!needs_fencing)
      for (Node* n : running_on)
        if (n->online && !n->unclean) return n;
    return running_on.front();
  }
  // Active on several nodes; one that does not need fencing does not count
  // the unclean ones (it may start elsewhere before they are fenced).
  bool multiply_active() const {
    if (needs_fencing) return running_on.size() > 1;
    int clean = 0;
    for (Node* n : running_on) clean += n->online && !n->unclean;
    return clean > 1;
  }
  std::string agent() const;  // ocf:heartbeat:IPaddr, systemd:httpd, stonith:fence_xvm
  const Resource* top() const { return parent ? parent->top() : this; }
};

// Ordering flags, as in pacemaker's pe_ordering.
enum OrderFlag : uint32_t {
  kOrderOptional = 0,
  kOrderImpliesThen = 1u << 0,
  kOrderImpliesFirst = 1u << 1,
  kOrderRunnableLeft = 1u << 2,
  kOrderRestart = 1u << 3,
  kOrderSerialize = 1u << 4,
  kOrderImpliesFirstPrinted = 1u << 5,
  kOrderImpliesThenPrinted = 1u << 6,
  kOrderOneOrMore = 1u << 7,
  kOrderPseudoLeft = 1u << 8,
  kOrderAsymmetrical = 1u << 9,
  // An ordering with a group as 'then', applied to a member: pacemaker
  // updates members through the group's action (graph.cpp).
  kOrderViaGroup = 1u << 10,
};

enum class ActionKind { Resource, Pseudo, Fence, Shutdown, ClearFailcount };

struct Action {
  int id = 0;
  ActionKind kind = ActionKind::Resource;
  Resource* rsc = nullptr;
  std::string task;  // start, stop, monitor, running, stopped, stonith, do_shutdown ...
  long interval_ms = 0;
  Node* node = nullptr;
  bool optional = true;
  bool runnable = true;
  bool pseudo = false;
  bool printed = false;  // optional but shown in the graph (pacemaker's print_always)
  bool requires_any = false;  // runnable only if enough of its one-or-more inputs are
  int min_runnable = 1;       // how many (clone-min of an ordering's first clone)
  std::string reason;
  std::string fence_type = "reboot";
  std::string notify_key;  // an instance's notify action: "pre_start", "post_stop", ...
  std::vector<std::pair<Action*, uint32_t>> before;  // actions that must come first
  std::vector<std::pair<Action*, uint32_t>> after;
  // rsc_task_interval, as pacemaker names operations.
  std::string key() const;
  bool in_graph() const { return (!optional || printed) && runnable; }
};

struct OrderConstraint {
  std::string id;
  Resource* first_rsc = nullptr;
  std::string first_task;
  Resource* then_rsc = nullptr;
  std::string then_task;
  uint32_t flags = 0;
  // The first is the resource's own action for first_task, not what a group
  // or clone stands for as a first (its completion).
  bool exact_first = false;
  // A resource's internal ordering (a bundle's container before its
  // connection): pacemaker creates it after the resource's own orderings, so
  // a "first" it has to stand in for gets none of them (ordering.cpp).
  bool internal = false;
};

struct LocationConstraint {
  std::string id;
  Resource* rsc = nullptr;
  std::vector<std::pair<int, int>> node_scores;  // node index, score
  Role role = Role::Unknown;
  std::string discovery = "always";
};

struct ClusterOptions {
  bool stonith_enabled = true;
  bool symmetric = true;
  bool startup_fencing = true;
  bool stop_orphan_resources = true;
  bool stop_orphan_actions = true;  // cancel recurring operations no longer configured
  bool shutdown_lock = false;        // resources stay with a cleanly shut down node
  long shutdown_lock_limit_s = 0;    // ... for this long (0: until it comes back)
  bool maintenance_mode = false;
  bool start_failure_is_fatal = true;
  bool enable_startup_probes = true;
  bool stop_all_resources = false;
  std::string no_quorum_policy = "stop";
  std::string placement_strategy = "default";
  std::string stonith_action = "reboot";
  bool have_quorum = true;
  std::map<std::string, std::string> rsc_defaults;
  std::map<std::string, std::string> op_defaults;
};

struct Cluster {
  ClusterOptions options;
  long long now = 0;  // seconds since the epoch, for rules and failure-timeout
  // The earliest time (seconds since the epoch, after `now`) at which a
  // failure counted now expires (failure-timeout): the controller schedules
  // again then, as pacemaker's recheck. 0: none.
  long long recheck_by = 0;
  void recheck_at(long long t) {
    if (t > now && (recheck_by == 0 || t < recheck_by)) recheck_by = t;
  }
  std::string dc_uuid;
  std::vector<std::unique_ptr<Node>> nodes;
  std::vector<std::unique_ptr<Resource>> all_resources;
  std::vector<Resource*> resources;  // top level, in configuration order
  std::vector<std::unique_ptr<Colocation>> colocations;
  std::vector<OrderConstraint> orders;
  std::vector<LocationConstraint> locations;
  std::vector<const LocationConstraint*> discovery_limits;  // resource-discovery other than "always"
  std::vector<std::unique_ptr<Action>> actions;
  std::map<std::string, Action*> named_pseudo;  // pseudo-actions without a resource
  // clone-min orderings' pseudo-actions: name -> instances needed (they are
  // optional, shown only when an instance's action is required).
  std::map<std::string, int> clone_min_pseudo;
  std::vector<std::string> warnings;
  std::vector<std::string> score_log;  // allocation and promotion scores, in placement order (crm_simulate -s)
  std::map<std::string, std::vector<std::string>> tags;
  // Valid while unpacking: clones' child XML (clone id -> <primitive>/<group>)
  // and <template>s, to create orphan instances found in the history.
  std::map<std::string, XmlElement> clone_child_xml;
  std::map<std::string, XmlElement> templates;
  XmlElement rsc_defaults_xml;  // valid while unpacking (rules need each resource)  // tag id -> referenced ids
  std::vector<std::unique_ptr<BundleData>> bundles;
  bool have_fence_device = false;
  bool enable_unfencing = false;  // a fence device has provides=unfencing
  // When set, action creation, orderings and the flag propagation's visits
  // and reasons are recorded here, shaped like pacemaker's trace log
  // (halab simulate --trace-flags), to compare visiting orders.
  std::vector<std::string>* flag_trace = nullptr;

  // Resources by id, filled lazily from all_resources (ids are looked up for
  // every history entry and constraint: a linear search is quadratic).
  std::unordered_map<std::string, Resource*> rsc_index;
  size_t rsc_indexed = 0;

  Node* find_node(const std::string& uname_or_id);
  Resource* find_resource(const std::string& id);
  Action* new_action(ActionKind kind, Resource* rsc, std::string task, long interval_ms, Node* node, bool optional);
  Action* find_action(const Resource* rsc, const std::string& task, long interval_ms, const Node* node) const;
  std::vector<Action*> find_actions(const Resource* rsc, const std::string& task) const;
  void order(Action* first, Action* then, uint32_t flags);
};

}  // namespace halab::scheduler
