#pragma once
// A scenario's `configure { ... }` block (crmsh syntax) compiled into the CIB
// every simulated node starts with, by the same interpreter `halab crm
// configure load update` runs (stack/shell), and the resource limits the
// max-active audit reads from it (clone-max, promoted-max).
#include <map>
#include <string>

#include "simnet/audit.hpp"
#include "simnet/scenario.hpp"

namespace halab::cli {

struct CompiledConfigure {
  std::string cib_xml;  // the whole CIB (configuration; empty status)
  simnet::ResourceLimits limits;  // by primitive id
  simnet::MandatoryConstraints constraints;
};

// Throws simnet::ScenarioError naming the scenario file and the line of the
// offending crmsh statement (or of the block for a commit-time error).
CompiledConfigure compile_configure(const simnet::Scenario& sc);

// The limits a CIB's resources imply: a primitive at most once; a clone's
// primitives clone-max times (default: every node), a promotable clone's at
// most promoted-max promoted (default 1).
simnet::ResourceLimits resource_limits(const std::string& cib_xml, int nodes);

// The configuration's mandatory constraints: colocations with score
// INFINITY, orders of kind Mandatory (or score > 0, pacemaker's default)
// from start to start, and those a group implies between its members.
// Resource sets are not read.
simnet::MandatoryConstraints mandatory_constraints(const std::string& cib_xml);

}  // namespace halab::cli
