// Container fillers, as pacemaker 2.1.5 treats them: a resource with meta
// container=ID runs inside ID; it is colocated with ID, started after and
// stopped before it, never probed on its own (the container is), and its
// failure restarts the container (on-fail defaults to restart-container).
#include "stack/scheduler/container.hpp"

namespace halab::scheduler {

void link_containers(Cluster& c) {
  for (size_t i = 0; i < c.all_resources.size(); ++i) {
    Resource* r = c.all_resources[i].get();
    if (r->is_group() || r->container) continue;
    auto it = r->meta.find("container");
    if (it == r->meta.end() || it->second.empty()) continue;
    Resource* container = c.find_resource(it->second);
    if (!container || container == r || container->is_group()) continue;
    // Resources inside a guest node's container run on the guest node.
    if (container->meta.count("remote-node")) continue;
    r->container = container;
    // Members of the container's own group are already placed and ordered
    // with it.
    if (r->parent && r->parent == container->parent) continue;
    auto col = std::make_unique<Colocation>();
    col->id = r->id + "-with-container";
    col->dependent = r;
    col->primary = container;
    col->score = kInfinity;
    r->this_with.push_back(col.get());
    container->with_this.push_back(col.get());
    c.colocations.push_back(std::move(col));
    c.orders.push_back({r->id + "-after-container", container, "start", r, "start", kOrderImpliesThen | kOrderRunnableLeft});
    c.orders.push_back({r->id + "-before-container", r, "stop", container, "stop", kOrderImpliesFirst});
  }
}

void restart_containers_of_failed_fillers(Cluster& c) {
  for (auto& up : c.all_resources) {
    Resource* r = up.get();
    if (!r->container || !(r->failed || r->restart_container) || r->remote_node) continue;
    for (Action* a : r->container->actions)
      if (a->task == "stop") a->optional = false;
  }
}

}  // namespace halab::scheduler
