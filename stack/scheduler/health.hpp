#pragma once
// Node health strategies (health.cpp): #health-* attributes as location scores.
#include "stack/scheduler/model.hpp"

namespace halab::scheduler {

// Adds the health location scores ahead of the configured constraints.
void apply_node_health(Cluster& c, const XmlElement& cib);

}  // namespace halab::scheduler
