// The transition engine's state machine (see engine.hpp for the rules).
#include "stack/transition/engine.hpp"

#include "stack/core/assert.hpp"

namespace halab::transition {

const char* to_string(EngineState s) {
  switch (s) {
    case EngineState::idle: return "idle";
    case EngineState::running: return "running";
    case EngineState::draining: return "draining";
    case EngineState::finished: return "finished";
  }
  return "?";
}

const char* to_string(Outcome o) {
  switch (o) {
    case Outcome::complete: return "complete";
    case Outcome::aborted: return "aborted";
    case Outcome::failed: return "failed";
  }
  return "?";
}

bool result_ok(const GraphAction& a, const ActionResult& r) {
  if (a.type == ActionType::pseudo_event) return true;
  if (a.type == ActionType::crm_event) return r.status == executor::ExecStatus::done && r.rc == 0;
  if (a.operation == "cancel")
    return r.status == executor::ExecStatus::done || r.status == executor::ExecStatus::cancelled;
  if (r.status != executor::ExecStatus::done) return false;
  int rc = r.rc;
  if (rc == int(executor::OcfRc::degraded)) rc = 0;
  if (rc == int(executor::OcfRc::degraded_promoted)) rc = 8;
  return rc == a.target_rc();
}

TransitionEngine::TransitionEngine(core::Clock& clock, ActionSink& sink, core::Log log)
    : clock_(clock), sink_(sink), log_(std::move(log)) {}

TransitionEngine::~TransitionEngine() {
  for (core::TimerId t : timers_)
    if (t) clock_.cancel(t);
  if (finish_timer_) clock_.cancel(finish_timer_);
}

ActionState TransitionEngine::action_state(int action_id) const {
  auto it = graph_.by_id.find(action_id);
  HALAB_ASSERT_MSG(it != graph_.by_id.end(), "action_state of an action not in the graph");
  return actions_[size_t(it->second)];
}

bool TransitionEngine::is_migration(const GraphAction& a) {
  return a.type == ActionType::rsc_op && (a.operation == "migrate_to" || a.operation == "migrate_from");
}

void TransitionEngine::start(Graph graph, EngineCallbacks callbacks) {
  HALAB_ASSERT_MSG(state_ == EngineState::idle || state_ == EngineState::finished,
                   "start() while a transition is in progress");
  HALAB_ASSERT(in_flight_ == 0 && finish_timer_ == 0);
  graph_ = std::move(graph);
  callbacks_ = std::move(callbacks);
  synapses_.assign(graph_.synapses.size(), SynapseState::pending);
  actions_.assign(graph_.actions.size(), ActionState::pending);
  tokens_.assign(graph_.actions.size(), 0);
  timers_.assign(graph_.actions.size(), 0);
  migrations_.clear();
  aborted_ = false;
  abort_priority_ = 0;
  abort_reason_.clear();
  first_failed_ = -1;
  fired_.clear();
  state_ = EngineState::running;
  log_.info("{}", "transition " + std::to_string(graph_.transition_id) + ": starting, " +
            std::to_string(graph_.synapses.size()) + " synapses, " + std::to_string(graph_.actions.size()) +
            " actions, batch-limit " + std::to_string(graph_.batch_limit));
  pump();
}

void TransitionEngine::abort(const std::string& reason, int priority) {
  if (!busy()) return;
  if (aborted_ && priority <= abort_priority_) return;
  if (!aborted_) abort_reason_ = reason;
  aborted_ = true;
  abort_priority_ = priority;
  if (state_ == EngineState::running) state_ = EngineState::draining;
  log_.info("{}", "transition " + std::to_string(graph_.transition_id) + ": aborted (" + reason + "), priority " +
            std::to_string(priority) + ", " + std::to_string(in_flight_) + " in flight");
  pump();
}

bool TransitionEngine::inputs_done(const Synapse& s) const {
  for (int input : s.inputs)
    if (actions_[size_t(graph_.by_id.at(input))] != ActionState::confirmed) return false;
  return true;
}

bool TransitionEngine::can_fire_now(const Synapse& s) const {
  int dispatched = 0;
  std::map<std::string, int> migrating;
  for (int ai : s.actions) {
    const GraphAction& a = graph_.actions[size_t(ai)];
    if (a.type == ActionType::pseudo_event) continue;
    ++dispatched;
    if (is_migration(a)) ++migrating[a.on_node];
  }
  // A synapse larger than the limit still fires when nothing else is in flight.
  if (graph_.batch_limit > 0 && in_flight_ > 0 && in_flight_ + dispatched > graph_.batch_limit) return false;
  if (graph_.migration_limit >= 0)
    for (auto& [node, n] : migrating) {
      auto it = migrations_.find(node);
      const int busy_here = it == migrations_.end() ? 0 : it->second;
      if (busy_here > 0 && busy_here + n > graph_.migration_limit) return false;
    }
  return true;
}

void TransitionEngine::pump() {
  if (pumping_) {
    repump_ = true;
    return;
  }
  pumping_ = true;
  do {
    repump_ = false;
    fire_ready();
  } while (repump_);
  pumping_ = false;
  check_invariants();
  maybe_finish();
}

void TransitionEngine::fire_ready() {
  if (!busy()) return;
  // Higher priority first, then graph order (pacemaker walks synapses in order).
  std::vector<int> order;
  for (size_t i = 0; i < graph_.synapses.size(); ++i)
    if (synapses_[i] == SynapseState::pending) order.push_back(int(i));
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return graph_.synapses[size_t(a)].priority > graph_.synapses[size_t(b)].priority;
  });
  for (int si : order) {
    if (synapses_[size_t(si)] != SynapseState::pending) continue;  // fired by a nested completion
    const Synapse& s = graph_.synapses[size_t(si)];
    if (aborted_ && s.priority < abort_priority_) continue;
    if (!inputs_done(s) || !can_fire_now(s)) continue;
    fire(si);
    repump_ = true;  // its pseudo-events may have made earlier synapses ready
    if (!busy()) return;
  }
}

