// Propagation of "required" and "runnable" along orderings to a fixpoint,
// and the order in which a transition's actions can be executed.
#include <algorithm>
#include <functional>
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
// The trace being recorded (halab simulate --trace-flags), or null.
using Trace = std::vector<std::string>*;

bool clear_because(Trace trace, Action* a, bool Action::*flag, const Action* why, const char* change) {
  if (!(a->*flag)) return false;
  a->*flag = false;
  if (a->rsc != why->rsc && a->reason.empty()) {
    set_reason(a, describe(why, change), false);
    if (trace) trace->push_back("Set " + a->key() + " reason to '" + a->reason + "'");
  }
  return true;
}

// One ordering edge, its rules in pacemaker's order.
void update_edge(Trace trace, Action* first, Action* then, uint32_t flags) {
  if ((flags & kOrderImpliesFirstPrinted) && !then->optional) first->printed = true;
  if ((flags & kOrderImpliesThenPrinted) && !first->optional && first->runnable) then->printed = true;
  if ((flags & kOrderImpliesThen) && !first->optional && then->optional)
    clear_because(trace, then, &Action::optional, first, "required");
  if (flags & kOrderRestart) {
    // A stop before a start of the same resource: a required start (a
    // restart) needs the stop; so does a start that cannot happen.
    bool reason = !then->optional;
    if (!then->runnable && then->rsc && then->rsc->managed && first->rsc == then->rsc) reason = true;
    if (reason) {
      if (first->runnable) clear_because(trace, first, &Action::optional, then, "required");
      if (!then->optional) clear_because(trace, first, &Action::optional, then, "required");
      if (!first->optional && !first->runnable) clear_because(trace, then, &Action::runnable, first, "unrunnable");
    }
  }
  // kOrderImpliesFirst ("then" required makes "first" required) does not
  // act on its own in pacemaker 2.1.5: it only fires when the flags the
  // ordering sees for "first" are required while the action itself is
  // optional, which its flag summaries never produce. A stop that must
  // precede another stop is made required by its own restart instead.
  // A blocked, unmanaged resource's stop that cannot run blocks what must
  // stop before it (pacemaker: "unmanaged first blocks then").
  if ((flags & kOrderImpliesFirst) && first->rsc && !first->rsc->managed && first->rsc->blocked && !first->runnable &&
      first->task == "stop" && then->runnable)
    clear_because(trace, then, &Action::runnable, first, "unrunnable");
  if ((flags & kOrderRunnableLeft) && !first->runnable && then->runnable)
    clear_because(trace, then, &Action::runnable, first, "unrunnable");
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
      clear_because(trace, then, &Action::optional, first, "required");
      clear_because(trace, then, &Action::runnable, first, "unrunnable");
    }
  }
}

// A clone's own pseudo-actions summarize its instances' (pacemaker's
// clone action flags): a clone action is required as soon as one instance's
// corresponding action is, and cannot run when no instance's can. For a
// primitive instance the corresponding action of "running" is its start
// (stopped: stop, promoted: promote, demoted: demote); a cloned group's
// instance answers with its own pseudo-action of the same name.
// The task a clone pseudo-action stands for: itself, or for notifications
// ("pre_notify_start", "confirmed-post_notify_running") the notified task.
std::string summarized_task(const std::string& t) {
  auto n = t.find("_notify_");
  return n == std::string::npos ? t : t.substr(n + 8);
}

bool is_summary_task(const std::string& task) {
  const std::string t = summarized_task(task);
  return t == "start" || t == "running" || t == "stop" || t == "stopped" || t == "promote" || t == "promoted" ||
         t == "demote" || t == "demoted";
}

std::string instance_task(const Resource* inst, const std::string& task) {
  const std::string t = summarized_task(task);
  if (inst->is_group()) return t;
  if (t == "running") return "start";
  if (t == "stopped") return "stop";
  if (t == "promoted") return "promote";
  if (t == "demoted") return "demote";
  return t;
}

Action* first_with_task(const Resource* r, const std::string& task) {
  for (Action* a : r->actions)
    if (a->task == task) return a;
  return nullptr;
}

bool is_clone_summary(const Action* a) {
  return a->rsc && a->rsc->is_clone() && a->pseudo && a->interval_ms == 0 && is_summary_task(a->task);
}

