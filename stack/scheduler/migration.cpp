// Live migration, as pacemaker 2.1.5 schedules it: only a resource that
// allows it, is healthy (not failed, no pending start), active on exactly
// one node that is up, and moves to another node in the Started role.
#include "stack/scheduler/migration.hpp"

#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

bool allows_migration(const Resource& r) {
  auto it = r.meta.find("allow-migrate");
  return it != r.meta.end() && is_true(it->second);
}

namespace {

bool can_migrate(const Resource& r, const Node* current, const Node* target) {
  if (!allows_migration(r) || !r.managed || r.failed || r.orphan) return false;
  if (r.pending_task == "Starting") return false;
  if (r.running_on.size() != 1 || !current || !target || current == target) return false;
  if (!current->online || current->unclean) return false;
  if (r.role != Role::Started || r.next_role != Role::Started) return false;
  return true;
}

}  // namespace

void create_migration_actions(Cluster& c, Resource* r, Action* start, const std::vector<Action*>& stops) {
  if (!start || stops.size() != 1) return;
  Action* stop = stops.front();
  Node* current = r->current_node();
  if (!can_migrate(*r, current, r->assigned) || stop->node != current) return;
  Action* to = c.new_action(ActionKind::Resource, r, "migrate_to", 0, current, false);
  Action* from = c.new_action(ActionKind::Resource, r, "migrate_from", 0, r->assigned, false);
  to->runnable = from->runnable = start->runnable;
  c.order(to, from, kOrderImpliesFirstPrinted | kOrderRunnableLeft);
  c.order(from, stop, kOrderImpliesFirstPrinted);
  // The start happens through migrate_from; it stays as a pseudo-action so
  // orderings on it still hold.
  start->kind = ActionKind::Pseudo;
  start->pseudo = true;
}

void order_migration_equivalents(Cluster& c) {
  for (const auto& o : c.orders) {
    Resource* a = o.first_rsc;
    Resource* b = o.then_rsc;
    if (!a || !b || a == b || a->is_group() || b->is_group()) continue;
    if (o.first_task != "start" || o.then_task != "start") continue;
    const auto b_migrate_to = c.find_actions(b, "migrate_to");
    if (b_migrate_to.empty()) continue;
    // "A start then B start" -> "A start then B migrate_to", and for a
    // migrating A, "A migrate_from then B migrate_to".
    std::vector<Action*> firsts = c.find_actions(a, "migrate_from");
    if (firsts.empty()) firsts = c.find_actions(a, "start");
    for (Action* f : firsts)
      for (Action* t : b_migrate_to) c.order(f, t, o.flags);
  }
}

void create_dangling_stops(Cluster& c, Resource* r) {
  for (Node* n : r->dangling_on) {
    Action* stop = c.new_action(ActionKind::Resource, r, "stop", 0, n, false);
    if (!r->managed) stop->runnable = false;
    for (Action* a : r->actions)
      if (a->task == "start" && a != stop) c.order(stop, a, kOrderOptional);
  }
}

Action* runnable_migration(const Resource* r) {
  if (!r->assigned || !r->current_node()) return nullptr;
  for (Action* a : r->actions)
    if (a->task == "migrate_from" && a->node == r->assigned && a->runnable) return a;
  return nullptr;
}

}  // namespace halab::scheduler