void TransitionEngine::fire(int si) {
  HALAB_ASSERT(synapses_[size_t(si)] == SynapseState::pending);
  synapses_[size_t(si)] = SynapseState::fired;
  const Synapse& s = graph_.synapses[size_t(si)];
  for (int ai : s.actions) {
    fired_.push_back(graph_.actions[size_t(ai)].id);
    if (callbacks_.on_fire) callbacks_.on_fire(graph_.actions[size_t(ai)]);
    if (graph_.actions[size_t(ai)].type == ActionType::pseudo_event) {
      actions_[size_t(ai)] = ActionState::confirmed;
    } else {
      dispatch(ai);
    }
  }
  update_synapse(si);
}

void TransitionEngine::dispatch(int ai) {
  const GraphAction& a = graph_.actions[size_t(ai)];
  HALAB_ASSERT(actions_[size_t(ai)] == ActionState::pending && tokens_[size_t(ai)] == 0);
  actions_[size_t(ai)] = ActionState::in_flight;
  ++in_flight_;
  if (is_migration(a)) ++migrations_[a.on_node];
  const std::uint64_t token = next_token_++;
  tokens_[size_t(ai)] = token;
  // The timer: the action's own timeout plus the time the cluster may need
  // to carry the request and its result (cluster-delay).
  core::Duration limit = graph_.cluster_delay;
  if (a.type == ActionType::rsc_op) limit += a.timeout().value_or(std::chrono::seconds(20));
  else if (a.operation == "stonith") limit += graph_.stonith_timeout;
  std::weak_ptr<int> alive = alive_;
  timers_[size_t(ai)] = clock_.schedule(limit, [this, alive, ai, token] {
    if (alive.expired()) return;
    timers_[size_t(ai)] = 0;
    complete(ai, token, ActionResult::error("action timed out in the transition engine",
                                            executor::ExecStatus::timeout),
             true);
  });
  log_.debug("{}", "transition " + std::to_string(graph_.transition_id) + ": dispatching " + a.describe());
  ActionDone done = [this, alive, ai, token](ActionResult r) {
    if (alive.expired()) return;
    complete(ai, token, r, false);
  };
  if (a.type == ActionType::rsc_op && a.operation == "probe_again") {
    // A reprobe is a change of the status section (StatusUpdate erases the
    // node's history); no agent runs.
    done(ActionResult::ok());
  } else if (a.type == ActionType::rsc_op) {
    sink_.execute_rsc_op(a.on_node, a, std::move(done));
  } else if (a.operation == "stonith") {
    sink_.fence(a.on_node, a.meta("stonith_action", "reboot"), a, std::move(done));
  } else if (a.operation == "do_shutdown") {
    sink_.shutdown(a.on_node, a, std::move(done));
  } else if (a.operation == "clear_failcount") {
    sink_.clear_failcount(a.on_node, a, std::move(done));
  } else {
    // lrm_refresh / lrm_delete: nothing to do for them in this stack (pacemaker
    // treats them as done once sent).
    done(ActionResult::ok());
  }
  // No-wait actions (clear_failcount always, as pacemaker sends it; others
  // with CRM_meta_op_no_wait) count as done once sent: a failure recorded
  // later in this transition must not be wiped by a clear that merely
  // finished later. Their eventual answer is ignored.
  if (tokens_[size_t(ai)] == token && (a.operation == "clear_failcount" || a.meta("op_no_wait") == "true"))
    complete(ai, token, ActionResult::ok(), false);
}

