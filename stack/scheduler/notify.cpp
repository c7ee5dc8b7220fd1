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

void notify_on(Cluster& c, Resource* r, Node* n, Action* op) {
  if (!n || !op || !n->online || !op->runnable) return;
  // One notification per instance, node and notify pseudo-action (pacemaker
  // keys them rsc_pre_notify_start_0, rsc_post_notify_running_0, ...): an
  // instance told before and after an action gets two.
  for (Action* a : r->actions)
    if (a->task == "notify" && a->node == n)
      for (auto& [first, flags] : a->before)
        if (first == op) return;
  Action* a = c.new_action(ActionKind::Resource, r, "notify", 0, n, op->optional);
  c.order(op, a, kOrderOptional);
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
    for (const std::string task : {"start", "stop", "promote", "demote"}) {
      Action* pre = pseudo(c, clone, "pre_notify_" + task);
      Action* post = pseudo(c, clone, "post_notify_" + completed(task));
      if (!pre || !post) continue;
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
            notify_on(c, p, n, pre);
            if (task == "demote" || !stop || stop->optional) notify_on(c, p, n, post);
          }
        }
        if ((task == "start" || task == "promote") && p->next_role != Role::Stopped && p->next_role != Role::Unknown) {
          Action* start = first_of(p, "start");
          if (start) {
            Action* promote = first_of(p, "promote");
            if (promote && !promote->runnable) continue;
          }
          if (!p->assigned) continue;
          if (task != "start" || !start || start->optional) notify_on(c, p, p->assigned, pre);
          notify_on(c, p, p->assigned, post);
        }
      }
    }
  }
}

}  // namespace halab::scheduler
