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

bool update_edge(Action* first, Action* then, uint32_t flags, bool runnable_only) {
  bool changed = false;
  if ((flags & kOrderAsymmetrical) && then->rsc && !runnable_only) {
    const Resource* r = then->rsc;
    const bool then_stopped = r->running_on.empty();
    const bool already_started = !then_stopped && then->task == "start" && then->optional && then->node &&
                                 r->running_on.size() == 1 && then->node == r->running_on.front();
    if (then_stopped && then->task == "stop") {
      // nothing to do
    } else if (already_started) {
      // nothing to do: it is running and not restarting
    } else if (!first->runnable) {
      changed |= clear_because(then, &Action::optional, first, "required");
      changed |= clear_because(then, &Action::runnable, first, "unrunnable");
    }
  }
  if ((flags & kOrderRunnableLeft) && !first->runnable && then->runnable)
    changed |= clear_because(then, &Action::runnable, first, "unrunnable");
  if (runnable_only) return changed;
  if ((flags & kOrderImpliesFirst) && !then->optional && first->optional)
    changed |= clear_because(first, &Action::optional, then, "required");
  if ((flags & kOrderImpliesThen) && !first->optional && then->optional)
    changed |= clear_because(then, &Action::optional, first, "required");
  if (flags & kOrderRestart) {
    // A stop before a start of the same resource: a required start (a
    // restart) needs the stop; so does a start that cannot happen.
    bool reason = !then->optional;
    if (!then->runnable && then->rsc && then->rsc->managed && first->rsc == then->rsc) reason = true;
    if (reason) {
      if (first->runnable) changed |= clear_because(first, &Action::optional, then, "required");
      if (!then->optional) changed |= clear_because(first, &Action::optional, then, "required");
      if (!first->optional && !first->runnable) changed |= clear_because(then, &Action::runnable, first, "unrunnable");
    }
  }
  return changed;
}

}  // namespace

void propagate_flags(Cluster& c) {
  // Bounded: each pass can only clear flags, two per action.
  // Unrunnable-ness first, so that blocked actions are explained by what
  // blocks them rather than by what requires them.
  const size_t limit = 2 * c.actions.size() + 2;
  for (int phase = 0; phase < 2; ++phase) {
    for (size_t pass = 0; pass < limit; ++pass) {
      bool changed = false;
      for (auto& a : c.actions)
        for (auto& [then, flags] : a->after) changed |= update_edge(a.get(), then, flags, phase == 0);
      if (!changed) break;
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
