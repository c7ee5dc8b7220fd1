#pragma once
// Live migration (migration.cpp): a resource with allow-migrate=true that
// moves between two healthy nodes migrates (migrate_to on the source,
// migrate_from on the target, then the stop; the start becomes a
// pseudo-action) instead of stopping and starting.
#include <vector>

#include "stack/scheduler/model.hpp"

namespace halab::scheduler {

bool allows_migration(const Resource& r);
// Called once a primitive's stop(s) and start exist; turns the move into a
// migration when pacemaker would.
void create_migration_actions(Cluster& c, Resource* r, Action* start, const std::vector<Action*>& stops);
// Orderings between resources, restated for their migrations ("A start
// then B start" also holds B's migrate_to back), after apply_orderings.
void order_migration_equivalents(Cluster& c);
// Stops on the sources of completed migrations (pacemaker's dangling
// migrations); they are no summary change.
void create_dangling_stops(Cluster& c, Resource* r);
// The migrate_from that makes a move a "Migrate" in the Transition Summary.
Action* runnable_migration(const Resource* r);

}  // namespace halab::scheduler
