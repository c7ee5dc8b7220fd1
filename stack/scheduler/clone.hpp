#pragma once
// Clones and promotable clones: placement (clone_assign.cpp), actions and
// their orderings (clone_actions.cpp), promotion (promotable.cpp) and
// notifications (notify.cpp).
#include "stack/scheduler/model.hpp"

namespace halab::scheduler {

Node* assign_clone(Cluster& c, Resource* clone);
// A colocation whose primary is a clone, applied to a dependent being placed.
void apply_clone_colocation(Cluster& c, Resource* dependent, Resource* clone, const Colocation& col);
// The instance of `clone` assigned to `n` (or, with `current`, active there).
Resource* instance_on(const Resource* clone, const Node* n, bool current);

// Promotion: scores from master-* attributes and role-specific locations
// (before placement), then which instances are promoted (after it).
void add_promotion_scores(Cluster& c, Resource* clone);
void set_instance_roles(Cluster& c, Resource* clone);
// A promotable instance's demote/promote and role monitors (after its start/stop).
void create_role_actions(Cluster& c, Resource* r);
// A promotable cloned group's promote/promoted, demote/demoted pseudo-actions
// around its members' (after their role actions exist).
void create_group_role_actions(Cluster& c, Resource* g);
// The clone's promote/promoted, demote/demoted pseudo-actions and orderings.
void create_promotable_actions(Cluster& c, Resource* clone);

void create_clone_actions(Cluster& c, Resource* clone);
// notify=true: the pre/post notification pseudo-actions around a clone
// action (with the actions), then, once flags are final, the instances'
// notify actions (notify.cpp).
void create_notify_pseudo_ops(Cluster& c, Resource* clone, const std::string& task, Action* action,
                              Action* complete);
void create_clone_notifications(Cluster& c);
// An ordering between two clones where the relevant one is interleaved:
// ordered instance by instance on each node. False when not interleaved.
bool order_interleaved(Cluster& c, Resource* first, const std::string& first_task, Resource* then,
                       const std::string& then_task, uint32_t flags);

}  // namespace halab::scheduler
