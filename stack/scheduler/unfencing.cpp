// Unfencing, as pacemaker 2.1.5 schedules it. A fence device that
// "provides=unfencing" turns it on: resources then require unfencing by
// default, and every node gets a (normally optional) "on" fencing action
// that comes before probes of those resources and of fence devices, and
// before their starts on that node (after their stops there). A node that
// has never been unfenced (no #node-unfenced attribute, or "0") must be
// unfenced before the first such probe: the action becomes required, for
// the reason "required by RSC monitor".
#include "stack/scheduler/actions.hpp"

namespace halab::scheduler {

namespace {

bool unfenced(const Node& n) {
  auto it = n.attrs.find("#node-unfenced");
  return it != n.attrs.end() && it->second != "0";
}

bool can_fence(const Cluster& c, const Node& n) {
  if (!c.options.stonith_enabled || !c.have_fence_device) return false;
  if (c.options.have_quorum || c.options.no_quorum_policy == "ignore") return true;
  return n.online;
}

// pacemaker's pe_fence_op for "on": one per node, optional until required.
Action* unfence_op(Cluster& c, Node* n) {
  for (auto& a : c.actions)
    if (a->kind == ActionKind::Fence && a->node == n && a->fence_type == "on") return a.get();
  Action* a = c.new_action(ActionKind::Fence, nullptr, "stonith", 0, n, true);
  a->fence_type = "on";
  return a;
}

bool needs_unfencing(const Cluster& c, const Resource* r) {
  return (r->is_fence_device() && c.enable_unfencing) || r->needs_unfencing;
}

}  // namespace

void schedule_unfencing(Cluster& c) {
  if (!c.enable_unfencing) return;
  const size_t existing = c.actions.size();
  for (size_t i = 0; i < existing; ++i) {
    Action* probe = c.actions[i].get();
    if (probe->kind != ActionKind::Resource || probe->task != "monitor" || probe->interval_ms != 0) continue;
    if (!probe->rsc || !probe->node || !needs_unfencing(c, probe->rsc)) continue;
    Node* n = probe->node;
    Action* on = unfence_op(c, n);
    c.order(on, probe, kOrderOptional);
    if (!unfenced(*n) && n->online && !n->unclean && !n->shutdown && can_fence(c, *n)) {
      on->optional = false;
      set_reason(on, "required by " + probe->rsc->id + " monitor", false);
    }
  }
  // Starts wait for their node's unfencing (and are required when it
  // happens); stops there come before it.
  for (auto& up : c.all_resources) {
    Resource* r = up.get();
    if (!r->needs_unfencing || r->is_fence_device() || !r->children.empty()) continue;
    for (auto& [ni, score] : r->allowed) {
      Node* n = c.nodes[size_t(ni)].get();
      Action* on = unfence_op(c, n);
      for (Action* a : r->actions) {
        if (a->interval_ms != 0 || a->node != n) continue;
        if (a->task == "stop") c.order(a, on, kOrderOptional);
        if (a->task == "start") c.order(on, a, kOrderImpliesThen);
      }
    }
  }
}

}  // namespace halab::scheduler
