// Assignment: resources are placed one by one in priority order; each
// primitive first places what it must run with, folds in the preferences of
// what must run with it, then takes the best node (score, then fewest
// assigned resources, then its current node, then name).
#include <algorithm>

#include "stack/scheduler/clone.hpp"
#include "stack/scheduler/bundle.hpp"
#include "stack/scheduler/placement.hpp"
#include "stack/scheduler/remote.hpp"
#include "stack/scheduler/utilization.hpp"

namespace halab::scheduler {

bool node_available(const Cluster& c, int n) { return c.nodes[size_t(n)]->can_run(); }

void log_scores(Cluster& c, const char* fn, const Resource* r, const std::map<int, int>& scores) {
  for (auto& [n, s] : scores)
    c.score_log.push_back(std::string(fn) + ": " + r->id + " allocation score on " + c.nodes[size_t(n)]->uname + ": " +
                          score_to_string(s));
}

namespace {

void set_assigned(Cluster& c, Resource* r, Node* n) {
  r->assigned = n;
  r->provisional = false;
  if (n) n->num_resources++;
  consume_capacity(c, r, n);
  if (r->next_role == Role::Unknown) r->next_role = n ? Role::Started : Role::Stopped;
}

Node* best_node(Cluster& c, Resource* r, Node* prefer) {
  Node* current = r->current_node();
  const std::string& strategy = c.options.placement_strategy;
  std::vector<std::pair<int, int>> nodes(r->allowed.begin(), r->allowed.end());
  auto score_of = [&](const std::pair<int, int>& p) { return node_available(c, p.first) ? p.second : -kInfinity; };
  std::sort(nodes.begin(), nodes.end(), [&](const auto& a, const auto& b) {
    int sa = score_of(a), sb = score_of(b);
    if (sa != sb) return sa > sb;
    const Node* na = c.nodes[size_t(a.first)].get();
    const Node* nb = c.nodes[size_t(b.first)].get();
    if (strategy == "minimal") return na->uname < nb->uname;
    if (strategy == "balanced") {
      const int cap = compare_node_capacities(*na, *nb);
      if (cap != 0) return cap < 0;
    }
    if (na->num_resources != nb->num_resources) return na->num_resources < nb->num_resources;
    if (current && (na == current) != (nb == current)) return na == current;
    return na->uname < nb->uname;
  });
  if (nodes.empty()) return nullptr;
  const auto& best = nodes.front();
  if (!node_available(c, best.first) || best.second < 0) return nullptr;
  Node* chosen = c.nodes[size_t(best.first)].get();
  if (prefer) {
    auto it = r->allowed.find(prefer->index);
    if (it != r->allowed.end() && it->second >= best.second && node_available(c, prefer->index)) return prefer;
  }
  // A resource stays where it runs when that node is just as good; not a
  // unique clone's instance (placed where it runs already if it should be,
  // it would otherwise crowd a node that runs another instance).
  const bool unique_instance = r->parent && r->parent->is_clone() && r->parent->clone.unique;
  if (best.second > 0 && current && current->can_run() && !unique_instance) {
    for (size_t i = 1; i < nodes.size() && nodes[i].second == best.second; ++i)
      if (nodes[i].first == current->index) chosen = current;
  }
  return chosen;
}

Node* assign_primitive(Cluster& c, Resource* r) {
  if (!r->provisional) return r->assigned;
  if (r->allocating) return nullptr;  // a colocation loop: leave it to the caller
  r->allocating = true;
  for (Colocation* col : this_with_of(r)) {
    assign_resource(c, col->primary);
    apply_colocation_score(c, r, col->primary, *col);
  }
  for (Colocation* col : with_this_of(r)) {
    if (!col->influence && !r->running_on.empty()) continue;
    r->allowed = merge_scores(c, col->dependent, &r->allowed, col->node_attribute, double(col->score) / kInfinity,
                              kMergeRollback);
  }
  Node* prefer = ban_insufficient_capacity(c, r);
  if (!prefer) prefer = r->prefer_node;
  r->assign_scores = r->allowed;
  Role target = r->target_role;
  if (r->parent && r->parent->target_role != Role::Unknown && target == Role::Unknown) target = r->parent->target_role;
  if (c.options.stonith_enabled && !c.have_fence_device) r->managed = false;
  if (target == Role::Stopped && r->managed) {
    r->next_role = Role::Stopped;
    for (auto& [n, w] : r->allowed) w = -kInfinity;  // pacemaker bans it everywhere
    r->assign_scores = r->allowed;
    set_assigned(c, r, nullptr);
  } else if (!r->managed) {
    r->next_role = r->role;
    Node* cur = r->current_node();
    r->assigned = cur;
    r->provisional = false;
    if (cur) cur->num_resources++;
    consume_capacity(c, r, cur);
  } else if (c.options.stop_all_resources) {
    set_assigned(c, r, nullptr);
  } else {
    set_assigned(c, r, best_node(c, r, prefer));
  }
  log_scores(c, "pcmk__primitive_assign", r, r->assign_scores);
  r->allocating = false;
  return r->assigned;
}

Node* assign_group(Cluster& c, Resource* g) {
  if (!g->provisional) return g->assigned;
  if (g->allocating) return nullptr;
  g->allocating = true;
  expand_group_colocations(g);
  g->assign_scores = g->allowed;
  for (Resource* child : g->children) child->group_scores = child->allowed;
  log_scores(c, "pcmk__group_assign", g, g->assign_scores);
  for (Resource* child : g->children) log_scores(c, "pcmk__group_assign", child, child->group_scores);
  Node* first = nullptr;
  bool have_first = false;
  for (Resource* child : g->children) {
    Node* n = assign_resource(c, child);
    if (!have_first) {
      first = n;
      have_first = true;
    }
  }
  g->assigned = g->group_colocated ? first : nullptr;
  g->next_role = g->children.empty() ? Role::Stopped : g->children.front()->next_role;
  g->provisional = false;
  g->allocating = false;
  return g->assigned;
}

}  // namespace

Node* assign_resource(Cluster& c, Resource* r) {
  // Members are never placed on their own: their group goes first.
  if (r->parent && !r->parent->allocating && r->parent->provisional) assign_resource(c, r->parent);
  if (r->is_clone()) return r->clone.bundle ? assign_bundle(c, r) : assign_clone(c, r);
  return r->is_group() ? assign_group(c, r) : assign_primitive(c, r);
}

void assign_all(Cluster& c) {
  std::vector<Resource*> order = c.resources;
  std::stable_sort(order.begin(), order.end(), [](const Resource* a, const Resource* b) { return a->priority > b->priority; });
  sort_for_strategy(c, order);
  // Remote connections first: their nodes' availability depends on them.
  for (Resource* r : order)
    if (is_remote_connection(*r) && !r->bundle) {  // a bundle places its own with its containers
      assign_resource(c, r);
      after_connection_assigned(c, r);
    }
  for (Resource* r : order) assign_resource(c, r);
}

}  // namespace halab::scheduler
