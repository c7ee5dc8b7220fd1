// Clone placement, as pacemaker 2.1.5 assigns instances: the clone first
// places what it must run with and folds in what must run with it; then its
// instances are sorted (active, allowed, ...), those still active are kept
// where they are when that node still wants one ("pre-assignment", at most
// an even share per node), and the rest go to the best remaining nodes, at
// most clone-node-max per node and clone-max in total.
//
// A clone as the primary of a colocation: a mandatory one confines the
// dependent to nodes with an instance; others add the score for every node
// with an instance. An interleaved clone pairs each of its instances with
// the primary clone's instance on the same node.
#include <algorithm>
#include <functional>

#include "stack/scheduler/clone.hpp"
#include "stack/scheduler/placement.hpp"

namespace halab::scheduler {

namespace {

bool instance_failed(const Resource* r) {
  if (r->failed) return true;
  for (const Resource* ch : r->children)
    if (instance_failed(ch)) return true;
  return false;
}

std::vector<Node*> active_nodes(const Resource* r) {
  if (!r->is_group()) return r->running_on;
  std::vector<Node*> out;
  for (const Resource* ch : r->children)
    for (Node* n : ch->running_on)
      if (std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  return out;
}

int instance_number(const Resource* r) {
  auto colon = r->id.rfind(':');
  return colon == std::string::npos ? 0 : std::atoi(r->id.c_str() + colon + 1);
}

int score_on(const Resource* r, const Node* n) {
  auto it = r->allowed.find(n->index);
  return it == r->allowed.end() ? -kInfinity : it->second;
}

bool allowed_on(const Resource* r, const Node* n) {
  auto it = r->allowed.find(n->index);
  return it != r->allowed.end() && it->second >= 0;
}

// The score of an instance's current node once its clone's colocations are
// folded in (dependents' only where positive), starting from 0.
int colocated_score(Cluster& c, const Resource* inst, const Node* current) {
  const Resource* clone = inst->parent;
  NodeScores table{{current->index, 0}};
  for (Colocation* col : clone->this_with)
    table = merge_scores(c, col->primary, &table, col->node_attribute, double(col->score) / kInfinity, 0);
  for (Colocation* col : clone->with_this) {
    if (!col->influence) continue;
    table = merge_scores(c, col->dependent, &table, col->node_attribute, double(col->score) / kInfinity,
                         kMergePositive);
  }
  return table[current->index];
}

// pacemaker's instance order (pcmk__cmp_instance): negative when a goes
// first, positive when b does, 0 when it does not matter (the sort is stable).
int compare_instances(Cluster& c, const Resource* a, const Resource* b) {
  auto na = active_nodes(a), nb = active_nodes(b);
  // Both active: the one active on fewer nodes.
  if (!na.empty() && !nb.empty() && na.size() != nb.size()) return na.size() < nb.size() ? -1 : 1;
  Node* ca = na.empty() ? nullptr : na.front();
  Node* cb = nb.empty() ? nullptr : nb.front();
  // Not active on a node it may no longer run on.
  bool can_a = true, can_b = true;
  if (ca && !allowed_on(a, ca)) can_a = false, ca = nullptr;
  if (cb && !allowed_on(b, cb)) can_b = false, cb = nullptr;
  if (can_a != can_b) return can_a ? -1 : 1;
  if (a->priority != b->priority) return a->priority > b->priority ? -1 : 1;
  // Active first.
  if (!ca && !cb) return 0;
  if (!ca || !cb) return ca ? -1 : 1;
  if (ca->can_run() != cb->can_run()) return ca->can_run() ? -1 : 1;
  // The clone knows the instance's current node.
  const Resource* clone = a->parent;
  const bool pa = clone->allowed.count(ca->index) > 0, pb = clone->allowed.count(cb->index) > 0;
  if (!pa && !pb) return 0;
  if (pa != pb) return pa ? -1 : 1;
  const bool fa = instance_failed(a), fb = instance_failed(b);
  if (fa != fb) return fa ? 1 : -1;
  // Higher score on its current node with the clone's colocations.
  const int sa = colocated_score(c, a, ca), sb = colocated_score(c, b, cb);
  if (sa != sb) return sa > sb ? -1 : 1;
  const int ia = instance_number(a), ib = instance_number(b);
  return ia < ib ? -1 : ia > ib ? 1 : 0;
}

// Sets the score of `n` for `r` and, for a cloned group, its members.
void set_score(Resource* r, int n, int score) {
  r->allowed[n] = score;
  for (Resource* ch : r->children) set_score(ch, n, score);
}

int count_on(const Resource* clone, int n) {
  auto it = clone->instance_count.find(n);
  return it == clone->instance_count.end() ? 0 : it->second;
}

// pacemaker's can_run_instance over every allowed node: ban what the
// instance cannot have (node down, clone banned there, node full).
void ban_unavailable(Cluster& c, Resource* clone, Resource* inst, int per_node) {
  std::vector<int> nodes;
  for (auto& [n, w] : inst->allowed) nodes.push_back(n);
  for (int n : nodes) {
    bool ok = node_available(c, n) && !inst->orphan;
    if (ok) {
      auto it = clone->allowed.find(n);
      if (it == clone->allowed.end()) ok = false;
      else if (it->second < 0) {
        set_score(inst, n, it->second);
        continue;
      } else if (count_on(clone, n) >= per_node) {
        ok = false;
      }
    }
    if (!ok) set_score(inst, n, -kInfinity);
  }
}

// The clone's colocations, as each instance sees them (pacemaker's
// append_parent_colocation): all of them when not every node gets an
// instance, else only mandatory and negative ones.
void inherit_colocations(Resource* clone, Resource* inst, bool all) {
  Resource* target = inst->is_group() && !inst->children.empty() ? inst : inst;
  for (Colocation* col : clone->this_with)
    if (all || col->score < 0 || col->score >= kInfinity)
      if (std::find(target->this_with.begin(), target->this_with.end(), col) == target->this_with.end())
        target->this_with.insert(target->this_with.begin(), col);
  for (Colocation* col : clone->with_this) {
    if (!col->influence) continue;
    if (all || col->score < 0)
      if (std::find(target->with_this.begin(), target->with_this.end(), col) == target->with_this.end())
        target->with_this.insert(target->with_this.begin(), col);
  }
}

void unassign(Resource* r) {
  if (r->assigned) r->assigned->num_resources--;
  r->assigned = nullptr;
  r->provisional = true;
  r->next_role = Role::Unknown;
  for (Resource* ch : r->children) unassign(ch);
}

void save_allowed(Resource* r, std::vector<std::pair<Resource*, std::map<int, int>>>& out) {
  out.emplace_back(r, r->allowed);
  for (Resource* ch : r->children) save_allowed(ch, out);
}

Node* assign_instance(Cluster& c, Resource* clone, Resource* inst, Node* prefer, bool all_coloc) {
  if (!inst->provisional) return inst->assigned;
  if (inst->allocating) return nullptr;
  inherit_colocations(clone, inst, all_coloc);
  if (prefer && !allowed_on(inst, prefer)) return nullptr;
  ban_unavailable(c, clone, inst, clone->clone.node_max);
  std::vector<std::pair<Resource*, std::map<int, int>>> backup;
  save_allowed(inst, backup);
  // pacemaker keeps an instance on its node when that is as good as the best.
  auto set_prefer = [&](Resource* r, Node* n) {
    r->prefer_node = n;
    for (Resource* ch : r->children) ch->prefer_node = n;
  };
  set_prefer(inst, prefer);
  Node* chosen = assign_resource(c, inst);
  set_prefer(inst, nullptr);
  if (chosen && prefer && chosen != prefer) {
    // Not where it runs after all: undo, it is placed in the second pass.
    for (auto& [r, a] : backup) r->allowed = a;
    unassign(inst);
    return nullptr;
  }
  if (chosen) clone->instance_count[chosen->index]++;
  return chosen;
}

}  // namespace

Node* assign_clone(Cluster& c, Resource* clone) {
  if (!clone->provisional || clone->allocating) return nullptr;
  clone->allocating = true;
  if (clone->clone.promotable) add_promotion_scores(c, clone);
  for (Colocation* col : clone->this_with) assign_resource(c, col->primary);
  for (Colocation* col : clone->with_this) {
    if (!col->influence) continue;
    clone->allowed = merge_scores(c, col->dependent, &clone->allowed, col->node_attribute,
                                  double(col->score) / kInfinity, kMergeRollback | kMergePositive);
  }
  clone->assign_scores = clone->allowed;
  for (Resource* inst : clone->children) inst->group_scores = inst->allowed;
  // The clone's scores, then every instance's (and a cloned group's members').
  log_scores(c, "pcmk__clone_allocate", clone, clone->assign_scores);
  std::function<void(const Resource*)> log_tree = [&](const Resource* r) {
    log_scores(c, "pcmk__clone_allocate", r, r->allowed);
    for (const Resource* ch : r->children) log_tree(ch);
  };
  for (Resource* inst : clone->children) log_tree(inst);
  std::vector<Resource*> order = clone->children;
  std::stable_sort(order.begin(), order.end(),
                   [&](const Resource* a, const Resource* b) { return compare_instances(c, a, b) < 0; });
  clone->children = order;

  const int max = clone->clone.max;
  int available = 0;
  clone->instance_count.clear();
  for (auto& [n, w] : clone->allowed)
    if (node_available(c, n)) ++available;
  const bool all_coloc = max < available;
  int loop_max = available ? max / available : 0;
  if (loop_max < 1) loop_max = 1;
  int allocated = 0;
  // Keep active instances where they are, up to an even share per node.
  for (Resource* inst : order) {
    if (allocated >= max) break;
    auto where = active_nodes(inst);
    if (where.empty() || !inst->provisional || instance_failed(inst)) continue;
    Node* current = where.front();
    if (!current->can_run() || score_on(clone, current) < 0) continue;
    if (clone->allowed.count(current->index) && count_on(clone, current->index) >= loop_max) continue;
    if (assign_instance(c, clone, inst, current, all_coloc)) ++allocated;
  }
  for (Resource* inst : order) {
    if (!inst->provisional) continue;
    if (allocated >= max) {
      for (auto& [n, w] : inst->allowed) set_score(inst, n, -kInfinity);
      assign_resource(c, inst);
      continue;
    }
    if (assign_instance(c, clone, inst, nullptr, all_coloc)) ++allocated;
  }
  if (clone->clone.promotable) set_instance_roles(c, clone);
  clone->next_role = allocated ? Role::Started : Role::Stopped;
  clone->provisional = false;
  clone->allocating = false;
  return nullptr;
}

// The instance of `clone` placed on `n` (or running there, with `current`).
Resource* instance_on(const Resource* clone, const Node* n, bool current) {
  for (Resource* inst : clone->children) {
    if (current) {
      auto where = active_nodes(inst);
      if (!where.empty() && where.front() == n) return inst;
    } else if (inst->assigned == n && n) {
      return inst;
    }
  }
  return nullptr;
}

bool role_matches(const Resource* inst, Role wanted) {
  if (wanted == Role::Unknown || wanted == Role::Started) return true;
  Role r = inst->next_role;
  if (r == Role::Started) r = Role::Unpromoted;
  if (wanted == Role::Unpromoted) return r == Role::Unpromoted || r == Role::Promoted ? r == Role::Unpromoted : false;
  return r == wanted;
}

void apply_clone_colocation(Cluster& c, Resource* dependent, Resource* clone, const Colocation& col) {
  if (clone->provisional || !dependent->provisional) return;
  Resource* dep_clone = dependent->parent && dependent->parent->is_clone() ? dependent->parent : nullptr;
  if (dep_clone && dep_clone == col.dependent && dep_clone->clone.interleave) {
    // Interleaved: pair with the primary's instance on the same node, trying
    // the dependent instance's best nodes first.
    // Nodes in pacemaker's node order: score, then fewest resources placed
    // so far, then name.
    std::vector<std::pair<int, int>> nodes(dependent->allowed.begin(), dependent->allowed.end());
    auto score_of = [&](const std::pair<int, int>& p) { return node_available(c, p.first) ? p.second : -kInfinity; };
    std::stable_sort(nodes.begin(), nodes.end(), [&](auto& a, auto& b) {
      if (score_of(a) != score_of(b)) return score_of(a) > score_of(b);
      const Node* na = c.nodes[size_t(a.first)].get();
      const Node* nb = c.nodes[size_t(b.first)].get();
      if (na->num_resources != nb->num_resources) return na->num_resources < nb->num_resources;
      return na->uname < nb->uname;
    });
    Resource* pair = nullptr;
    for (auto [n, w] : nodes) {
      Resource* inst = instance_on(clone, c.nodes[size_t(n)].get(), false);
      if (inst && role_matches(inst, col.primary_role)) {
        pair = inst;
        break;
      }
    }
    if (pair) {
      apply_colocation_score(c, dependent, pair, col);
    } else if (col.score >= kInfinity) {
      for (auto& [n, w] : dependent->allowed) set_score(dependent, n, -kInfinity);
    }
    return;
  }
  if (col.score >= kInfinity) {
    std::set<int> with_instance;
    for (Resource* inst : clone->children)
      if (inst->assigned && !inst->blocked && role_matches(inst, col.primary_role))
        with_instance.insert(inst->assigned->index);
    for (auto& [n, w] : dependent->allowed)
      if (!with_instance.count(n)) w = -kInfinity;
    return;
  }
  for (Resource* inst : clone->children)
    if (inst->assigned && role_matches(inst, col.primary_role)) apply_colocation_score(c, dependent, inst, col);
}

}  // namespace halab::scheduler
