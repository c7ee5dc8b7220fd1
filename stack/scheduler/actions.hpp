#pragma once
// Action creation (actions.cpp: primitives, groups, probes, monitors),
// fencing and shutdown (fencing.cpp), orderings (ordering.cpp) and the
// propagation of required/runnable along orderings (graph.cpp).
#include <string>
#include <vector>

#include "stack/scheduler/model.hpp"

namespace halab::scheduler {

void create_actions(Cluster& c);
void create_primitive_actions(Cluster& c, Resource* r);
void create_group_actions(Cluster& c, Resource* g);
bool can_probe_on(const Cluster& c, const Resource* r, const Node* n);
// A probe of `r` on `n`, ordered before r's start and stops.
Action* create_probe(Cluster& c, Resource* r, Node* n);
void schedule_fencing(Cluster& c);
// Unfencing ("on" fencing) before probes and starts that need it (unfencing.cpp).
void schedule_unfencing(Cluster& c);
void apply_orderings(Cluster& c);
// The stand-in for a "first" action `r` does not have: optional, unrunnable
// (ordering.cpp). `internal`: asked for by one of a resource's internal
// orderings, created after r's own orderings, which it then does not get.
Action* placeholder_first(Cluster& c, Resource* r, const std::string& task, bool internal = false);
// Propagates optional/runnable flags to a fixpoint (pacemaker's update_action).
void propagate_flags(Cluster& c);
void drop_looping_optional_orderings(Cluster& c);
// The actions in the transition (required and runnable), in an order that
// respects every ordering edge, lower ids first.
std::vector<Action*> graph_order(const Cluster& c);

// Sets a reason when none is set yet (or always, with overwrite).
void set_reason(Action* a, const std::string& reason, bool overwrite);

}  // namespace halab::scheduler
