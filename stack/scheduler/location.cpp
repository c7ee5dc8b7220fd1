// Location: the nodes a resource may run on and their scores, from the
// cluster's symmetry, rsc_location constraints, stickiness and failures.
#include "stack/scheduler/placement.hpp"

namespace halab::scheduler {

namespace {

void add_score(Resource* r, int node, int score) {
  auto it = r->allowed.find(node);
  if (it == r->allowed.end()) r->allowed[node] = score;
  else it->second = add_scores(it->second, score);
}

void apply_location_to(Cluster& c, Resource* r, const LocationConstraint& lc, bool zero) {
  if (r->is_clone()) {  // the clone and each of its instances
    for (auto [n, s] : lc.node_scores) add_score(r, n, zero ? 0 : s);
    for (Resource* inst : r->children) apply_location_to(c, inst, lc, zero);
    return;
  }
  if (r->is_group()) {
    for (auto [n, s] : lc.node_scores) add_score(r, n, zero ? 0 : s);
    bool first = true;
    for (Resource* child : r->children) {
      apply_location_to(c, child, lc, zero || (!first && r->group_colocated));
      first = false;
    }
    return;
  }
  for (auto [n, s] : lc.node_scores) add_score(r, n, zero ? 0 : s);
}

void ban_everywhere_below(Resource* r, int node) {
  r->allowed[node] = -kInfinity;
  for (Resource* ch : r->children) ban_everywhere_below(ch, node);
}

}  // namespace

void apply_locations(Cluster& c) {
  for (auto& r : c.all_resources) {
    r->allowed.clear();
    // A bundle's guest nodes are no symmetric default (bundle.cpp).
    if (c.options.symmetric)
      for (auto& n : c.nodes)
        if (!(n->guest && n->remote_rsc && n->remote_rsc->bundle)) r->allowed[n->index] = 0;
  }
  for (const auto& lc : c.locations) {
    // Role-specific locations only matter for promotable clones.
    if (lc.role == Role::Promoted || lc.role == Role::Unpromoted) continue;
    apply_location_to(c, lc.rsc, lc, false);
  }
}

void apply_stickiness_and_failures(Cluster& c) {
  for (auto& up : c.all_resources) {
    Resource* r = up.get();
    if (r->is_group() || r->is_clone()) continue;
    if (r->managed && r->stickiness > 0 && r->running_on.size() == 1) {
      Node* n = r->running_on.front();
      if (c.options.symmetric || r->allowed.count(n->index)) add_score(r, n->index, r->stickiness);
    }
    for (auto& n : c.nodes) {
      if (!n->attr("#ban-" + r->id).empty()) r->allowed[n->index] = -kInfinity;
      auto fc = r->failcount.find(n->index);
      int failures = fc == r->failcount.end() ? 0 : fc->second;
      // A container counts its fillers' failures too.
      for (auto& other : c.all_resources)
        if (other->container == r)
          if (auto ofc = other->failcount.find(n->index); ofc != other->failcount.end() && ofc->second > 0)
            failures = add_scores(failures, ofc->second);
      if (failures <= 0 || failures < r->migration_threshold) continue;
      // Too many failures: an anonymous clone's instance takes the whole
      // clone (every instance) away from the node.
      Resource* clone = r->clone_parent();
      if (clone && !clone->clone.unique) ban_everywhere_below(clone, n->index);
      else r->allowed[n->index] = -kInfinity;
    }
  }
}

}  // namespace halab::scheduler
