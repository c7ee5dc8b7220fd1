#pragma once
// Placement: node scores per resource (location.cpp), colocation scores
// (colocation.cpp), and choosing a node (assign.cpp).
#include <map>
#include <string>

#include "stack/scheduler/model.hpp"

namespace halab::scheduler {

using NodeScores = std::map<int, int>;  // node index -> score

// Initial allowed nodes, location constraints, stickiness, failure bans.
void apply_locations(Cluster& c);
void apply_stickiness_and_failures(Cluster& c);

// Colocation of `dependent` with an already-placed `primary`.
void apply_colocation_score(Cluster& c, Resource* dependent, Resource* primary, const Colocation& col);

enum MergeFlag : unsigned { kMergeInit = 1, kMergeForward = 2, kMergeRollback = 4, kMergePositive = 8 };
// pacemaker's merge_weights: `nodes` plus `rsc`'s (and its colocated
// resources') preferences scaled by `factor`.
NodeScores merge_scores(Cluster& c, Resource* rsc, const NodeScores* nodes, const std::string& attr, double factor,
                        unsigned flags);

// Colocations that count for a primitive, including those its group
// delegates to its first member.
std::vector<Colocation*> this_with_of(const Resource* r);
std::vector<Colocation*> with_this_of(const Resource* r);

// Moves a group's colocations onto its members (pacemaker does this when it
// places the group).
void expand_group_colocations(Resource* g);

bool node_available(const Cluster& c, int node_index);
// Records "FN: RSC allocation score on NODE: SCORE" lines (crm_simulate -s)
// in the order placement computes them.
void log_scores(Cluster& c, const char* fn, const Resource* r, const std::map<int, int>& scores);
Node* assign_resource(Cluster& c, Resource* r);
void assign_all(Cluster& c);

}  // namespace halab::scheduler
