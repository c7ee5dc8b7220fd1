#pragma once
// Utilization and placement-strategy (utilization.cpp): capacities, bans for
// lack of capacity, strategy-specific orders, load_stopped pseudo-actions.
#include <vector>

#include "stack/scheduler/model.hpp"
#include "stack/scheduler/placement.hpp"

namespace halab::scheduler {

// Reads node capacities and resource needs (<utilization> sets).
void unpack_utilization(Cluster& c, const XmlElement& cib);
// < 0 when `a` has more free capacity than `b` (attribute by attribute).
int compare_node_capacities(const Node& a, const Node& b);
// Bans `r` from nodes without room; returns the node to prefer (the most
// capable) when no node has room for `r` and what must run with it.
Node* ban_insufficient_capacity(Cluster& c, Resource* r);
// `r` now runs on `n`: `n` loses r's needs (non-default strategies only).
void consume_capacity(Cluster& c, const Resource* r, Node* n);
// The assignment order of top-level resources for non-default strategies.
void sort_for_strategy(Cluster& c, std::vector<Resource*>& order);
void create_utilization_orderings(Cluster& c);

}  // namespace halab::scheduler
