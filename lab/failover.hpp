#pragma once
// Failover times, split into phases, from a run's trace records (docs/lab.md,
// "Failover split"). A failover starts when modelled resources are lost
// uncleanly (their node crashed or was powered off, or a failure was
// injected) and ends when every lost instance is active again somewhere:
//
//   detection   loss -> first `node-suspect peer=X` (or `failure-detected node=X`)
//   membership  -> first `membership` event without X
//   fencing     -> `fence-result target=X rc=0` (or the world's fence of X)
//   scheduling  -> first `transition-start` after that
//   stop/start  -> the last lost instance active again (ground truth)
//
// A phase whose record never came is unknown (-1) and the next phase is
// measured from the last known point; the total is always loss -> recovery.
// The meter also keeps the DOT of the transitions that recovered, from
// `transition-graph id=T` events (the DOT follows the first newline).
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "lab/json.hpp"
#include "simnet/trace.hpp"

namespace halab::lab {

enum Phase { detection = 0, membership, fencing, scheduling, stop_start, kPhases };
const char* phase_name(int p);

struct Failover {
  std::string node;     // where the resources were lost
  std::string cause;    // node-down | fenced (lost to a fencing) | injected
  std::int64_t t0_ns = 0;
  std::int64_t phase_ns[kPhases] = {-1, -1, -1, -1, -1};
  std::int64_t total_ns = -1;  // -1: not recovered by the end of the run
  std::string transition;      // the transition id that recovered it (its DOT is in graphs)
};

struct TransitionGraph {
  std::string node, id;
  std::int64_t t_ns = 0;
  std::string dot;
};

Json to_json(const Failover& f);
Failover failover_from_json(const Json& j);
Json to_json(const TransitionGraph& g);
TransitionGraph graph_from_json(const Json& j);

class FailoverMeter final : public simnet::TraceListener {
 public:
  explicit FailoverMeter(std::vector<std::string> node_names, std::size_t max_graphs = 3)
      : names_(std::move(node_names)), max_graphs_(max_graphs) {}
  void on_record(const simnet::TraceRecord& r) override;
  std::vector<Failover> failovers;  // in order of loss
  std::vector<TransitionGraph> graphs;  // of recovering transitions, at most max_graphs

 private:
  struct Open {
    Failover f;
    std::uint32_t node;
    std::map<std::string, bool> lost;  // instance -> recovered
    std::int64_t detect = -1, member = -1, fence = -1, sched = -1;
    std::string sched_node;
  };
  std::string name(std::uint32_t n) const { return n < names_.size() ? names_[n] : "?"; }
  void close(Open& o, std::int64_t t);
  std::vector<std::string> names_;
  std::size_t max_graphs_;
  std::vector<Open> open_;
  std::map<std::pair<std::string, std::string>, std::string> dots_;
  std::map<std::uint32_t, std::int64_t> fenced_at_;  // (node, id) -> DOT, the latest few
};

}  // namespace halab::lab
