#pragma once
// The stack services a simnet scenario can name in `service NAME ...`.
#include "simnet/scenario_run.hpp"

namespace halab::cli {

// heartbeat, halabd (and, as later layers land, their services).
simnet::ServiceRegistry sim_services();

}  // namespace halab::cli
