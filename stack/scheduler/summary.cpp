// The Transition Summary: one line per resource change, worded and aligned
// as pacemaker's crm_simulate words and aligns them.
#include <cstdio>
#include <set>

#include "stack/scheduler/actions.hpp"
#include "stack/scheduler/migration.hpp"
#include "stack/scheduler/scheduler.hpp"

namespace halab::scheduler {

namespace {

struct Item {
  std::string change, rsc, details, reason;
};

struct Widths {
  int rsc = 5, detail = 5;
  void see(const Item& it) {
    int len = int(it.rsc.size());
    if (len > rsc) rsc = len + 2;
    if (int(it.details.size()) > detail) detail = int(it.details.size());
  }
};

Action* find_on(const Resource* r, const char* task, const Node* n) {
  if (!n) return nullptr;
  for (Action* a : r->actions)
    if (a->task == task && a->interval_ms == 0 && a->node == n) return a;
  return nullptr;
}

void log_action(std::vector<Item>& out, const char* change, const Resource* r, const Node* origin,
                const Node* destination, const Action* action, const Action* source) {
  if (!action) action = source;
  if (!source) source = action;
  Item it;
  it.change = change;
  it.rsc = r->id;
  // Roles are shown once a resource is (or becomes) more than started.
  const Role role = r->role, next = r->next_role;
  const bool need_role = int(role) > int(Role::Started) || int(next) > int(Role::Unpromoted);
  const std::string rn = role_name(role), nn = role_name(next);
  if (origin && destination && origin == destination && need_role && role != next)
    it.details = rn + " -> " + nn + " " + destination->uname;
  else if (origin && destination && origin == destination && need_role)
    it.details = nn + " " + destination->uname;
  else if (origin && destination && origin == destination)
    it.details = origin->uname;
  else if (origin && destination && need_role && role == next)
    it.details = origin->uname + " -> " + destination->uname + " " + nn;
  else if (origin && destination && need_role)
    it.details = rn + " " + origin->uname + " -> " + nn + " " + destination->uname;
  else if (origin && destination)
    it.details = origin->uname + " -> " + destination->uname;
  else if (!origin && destination && need_role)
    it.details = rn + " -> " + nn + " " + destination->uname;
  else if (!origin && destination)
    it.details = destination->uname;
  else if (origin && need_role)
    it.details = rn + " " + origin->uname;
  else if (origin)
    it.details = origin->uname;
  const bool runnable = !action || action->runnable;
  if (source && !source->reason.empty() && !runnable) it.reason = "due to " + source->reason + " (blocked)";
  else if (source && !source->reason.empty()) it.reason = "due to " + source->reason;
  else if (!runnable) it.reason = "blocked";
  out.push_back(it);
}

void primitive_items(const Resource* r, std::vector<Item>& out) {
  Node* current = r->current_node();
  Node* next = r->assigned;
  if (!r->managed || (!current && !next)) return;
  const bool moving = current && next && current != next;
  Action* start = nullptr;
  for (Action* a : r->actions)
    if (!start && a->task == "start" && a->interval_ms == 0 && next && a->node == next) start = a;
  // The stop on the current node, or any stop when the start cannot happen.
  const Node* start_node = (start && start->runnable) ? current : nullptr;
  Action* stop = nullptr;
  for (Action* a : r->actions)
    if (!stop && a->task == "stop" && (!start_node || a->node == start_node)) stop = a;
  // Multiply active and staying (multiple-active=stop_unexpected): no stop
  // where it stays; the stops elsewhere say why.
  if (!stop && r->multiply_active())
    for (Action* a : r->actions)
      if (!stop && a->task == "stop") stop = a;
  if (r->role == r->next_role) {
    if (!next) return;
    if (moving && runnable_migration(r)) {
      log_action(out, "Migrate", r, current, next, start, nullptr);
      return;
    }
    if ((!start || start->optional) && current) {
      for (Action* a : r->actions)
        if (a->task == "reload-agent" && a->node == current && a->in_graph()) {
          log_action(out, "Reload", r, current, nullptr, nullptr, nullptr);  // worded without a reason
          return;
        }
    }
    if (!start || start->optional) {
      // Recovered by demotion, in place: demoted and promoted again.
      Action* demote = find_on(r, "demote", current);
      Action* promote = find_on(r, "promote", next);
      if (demote && promote && !demote->optional && !promote->optional)
        log_action(out, "Re-promote", r, current, next, promote, demote);
      return;
    }
    if (!start->runnable) {
      log_action(out, "Stop", r, current, nullptr, stop, (stop && !stop->reason.empty()) ? stop : start);
    } else if (moving) {
      log_action(out, r->failed ? "Recover" : "Move", r, current, next, stop, nullptr);
    } else if (r->failed) {
      log_action(out, "Recover", r, current, nullptr, stop, nullptr);
    } else {
      log_action(out, "Restart", r, current, next, start, nullptr);
    }
    return;
  }
  Action* demote = find_on(r, "demote", current);
  Action* promote = find_on(r, "promote", next);
  if (stop && (r->next_role == Role::Stopped || (start && !start->runnable))) {
    for (Node* n : r->running_on) {
      Action* s = find_on(r, "stop", n);
      log_action(out, "Stop", r, n, nullptr, s, (s && !s->reason.empty()) ? s : start);
    }
  } else if (stop && r->failed && !stop->optional) {
    log_action(out, "Recover", r, current, next, stop, start);
  } else if (moving) {
    log_action(out, "Move", r, current, next, stop, nullptr);
  } else if ((!start || start->optional) && ((demote && !demote->optional) || (promote && !promote->optional))) {
    if (demote && promote && !demote->optional && !promote->optional)
      log_action(out, "Re-promote", r, current, next, promote, demote);
    else if (demote && !demote->optional)
      log_action(out, "Demote", r, current, next, demote, nullptr);
    else
      log_action(out, "Promote", r, current, next, promote, nullptr);
  } else if (r->next_role == Role::Promoted && start && !start->optional) {
    log_action(out, "Promote", r, current, next, find_on(r, "promote", next), nullptr);
  } else if (stop && !stop->optional) {
    log_action(out, "Restart", r, current, next, start, nullptr);
  } else if (r->role == Role::Stopped && r->next_role != Role::Stopped && r->next_role != Role::Unknown) {
    log_action(out, "Start", r, current, next, start, nullptr);
  }
}

void resource_items(const Resource* r, std::vector<Item>& out) {
  if (r->is_clone()) {
    for (const Resource* inst : r->children) resource_items(inst, out);
  } else if (r->is_group()) {
    for (const Resource* ch : r->children) primitive_items(ch, out);
  } else {
    primitive_items(r, out);
  }
}

}  // namespace

std::vector<std::string> transition_summary(const Cluster& c) {
  std::vector<std::string> lines;
  for (const auto& a : c.actions) {
    if (a->kind != ActionKind::Fence || !a->in_graph()) continue;
    const Node* n = a->node;
    const std::string via = n->guest && n->remote_rsc && n->remote_rsc->container
                                ? " (resource: " + n->remote_rsc->container->id + ")"
                                : std::string();
    lines.push_back("  * Fence (" + a->fence_type + ") " + n->uname + via + " '" + a->reason + "'");
  }
  std::vector<Item> items;
  for (const Resource* r : c.resources) resource_items(r, items);
  // pacemaker sizes the columns while logging, before it prints: every item
  // has been seen once when the first line is printed.
  Widths w;
  for (const auto& it : items) w.see(it);
  for (const auto& it : items) {
    char buf[1024];
    std::snprintf(buf, sizeof buf, "  * %-8s   %-*s   ( %*s )%s%s", it.change.c_str(), w.rsc, it.rsc.c_str(), w.detail,
                  it.details.c_str(), it.reason.empty() ? "" : "  ", it.reason.c_str());
    lines.emplace_back(buf);
  }
  return lines;
}

// The name crm_simulate shows for an action's resource: anonymous clone
// instances go by the name their history used (the configured id, when any
// instance's history is under it), else by their instance id.
static std::string action_rsc_name(const Resource* r, const std::set<std::string>& history_names) {
  const Resource* clone = r->clone_parent();
  if (!clone || clone->clone.unique || r->base_id.empty()) return r->id;
  if (history_names.count(r->base_id)) return r->base_id;
  return (!r->clone_name.empty() && r->clone_name != r->base_id) ? r->clone_name : r->id;
}

std::vector<std::string> execution_lines(const Cluster& c) {
  std::set<std::string> history_names;
  for (const auto& r : c.all_resources)
    if (!r->clone_name.empty()) history_names.insert(r->clone_name);
  std::vector<std::string> lines;
  for (Action* a : graph_order(c)) {
    char buf[1024];
    switch (a->kind) {
      case ActionKind::Fence:
        if (a->pseudo)  // a guest node's: recovering its container is the fencing
          std::snprintf(buf, sizeof buf, "  * Pseudo action:   stonith-%s-%s on %s", a->node->uname.c_str(),
                        a->fence_type.c_str(), a->node->uname.c_str());
        else
          std::snprintf(buf, sizeof buf, "  * Fencing %s (%s)", a->node->uname.c_str(), a->fence_type.c_str());
        break;
      case ActionKind::Shutdown:
        std::snprintf(buf, sizeof buf, "  * Cluster action:  %s on %s", a->task.c_str(), a->node->uname.c_str());
        break;
      case ActionKind::ClearFailcount:
        // clear_failcount, or lrm_delete (a resource's history cleared)
        std::snprintf(buf, sizeof buf, "  * Cluster action:  %s for %s on %s", a->task.c_str(), a->rsc->id.c_str(),
                      a->node->uname.c_str());
        break;
      case ActionKind::Pseudo: {
        // An instance's pseudo-action goes by the name its history used.
        std::string key = a->rsc ? a->key() : a->task;
        if (a->rsc && !a->rsc->clone_name.empty() && !a->rsc->is_group() && !a->rsc->is_clone())
          key = a->rsc->clone_name + "_" + a->task + "_" + std::to_string(a->interval_ms);
        std::snprintf(buf, sizeof buf, "  * Pseudo action:   %s", key.c_str());
        break;
      }
      case ActionKind::Resource: {
        std::string task = a->task;
        if (a->interval_ms > 0) task += "=" + std::to_string(a->interval_ms);
        std::snprintf(buf, sizeof buf, "  * Resource action: %-15s %s on %s",
                      action_rsc_name(a->rsc, history_names).c_str(), task.c_str(),
                      a->node ? a->node->uname.c_str() : "(null)");
        break;
      }
    }
    lines.emplace_back(buf);
  }
  return lines;
}

std::vector<std::string> allocation_scores(const Cluster& c) { return c.score_log; }

}  // namespace halab::scheduler
