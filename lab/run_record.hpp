#pragma once
// One simnet run as the lab measures it: the trace hash, the expectations
// (the audits of today's simnet; resource audits will add to `audits`), each
// node's outages and the partitions, and the configured fault processes so a
// report can put the analytic availability beside the measured one.
#include <cstdint>
#include <string>
#include <vector>

#include "lab/failover.hpp"
#include "lab/json.hpp"

namespace halab::lab {

struct Interval {
  std::int64_t start_ns = 0, end_ns = 0;
  bool open = false;  // still going when the run ended (censored)
  std::string what;   // partitions: how it was declared
};

struct NodeRecord {
  std::string name;
  double availability = 0;           // up time / run length, as the world measured it
  std::vector<Interval> outages;     // down periods, in order
  double mtbf_cfg_ns = 0, mttr_cfg_ns = 0;  // the configured failure process (0: none)
  std::uint64_t peer_losses = 0;     // heartbeat "peer X lost" lines about this node
};

struct AuditRecord {
  std::string name;  // the expectation as written, or an audit's name
  bool ok = true;
  std::string detail;
};

struct RunRecord {
  std::string scenario;  // its name (or file)
  std::uint64_t seed = 0;
  std::uint64_t hash = 0;
  std::int64_t duration_ns = 0;
  bool ok = true;
  std::vector<AuditRecord> audits;
  std::vector<NodeRecord> nodes;
  std::vector<Interval> partitions;
  // Per resource (a primitive; its clone instances together): the intervals
  // with no instance active or promoted on any node (from the run's start
  // until it first ran counts too), as NodeRecords without a failure process.
  std::vector<NodeRecord> resources;
  std::vector<Failover> failovers;      // resources lost and recovered, split in phases
  std::vector<TransitionGraph> graphs;  // DOT of the first recovering transitions
  // Not in results files (replay files and `halab run` use them):
  std::vector<std::string> schedule;      // the fault schedule as run, one scenario line each
  std::vector<std::string> trace_window;  // JSON trace lines around the first audit violation
  bool stopped = false;                   // an audit stopped the run early
  std::int64_t end_ns = 0;                // when the run ended
  std::uint64_t events = 0;

  std::size_t violations() const;
  std::string first_violation() const;  // "" when none
};

Json to_json(const RunRecord& r);
RunRecord run_record_from_json(const Json& j);  // throws core::Error on a malformed record
std::string hash_hex(std::uint64_t h);

}  // namespace halab::lab
