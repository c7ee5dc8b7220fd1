// Orderings: rsc_order constraints resolved onto actions. A group stands for
// its pseudo-actions and, so that restarts and blocks reach them, its members.
#include "stack/scheduler/actions.hpp"
#include "stack/scheduler/clone.hpp"

namespace halab::scheduler {

namespace {

std::string completion_task(const std::string& task) {
  if (task == "start") return "running";
  if (task == "stop") return "stopped";
  if (task == "promote") return "promoted";
  if (task == "demote") return "demoted";
  return task;
}

void collect(const Cluster& c, Resource* r, const std::string& task, bool first_side, std::vector<Action*>& out) {
  if (r->is_clone()) {
    // As "first", the clone's completion; as "then", the clone's pseudo-action
    // and each instance's action (pacemaker updates the instances too).
    auto pseudo = c.find_actions(r, first_side ? completion_task(task) : task);
    out.insert(out.end(), pseudo.begin(), pseudo.end());
    if (!first_side)
      for (Resource* inst : r->children) collect(c, inst, task, false, out);
    return;
  }
  if (r->is_group()) {
    auto pseudo = c.find_actions(r, first_side ? completion_task(task) : task);
    out.insert(out.end(), pseudo.begin(), pseudo.end());
    // As "then", the members' actions are ordered too, so restarts and
    // blocks reach them; as "first", the group's completion stands for them.
    if (!first_side || pseudo.empty())
      for (Resource* child : r->children) collect(c, child, task, first_side, out);
    return;
  }
  auto acts = c.find_actions(r, task);
  out.insert(out.end(), acts.begin(), acts.end());
}

Resource* top_of(Resource* r) { return r->parent ? top_of(r->parent) : r; }

bool rsc_stopped(const Resource* r) {
  if (r->is_group() || r->is_clone()) {
    for (const Resource* ch : r->children)
      if (!rsc_stopped(ch)) return false;
    return true;
  }
  return r->running_on.empty();
}

}  // namespace

// A "first" action that does not exist stands in as an optional action that
// cannot run. pacemaker creates it while it resolves the configured
// orderings, before the internal ones, so those (by name) reach it too: a
// clone instance's required stop makes its stand-in start required (which
// makes the clone's start required), and it sits between the clone's
// start and running like any instance start.
Action* placeholder_first(Cluster& c, Resource* r, const std::string& task, bool internal) {
  Action* ph = c.new_action(ActionKind::Resource, r, task, 0, nullptr, true);
  ph->runnable = false;
  if (task != "start" || r->is_clone() || r->is_group()) return ph;
  if (!internal)
    for (Action* stop : c.find_actions(r, "stop")) c.order(stop, ph, kOrderImpliesThen | kOrderRestart);
  if (!r->parent || !r->parent->is_clone()) return ph;
  if (!internal)
    for (Action* start : c.find_actions(r->parent, "start"))
      if (start != ph) c.order(start, ph, kOrderRunnableLeft | kOrderImpliesFirstPrinted);
  for (Action* running : c.find_actions(r->parent, "running")) c.order(ph, running, kOrderImpliesThenPrinted);
  return ph;
}

Action* named_pseudo(Cluster& c, const std::string& name) {
  auto it = c.named_pseudo.find(name);
  if (it != c.named_pseudo.end()) return it->second;
  auto min = c.clone_min_pseudo.find(name);
  Action* a = c.new_action(ActionKind::Pseudo, nullptr, name, 0, nullptr, min != c.clone_min_pseudo.end());
  a->requires_any = true;
  if (min != c.clone_min_pseudo.end()) a->min_runnable = min->second;
  c.named_pseudo[name] = a;
  return a;
}

void apply_orderings(Cluster& c) {
  for (const auto& o : c.orders) {
    if (!o.first_rsc || !o.then_rsc) {
      // Orderings with a named pseudo-action (one-or-more sets).
      std::vector<Action*> firsts, thens;
      if (!o.first_rsc) firsts.push_back(named_pseudo(c, o.first_task));
      else if (o.exact_first) firsts = c.find_actions(o.first_rsc, o.first_task);
      else collect(c, o.first_rsc, o.first_task, true, firsts);
      // No such action: one that cannot run stands in (counts as unrunnable).
      if (o.first_rsc && firsts.empty()) firsts.push_back(placeholder_first(c, o.first_rsc, o.first_task, o.internal));
      if (o.then_rsc) collect(c, o.then_rsc, o.then_task, false, thens);
      else thens.push_back(named_pseudo(c, o.then_task));
      for (Action* f : firsts)
        for (Action* t : thens) c.order(f, t, o.flags);
      continue;
    }
    if (order_interleaved(c, o.first_rsc, completion_task(o.first_task), o.then_rsc, o.then_task, o.flags)) continue;
    std::vector<Action*> thens;
    collect(c, o.then_rsc, o.then_task, false, thens);
    if (thens.empty()) continue;
    std::vector<Action*> firsts;
    collect(c, o.first_rsc, o.first_task, true, firsts);
    if (firsts.empty()) {
      if (o.first_task == "stop" && rsc_stopped(o.first_rsc)) continue;
      if (o.first_task == "demote") continue;
      // The first action does not exist: an optional action that cannot run
      // stands in, so mandatory dependents are blocked.
      firsts.push_back(placeholder_first(c, o.first_rsc, o.first_task, o.internal));
    }
    (void)top_of;
    bool group_action = false;  // the group's own action is among the thens
    for (Action* t : thens)
      if (t->rsc == o.then_rsc) group_action = true;
    for (Action* f : firsts)
      for (Action* t : thens) {
        if (f->rsc == t->rsc && f->rsc) continue;
        // As in pacemaker, the first ordering between two actions wins.
        bool exists = false;
        for (auto& [a, fl] : f->after)
          if (a == t) exists = true;
        const bool via_group = o.then_rsc->is_group() && t->rsc != o.then_rsc && group_action;
        if (!exists) c.order(f, t, o.flags | (via_group ? kOrderViaGroup : 0));
      }
  }
}

}  // namespace halab::scheduler
