// Promotable clones, as pacemaker 2.1.5 decides them:
//  - before placement, each instance's positive promotion score (the node
//    attribute master-<rsc>) is added to its node scores and raises its
//    priority, so likely-promoted instances are placed first;
//  - after placement, each active instance gets a promotion priority: its
//    promotion score on its node (-1 when there is none), plus location
//    constraints for the Promoted role, plus role colocations; the clone's
//    node scores are combined with it, and the best promoted-max instances
//    (at most promoted-node-max per node) are promoted, the rest unpromoted.
#include <algorithm>

#include "stack/scheduler/clone.hpp"
#include "stack/scheduler/placement.hpp"
#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

namespace {

void primitives_of(Resource* r, std::vector<Resource*>& out) {
  if (r->children.empty()) out.push_back(r);
  for (Resource* ch : r->children) primitives_of(ch, out);
}

bool runs_on(const Resource* r, const Node* n) {
  return std::find(r->running_on.begin(), r->running_on.end(), n) != r->running_on.end();
}

// pacemaker's promotion_score_applies for one primitive instance.
bool score_applies(const Resource* clone, const Resource* p, const Node* n) {
  auto allowed = [&]() {
    auto it = p->allowed.find(n->index);
    return it != p->allowed.end() && it->second >= 0;
  };
  if (!clone->clone.unique) {
    const Resource* active = nullptr;
    bool known = false;
    for (Resource* inst : clone->children) {
      std::vector<Resource*> prims;
      primitives_of(inst, prims);
      for (Resource* q : prims) {
        if (q->base_id != p->base_id) continue;
        if (!active && runs_on(q, n)) active = q;
        if (q->probed_on.count(n->index)) known = true;
      }
    }
    if (active == p) return allowed();
    if (!active && known) return allowed();
  }
  if (p->running_on.empty() && p->probed_on.empty()) return allowed();
  if (p->probed_on.count(n->index) || runs_on(p, n)) return allowed();
  return false;
}

// The promotion score of an instance (a cloned group's is its members' sum);
// `is_default` when no attribute was found.
int promotion_score(const Resource* clone, Resource* inst, const Node* n, bool& is_default) {
  is_default = true;
  if (inst->is_group()) {
    int sum = 0;
    for (Resource* m : inst->children) {
      bool d = true;
      sum = add_scores(sum, promotion_score(clone, m, n, d));
      if (!d) is_default = false;
    }
    return sum;
  }
  if (!score_applies(clone, inst, n)) return 0;
  // container-attribute-target=host: a bundle instance's attributes are
  // those of the node its container runs on.
  if (auto t = inst->meta.find("container-attribute-target");
      t != inst->meta.end() && t->second == "host" && n->remote_rsc && n->remote_rsc->container) {
    const Resource* container = n->remote_rsc->container;
    if (container->running_on.empty()) return 0;
    n = container->running_on.front();
  }
  const std::string name = inst->clone_name.empty() ? inst->id : inst->clone_name;
  auto it = n->attrs.find("master-" + name);
  if (it != n->attrs.end()) {
    is_default = false;
    return parse_score_or(it->second, 0);
  }
  if (inst->clone_name.empty() && !clone->clone.unique && !inst->base_id.empty()) {
    it = n->attrs.find("master-" + inst->base_id);
    if (it != n->attrs.end()) {
      is_default = false;
      return parse_score_or(it->second, 0);
    }
  }
  return 0;
}

void set_next_role(Resource* r, Role role) {
  r->next_role = role;
  for (Resource* ch : r->children) set_next_role(ch, role);
}

}  // namespace

void add_promotion_scores(Cluster& c, Resource* clone) {
  for (Resource* inst : clone->children) {
    for (auto& [ni, w] : inst->allowed) {
      if (!node_available(c, ni)) continue;
      bool is_default = true;
      int score = promotion_score(clone, inst, c.nodes[size_t(ni)].get(), is_default);
      if (score > 0) w = add_scores(w, score);
      inst->priority = std::max(inst->priority, score);
    }
  }
}

