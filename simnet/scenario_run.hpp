#pragma once
// Runs a parsed scenario in a World: builds the cluster, schedules the
// faults, runs to the end, evaluates the expectations.
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "simnet/audit.hpp"
#include "simnet/scenario.hpp"
#include "simnet/world.hpp"

namespace halab::simnet {

// Performs a scenario's administrative action (standby, online, maintenance,
// wipe-cib) the way the stack does it; returns true when it handled it. The
// halabd service registers one; without one the action is only recorded.
using AdminHandler = std::function<bool(World& world, const Scenario::Fault& action)>;

// What a service maker sees: the declaration and the cluster it runs in.
struct ServiceContext {
  const Scenario& scenario;
  const Scenario::Service& decl;
  std::vector<std::string> nodes;  // the nodes that run it
  // Each node's address on the first network, by node name.
  std::map<std::string, core::Ipv4> addresses;
  // A maker may add handlers for administrative actions.
  std::vector<AdminHandler>* admin_handlers = nullptr;
  // A maker that knows the cluster's configuration says what it allows (max-active).
  ResourceLimits* resource_limits = nullptr;
  // A maker may add steps run on the world once every node exists, before the
  // scenario's own `agent` models and before it starts (define an agent model,
  // keep a reference to the world for a model that acts on other nodes).
  std::vector<std::function<void(World&)>>* world_setup = nullptr;
  // A maker that knows the configuration says its mandatory constraints (the constraints audit).
  MandatoryConstraints* constraints = nullptr;
  // Throws ScenarioError at the service's line.
  [[noreturn]] void fail(const std::string& what) const { throw ScenarioError(scenario.file, decl.line, what); }
};

// Builds the per-node factory of a named service (heartbeat, and later halabd).
using ServiceMaker = std::function<ServiceFactory(const ServiceContext&)>;
using ServiceRegistry = std::map<std::string, ServiceMaker, std::less<>>;

struct RunOptions {
  std::optional<std::uint64_t> seed;  // overrides the scenario's
  std::string trace_path;             // JSON lines; empty: none
  std::FILE* timeline = nullptr;      // a readable account as it happens; null: quiet
  // Extra watchers (the lab's measurements): told every fault / log line.
  Observer* observer = nullptr;
  std::shared_ptr<core::LogSink> log_sink;
  // Told every trace record (after the audits).
  TraceListener* listener = nullptr;
  // Called every 1/1000 of the run (a progress line); never changes the run.
  std::function<void(SimTime now, SimTime end, std::uint64_t events)> progress;
  // When an audit fails, the run goes on this long (simulated) and stops.
  core::Duration after_violation = std::chrono::seconds(1);
  // Keep this many trace records before the first violation (and those after it) as JSON lines.
  std::size_t trace_window = 0;
};

struct AuditResult {
  const Scenario::Audit* audit;
  bool ok = true;
  SimTime t = 0;  // when it failed
  std::string detail;
};

struct ExpectResult {
  const Scenario::Expect* expect;
  bool ok = false;
  std::string detail;
};

struct RunResult {
  std::uint64_t seed = 0;
  std::uint64_t hash = 0;
  std::uint64_t events = 0;
  std::uint64_t trace_records = 0;
  std::vector<ExpectResult> expects;
  std::vector<AuditResult> audits;
  std::vector<Scenario::Fault> schedule;  // the faults as run (cts expanded)
  bool stopped = false;                   // an audit failed and the run stopped early
  SimTime end = 0;                        // when the run ended
  std::vector<std::string> trace_window;  // JSON lines around the first violation (RunOptions::trace_window)
  bool ok = true;  // every expectation and audit held
};

RunResult run_scenario(const Scenario& scenario, const ServiceRegistry& services, const RunOptions& options);

// "   12.500s" for a timeline.
std::string format_time(SimTime t);

}  // namespace halab::simnet
