// Colocation: how a placed primary moves its dependents' scores, and how
// dependents' preferences flow back into a primary before it is placed.
#include <algorithm>
#include <cmath>

#include "stack/scheduler/clone.hpp"
#include "stack/scheduler/placement.hpp"

namespace halab::scheduler {

namespace {

template <typename Scores>
bool any_available(const Cluster& c, const Scores& s) {
  for (auto [n, w] : s)
    if (w >= 0 && node_available(c, n)) return true;
  return false;
}

// Node scores while merging: a flat vector in node order (a merge along a
// colocation chain copies them at every level; a map allocates per node).
using FlatScores = std::vector<std::pair<int, int>>;

FlatScores flat(const NodeScores& m) { return FlatScores(m.begin(), m.end()); }


// The member a group stands for as a primary: its last member for mandatory
// colocations (the whole group must be up), else its first.
Resource* primary_member(Resource* p, int score) {
  if (!p->is_group() || p->children.empty()) return p;
  return score >= kInfinity ? p->children.back() : p->children.front();
}

// The best score `r` has on an available node whose `attr` is each value
// (pacemaker's best_node_score_matching_attr, computed once per merge instead
// of once per node: a long colocation chain merges O(R^2) times).
void add_matching(const Cluster& c, FlatScores& work, const Resource* r, const std::string& attr, double factor,
                  bool only_positive) {
  const bool by_name = attr == "#uname";
  std::map<std::string, int> best_by_value;
  if (!by_name) {
    for (auto [n, w] : r->allowed) {
      if (!node_available(c, n)) continue;
      auto [it, fresh] = best_by_value.emplace(c.nodes[n]->attr(attr), w);
      if (!fresh && w > it->second) it->second = w;
    }
  }
  for (auto& [n, w] : work) {
    int score = -kInfinity;
    if (by_name) {
      // Node names are unique: the only match is the node itself.
      auto it = r->allowed.find(n);
      if (it != r->allowed.end() && node_available(c, n)) score = std::max(score, it->second);
    } else if (auto it = best_by_value.find(c.nodes[n]->attr(attr)); it != best_by_value.end()) {
      score = std::max(score, it->second);
    }
    if (factor < 0 && score < 0) continue;
    double wf = factor * score;
    int weight = int(wf < 0 ? wf - 0.5 : wf + 0.5);
    if (weight == 0 && score != 0) weight = factor > 0 ? 1 : factor < 0 ? -1 : 0;
    int updated = add_scores(weight, w);
    if (only_positive && updated < 0 && w > 0) {
      w = 1;
      continue;
    }
    if (only_positive && updated < 0 && w == 0) continue;
    w = updated;
  }
}

}  // namespace

std::vector<Colocation*> this_with_of(const Resource* r) { return r->this_with; }

std::vector<Colocation*> with_this_of(const Resource* r) { return r->with_this; }

void expand_group_colocations(Resource* g) {
  if (g->children.empty() || g->group_expanded) return;
  g->group_expanded = true;
  // "group with R" is "first member with R" (later members follow it), plus,
  // after an unmanaged member, mandatory ones for each later member.
  Resource* first = g->children.front();
  first->this_with.insert(first->this_with.end(), g->this_with.begin(), g->this_with.end());
  bool any_unmanaged = !first->managed;
  for (size_t i = 1; i < g->children.size(); ++i) {
    Resource* m = g->children[i];
    if (any_unmanaged) {
      for (Colocation* col : g->this_with)
        if (col->score >= kInfinity) m->this_with.insert(m->this_with.begin(), col);
    } else if (!m->managed) {
      any_unmanaged = true;
    }
  }
  g->this_with.clear();
  // "R with group" is "R with last member".
  Resource* last = g->children.back();
  last->with_this.insert(last->with_this.end(), g->with_this.begin(), g->with_this.end());
  g->with_this.clear();
}

void apply_colocation_score(Cluster& c, Resource* dependent, Resource* primary, const Colocation& col) {
  if (primary->provisional || !dependent->provisional) return;
  if (primary->is_clone()) return apply_clone_colocation(c, dependent, primary, col);
  // A role-limited dependent is placed by promotion, not here.
  if (col.dependent_role == Role::Promoted || col.dependent_role == Role::Unpromoted) return;
  Resource* p = primary_member(primary, col.score);
  Node* pn = p->assigned;
  if (!pn && col.score < 0) return;
  const std::string value = pn ? pn->attr(col.node_attribute) : std::string();
  NodeScores work = dependent->allowed;
  for (auto& [n, w] : work) {
    if (pn && c.nodes[n]->attr(col.node_attribute) == value) {
      if (col.score < kInfinity) w = add_scores(col.score, w);
    } else if (col.score >= kInfinity) {
      w = -kInfinity;
    }
  }
  if (col.score <= -kInfinity || col.score >= kInfinity || any_available(c, work)) dependent->allowed = work;
}

namespace {

FlatScores merge_flat(Cluster& c, Resource* rsc, const FlatScores* nodes, const std::string& attr, double factor,
                      unsigned flags) {
  static const FlatScores kNone;
  const FlatScores& input = nodes ? *nodes : kNone;  // the caller keeps it alive (rollback returns it)
  if (rsc->merging) return input;
  rsc->merging = true;
  const bool group = rsc->is_group() && !rsc->children.empty();
  FlatScores work;
  if (flags & kMergeInit) {
    work = group ? merge_flat(c, rsc->children.back(), nullptr, attr, factor, flags) : flat(rsc->allowed);
    flags &= ~kMergeInit;
  } else if (group) {
    // The first member folds in the others through the internal colocations.
    work = merge_flat(c, rsc->children.front(), &input, attr, factor, flags);
  } else {
    work = input;
    add_matching(c, work, rsc, attr, factor, flags & kMergePositive);
  }
  if (any_available(c, work)) {
    const int multiplier = factor < 0 ? -1 : 1;
    const std::vector<Colocation*>& list = (flags & kMergeForward) ? rsc->this_with
                                           : group                 ? rsc->children.back()->with_this
                                                                   : rsc->with_this;
    for (Colocation* col : std::vector<Colocation*>(list)) {
      Resource* other;
      if (flags & kMergeForward) other = col->primary;
      else if (!col->influence && !col->primary->running_on.empty()) continue;
      else other = col->dependent;
      work = merge_flat(c, other, &work, col->node_attribute, multiplier * double(col->score) / kInfinity,
                        flags | kMergeRollback);
    }
  } else if (flags & kMergeRollback) {
    rsc->merging = false;
    return input;
  }
  rsc->merging = false;
  return work;
}

}  // namespace

NodeScores merge_scores(Cluster& c, Resource* rsc, const NodeScores* nodes, const std::string& attr, double factor,
                        unsigned flags) {
  const FlatScores in = nodes ? flat(*nodes) : FlatScores{};
  FlatScores out = merge_flat(c, rsc, nodes ? &in : nullptr, attr, factor, flags);
  return NodeScores(out.begin(), out.end());
}

}  // namespace halab::scheduler