void set_instance_roles(Cluster& c, Resource* clone) {
  std::map<int, int> promoted_on;
  std::map<const Resource*, int> sort_index;
  for (Resource* inst : clone->children) {
    std::vector<Resource*> prims;
    primitives_of(inst, prims);
    // Active but not promoted means unpromoted, for a promotable clone.
    for (Resource* p : prims)
      if (p->role == Role::Started) p->role = Role::Unpromoted;
    if (inst->is_group() && inst->role == Role::Started) inst->role = Role::Unpromoted;
    Node* chosen = inst->assigned;
    if (!chosen) continue;
    Role target = inst->target_role;
    if (target == Role::Unknown && clone->target_role != Role::Unknown) target = clone->target_role;
    bool no_ticket = false;
    for (Resource* p : prims) no_ticket = no_ticket || p->no_promotion;
    if (target == Role::Unpromoted || target == Role::Stopped || no_ticket) {
      inst->priority = -kInfinity;
    } else {
      bool is_default = true;
      inst->priority = promotion_score(clone, inst, chosen, is_default);
      if (is_default) inst->priority = -1;
    }
    // Location constraints for the Promoted role.
    for (const auto& lc : c.locations) {
      if (lc.role != Role::Promoted) continue;
      if (lc.rsc != clone && lc.rsc != inst) continue;
      for (auto [ni, s] : lc.node_scores)
        if (ni == chosen->index) inst->priority = add_scores(s, inst->priority);
    }
    // Colocations of the promoted (or unpromoted) role with other resources.
    for (Colocation* col : clone->this_with) {
      if (col->dependent_role != Role::Promoted && col->dependent_role != Role::Unpromoted) continue;
      Resource* primary = col->primary;
      if (primary->is_clone()) {
        Resource* pair = nullptr;
        for (Resource* pi : primary->children)
          if (pi->assigned && pi->assigned->attr(col->node_attribute) == chosen->attr(col->node_attribute) &&
              (col->primary_role == Role::Unknown || col->primary_role == Role::Started ||
               pi->next_role == col->primary_role))
            pair = pi;
        if (pair) inst->priority = add_scores(inst->priority, col->score);
        else if (col->score >= kInfinity) inst->priority = -kInfinity;
        continue;
      }
      Node* pn = primary->is_group() && !primary->children.empty() ? primary->children.front()->assigned
                                                                     : primary->assigned;
      if (!pn) continue;
      if (pn->attr(col->node_attribute) != chosen->attr(col->node_attribute)) {
        if (col->score >= kInfinity && col->dependent_role == Role::Promoted) inst->priority = -kInfinity;
        continue;
      }
      if (col->primary_role != Role::Unknown && col->primary_role != primary->next_role &&
          !(col->primary_role == Role::Started && primary->next_role == Role::Started))
        continue;
      const int mult = col->dependent_role == Role::Unpromoted ? -1 : 1;
      inst->priority = add_scores(mult * col->score, inst->priority);
    }
    sort_index[inst] = inst->priority;
  }
  // The clone's node scores, raised by its instances' priorities there.
  std::map<int, int> weights = clone->allowed;
  for (Resource* inst : clone->children) {
    auto it = sort_index.find(inst);
    if (it == sort_index.end() || it->second < 0 || !inst->assigned) continue;
    weights[inst->assigned->index] = add_scores(it->second, weights[inst->assigned->index]);
  }
  // Promoted-role colocations of the clone with others, and of others with its promoted role.
  for (Colocation* col : clone->this_with) {
    if (col->dependent_role != Role::Promoted) continue;
    weights = merge_scores(c, col->primary, &weights, col->node_attribute, double(col->score) / kInfinity,
                           col->score >= kInfinity ? 0u : unsigned(kMergeRollback));
  }
  for (Colocation* col : clone->with_this) {
    if (col->primary_role != Role::Promoted || !col->influence) continue;
    weights = merge_scores(c, col->dependent, &weights, col->node_attribute, double(col->score) / kInfinity,
                           kMergeRollback | kMergePositive);
  }
  for (Resource* inst : clone->children) {
    auto it = sort_index.find(inst);
    if (it == sort_index.end()) continue;
    if (!inst->managed && inst->role == Role::Promoted) it->second = kInfinity;
    else if (it->second >= 0 && inst->assigned) it->second = weights[inst->assigned->index];
  }
  std::vector<Resource*> order = clone->children;
  // Instances without a node keep pacemaker's initial sort index, 0.
  std::stable_sort(order.begin(), order.end(), [&](Resource* a, Resource* b) {
    const int sa = sort_index.count(a) ? sort_index[a] : 0;
    const int sb = sort_index.count(b) ? sort_index[b] : 0;
    if (sa != sb) return sa > sb;
    return int(a->role) > int(b->role);
  });
  int promoted = 0;
  for (Resource* inst : order) {
    c.score_log.push_back(inst->id + " promotion score on " + (inst->assigned ? inst->assigned->uname : "none") + ": " +
                          score_to_string(sort_index.count(inst) ? sort_index[inst] : 0));
    Node* node = inst->assigned;
    bool promote = false;
    auto it = sort_index.find(inst);
    if (node && it != sort_index.end() && it->second >= 0 &&
        (promoted < clone->clone.promoted_max || !clone->managed)) {
      promote = true;
      std::vector<Resource*> prims;
      primitives_of(inst, prims);
      for (Resource* p : prims)
        if (!p->assigned) promote = false;
      if (!inst->managed) promote = inst->role == Role::Promoted;
      else if (inst->priority < 0 || !node->can_run()) promote = false;
      // A guest node whose container will not run cannot host a promotion.
      else if (node->guest && node->remote_rsc && node->remote_rsc->container &&
               !node->remote_rsc->container->assigned)
        promote = false;
      else if (promoted_on[node->index] >= clone->clone.promoted_node_max) promote = false;
    }
    if (promote && inst->role != Role::Promoted && !c.options.have_quorum && c.options.no_quorum_policy == "freeze")
      promote = false;
    // Without quorum, no-quorum-policy=demote promotes nothing.
    if (promote && !c.options.have_quorum && c.options.no_quorum_policy == "demote") promote = false;
    if (!promote) {
      set_next_role(inst, inst->assigned ? Role::Unpromoted : Role::Stopped);
      continue;
    }
    promoted_on[node->index]++;
    set_next_role(inst, Role::Promoted);
    ++promoted;
  }
  clone->children = order;
}

}  // namespace halab::scheduler

