// Actions for primitives and groups: stops, starts, recurring monitors and
// probes, with whether each is required and can run.
#include <algorithm>

#include "stack/scheduler/actions.hpp"
#include "stack/scheduler/bundle.hpp"
#include "stack/scheduler/migration.hpp"
#include "stack/scheduler/clone.hpp"
#include "stack/scheduler/digests.hpp"

namespace halab::scheduler {

void set_reason(Action* a, const std::string& reason, bool overwrite) {
  if (a->reason.empty() || overwrite) a->reason = reason;
}

bool can_probe_on(const Cluster& c, const Resource* r, const Node* n) {
  if (!n->online || n->unclean || n->pending || n->maintenance) return false;
  if (r->orphan) return false;
  // Connections and fence devices are never probed on remote nodes.
  if (n->remote && (r->is_fence_device() || r->remote_node || r->meta.count("remote-node"))) return false;
  // What runs inside a container is known through the container.
  if (r->container && !r->remote_node) return false;
  // Nothing is probed on a guest node whose container is not running yet.
  if (n->guest && n->remote_rsc && n->remote_rsc->container && n->remote_rsc->container->running_on.empty())
    return false;
  if (!c.options.enable_startup_probes) return false;
  if (!bundle_allows_probe(r, n)) return false;
  if (n->guest_reset) return false;  // a guest being reset is not probed
  if (r->probed_on.count(n->index)) return false;
  for (const LocationConstraint* lcp : c.discovery_limits) {
    const auto& lc = *lcp;
    const Resource* t = lc.rsc;
    bool applies = false;  // the constraint names r or one of its parents
    for (const Resource* p = r; p; p = p->parent)
      if (p == t) applies = true;
    if (!applies) continue;
    if (lc.discovery == "never") {
      for (auto [ni, s] : lc.node_scores)
        if (ni == n->index) return false;
    } else if (lc.discovery == "exclusive") {
      bool listed = false;
      for (auto [ni, s] : lc.node_scores)
        if (ni == n->index) listed = true;
      if (!listed) return false;
    }
  }
  return true;
}

namespace {

// Monitors for the Stopped role (op role="Stopped"): they run wherever the
// resource will not (expecting "not running"); one active where it will run
// is cancelled.
void create_stopped_monitors(Cluster& c, Resource* r) {
  if (r->blocked || r->maintenance || c.options.maintenance_mode) return;
  Node* chosen = (r->next_role == Role::Stopped) ? nullptr : r->assigned;
  for (const auto& op : r->ops) {
    if (op.name != "monitor" || op.interval_ms <= 0 || !op.enabled || op.role != Role::Stopped) continue;
    for (auto& up : c.nodes) {
      Node* n = up.get();
      auto active_on = r->stopped_monitors_on.find(n->index);
      const bool active = active_on != r->stopped_monitors_on.end() && active_on->second.count(op.interval_ms);
      if (n == chosen) {
        if (active) c.new_action(ActionKind::Resource, r, "cancel", op.interval_ms, n, false);
        continue;
      }
      Action* mon = c.new_action(ActionKind::Resource, r, "monitor", op.interval_ms, n, active);
      if (!n->online || n->unclean || n->maintenance) {
        mon->runnable = false;
        set_reason(mon, "node unavailable", false);
      }
      for (Action* a : r->actions)
        if (a->node == n && a->interval_ms == 0 && (a->task == "stop" || (a->task == "monitor" && a != mon)))
          c.order(a, mon, kOrderRunnableLeft);
    }
  }
}

void mark_start_runnable(const Cluster& c, Resource* r, Action* start) {
  // Unmanaged: the start stays optional; a failed one cannot happen at all.
  if (!r->managed) {
    if (r->failed) start->runnable = false;
    return;
  }
  if (r->needs_nothing || c.options.have_quorum) return;
  const auto& policy = c.options.no_quorum_policy;
  if (policy == "ignore") return;
  // no-quorum-policy=demote: promotable instances keep running (demoted,
  // see promotable.cpp); everything else stops.
  const Resource* clone = r->clone_parent();
  const bool keep_unpromoted = policy == "demote" && clone && clone->clone.promotable;
  if (policy == "freeze" || keep_unpromoted) {
    bool active = !r->running_on.empty();
    if (!active || int(r->next_role) > int(r->role)) {
      start->runnable = false;
      set_reason(start, "quorum freeze", true);
    }
    return;
  }
  start->runnable = false;
  set_reason(start, "no quorum", true);
}

}  // namespace

void create_primitive_actions(Cluster& c, Resource* r) {
  Node* chosen = r->assigned;
  if (r->next_role == Role::Unknown) r->next_role = chosen ? Role::Started : Role::Stopped;
  const bool stopping = r->next_role == Role::Stopped || !chosen;
  // A failure recovered by demoting (on-fail=demote) needs no restart.
  const bool recover = r->failed && r->demote_on.empty();
  // multiple-active=stop_unexpected, active where it is to stay: only the
  // unexpected instances stop, and its start there is a pseudo-action
  // (pacemaker's "stop unexpected" recovery).
  const bool stop_unexpected =
      r->multiply_active() && r->managed && chosen && !stopping && r->meta.count("multiple-active") &&
      r->meta.at("multiple-active") == "stop_unexpected" &&
      std::find(r->running_on.begin(), r->running_on.end(), chosen) != r->running_on.end();
  std::vector<Action*> stops;
  for (Node* n : r->running_on) {
    if (stop_unexpected && n == chosen) continue;
    const bool required = stopping || r->current_node() != chosen || recover || r->multiply_active() ||
                          r->force_stop_on.count(n->index);
    Action* stop = c.new_action(ActionKind::Resource, r, "stop", 0, n, !required);
    if (!chosen && r->managed) set_reason(stop, "node availability", true);
    else if (r->multiply_active() && r->managed && r->meta.count("multiple-active") &&
             r->meta.at("multiple-active") == "stop_unexpected")
      set_reason(stop, "being multiply active", true);
    // An unmanaged resource's stop is optional and cannot run (pacemaker sets
    // its non-recurring actions optional).
    if (!r->managed) stop->runnable = false, stop->optional = true;
    if (!n->online && !n->unclean && !n->guest_reset && r->managed) {
      if (c.options.stonith_enabled) {
        n->unclean = true;
        n->fence_reason = "resource actions are unrunnable";
      } else {
        stop->runnable = false;
      }
    }
    stops.push_back(stop);
  }
  Action* start = nullptr;
  if (chosen && !stopping) {
    const bool optional = r->current_node() == chosen && !recover && !r->multiply_active();
    // As pacemaker: created optional, required only when it can run.
    start = c.new_action(stop_unexpected ? ActionKind::Pseudo : ActionKind::Resource, r, "start", 0, chosen, true);
    mark_start_runnable(c, r, start);
    if (start->runnable && !optional && r->managed) start->optional = false;
    // A start still pending there is shown in the graph (pacemaker prints it
    // to stand for the start in flight).
    if (r->pending_task == "Starting" && r->pending_node == chosen && r->current_node() == chosen) start->printed = true;
    if (start->runnable && r->managed && !r->force_start_reason.empty()) {
      start->optional = false;
      // A restart because the agent changed, or of a clone instance, is
      // worded without a reason (as pacemaker 2.1.5 prints them).
      if (!r->start_pending && !(r->parent && r->parent->is_clone())) set_reason(start, r->force_start_reason, false);
    }
    // Unmanaged resources get no internal orderings.
    if (r->managed)
      for (Action* stop : stops) c.order(stop, start, kOrderImpliesThen | kOrderRestart);
    create_migration_actions(c, r, start, stops);
    for (size_t oi = 0; oi < r->ops.size(); ++oi) {
      const auto& op = r->ops[oi];
      if (op.name != "monitor" || op.interval_ms <= 0 || !op.enabled) continue;
      if (op.role != Role::Unknown && op.role != Role::Started) continue;
      // Two operations with the same name and interval: neither is created.
      bool dup = false;
      for (size_t oj = 0; oj < r->ops.size(); ++oj)
        if (oj != oi && r->ops[oj].name == op.name && r->ops[oj].interval_ms == op.interval_ms) dup = true;
      if (dup) continue;
      // A monitor without a role is not run in the Promoted role: one
      // running where the instance is promoted is cancelled.
      if (r->next_role == Role::Promoted) {
        auto active = r->monitors_on.find(chosen->index);
        if (r->current_node() == chosen && active != r->monitors_on.end() &&
            active->second.count("monitor_" + std::to_string(op.interval_ms)))
          c.new_action(ActionKind::Resource, r, "cancel", op.interval_ms, chosen, false);
        continue;
      }
      const std::string key = "monitor_" + std::to_string(op.interval_ms);
      auto mit = r->monitors_on.find(chosen->index);
      const bool active = mit != r->monitors_on.end() && mit->second.count(key);
      const bool rescheduled = r->reschedule.count({chosen->index, op.interval_ms}) > 0;
      Action* mon =
          c.new_action(ActionKind::Resource, r, "monitor", op.interval_ms, chosen, start->optional && active && !rescheduled);
      // Recurring monitors run for unmanaged resources too, not in maintenance.
      if (chosen->maintenance || r->maintenance || c.options.maintenance_mode) mon->runnable = false;
      c.order(start, mon, kOrderImpliesThen | kOrderRunnableLeft);
    }
  }
  create_dangling_stops(c, r);
  create_stopped_monitors(c, r);
  create_definition_change_actions(c, r);
  for (auto [ni, interval] : r->cancels)
    c.new_action(ActionKind::Resource, r, "cancel", interval, c.nodes[size_t(ni)].get(), false);
  for (int ni : r->expired_on) {
    Node* n = c.nodes[size_t(ni)].get();
    if (!n->online || r->failcount.count(ni)) continue;
    bool has_attr = false;
    for (auto& [k, v] : n->attrs)
      if (k == "fail-count-" + r->id || k.rfind("fail-count-" + r->id + "#", 0) == 0) has_attr = true;
    if (has_attr) c.new_action(ActionKind::ClearFailcount, r, "clear_failcount", 0, n, false);
  }
  // An anonymous clone probes one instance per node (clone_actions.cpp).
  const Resource* clone = r->clone_parent();
  if (clone && !clone->clone.unique && !clone->bundle) return;  // a bundle's instances: each on its guest node
  for (auto& n : c.nodes)
    if (can_probe_on(c, r, n.get())) create_probe(c, r, n.get());
}

Action* create_probe(Cluster& c, Resource* r, Node* n) {
  Action* probe = c.new_action(ActionKind::Resource, r, "monitor", 0, n, false);
  for (Action* a : r->actions) {
    if (a->interval_ms != 0) continue;
    if (a->task == "start" || a->task == "stop") c.order(probe, a, kOrderOptional);
  }
  return probe;
}

namespace {

// A resource's start, or an optional placeholder that cannot run when it has
// none (pacemaker creates the missing "first" of an ordering that way).
Action* start_or_placeholder(Cluster& c, Resource* r) {
  auto starts = c.find_actions(r, "start");
  if (!starts.empty()) return starts.front();
  Action* placeholder = c.new_action(ActionKind::Resource, r, "start", 0, nullptr, true);
  placeholder->runnable = false;
  return placeholder;
}

}  // namespace

// pacemaker's group internal constraints: pseudo-actions around the members
// and, for ordered groups, each member after the previous one.
void create_group_actions(Cluster& c, Resource* g) {
  for (Resource* child : g->children) create_primitive_actions(c, child);
  Action* start = c.new_action(ActionKind::Pseudo, g, "start", 0, nullptr, true);
  Action* running = c.new_action(ActionKind::Pseudo, g, "running", 0, nullptr, true);
  Action* stop = c.new_action(ActionKind::Pseudo, g, "stop", 0, nullptr, true);
  Action* stopped = c.new_action(ActionKind::Pseudo, g, "stopped", 0, nullptr, true);
  c.order(stopped, start, kOrderOptional);
  c.order(start, running, kOrderRunnableLeft);
  c.order(stop, stopped, kOrderRunnableLeft);
  Resource* prev = nullptr;
  for (Resource* child : g->children) {
    uint32_t stopped_flags = kOrderImpliesThenPrinted;
    if (!prev && g->group_ordered) stopped_flags = kOrderImpliesThen;
    const auto child_starts = c.find_actions(child, "start");
    const auto child_stops = c.find_actions(child, "stop");
    for (Action* a : child_starts) {
      c.order(start, a, kOrderImpliesFirstPrinted);
      c.order(a, running, kOrderRunnableLeft | kOrderImpliesThen | kOrderImpliesThenPrinted);
    }
    for (Action* a : child_stops) {
      c.order(stop, a, kOrderImpliesFirstPrinted);
      c.order(a, stopped, stopped_flags);
    }
    if (!g->group_ordered) {
      for (Action* a : child_starts) c.order(start, a, kOrderImpliesThen | kOrderRunnableLeft);
    } else if (prev) {
      Action* prev_start = child_starts.empty() ? nullptr : start_or_placeholder(c, prev);
      for (Action* a : child_starts) c.order(prev_start, a, kOrderImpliesThen | kOrderRunnableLeft);
      for (Action* a : child_stops)
        for (Action* p : c.find_actions(prev, "stop")) c.order(a, p, kOrderRestart);
    }
    if (child_starts.empty()) {
      // The group cannot be "running" without this member.
      c.order(start_or_placeholder(c, child), running, kOrderRunnableLeft | kOrderImpliesThen);
    }
    prev = child;
  }
}

void create_actions(Cluster& c) {
  c.discovery_limits.clear();
  for (const auto& lc : c.locations)
    if (lc.discovery != "always") c.discovery_limits.push_back(&lc);
  for (Resource* r : c.resources) {
    if (r->is_clone()) create_clone_actions(c, r);
    else if (r->is_group()) create_group_actions(c, r);
    else create_primitive_actions(c, r);
  }
}

}  // namespace halab::scheduler
