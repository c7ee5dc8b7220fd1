// Fencing of unclean nodes (when a fence device exists and quorum allows),
// the stops that fencing implies, and clean shutdowns.
#include "stack/scheduler/actions.hpp"

namespace halab::scheduler {

namespace {

bool can_fence(const Cluster& c, const Node& n) {
  if (!c.options.stonith_enabled || !c.have_fence_device) return false;
  if (c.options.have_quorum || c.options.no_quorum_policy == "ignore") return true;
  return n.online;
}

}  // namespace

namespace {

// pacemaker's guest "fencing": a pseudo fence event after the container's
// stop (recovering the container is what resets the guest); the guest's
// resources stop implicitly with it, and may start there again afterwards.
void fence_guest(Cluster& c, Node* n) {
  Resource* container = n->remote_rsc->container;
  Action* stop = nullptr;
  bool starts = false;
  for (Action* a : container->actions) {
    if (a->task == "stop" && a->interval_ms == 0 && !stop) stop = a;
    if (a->task == "start" && a->interval_ms == 0) starts = true;
  }
  Action* fence = c.new_action(ActionKind::Fence, nullptr, "stonith", 0, n, false);
  fence->pseudo = true;
  fence->fence_type = starts ? "reboot" : "off";
  fence->reason = "guest is unclean";
  if (stop) {
    c.order(stop, fence, kOrderRunnableLeft | kOrderImpliesThen);
  } else {
    for (Action* a : n->remote_rsc->actions)
      if (a->task == "stop" && a->interval_ms == 0) c.order(a, fence, kOrderOptional);
  }
  for (Resource* r : n->running)
    for (Action* a : r->actions) {
      if (a->node != n || a->interval_ms != 0) continue;
      if (a->task == "stop" || a->task == "demote") {
        a->kind = ActionKind::Pseudo;
        a->pseudo = true;
        a->runnable = true;
        if (a->task == "stop") a->optional = false;
        c.order(fence, a, a->task == "stop" ? kOrderImpliesThen : kOrderOptional);
      }
    }
}

// Starts wait for fencing (pacemaker's start-vs-fencing ordering): a
// resource that requires fencing may have run on the fenced node without the
// DC knowing (a DC that died took its status along), so every start and
// promote of it waits for each fencing. One that requires only quorum waits
// where it could run on the target and nothing is known of it there. Without
// this a partition that starts a resource fences the other side in parallel,
// and both sides run it (found by chaos3-halabd, seed 15).
bool known_on(const Resource* r, const Node* n) {
  if (r->probed_on.count(n->index)) return true;
  const Resource* p = r->parent;
  if (!p || !p->is_clone() || p->clone.unique) return false;
  for (const Resource* sibling : p->children)
    if (sibling->probed_on.count(n->index)) return true;
  return false;
}

void order_starts_after_fencing(Cluster& c, Action* fence, const Node* target, Resource* r) {
  if (!r->children.empty()) {
    for (Resource* child : r->children) order_starts_after_fencing(c, fence, target, child);
    return;
  }
  if (!r->managed || r->needs_nothing) return;
  for (Action* a : r->actions) {
    if (a->interval_ms != 0 || a->pseudo) continue;
    if (r->needs_fencing) {
      if (a->task == "start" || a->task == "promote") c.order(fence, a, kOrderOptional);
    } else if (a->task == "start" && r->allowed.count(target->index) && !known_on(r, target)) {
      c.order(fence, a, kOrderOptional | kOrderRunnableLeft);
    }
  }
}

}  // namespace

void schedule_fencing(Cluster& c) {
  for (auto& up : c.nodes) {
    Node* n = up.get();
    if (n->guest_reset && n->remote_rsc && n->remote_rsc->container) {
      // A guest is reset by stopping its container: possible while each of
      // its hosts is up or can be fenced.
      bool possible = true;
      for (const Node* host : n->remote_rsc->container->running_on)
        if (!host->online && !can_fence(c, *host)) possible = false;
      if (possible) {
        fence_guest(c, n);
      } else {
        for (Resource* r : n->running)
          for (Action* a : r->actions)
            if (a->node == n && a->task == "stop") a->runnable = false;
      }
      continue;
    }
    if (n->unclean) {
      if (!can_fence(c, *n)) {
        // Cannot be fenced: its resources' stops cannot happen.
        for (Resource* r : n->running)
          for (Action* a : r->actions)
            if (a->node == n && a->task == "stop") a->runnable = false;
        continue;
      }
      Action* fence = c.new_action(ActionKind::Fence, nullptr, "stonith", 0, n, false);
      fence->fence_type = c.options.stonith_action;
      fence->reason = n->fence_reason;
      for (Resource* r : n->running) {
        for (Action* a : r->actions) {
          if (a->node != n) continue;
          if (a->task == "stop") {
            // A resource that needs no fencing may already run elsewhere:
            // its stop there is implied, but neither required nor ordered.
            const bool implied_only = !r->needs_fencing && a->optional && r->multiply_active() == false &&
                                      r->current_node() != n;
            a->kind = ActionKind::Pseudo;
            a->pseudo = true;
            a->runnable = true;
            if (implied_only) continue;
            a->optional = false;
            c.order(fence, a, kOrderImpliesThen);
          } else if (a->task == "demote" && a->interval_ms == 0) {
            // Fencing implies the demote too: a pseudo-action after it.
            a->kind = ActionKind::Pseudo;
            a->pseudo = true;
            a->runnable = true;
            c.order(fence, a, kOrderOptional);
          }
        }
        // Recovery elsewhere waits for the fencing.
        for (Action* a : r->actions)
          if (a->task == "start") c.order(fence, a, kOrderOptional);
      }
      for (Resource* r : c.resources) order_starts_after_fencing(c, fence, n, r);
      // Nothing else may act on the node (its probes/monitors are void).
      for (auto& a : c.actions)
        if (a->node == n && a->kind == ActionKind::Resource && a->task != "stop" && !a->pseudo) a->runnable = false;
    } else if (n->online && n->shutdown && !n->remote) {
      Action* down = c.new_action(ActionKind::Shutdown, nullptr, "do_shutdown", 0, n, false);
      for (Resource* r : n->running)
        for (Action* a : r->actions)
          if (a->node == n && a->task == "stop") c.order(a, down, kOrderRunnableLeft);
    }
  }
}

}  // namespace halab::scheduler
