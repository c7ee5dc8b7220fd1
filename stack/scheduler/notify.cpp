// Clone notifications (notify=true), as pacemaker 2.1.5 schedules them.
// Around each clone action (start, stop, promote, demote) there are four
// pseudo-actions: "pre_notify_<task>", "confirmed-pre_notify_<task>",
// "post_notify_<completed task>" and "confirmed-post_notify_<...>". They
// are created with the clone's actions and follow them through the ordering
// propagation; once that is done, every instance that takes part gets a
// "notify" action on its node, required when its pseudo-action is:
//  - start/promote: instances that will be active are told after (post),
//    and before (pre) unless they are the ones starting;
//  - stop/demote: active instances are told before, and after unless they
//    are the ones stopping (a demote is always told after).
// Nothing is told for a start, promote or demote that no instance does.
#include "stack/scheduler/actions.hpp"
#include "stack/scheduler/clone.hpp"

namespace halab::scheduler {

namespace {

std::string completed(const std::string& task) {
  if (task == "start") return "running";
  if (task == "stop") return "stopped";
  if (task == "promote") return "promoted";
  return "demoted";
}

Action* pseudo(const Cluster& c, Resource* clone, const std::string& task) {
  auto v = c.find_actions(clone, task);
  return v.empty() ? nullptr : v.front();
}

void primitives_of(Resource* r, std::vector<Resource*>& out) {
  if (r->children.empty()) out.push_back(r);
  for (Resource* ch : r->children) primitives_of(ch, out);
}

Action* first_of(Resource* r, const char* task) {
  for (Action* a : r->actions)
    if (a->task == task && a->interval_ms == 0) return a;
  return nullptr;
}

// An instance's notification on `n`, between the notify pseudo-action `op`
// and its confirmation. pacemaker keys it by the instance, "pre"/"post" and
// the notified task (rsc_post_notify_stop_0): an instance told before and
// after an action gets two, and the same key asked twice (a clone's stop
// notification and the one a fencing adds) is one action.
void notify_on(Cluster& c, Resource* r, Node* n, Action* op, Action* confirm, const std::string& key) {
  if (!n || !op || !n->online || !op->runnable) return;
  Action* a = nullptr;
  for (Action* x : r->actions)
    if (x->task == "notify" && x->node == n && x->notify_key == key) a = x;
  if (!a) {
    a = c.new_action(ActionKind::Resource, r, "notify", 0, n, op->optional);
    a->notify_key = key;
  } else if (!op->optional) {
    a->optional = false;
  }
  c.order(op, a, kOrderOptional);
  if (confirm) c.order(a, confirm, kOrderOptional);
}

// A stop that fencing implies (a pseudo-action on an unclean node) is
// announced to the clone's other instances right after the fencing, through
// the instance's own post-notification pseudo-actions.
void notify_fenced_stops(Cluster& c, Resource* clone, const std::vector<Resource*>& prims) {
  for (Resource* fenced : prims) {
    Action* stop = nullptr;
    for (Action* a : fenced->actions)
      if (a->task == "stop" && a->interval_ms == 0 && a->pseudo && a->node && a->node->unclean) stop = a;
    if (!stop) continue;
    Action* fence = nullptr;
    for (auto& [first, flags] : stop->before)
      if (first->kind == ActionKind::Fence) fence = first;
    if (!fence) continue;
    Action* post = c.new_action(ActionKind::Pseudo, fenced, "post_notify_stop", 0, nullptr, fence->optional);
    Action* post_done = c.new_action(ActionKind::Pseudo, fenced, "notified", 0, nullptr, fence->optional);
    post->runnable = post_done->runnable = fence->runnable;
    c.order(fence, post, kOrderImpliesThen);
    c.order(post, post_done, kOrderImpliesThen);
    for (Resource* p : prims) {
      if (p->role == Role::Stopped) continue;
      Action* pstop = first_of(p, "stop");
      for (Node* n : p->running_on) {
        if (pstop && pstop->pseudo && n->unclean) continue;
        if (!pstop || pstop->optional) notify_on(c, p, n, post, post_done, "post_stop");
      }
    }
  }
  (void)clone;
}

}  // namespace

void create_notify_pseudo_ops(Cluster& c, Resource* clone, const std::string& task, Action* action,
                              Action* complete) {
  if (!clone->clone.notify || !action || !complete) return;
  const std::string done = completed(task);
  Action* pre = c.new_action(ActionKind::Pseudo, clone, "pre_notify_" + task, 0, nullptr, action->optional);
  Action* pre_done =
      c.new_action(ActionKind::Pseudo, clone, "confirmed-pre_notify_" + task, 0, nullptr, action->optional);
  c.order(pre, pre_done, kOrderOptional);
  Action* post = c.new_action(ActionKind::Pseudo, clone, "post_notify_" + done, 0, nullptr, complete->optional);
  post->runnable = complete->runnable;
  Action* post_done =
      c.new_action(ActionKind::Pseudo, clone, "confirmed-post_notify_" + done, 0, nullptr, complete->optional);
  post_done->runnable = complete->runnable;
  c.order(post, post_done, kOrderImpliesThen);
  c.order(pre_done, action, kOrderOptional);
  c.order(complete, post, kOrderImpliesThen);
}

void create_clone_notifications(Cluster& c) {
  for (Resource* clone : c.resources) {
    if (!clone->is_clone() || !clone->clone.notify) continue;
    std::vector<Resource*> prims;
    for (Resource* inst : clone->children) primitives_of(inst, prims);
    notify_fenced_stops(c, clone, prims);
    for (const std::string task : {"start", "stop", "promote", "demote"}) {
      Action* pre = pseudo(c, clone, "pre_notify_" + task);
      Action* post = pseudo(c, clone, "post_notify_" + completed(task));
      if (!pre || !post) continue;
      Action* pre_done = pseudo(c, clone, "confirmed-pre_notify_" + task);
      Action* post_done = pseudo(c, clone, "confirmed-post_notify_" + completed(task));
      const std::string pre_key = "pre_" + task, post_key = "post_" + task;
      bool any = false;  // some instance really does it
      for (Resource* p : prims)
        for (Action* a : p->actions)
          if (a->task == task && a->interval_ms == 0 && !a->optional && a->node && a->runnable) any = true;
      if (task != "stop" && !any) continue;
      for (Resource* p : prims) {
        if ((task == "stop" || task == "demote") && p->role != Role::Stopped) {
          Action* stop = first_of(p, "stop");
          for (Node* n : p->running_on) {
            if (stop && stop->pseudo && n->unclean) continue;
            notify_on(c, p, n, pre, pre_done, pre_key);
            if (task == "demote" || !stop || stop->optional) notify_on(c, p, n, post, post_done, post_key);
          }
        }
        if ((task == "start" || task == "promote") && p->next_role != Role::Stopped && p->next_role != Role::Unknown) {
          Action* start = first_of(p, "start");
          if (start) {
            Action* promote = first_of(p, "promote");
            if (promote && !promote->runnable) continue;
          }
          if (!p->assigned) continue;
          if (task != "start" || !start || start->optional) notify_on(c, p, p->assigned, pre, pre_done, pre_key);
          notify_on(c, p, p->assigned, post, post_done, post_key);
        }
      }
    }
  }
}

}  // namespace halab::scheduler