void TransitionEngine::complete(int ai, std::uint64_t token, const ActionResult& r, bool timed_out) {
  // Stale: timed out earlier, or from a previous graph.
  if (size_t(ai) >= tokens_.size() || tokens_[size_t(ai)] != token || token == 0) return;
  HALAB_ASSERT(actions_[size_t(ai)] == ActionState::in_flight);
  tokens_[size_t(ai)] = 0;
  if (!timed_out && timers_[size_t(ai)]) {
    clock_.cancel(timers_[size_t(ai)]);
    timers_[size_t(ai)] = 0;
  }
  const GraphAction& a = graph_.actions[size_t(ai)];
  --in_flight_;
  if (is_migration(a)) --migrations_[a.on_node];
  const bool ok = result_ok(a, r);
  actions_[size_t(ai)] = ok || a.can_fail() ? ActionState::confirmed : ActionState::failed;
  if (!ok)
    log_.warning("{}", "transition " + std::to_string(graph_.transition_id) + ": " + a.describe() + " failed: rc " +
              std::to_string(r.rc) + " (expected " + std::to_string(a.target_rc()) + "), status " +
              executor::to_string(r.status) + (r.exit_reason.empty() ? "" : ", " + r.exit_reason));
  if (actions_[size_t(ai)] == ActionState::failed && first_failed_ < 0) first_failed_ = ai;
  if (callbacks_.on_action) callbacks_.on_action(a, r, ok);
  update_synapse(a.synapse);
  if (actions_[size_t(ai)] == ActionState::failed) abort(a.describe() + " failed", kInfinity);
  pump();  // also when abort() had nothing new to do (already aborted): the drain may be over
}

void TransitionEngine::update_synapse(int si) {
  if (synapses_[size_t(si)] != SynapseState::fired) return;
  bool all = true, failed = false;
  for (int ai : graph_.synapses[size_t(si)].actions) {
    if (actions_[size_t(ai)] == ActionState::failed) failed = true;
    else if (actions_[size_t(ai)] != ActionState::confirmed) all = false;
  }
  if (failed) synapses_[size_t(si)] = SynapseState::failed;
  else if (all) synapses_[size_t(si)] = SynapseState::confirmed;
}

void TransitionEngine::maybe_finish() {
  if (!busy() || in_flight_ > 0) return;
  if (state_ == EngineState::draining) {
    finish(first_failed_ >= 0 ? Outcome::failed : Outcome::aborted);
    return;
  }
  for (SynapseState s : synapses_)
    if (s != SynapseState::confirmed) {
      // Running, nothing in flight, yet a synapse cannot fire: every input of
      // a pending synapse is confirmed or pending, so something must have fired.
      HALAB_ASSERT_MSG(false, "transition stalled: a synapse can never fire");
    }
  finish(Outcome::complete);
}

void TransitionEngine::finish(Outcome outcome) {
  HALAB_ASSERT(in_flight_ == 0);
  state_ = EngineState::finished;
  TransitionResult result;
  result.transition_id = graph_.transition_id;
  result.outcome = outcome;
  if (outcome == Outcome::failed) {
    result.failed_action = graph_.actions[size_t(first_failed_)].id;
    result.reason = graph_.actions[size_t(first_failed_)].describe() + " failed";
    if (!abort_reason_.empty() && abort_reason_ != result.reason) result.reason += "; " + abort_reason_;
  } else if (outcome == Outcome::aborted) {
    result.reason = abort_reason_;
  }
  for (ActionState s : actions_) {
    if (s == ActionState::confirmed) ++result.confirmed;
    else if (s == ActionState::failed) ++result.failed;
    else ++result.skipped;
  }
  log_.info("{}", "transition " + std::to_string(graph_.transition_id) + ": " + to_string(outcome) +
            (result.reason.empty() ? "" : " (" + result.reason + ")") + ": " + std::to_string(result.confirmed) +
            " confirmed, " + std::to_string(result.failed) + " failed, " + std::to_string(result.skipped) +
            " not started");
  std::weak_ptr<int> alive = alive_;
  finish_timer_ = clock_.schedule(core::Duration::zero(), [this, alive, result] {
    if (alive.expired()) return;
    finish_timer_ = 0;
    if (callbacks_.on_finished) callbacks_.on_finished(result);
  });
}

void TransitionEngine::check_invariants() const {
  int flying = 0;
  for (size_t i = 0; i < actions_.size(); ++i) {
    const bool live = actions_[i] == ActionState::in_flight;
    flying += live;
    HALAB_ASSERT_MSG(live == (tokens_[i] != 0), "an in-flight action has exactly one live dispatch");
    if (actions_[i] != ActionState::pending)
      HALAB_ASSERT_MSG(synapses_[size_t(graph_.actions[i].synapse)] != SynapseState::pending,
                       "an action starts only with its synapse");
  }
  HALAB_ASSERT_MSG(flying == in_flight_, "in-flight count matches the actions in flight");
  if (state_ == EngineState::draining) HALAB_ASSERT(aborted_);
  if (state_ == EngineState::idle || state_ == EngineState::finished) HALAB_ASSERT(in_flight_ == 0);
}

}  // namespace halab::transition
