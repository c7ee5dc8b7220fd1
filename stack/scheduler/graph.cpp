// Propagation of "required" and "runnable" along orderings to a fixpoint,
// and the order in which a transition's actions can be executed.
#include <algorithm>
#include <queue>

#include "stack/scheduler/actions.hpp"

namespace halab::scheduler {

namespace {

std::string describe(const Action* a, const char* change) {
  std::string s = change;
  if (a->rsc) s += " " + a->rsc->id;
  s += " " + a->task;
  return s;
}

// Clears `flag` on `a` because of `why`, recording why (pacemaker's
// clear_action_flag_because).
bool clear_because(Action* a, bool Action::*flag, const Action* why, const char* change) {
  if (!(a->*flag)) return false;
  a->*flag = false;
  if (a->rsc != why->rsc) set_reason(a, describe(why, change), false);
  return true;
}

// One ordering edge, its rules in pacemaker's order.
void update_edge(Action* first, Action* then, uint32_t flags) {
  if ((flags & kOrderImpliesFirstPrinted) && !then->optional) first->printed = true;
  if ((flags & kOrderImpliesThenPrinted) && !first->optional) then->printed = true;
  if ((flags & kOrderImpliesThen) && !first->optional && then->optional)
    clear_because(then, &Action::optional, first, "required");
  if (flags & kOrderRestart) {
    // A stop before a start of the same resource: a required start (a
    // restart) needs the stop; so does a start that cannot happen.
    bool reason = !then->optional;
    if (!then->runnable && then->rsc && then->rsc->managed && first->rsc == then->rsc) reason = true;
    if (reason) {
      if (first->runnable) clear_because(first, &Action::optional, then, "required");
      if (!then->optional) clear_because(first, &Action::optional, then, "required");
      if (!first->optional && !first->runnable) clear_because(then, &Action::runnable, first, "unrunnable");
    }
  }
  if ((flags & kOrderImpliesFirst) && !then->optional && first->optional)
    clear_because(first, &Action::optional, then, "required");
  if ((flags & kOrderRunnableLeft) && !first->runnable && then->runnable)
    clear_because(then, &Action::runnable, first, "unrunnable");
  if ((flags & kOrderAsymmetrical) && then->rsc) {
    const Resource* r = then->rsc;
    const bool then_stopped = r->running_on.empty();
    const bool already_started = !then_stopped && then->task == "start" && then->optional && then->node &&
                                 r->running_on.size() == 1 && then->node == r->running_on.front();
    if (then_stopped && then->task == "stop") {
      // nothing to do
    } else if (already_started) {
      // nothing to do: it is running and not restarting
    } else if (!first->runnable) {
      clear_because(then, &Action::optional, first, "required");
      clear_because(then, &Action::runnable, first, "unrunnable");
    }
  }
}

}  // namespace

// pacemaker's update_action itself, depth-first: an action applies the
// orderings into it (latest first; an ordering into a group also updates
// the members' same actions, through the group's action); a changed 'first'
// re-runs the actions after it and itself; a changed action re-runs itself
// and the actions after it (latest first), never a member through its group. The outer loop visits actions
// oldest first. Flags only ever clear, so the recursion ends.
void update_recursive(Action* then) {
  const bool then_opt = then->optional, then_run = then->runnable;
  bool members_changed = false;
  for (size_t i = then->before.size(); i-- > 0;) {
    auto [first, flags] = then->before[i];
    if (flags & kOrderViaGroup) continue;  // applied with the group's action
    const bool f_opt = first->optional, f_run = first->runnable;
    update_edge(first, then, flags);
    if (then->rsc && then->rsc->is_group()) {
      // pacemaker updates the members' same actions through the group's.
      for (Resource* member : then->rsc->children)
        for (auto& [m, fl] : first->after) {
          if (!(fl & kOrderViaGroup) || m->rsc != member || m->task != then->task) continue;
          const bool m_opt = m->optional, m_run = m->runnable;
          update_edge(first, m, fl);
          if (m->optional != m_opt || m->runnable != m_run) members_changed = true;
        }
    }
    if (first->optional != f_opt || first->runnable != f_run) {
      for (size_t j = first->after.size(); j-- > 0;)
        if (!(first->after[j].second & kOrderViaGroup)) update_recursive(first->after[j].first);
      update_recursive(first);
    }
  }
  if (then->requires_any && then->runnable) {
    bool any = false;
    for (auto& [first, flags] : then->before)
      if ((flags & kOrderOneOrMore) && first->runnable) any = true;
    if (!any) then->runnable = false;
  }
  if (then->optional != then_opt || then->runnable != then_run || members_changed) {
    update_recursive(then);
    for (size_t j = then->after.size(); j-- > 0;)
      if (!(then->after[j].second & kOrderViaGroup)) update_recursive(then->after[j].first);
  }
}

void propagate_flags(Cluster& c) {
  for (size_t i = 0; i < c.actions.size(); ++i) update_recursive(c.actions[i].get());
  // The depth-first pass can miss an action whose 'first' became unrunnable
  // through a group's chain after the action was visited (a member's
  // recurring monitor after its start was blocked). "Runnable left" must
  // hold at the end whatever the visiting order; close it to a fixpoint.
  for (bool changed = true; changed;) {
    changed = false;
    for (auto& a : c.actions)
      for (auto& [first, flags] : a->before)
        if ((flags & kOrderRunnableLeft) && !first->runnable && a->runnable) {
          a->runnable = false;
          changed = true;
        }
  }
}

std::vector<Action*> graph_order(const Cluster& c) {
  std::vector<int> indegree(c.actions.size(), 0);
  for (auto& a : c.actions) {
    if (!a->in_graph()) continue;
    for (auto& [then, f] : a->after)
      if (then->in_graph()) indegree[size_t(then->id)]++;
  }
  std::priority_queue<int, std::vector<int>, std::greater<int>> ready;
  for (auto& a : c.actions)
    if (a->in_graph() && indegree[size_t(a->id)] == 0) ready.push(a->id);
  std::vector<Action*> out;
  while (!ready.empty()) {
    Action* a = c.actions[size_t(ready.top())].get();
    ready.pop();
    out.push_back(a);
    for (auto& [then, f] : a->after)
      if (then->in_graph() && --indegree[size_t(then->id)] == 0) ready.push(then->id);
  }
  // A cycle leaves actions out; append them so nothing is silently dropped.
  if (out.size() < size_t(std::count_if(c.actions.begin(), c.actions.end(), [](auto& a) { return a->in_graph(); })))
    for (auto& a : c.actions)
      if (a->in_graph() && indegree[size_t(a->id)] > 0) out.push_back(a.get());
  return out;
}

}  // namespace halab::scheduler
