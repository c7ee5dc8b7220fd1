// Shutdown locks, as pacemaker 2.1.5 applies them to primitives (alone or in
// groups; clone instances are never locked).
#include "stack/scheduler/shutdown_lock.hpp"

#include <cstdlib>

namespace halab::scheduler {

namespace {

bool lockable(const Resource& r) { return !r.is_group() && !r.is_clone() && !r.clone_parent(); }

}  // namespace

void apply_shutdown_locks(Cluster& c, const XmlElement& cib) {
  if (!c.options.shutdown_lock) return;
  // Locks recorded in the history of nodes that shut down.
  for (const auto& state : cib.first_child("status").children("node_state")) {
    Node* n = nullptr;
    for (auto& cand : c.nodes)
      if (cand->id == state.attr_or("id", "")) n = cand.get();
    if (!n) continue;
    for (const auto& lr : state.first_child("lrm").first_child("lrm_resources").children("lrm_resource")) {
      const long long since = std::atoll(lr.attr_or("shutdown-lock", "0").c_str());
      if (since == 0) continue;
      Resource* r = c.find_resource(lr.attr_or("id", ""));
      if (!r || !lockable(*r)) continue;
      if (c.options.shutdown_lock_limit_s > 0 && c.now > since + c.options.shutdown_lock_limit_s) {
        r->clear_history_on.insert(n->index);  // expired
      } else {
        r->lock_node = n;
      }
    }
  }
  for (auto& up : c.all_resources) {
    Resource& r = *up;
    if (!lockable(r)) continue;
    if (r.lock_node && !r.running_on.empty()) {
      // Started elsewhere meanwhile: the lock no longer holds.
      r.clear_history_on.insert(r.lock_node->index);
      r.lock_node = nullptr;
    } else if (!r.lock_node && r.running_on.size() == 1) {
      Node* n = r.running_on.front();
      if (n->shutdown && !n->unclean) r.lock_node = n;
    }
    if (!r.lock_node) continue;
    for (auto& n : c.nodes)
      if (n.get() != r.lock_node) n->attrs["#ban-" + r.id] = "1";
  }
}

void create_shutdown_lock_actions(Cluster& c) {
  for (auto& up : c.all_resources)
    for (int ni : up->clear_history_on)
      c.new_action(ActionKind::ClearFailcount, up.get(), "lrm_delete", 0, c.nodes[size_t(ni)].get(), false);
}

}  // namespace halab::scheduler
