#pragma once
// Pacemaker's transition graph (<transition_graph>), as the scheduler writes
// it and `crm_simulate -G` writes it: synapses, each with an action_set of
// rsc_op / pseudo_event / crm_event and the inputs (triggers) that must be
// confirmed before the synapse fires.
//
//   Graph g = parse_graph(text, "pe-input-3.graph");   // throws core::Error
//   for (const Synapse& s : g.synapses) ...
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stack/core/time.hpp"

namespace halab::transition {

// Pacemaker's INFINITY score: the priority of synapses that still fire after
// a transition has been aborted, and the priority of a hard abort.
constexpr int kInfinity = 1000000;

enum class ActionType { rsc_op, pseudo_event, crm_event };
const char* to_string(ActionType t);

struct GraphAction {
  int id = 0;
  ActionType type = ActionType::pseudo_event;
  std::string operation;      // start, stop, monitor, cancel, stonith, do_shutdown, clear_failcount, ...
  std::string operation_key;  // rsc_start_0, stonith-node2-reboot, ...
  std::string on_node, on_node_uuid;
  // rsc_op (and clear_failcount) only: the <primitive>.
  std::string rsc_id, rsc_long_id, rsc_class, rsc_provider, rsc_type;
  // <attributes>: instance parameters, CRM_meta_* and crm_feature_set.
  std::map<std::string, std::string> attributes;
  std::vector<std::string> downed;  // crm_event stonith: <downed><node id=.../>
  int synapse = -1;                 // index of its synapse in Graph::synapses
  int line = 0;                     // in the graph's text, for messages

  std::string attr(const std::string& key, const std::string& dflt = "") const;
  std::string meta(const std::string& key, const std::string& dflt = "") const;  // CRM_meta_<key>
  long interval_ms() const;  // CRM_meta_interval
  int target_rc() const;     // CRM_meta_op_target_rc, 0 when absent
  // CRM_meta_timeout; nullopt when the graph does not say.
  std::optional<core::Duration> timeout() const;
  // Instance parameters: attributes without CRM_meta_* and crm_feature_set.
  std::map<std::string, std::string> params() const;
  // CRM_meta_* with the prefix removed.
  std::map<std::string, std::string> metas() const;
  // A failure of this action does not abort the transition (on-fail=ignore).
  bool can_fail() const;
  bool is_probe() const { return type == ActionType::rsc_op && operation == "monitor" && interval_ms() == 0; }
  // "rsc_op 7 (rsc1_start_0 on node1)", for messages.
  std::string describe() const;
};

struct Synapse {
  int id = 0;
  int priority = 0;
  std::vector<int> actions;  // indexes into Graph::actions
  std::vector<int> inputs;   // action ids that must be confirmed first
};

struct Graph {
  int transition_id = 0;
  core::Duration cluster_delay = std::chrono::seconds(60);
  core::Duration stonith_timeout = std::chrono::seconds(60);
  std::string failed_stop_offset = "INFINITY";
  std::string failed_start_offset = "INFINITY";
  int batch_limit = 0;        // 0: no limit
  int migration_limit = -1;   // per node, migrate_to/migrate_from in flight; -1: no limit
  std::vector<GraphAction> actions;
  std::vector<Synapse> synapses;
  std::map<int, int> by_id;   // action id -> index into actions

  const GraphAction* find(int action_id) const;
  bool empty() const { return synapses.empty(); }
};

// Parses and checks a graph: known elements, numeric ids, every action in
// one synapse, every trigger naming an action of the graph, no cycle.
// Throws core::Error "SOURCE:LINE: synapse N: action M: what is wrong".
Graph parse_graph(std::string_view xml, std::string_view source);

}  // namespace halab::transition