// A group's pseudo-actions summarize its members' likewise (pacemaker's
// group action flags): required when a member's is; "running", "stopped",
// "promoted", "demoted" cannot run when a member's action cannot, and a
// promote cannot run when a member has none. (A group's start keeps the
// flags its orderings give it: summarizing it too loses cases.)
bool is_group_role_summary(const Action* a) {
  if (!a->rsc || !a->rsc->is_group() || !a->pseudo || a->interval_ms != 0) return false;
  if (a->task == "promote" || a->task == "promoted" || a->task == "demote" || a->task == "demoted")
    return a->rsc->parent && a->rsc->parent->is_clone();
  return a->task == "running" || a->task == "stop" || a->task == "stopped";
}

// What a collective action summarizes: its instances (members); a bundle's
// role changes are its inner clone's instances' (pacemaker's bundle action
// flags).
bool is_role_task(const std::string& task) {
  const std::string t = summarized_task(task);
  return t == "promote" || t == "promoted" || t == "demote" || t == "demoted";
}

const std::vector<Resource*>& summarized(const Action* a) {
  const Resource* r = a->rsc;
  if (r->clone.bundle && r->bundle_data && r->bundle_data->child_clone && is_role_task(a->task))
    return r->bundle_data->child_clone->children;
  return r->children;
}

// The summary's flags: (optional, runnable).
bool is_group_role_summary(const Action* a);
void summarize_clone_action(Action* a);

std::pair<bool, bool> summary_flags(const Action* a) {
  bool optional = true, runnable = true, any_runnable = false;
  const bool group = a->rsc->is_group();
  for (const Resource* inst : summarized(a)) {
    const std::string task = group ? instance_task(inst, a->task) : instance_task(inst, a->task);
    Action* ia = first_with_task(inst, task);
    if (!ia) {
      if (group && task != "stop" && task != "demote") runnable = false;
      continue;
    }
    bool i_opt = ia->optional, i_run = ia->runnable;
    if (!group && is_group_role_summary(ia)) {
      // A cloned group's instance answers with what its members say (and,
      // as pacemaker's query does, updates its own action on the way).
      summarize_clone_action(ia);
      std::tie(i_opt, i_run) = summary_flags(ia);
    }
    if (!i_opt) optional = false;
    if (i_run) any_runnable = true;
    else if (group && task != a->task) runnable = false;
  }
  return {optional, group ? runnable : any_runnable};
}

// pacemaker asks a clone's action for its flags on the node of the action
// ordered after it: required only when an instance's action on that node is
// (a clone starting instances elsewhere does not restart what runs after it
// here); runnable stays the clone's. Cloned groups answer for the clone.
bool optional_on(const Action* a, const Node* node, bool clone_optional) {
  bool found = false;
  for (const Resource* inst : summarized(a)) {
    if (inst->is_group()) {
      // A cloned group answers for its members' actions on that node.
      for (const Resource* member : inst->children) {
        const std::string task = instance_task(member, a->task);
        for (const Action* ma : member->actions)
          if (ma->task == task && ma->interval_ms == 0 && ma->node == node && !ma->optional) return false;
      }
      continue;
    }
    const std::string task = instance_task(inst, a->task);
    for (const Action* ia : inst->actions) {
      if (ia->task != task || ia->interval_ms != 0 || ia->node != node) continue;
      found = true;
      if (!ia->optional) return false;
    }
  }
  (void)found;
  return true;
}

void summarize_clone_action(Action* a) {
  if (!is_clone_summary(a) && !is_group_role_summary(a)) return;
  auto [optional, runnable] = summary_flags(a);
  if (!optional) a->optional = false;
  if (!runnable) a->runnable = false;
}

