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

bool update_edge(Action* first, Action* then, uint32_t flags) {
  bool changed = false;
  const bool differ = first->rsc != then->rsc;
  if ((flags & kOrderRunnableLeft) && !first->runnable && then->runnable) {
    then->runnable = false;
    if (differ) set_reason(then, describe(first, "unrunnable"), false);
    changed = true;
  }
  // A required first does not make an unrunnable then required (it stays a
  // blocked option rather than forcing its own dependencies to stop).
  if ((flags & kOrderImpliesThen) && !first->optional && then->optional && then->runnable) {
    then->optional = false;
    if (differ) set_reason(then, describe(first, "required"), false);
    changed = true;
  }
  if ((flags & kOrderImpliesFirst) && !then->optional && first->optional) {
    first->optional = false;
    if (differ) set_reason(first, describe(then, "required"), false);
    changed = true;
  }
  if (flags & kOrderRestart) {
    bool reason = false;
    if (!then->runnable && then->rsc && then->rsc->managed) reason = true;
    if (!then->optional) reason = true;
    if (reason && first->optional && (first->runnable || !then->optional)) {
      first->optional = false;
      changed = true;
    }
  }
  return changed;
}

}  // namespace

void propagate_flags(Cluster& c) {
  // Bounded: each pass can only clear flags, two per action.
  const size_t limit = 2 * c.actions.size() + 2;
  for (size_t pass = 0; pass < limit; ++pass) {
    bool changed = false;
    for (auto& a : c.actions)
      for (auto& [then, flags] : a->after) changed |= update_edge(a.get(), then, flags);
    if (!changed) return;
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
