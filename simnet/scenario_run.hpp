#pragma once
// Runs a parsed scenario in a World: builds the cluster, schedules the
// faults, runs to the end, evaluates the expectations.
#include <cstdio>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "simnet/scenario.hpp"
#include "simnet/world.hpp"

namespace halab::simnet {

// What a service maker sees: the declaration and the cluster it runs in.
struct ServiceContext {
  const Scenario& scenario;
  const Scenario::Service& decl;
  std::vector<std::string> nodes;  // the nodes that run it
  // Each node's address on the first network, by node name.
  std::map<std::string, core::Ipv4> addresses;
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
  bool ok = true;  // every expectation held
};

RunResult run_scenario(const Scenario& scenario, const ServiceRegistry& services, const RunOptions& options);

// "   12.500s" for a timeline.
std::string format_time(SimTime t);

}  // namespace halab::simnet
