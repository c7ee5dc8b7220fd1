// Bundles: placement and internal orderings (pacemaker 2.1.5's
// pcmk_sched_bundle behaviour; the parts are built in bundle_unpack.cpp).
#include "stack/scheduler/bundle.hpp"

#include "stack/scheduler/clone.hpp"
#include "stack/scheduler/placement.hpp"
#include "stack/scheduler/remote.hpp"

namespace halab::scheduler {

namespace {

void add_score(Resource* r, int node, int score) {
  auto it = r->allowed.find(node);
  if (it == r->allowed.end()) r->allowed[node] = score;
  else it->second = add_scores(it->second, score);
}

const BundleReplica* replica_of_node(const BundleData& d, const Node* n) {
  for (const auto& rep : d.replicas)
    if (rep.node == n) return &rep;
  return nullptr;
}

Action* first_action(const Cluster& c, Resource* r, const std::string& task) {
  if (!r) return nullptr;
  auto acts = c.find_actions(r, task);
  return acts.empty() ? nullptr : acts.front();
}

}  // namespace

void apply_bundle_locations(Cluster& c) {
  if (c.bundles.empty()) return;
  // A bundle's location constraints also place its IPs (the containers are
  // its instances and have them already).
  for (const auto& lc : c.locations) {
    if (!lc.rsc || !lc.rsc->bundle_data) continue;
    if (lc.role == Role::Promoted || lc.role == Role::Unpromoted) continue;
    for (auto& rep : lc.rsc->bundle_data->replicas)
      if (rep.ip)
        for (auto [n, s] : lc.node_scores) add_score(rep.ip, n, s);
  }
  // Role-specific locations of a bundle are its inner clone's (promotion).
  const size_t count = c.locations.size();
  for (size_t i = 0; i < count; ++i) {
    const LocationConstraint& lc = c.locations[i];
    if (!lc.rsc || !lc.rsc->bundle_data || !lc.rsc->bundle_data->child_clone) continue;
    if (lc.role != Role::Promoted && lc.role != Role::Unpromoted) continue;
    LocationConstraint copy = lc;
    copy.rsc = lc.rsc->bundle_data->child_clone;
    c.locations.push_back(copy);
  }
  // A bundle's guest nodes are banned for the resources configured before
  // the bundle; those configured after it may use them only where a
  // constraint says so (they are no symmetric default, location.cpp), as
  // pacemaker unpacks them.
  for (auto& d : c.bundles) {
    size_t pos = 0;
    while (pos < c.all_resources.size() && c.all_resources[pos].get() != d->rsc) ++pos;
    for (size_t i = 0; i < pos; ++i)
      for (auto& rep : d->replicas)
        if (rep.node) c.all_resources[i]->allowed[rep.node->index] = -kInfinity;
  }
  // The instance may run only there (its score is set when it is placed).
  for (auto& d : c.bundles) {
    if (d->child_clone) d->child_clone->allowed.clear();
    for (auto& rep : d->replicas) {
      if (!rep.child || !rep.node) continue;
      rep.child->allowed.clear();
      rep.child->allowed[rep.node->index] = 500;
      if (d->child_clone) d->child_clone->allowed[rep.node->index] = -kInfinity;
    }
  }
}

Node* assign_bundle(Cluster& c, Resource* b) {
  if (!b->provisional || b->allocating) return nullptr;
  BundleData* d = b->bundle_data;
  assign_clone(c, b);  // the containers, as clone instances
  b->allocating = true;
  for (auto& rep : d->replicas) {
    if (rep.ip) assign_resource(c, rep.ip);
    Node* host = rep.container->assigned;
    if (rep.remote && host && host->remote && host->remote_rsc) {
      // A nested bundle: pacemaker-remoted takes one connection, so the
      // bundle's goes where the host's own connection is.
      auto col = std::make_unique<Colocation>();
      col->id = "child-remote-with-docker-remote";
      col->dependent = rep.remote;
      col->primary = host->remote_rsc;
      col->score = kInfinity;
      rep.remote->this_with.push_back(col.get());
      host->remote_rsc->with_this.push_back(col.get());
      c.colocations.push_back(std::move(col));
    }
    if (rep.remote) {
      assign_resource(c, rep.remote);
      after_connection_assigned(c, rep.remote);
    }
  }
  if (Resource* clone = d->child_clone) {
    for (auto& rep : d->replicas) {
      if (!rep.child || !rep.node) continue;
      for (auto& [n, w] : rep.child->allowed) {
        if (n != rep.node->index) w = -kInfinity;
        else if (w > -kInfinity) w = kInfinity;  // failures past the threshold keep their ban
      }
      for (auto& n : c.nodes)
        if (n.get() != rep.node) rep.child->allowed[n->index] = -kInfinity;
    }
    for (auto& n : c.nodes) clone->allowed[n->index] = replica_of_node(*d, n.get()) ? 0 : -kInfinity;
    assign_clone(c, clone);
  }
  b->allocating = false;
  return nullptr;
}

void order_bundle_actions(Cluster& c) {
  for (auto& d : c.bundles) {
    Resource* b = d->rsc;
    Resource* clone = d->child_clone;
    auto link = [&](Resource* first, const char* ft, Resource* then, const char* tt, uint32_t flags) {
      Action* f = first_action(c, first, ft);
      Action* t = first_action(c, then, tt);
      if (f && t) c.order(f, t, flags);
    };
    if (clone && clone->clone.promotable) {
      // The bundle's own role pseudo-actions (their flags summarize the
      // inner instances', graph.cpp) around the inner clone's.
      for (const char* task : {"promote", "promoted", "demote", "demoted"})
        c.new_action(ActionKind::Pseudo, b, task, 0, nullptr, true);
      link(clone, "demoted", b, "demoted", kOrderImpliesThenPrinted);
      link(b, "demote", clone, "demote", kOrderImpliesFirstPrinted);
      link(clone, "promoted", b, "promoted", kOrderImpliesThenPrinted);
      link(b, "promote", clone, "promote", kOrderImpliesFirstPrinted);
      // pacemaker's restart ordering of a promotable resource.
      link(b, "stopped", b, "start", kOrderOptional);
      link(b, "stopped", b, "promote", kOrderOptional);
      link(b, "demoted", b, "start", kOrderOptional);
      link(b, "running", b, "promote", kOrderOptional);
      link(b, "demoted", b, "stop", kOrderOptional);
      link(b, "demote", b, "demoted", kOrderOptional);
      link(b, "demoted", b, "promote", kOrderOptional);
    }
    if (clone) {
      link(b, "start", clone, "start", kOrderImpliesFirstPrinted);
      link(b, "stop", clone, "stop", kOrderImpliesFirstPrinted);
      link(clone, "running", b, "running", kOrderImpliesThenPrinted);
      link(clone, "stopped", b, "stopped", kOrderImpliesThenPrinted);
      Action* stop = first_action(c, b, "stop");
      for (auto& rep : d->replicas)
        if (stop && rep.child)
          for (Action* a : c.find_actions(rep.child, "stop")) c.order(stop, a, kOrderImpliesFirstPrinted);
    }
    // The connection is probed once the container runs where it is probed;
    // it stops after the container's probe (which may find it running).
    for (auto& rep : d->replicas) {
      if (!rep.remote) continue;
      for (Action* probe : rep.container->actions)
        if (probe->task == "monitor" && probe->interval_ms == 0)
          for (Action* stop : c.find_actions(rep.remote, "stop")) c.order(probe, stop, kOrderOptional);
      Action* start = first_action(c, rep.container, "start");
      if (!start) continue;
      for (Action* a : rep.remote->actions)
        if (a->task == "monitor" && a->interval_ms == 0 && a->node == start->node) c.order(start, a, kOrderOptional);
    }
  }
}

bool bundle_allows_probe(const Resource* r, const Node* n) {
  // A bundle's instance: only on its own guest node.
  if (r->bundle && r->parent && r->parent->bundle) {
    for (const auto& rep : r->bundle->bundle_data->replicas)
      if (rep.child == r) return rep.node == n;
    return false;
  }
  // Anything else: never on a bundle's guest node.
  if (n->guest && n->remote_rsc && n->remote_rsc->bundle) return false;
  return true;
}

Resource* bundle_instance_for_node(const Resource* child_clone, const Node* n) {
  if (!child_clone || !child_clone->bundle) return nullptr;
  for (const auto& rep : child_clone->bundle->bundle_data->replicas)
    if (rep.node == n) return rep.child;
  return nullptr;
}

}  // namespace halab::scheduler
