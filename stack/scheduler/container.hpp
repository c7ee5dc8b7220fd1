#pragma once
// Resources that run inside another resource (meta container=ID), the
// "fillers" of a container (container.cpp).
#include "stack/scheduler/model.hpp"

namespace halab::scheduler {

// Links fillers to their container: placed with it, started after it,
// stopped before it (after unpack_resources).
void link_containers(Cluster& c);
// A failed filler restarts its container (after create_actions).
void restart_containers_of_failed_fillers(Cluster& c);

}  // namespace halab::scheduler