// The clone actions that summarize `a`, when `a` is an instance's.
void push_summaries(const Action* a, const std::function<void(Action*)>& push) {
  if (!a->rsc || a->interval_ms != 0 || !a->rsc->parent) return;
  Resource* parent = a->rsc->parent;
  if (parent->is_clone()) {
    for (Action* pa : parent->actions)
      if (pa->pseudo && is_summary_task(pa->task) && instance_task(a->rsc, pa->task) == a->task) push(pa);
    if (parent->bundle)  // a bundle's inner instance: the bundle's role actions too
      for (Action* pa : parent->bundle->actions)
        if (pa->pseudo && is_role_task(pa->task) && instance_task(a->rsc, pa->task) == a->task) push(pa);
  } else if (parent->is_group()) {
    for (Action* pa : parent->actions)
      if (is_group_role_summary(pa) && instance_task(a->rsc, pa->task) == a->task) {
        push(pa);
        // A cloned group's summary is asked for by its clone's: it changes
        // with the member's action even when the group's own does not.
        push_summaries(pa, push);
      }
  }
}

}  // namespace

// pacemaker's update_action itself, depth-first: an action applies the
// orderings into it (latest first; an ordering into a group also updates
// the members' same actions, through the group's action, each changed
// member re-processed at once); a changed 'first' re-runs the actions after
// it, the clone/group actions summarizing it, and itself; a changed action
// re-runs itself, the actions after it (latest first) and its summaries,
// never a member through its group. A group action's flags summarize its
// members' when an ordering asks for them, and that query updates the group
// action on the way without counting as a change of it (so it re-runs
// nothing), as pacemaker's does. Flags only ever clear, so the recursion
// ends. propagate_flags says in which order the actions are visited.
void update_recursive(Trace trace, Action* then) {
  if (trace)
    trace->push_back(std::string("Updating ") + (then->pseudo ? "pseudo-action " : "action ") + then->key() + " (" + (then->optional ? "optional" : "required") + " " +
                     (then->runnable ? "runnable" : "unrunnable") + ") on " +
                     (then->node ? then->node->uname : std::string("no node")));
  bool members_changed = false;
  const bool group_action = then->rsc && then->rsc->is_group();
  if (group_action) summarize_clone_action(then);
  const bool then_opt = then->optional, then_run = then->runnable;
  if (!group_action) summarize_clone_action(then);
  for (size_t i = then->before.size(); i-- > 0;) {
    auto [first, flags] = then->before[i];
    if (flags & kOrderViaGroup) continue;  // applied with the group's action
    // pacemaker's query of a group action's flags, as a "first", also
    // updates that action, without counting as a change of it.
    if (is_group_role_summary(first)) summarize_clone_action(first);
    const bool f_opt = first->optional, f_run = first->runnable;
    // Applies the edge from `first` to `target` (then, or a member of then's
    // group, which pacemaker updates with the flags it computed for first).
    auto apply = [&](Action* target, uint32_t fl) {
      if (!is_clone_summary(first) && !is_group_role_summary(first)) {
        update_edge(trace, first, target, fl);
        return;
      }
      // As a "first", a clone action is what its instances' say (pacemaker
      // orders by the summary, not by the clone action's own flags); what
      // the edge clears still clears the clone action.
      const bool own_opt = first->optional, own_run = first->runnable;
      auto [s_opt, s_run] = summary_flags(first);
      // (A clone's instances as "then" stand for the clone's own action,
      // which has no node: they see the clone-wide flags.)
      if (target->node && is_clone_summary(first) && target->rsc && !target->rsc->clone_parent())
        s_opt = optional_on(first, target->node, s_opt);
      first->optional = s_opt;
      first->runnable = s_run;
      update_edge(trace, first, target, fl);
      const bool cleared_opt = s_opt && !first->optional, cleared_run = s_run && !first->runnable;
      first->optional = own_opt && !cleared_opt;
      first->runnable = own_run && !cleared_run;
    };
    apply(then, flags);
    if (then->rsc && then->rsc->is_group()) {
      // pacemaker updates the members' same actions through the group's.
      for (Resource* member : then->rsc->children)
        for (auto& [m, fl] : first->after) {
          if (!(fl & kOrderViaGroup) || m->rsc != member || m->task != then->task) continue;
          const bool m_opt = m->optional, m_run = m->runnable;
          apply(m, fl);
          if (m->optional != m_opt || m->runnable != m_run) {
            members_changed = true;
            // A changed action of a resource with a parent is re-processed
            // at once (pacemaker does so for cloned groups' restarts).
            update_recursive(trace, m);
          }
        }
    }
    if (first->optional != f_opt || first->runnable != f_run) {
      for (size_t j = first->after.size(); j-- > 0;)
        if (!(first->after[j].second & kOrderViaGroup)) update_recursive(trace, first->after[j].first);
      push_summaries(first, [trace](Action* a) { update_recursive(trace, a); });
      update_recursive(trace, first);
    }
  }
  if (then->requires_any && then->runnable) {
    int runnable = 0;
    const Action* why = nullptr;
    for (auto& [first, flags] : then->before)
      if (flags & kOrderOneOrMore) {
        if (first->runnable) ++runnable;
        else why = first;
      }
    if (runnable < then->min_runnable) {
      then->runnable = false;
      if (why && then->reason.empty()) {
        set_reason(then, describe(why, "unrunnable"), false);
        if (trace) trace->push_back("Set " + then->key() + " reason to '" + then->reason + "'");
      }
    }
  }
  if (then->optional != then_opt || then->runnable != then_run || members_changed) {
    update_recursive(trace, then);
    for (size_t j = then->after.size(); j-- > 0;)
      if (!(then->after[j].second & kOrderViaGroup)) update_recursive(trace, then->after[j].first);
    push_summaries(then, [trace](Action* a) { update_recursive(trace, a); });
  }
}

