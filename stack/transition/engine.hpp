#pragma once
// The transition engine: executes one transition graph at a time, as
// pacemaker's controller (the "TE") does on the DC.
//
//   TransitionEngine te(env.clock, sink, env.log("te"));
//   te.start(parse_graph(xml, "pe-input-7"), {
//       .on_action = [&](const GraphAction& a, const ActionResult& r, bool ok) { record(a, r); },
//       .on_finished = [&](const TransitionResult& t) { if (t.outcome != Outcome::complete) reschedule(); }});
//   te.abort("node2 left");   // a new event: stop starting actions, await the ones in flight
//
// State machine (EngineState):
//   idle --start--> running --(all synapses confirmed)--> finished(complete)
//   running --(action failed | abort())--> draining --(nothing in flight)--> finished(failed | aborted)
//   finished --start--> running          (idle/finished: nothing in flight, no timer armed)
// Rules, as pacemaker's:
//  - A synapse fires when every input action is confirmed; its pseudo-events
//    are confirmed at once, its rsc_op / crm_event go to the ActionSink.
//  - batch-limit > 0 bounds the dispatched (non-pseudo) actions in flight;
//    migration-limit bounds migrate_to / migrate_from in flight per node.
//  - Each dispatched action has a timer: its CRM_meta_timeout (stonith:
//    stonith-timeout; others: none) plus cluster-delay. Expiry fails it with
//    op-status timeout; its late result is ignored.
//  - rsc_op succeeds when op-status is done and rc is the expected one
//    (CRM_meta_op_target_rc, 0 by default; degraded 190/191 count as 0/8);
//    crm_event when rc is 0. A failure (unless on-fail=ignore) aborts the
//    transition with priority INFINITY.
//  - After an abort only synapses whose priority is at least the abort's
//    priority may still fire (pacemaker's abort_priority); the default abort
//    priority INFINITY stops everything but INFINITY-priority synapses.
//  - No-wait actions (clear_failcount, CRM_meta_op_no_wait="true") are
//    confirmed as soon as they are sent, as pacemaker does.
//  - Callbacks: on_action once per dispatched action (after the sink's result
//    or the timeout); on_finished once per start(), always later from a
//    clock timer, never inside start()/abort().
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "stack/core/clock.hpp"
#include "stack/core/log.hpp"
#include "stack/transition/action_sink.hpp"
#include "stack/transition/graph.hpp"

namespace halab::transition {

enum class EngineState { idle, running, draining, finished };
enum class Outcome { complete, aborted, failed };
enum class ActionState { pending, in_flight, confirmed, failed };
const char* to_string(EngineState s);
const char* to_string(Outcome o);

struct TransitionResult {
  int transition_id = 0;
  Outcome outcome = Outcome::complete;
  std::string reason;      // why it was aborted or failed
  int failed_action = -1;  // the first failed action's id (outcome failed)
  int confirmed = 0, failed = 0, skipped = 0;  // action counts
};

struct EngineCallbacks {
  // An action fires: dispatched to the sink, or (pseudo-event) confirmed at once.
  std::function<void(const GraphAction&)> on_fire;
  // A dispatched action's result; ok says whether the engine judged it a success.
  std::function<void(const GraphAction&, const ActionResult&, bool ok)> on_action;
  std::function<void(const TransitionResult&)> on_finished;
};

// Whether `r` is the result `a` expected (see the rules above).
bool result_ok(const GraphAction& a, const ActionResult& r);

class TransitionEngine {
 public:
  TransitionEngine(core::Clock& clock, ActionSink& sink, core::Log log);
  ~TransitionEngine();
  TransitionEngine(const TransitionEngine&) = delete;
  TransitionEngine& operator=(const TransitionEngine&) = delete;

  // Starts executing `graph`. Only in idle or finished.
  void start(Graph graph, EngineCallbacks callbacks);
  // A new event makes the graph stale: no synapse below `priority` fires any
  // more; finishes (aborted) once the actions in flight are done. Ignored
  // unless running or draining; a lower priority than a previous abort's is
  // ignored (the strictest abort wins), the first reason is kept.
  void abort(const std::string& reason, int priority = kInfinity);

  EngineState state() const { return state_; }
  bool busy() const { return state_ == EngineState::running || state_ == EngineState::draining; }
  const Graph& graph() const { return graph_; }
  ActionState action_state(int action_id) const;
  int in_flight() const { return in_flight_; }
  // Action ids in the order they were fired (pseudo-events included).
  const std::vector<int>& fired() const { return fired_; }

 private:
  enum class SynapseState { pending, fired, confirmed, failed };
  void pump();
  void fire_ready();
  bool inputs_done(const Synapse& s) const;
  bool can_fire_now(const Synapse& s) const;
  void fire(int synapse_index);
  void dispatch(int action_index);
  void complete(int action_index, std::uint64_t token, const ActionResult& r, bool timed_out);
  void update_synapse(int synapse_index);
  void maybe_finish();
  void finish(Outcome outcome);
  void check_invariants() const;
  static bool is_migration(const GraphAction& a);

  core::Clock& clock_;
  ActionSink& sink_;
  core::Log log_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);

  EngineState state_ = EngineState::idle;
  Graph graph_;
  EngineCallbacks callbacks_;
  std::vector<SynapseState> synapses_;
  std::vector<ActionState> actions_;
  std::vector<std::uint64_t> tokens_;     // per action: the dispatch's token (0: none)
  std::vector<core::TimerId> timers_;     // per action: its timeout timer (0: none)
  std::map<std::string, int> migrations_;  // node -> migrations in flight
  std::uint64_t next_token_ = 1;
  int in_flight_ = 0;
  int abort_priority_ = 0;  // 0 with no abort (a synapse's priority is >= 0)
  bool aborted_ = false;
  std::string abort_reason_;
  int first_failed_ = -1;
  std::vector<int> fired_;
  bool pumping_ = false, repump_ = false;
  core::TimerId finish_timer_ = 0;
};

}  // namespace halab::transition
