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

Action* named_pseudo(Cluster& c, const std::string& name) {
  auto it = c.named_pseudo.find(name);
  if (it != c.named_pseudo.end()) return it->second;
  Action* a = c.new_action(ActionKind::Pseudo, nullptr, name, 0, nullptr, false);
  a->requires_any = true;
  c.named_pseudo[name] = a;
  return a;
}

void apply_orderings(Cluster& c) {
  for (const auto& o : c.orders) {
    if (!o.first_rsc || !o.then_rsc) {
      // Orderings with a named pseudo-action (one-or-more sets).
      std::vector<Action*> firsts, thens;
      if (o.first_rsc) collect(c, o.first_rsc, o.first_task, true, firsts);
      else firsts.push_back(named_pseudo(c, o.first_task));
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
      Action* placeholder = c.new_action(ActionKind::Resource, o.first_rsc, o.first_task, 0, nullptr, true);
      placeholder->runnable = false;
      firsts.push_back(placeholder);
    }
    (void)top_of;
    for (Action* f : firsts)
      for (Action* t : thens) {
        if (f->rsc == t->rsc && f->rsc) continue;
        // As in pacemaker, the first ordering between two actions wins.
        bool exists = false;
        for (auto& [a, fl] : f->after)
          if (a == t) exists = true;
        if (!exists) c.order(f, t, o.flags);
      }
  }
}

}  // namespace halab::scheduler