namespace {

// pacemaker creates a recurring monitor the history shows active while it
// checks that history, before any other action of the transition.
bool created_with_history(const Action* a) {
  if (!a->rsc || a->task != "monitor" || a->interval_ms <= 0 || !a->node) return false;
  auto it = a->rsc->monitors_on.find(a->node->index);
  return it != a->rsc->monitors_on.end() && it->second.count("monitor_" + std::to_string(a->interval_ms));
}

}  // namespace

// The visiting order decides which ordering clears a flag first, and so the
// "due to ..." reason a summary line prints (a start that cannot run and is
// also required gets "required X start" or "unrunnable X start" from
// whichever edge comes first). pacemaker 2.1.5 keeps its actions in a list
// it prepends to as it creates them and visits that list from its head:
// newest first. halab creates actions in pacemaker's order (a resource's
// actions in configuration order, a group's members before its
// pseudo-actions, a placeholder "first" when an ordering needs it) with one
// exception, the recurring monitors the history shows active: pacemaker
// creates those while it checks the history, before anything else, so they
// are visited last. Visiting oldest first instead gives other reasons
// (bug-5014-ordered-set-symmetrical-true: "unrunnable C start" where
// pacemaker prints "required C start").
void propagate_flags(Cluster& c) {
  std::vector<Action*> early, rest;
  for (auto& up : c.actions) (created_with_history(up.get()) ? early : rest).push_back(up.get());
  for (size_t i = rest.size(); i-- > 0;) update_recursive(c.flag_trace, rest[i]);
  for (size_t i = early.size(); i-- > 0;) update_recursive(c.flag_trace, early[i]);
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

// An optional ordering between two actions of the graph that would close a
// loop through it is left out (pacemaker drops such inputs rather than write
// a graph that can never complete); mandatory orderings are kept.
void drop_looping_optional_orderings(Cluster& c) {
  std::vector<int> seen(c.actions.size(), -1);
  auto reaches = [&](Action* from, const Action* to, int stamp) {
    std::vector<Action*> stack{from};
    seen[size_t(from->id)] = stamp;
    while (!stack.empty()) {
      Action* a = stack.back();
      stack.pop_back();
      if (a == to) return true;
      for (auto& [next, f] : a->after)
        if (next->in_graph() && seen[size_t(next->id)] != stamp) {
          seen[size_t(next->id)] = stamp;
          stack.push_back(next);
        }
    }
    return false;
  };
  int stamp = 0;
  for (auto& up : c.actions) {
    Action* then = up.get();
    if (!then->in_graph()) continue;
    for (size_t i = 0; i < then->before.size();) {
      auto [first, flags] = then->before[i];
      if (flags != kOrderOptional || !first->in_graph() || !reaches(then, first, stamp++)) {
        ++i;
        continue;
      }
      then->before.erase(then->before.begin() + long(i));
      auto& out = first->after;
      for (size_t j = 0; j < out.size(); ++j)
        if (out[j].first == then && out[j].second == flags) {
          out.erase(out.begin() + long(j));
          break;
        }
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
