// A clone's actions: its instances' own, the clone's pseudo-actions around
// them (start/running, stop/stopped, and promote/promoted, demote/demoted
// for promotable clones), the orderings that tie them together (ordered
// clones start their instances one after the other), probes (an anonymous
// clone probes one instance per node), and orderings between two clones
// when the dependent one is interleaved (instance with instance, per node).
#include <algorithm>

#include "stack/scheduler/actions.hpp"
#include "stack/scheduler/clone.hpp"

namespace halab::scheduler {

namespace {

void primitives_of(Resource* r, std::vector<Resource*>& out) {
  if (r->children.empty()) out.push_back(r);
  for (Resource* ch : r->children) primitives_of(ch, out);
}

int instance_number(const Resource* r) {
  auto colon = r->id.rfind(':');
  return colon == std::string::npos ? 0 : std::atoi(r->id.c_str() + colon + 1);
}

// The instance known (probed) on `n`, else the one placed there, else the
// first; instances taken in number order.
Resource* probe_instance(Resource* clone, const Node* n) {
  std::vector<Resource*> by_number = clone->children;
  std::stable_sort(by_number.begin(), by_number.end(),
                   [](const Resource* a, const Resource* b) { return instance_number(a) < instance_number(b); });
  for (Resource* inst : by_number) {
    std::vector<Resource*> prims;
    primitives_of(inst, prims);
    for (Resource* p : prims)
      if (p->probed_on.count(n->index) || std::find(p->running_on.begin(), p->running_on.end(), n) != p->running_on.end())
        return inst;
  }
  for (Resource* inst : by_number)
    if (inst->assigned == n) return inst;
  return by_number.empty() ? nullptr : by_number.front();
}

Action* first_action(const Cluster& c, Resource* r, const std::string& task) {
  auto acts = c.find_actions(r, task);
  return acts.empty() ? nullptr : acts.front();
}

}  // namespace

void create_clone_actions(Cluster& c, Resource* clone) {
  bool starting = false, stopping = false, active = false;
  for (Resource* inst : clone->children) {
    if (inst->is_group()) create_group_actions(c, inst);
    else create_primitive_actions(c, inst);
    std::vector<Resource*> prims;
    primitives_of(inst, prims);
    if (clone->clone.promotable)
      for (Resource* p : prims) create_role_actions(c, p);
    if (clone->clone.promotable && inst->is_group()) create_group_role_actions(c, inst);
    for (Resource* p : prims) {
      if (!p->running_on.empty()) active = true;
      for (Action* a : p->actions) {
        if (a->optional || a->interval_ms) continue;
        if (a->task == "stop") stopping = true;
        if (a->task == "start" && a->runnable) starting = true;
      }
    }
  }
  // Probes: every instance of a unique clone; one per node for an anonymous one.
  if (!clone->clone.unique && !clone->bundle) {
    for (auto& n : c.nodes) {
      Resource* inst = probe_instance(clone, n.get());
      if (!inst) continue;
      std::vector<Resource*> prims;
      primitives_of(inst, prims);
      for (Resource* p : prims)
        if (can_probe_on(c, p, n.get())) create_probe(c, p, n.get());
    }
  }
  Action* start = c.new_action(ActionKind::Pseudo, clone, "start", 0, nullptr, !starting);
  Action* running = c.new_action(ActionKind::Pseudo, clone, "running", 0, nullptr, !starting);
  running->runnable = active || starting;
  Action* stop = c.new_action(ActionKind::Pseudo, clone, "stop", 0, nullptr, !stopping);
  Action* stopped = c.new_action(ActionKind::Pseudo, clone, "stopped", 0, nullptr, !stopping);
  c.order(stopped, start, kOrderOptional);
  c.order(start, running, kOrderRunnableLeft);
  c.order(stop, stopped, kOrderRunnableLeft);
  create_notify_pseudo_ops(c, clone, "start", start, running);
  create_notify_pseudo_ops(c, clone, "stop", stop, stopped);
  Resource* prev = nullptr;
  for (Resource* inst : clone->children) {
    if (Action* a = first_action(c, inst, "start")) {
      c.order(start, a, kOrderRunnableLeft | kOrderImpliesFirstPrinted);
      Action* done = inst->is_group() ? first_action(c, inst, "running") : a;
      if (done) c.order(done, running, kOrderImpliesThenPrinted);
      if (clone->clone.ordered && prev)
        if (Action* p = first_action(c, prev, inst->is_group() ? "running" : "start")) c.order(p, a, kOrderOptional);
    }
    for (Action* a : c.find_actions(inst, "stop")) {
      c.order(stop, a, kOrderImpliesFirstPrinted);
      Action* done = inst->is_group() ? first_action(c, inst, "stopped") : a;
      if (done) c.order(done, stopped, kOrderImpliesThenPrinted);
      if (clone->clone.ordered && prev)
        for (Action* p : c.find_actions(prev, "stop")) c.order(a, p, kOrderOptional);
    }
    prev = inst;
  }
  if (clone->clone.promotable) create_promotable_actions(c, clone);
}

namespace {

// An instance's action for a clone-level task: a primitive's start for the
// clone's "running", a cloned group's own pseudo-action otherwise.
Action* instance_action(const Cluster& c, Resource* inst, const std::string& task) {
  std::string t = task;
  if (!inst->is_group()) {
    if (t == "running") t = "start";
    else if (t == "stopped") t = "stop";
    else if (t == "promoted") t = "promote";
    else if (t == "demoted") t = "demote";
  }
  return first_action(c, inst, t);
}

// Non-stop actions of an instance that can no longer be active.
void inhibit(Resource* inst) {
  for (Action* a : inst->actions)
    if (a->task != "stop") a->runnable = false;
  for (Resource* ch : inst->children) inhibit(ch);
}

}  // namespace

bool order_interleaved(Cluster& c, Resource* first, const std::string& first_task, Resource* then,
                       const std::string& then_task, uint32_t flags) {
  if (!first->is_clone() || !then->is_clone()) return false;
  const bool then_down = then_task == "stop" || then_task == "demote";
  const Resource* decides = then_down ? first : then;
  if (!decides->clone.interleave) return false;
  const bool current = first_task == "stopped" || first_task == "demoted";
  for (Resource* then_inst : then->children) {
    Node* node = nullptr;
    if (current) {
      if (!then_inst->running_on.empty()) node = then_inst->running_on.front();
      if (then_inst->is_group())
        for (Resource* m : then_inst->children)
          if (!node && !m->running_on.empty()) node = m->running_on.front();
    } else {
      node = then_inst->assigned;
    }
    Resource* first_inst = node ? instance_on(first, node, current) : nullptr;
    if (!first_inst) {
      if (!current && node && (flags & (kOrderRunnableLeft | kOrderImpliesThen))) inhibit(then_inst);
      continue;
    }
    Action* fa = instance_action(c, first_inst, first_task);
    Action* ta = first_action(c, then_inst, then_task);
    if (fa && ta) c.order(fa, ta, flags);
  }
  return true;
}

}  // namespace halab::scheduler