namespace halab::scheduler {

namespace {

Action* action_on(Resource* r, const char* task, const Node* n) {
  for (Action* a : r->actions)
    if (a->task == task && a->interval_ms == 0 && a->node == n) return a;
  return nullptr;
}

}  // namespace

void create_role_actions(Cluster& c, Resource* r) {
  Node* chosen = r->assigned;
  Node* current = r->current_node();
  const Role from = r->role, to = r->next_role;
  Action* start = chosen ? action_on(r, "start", chosen) : nullptr;
  Action* demote = nullptr;
  if (from == Role::Promoted) {
    for (Node* n : r->running_on) {
      Action* stop = action_on(r, "stop", n);
      const bool keep_role = to == Role::Promoted && n == chosen && (!stop || stop->optional);
      const bool required = (!keep_role && (!stop || !stop->optional || to != Role::Promoted || n != chosen)) ||
                            r->demote_on.count(n->index) > 0;
      Action* d = c.new_action(ActionKind::Resource, r, "demote", 0, n, !required);
      if (!r->managed) d->runnable = false, d->optional = true;
      if (stop) c.order(d, stop, kOrderImpliesFirst);
      if (!demote) demote = d;
    }
  }
  Action* promote = nullptr;
  if (to == Role::Promoted && chosen) {
    // Recovering by demotion where it stays promoted: demoted, then promoted again.
    const bool optional = from == Role::Promoted && current == chosen && (!start || start->optional) &&
                          !r->demote_on.count(chosen->index);
    promote = c.new_action(ActionKind::Resource, r, "promote", 0, chosen, true);
    if (!optional && r->managed) promote->optional = false;
    if (!r->managed) promote->runnable = false;
    if (start) c.order(start, promote, kOrderRunnableLeft | kOrderImpliesThen);
    if (demote) c.order(demote, promote, kOrderOptional);
  }
  // Recurring monitors of a role: the new role's start, the old role's stop.
  for (size_t oi = 0; oi < r->ops.size(); ++oi) {
    const auto& op = r->ops[oi];
    if (op.name != "monitor" || op.interval_ms <= 0 || !op.enabled) continue;
    if (op.role != Role::Promoted && op.role != Role::Unpromoted) continue;
    // Two operations with the same name and interval are a configuration
    // error: pacemaker creates neither.
    bool dup = false;
    for (size_t oj = 0; oj < r->ops.size(); ++oj)
      if (oj != oi && r->ops[oj].name == op.name && r->ops[oj].interval_ms == op.interval_ms) dup = true;
    if (dup) continue;
    const std::string key = "monitor_" + std::to_string(op.interval_ms);
    auto active_on = [&](const Node* n) {
      auto it = r->monitors_on.find(n->index);
      return it != r->monitors_on.end() && it->second.count(key);
    };
    if (op.role != to) {
      if (current && from != to && active_on(current) && to != Role::Stopped && current == chosen)
        c.new_action(ActionKind::Resource, r, "cancel", op.interval_ms, current, false);
      continue;
    }
    if (!chosen) continue;
    // Already running under the same key (rsc_monitor_<interval>): nothing to do.
    const bool unchanged = current == chosen && (!start || start->optional);
    Action* mon = c.new_action(ActionKind::Resource, r, "monitor", op.interval_ms, chosen, unchanged && active_on(chosen));
    // Recurring monitors run for unmanaged resources too, not in maintenance.
    if (chosen->maintenance || r->maintenance || c.options.maintenance_mode) mon->runnable = false;
    if (start) c.order(start, mon, kOrderImpliesThen | kOrderRunnableLeft);
    if (promote) c.order(promote, mon, kOrderRunnableLeft);
    if (demote && to == Role::Unpromoted) c.order(demote, mon, kOrderRunnableLeft);
  }
}

void create_group_role_actions(Cluster& c, Resource* g) {
  Action* promote = c.new_action(ActionKind::Pseudo, g, "promote", 0, nullptr, true);
  Action* promoted = c.new_action(ActionKind::Pseudo, g, "promoted", 0, nullptr, true);
  Action* demote = c.new_action(ActionKind::Pseudo, g, "demote", 0, nullptr, true);
  Action* demoted = c.new_action(ActionKind::Pseudo, g, "demoted", 0, nullptr, true);
  auto one = [&](Resource* r, const char* task) {
    auto v = c.find_actions(r, task);
    return v.empty() ? nullptr : v.front();
  };
  if (Action* a = one(g, "stop")) c.order(demoted, a, kOrderOptional);
  if (Action* a = one(g, "start")) c.order(a, promote, kOrderOptional);
  c.order(promote, promoted, kOrderRunnableLeft);
  c.order(demote, demoted, kOrderRunnableLeft);
  for (Resource* m : g->children) {
    if (Action* a = one(m, "promote")) {
      c.order(promote, a, kOrderImpliesFirstPrinted);
      c.order(a, promoted, kOrderImpliesThenPrinted);
    }
    for (Action* a : c.find_actions(m, "demote")) {
      c.order(demote, a, kOrderImpliesFirstPrinted);
      c.order(a, demoted, kOrderImpliesThenPrinted);
    }
  }
}

void create_promotable_actions(Cluster& c, Resource* clone) {
  bool promoting = false, demoting = false;
  std::vector<Resource*> prims;
  for (Resource* inst : clone->children) primitives_of(inst, prims);
  for (Resource* p : prims)
    for (Action* a : p->actions) {
      if (a->optional) continue;
      if (a->task == "promote") promoting = true;
      if (a->task == "demote") demoting = true;
    }
  Action* promote = c.new_action(ActionKind::Pseudo, clone, "promote", 0, nullptr, !promoting);
  Action* promoted = c.new_action(ActionKind::Pseudo, clone, "promoted", 0, nullptr, !promoting);
  Action* demote = c.new_action(ActionKind::Pseudo, clone, "demote", 0, nullptr, !demoting);
  Action* demoted = c.new_action(ActionKind::Pseudo, clone, "demoted", 0, nullptr, !demoting);
  auto one = [&](const char* task) {
    auto v = c.find_actions(clone, task);
    return v.empty() ? nullptr : v.front();
  };
  Action* start = one("start");
  Action* running = one("running");
  Action* stop = one("stop");
  Action* stopped = one("stopped");
  c.order(stopped, promote, kOrderOptional);
  c.order(demoted, stop, kOrderOptional);
  c.order(demoted, start, kOrderOptional);
  c.order(demoted, promote, kOrderOptional);
  c.order(running, promote, kOrderOptional);
  c.order(demote, demoted, kOrderOptional);
  c.order(promote, promoted, kOrderOptional);
  create_notify_pseudo_ops(c, clone, "promote", promote, promoted);
  create_notify_pseudo_ops(c, clone, "demote", demote, demoted);
  (void)start;
  (void)stop;
  Resource* prev = nullptr;
  for (Resource* inst : clone->children) {
    if (inst->is_group()) {
      // A cloned group: the clone's role actions go through the group's.
      auto group_action = [&](const char* task) {
        auto v = c.find_actions(inst, task);
        return v.empty() ? nullptr : v.front();
      };
      if (Action* a = group_action("promote")) c.order(promote, a, kOrderOptional);
      if (Action* a = group_action("promoted")) c.order(a, promoted, kOrderOptional);
      if (Action* a = group_action("demote")) c.order(demote, a, kOrderImpliesFirstPrinted);
      if (Action* a = group_action("demoted")) c.order(a, demoted, kOrderImpliesThenPrinted);
      continue;
    }
    std::vector<Resource*> ip;
    primitives_of(inst, ip);
    for (Resource* p : ip) {
      for (Action* a : p->actions) {
        if (a->interval_ms) continue;
        if (a->task == "promote") {
          c.order(promote, a, kOrderOptional);
          c.order(a, promoted, kOrderOptional);
        } else if (a->task == "demote") {
          c.order(demote, a, kOrderImpliesFirstPrinted);
          c.order(a, demoted, kOrderImpliesThenPrinted);
        }
      }
    }
    (void)prev;
    prev = inst;
  }
}

}  // namespace halab::scheduler
