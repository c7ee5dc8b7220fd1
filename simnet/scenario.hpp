#pragma once
// Scenario files: a cluster, a fault schedule, a duration, a seed and what
// to check, written by hand. The format is documented in
// docs/scenario-format.md. Every error names the file and line.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "simnet/agents.hpp"
#include "simnet/link_model.hpp"
#include "simnet/world.hpp"
#include "stack/core/address.hpp"
#include "stack/core/error.hpp"
#include "stack/core/log.hpp"

namespace halab::simnet {

class ScenarioError : public core::Error {
 public:
  ScenarioError(const std::string& file, int line, const std::string& what)
      : core::Error(file + ":" + std::to_string(line) + ": " + what), line_(line) {}
  int line() const { return line_; }

 private:
  int line_;
};

// Changes to a link model; unset fields keep the model they are applied to.
struct LinkPatch {
  std::optional<Dist> latency;
  std::optional<double> jitter_ns, loss, duplicate, reorder, reorder_delay_ns, bandwidth_bps;
  std::optional<std::uint64_t> queue_bytes;
  void apply(LinkModel& m) const;
  bool empty() const;
};

struct Scenario {
  std::string file;  // where it came from (for messages)
  std::string name;
  std::optional<std::uint64_t> seed;
  core::Duration duration = std::chrono::seconds(60);
  core::Level log_level = core::Level::info;

  struct Network {
    std::string name;
    core::Subnet subnet;
    LinkPatch model;
    int line = 0;
  };
  struct Node {
    std::string name;
    std::vector<core::Ipv4> addresses;  // empty: one per network, host part = position (1-based)
    int line = 0;
  };
  struct Link {
    std::vector<std::string> from, to;
    bool both = false;
    std::string network;  // empty: every network
    LinkPatch model;
    int line = 0;
  };
  struct Service {
    std::string name;
    std::map<std::string, std::string> params;
    std::vector<std::string> nodes;  // empty: every node
    int line = 0;
  };
  struct Agent {
    AgentModel model;
    int line = 0;
  };
  struct Fault {
    enum class Kind {
      crash, restart, power_off, power_on, pause, resume, drift, step, partition, heal, degrade,
      // node-level lifecycle and the resource / administrative actions (CTS)
      stop, start, fail_resource, fence, admin, kill_component,
    };
    core::Duration at{};
    Kind kind = Kind::crash;
    std::vector<std::string> nodes;               // the subjects; partition: first group(s)
    std::vector<std::vector<std::string>> groups;  // partition: every group
    bool one_way = false;                          // partition / degrade: "->" rather than "|" / "<->"
    double rate = 1.0;                             // drift
    core::Duration delta{};                        // step; pause "for"
    LinkPatch patch;                               // degrade
    std::vector<std::string> to;                   // degrade: far ends
    std::string rsc;                               // fail-resource
    int rc = 7;                                    // fail-resource: monitor's answer afterwards
    bool reboot = true;                            // fence
    std::string text;                              // admin: the action as written; kill-component: component
    int line = 0;
  };
  // `audit NAME key=value...`: a safety or liveness check over the run's trace.
  struct Audit {
    std::string name;
    std::map<std::string, std::string> params;
    std::string source;
    int line = 0;
  };
  // `cts NAME key=value...`: one of pacemaker's CTS tests as a fault generator.
  struct Cts {
    std::string name;
    std::map<std::string, std::string> params;
    std::string source;
    int line = 0;
  };
  struct Failures {
    bool link = false;
    std::string a, b;  // node, or the link's two ends
    FailureProcess process;
    std::string description;
    int line = 0;
  };
  struct Expect {
    enum class Kind { reach, no_reach, log, no_log, availability, state, resource };
    Kind kind = Kind::reach;
    std::vector<std::string> from, to;  // reach / no_reach; log: from = nodes ("any" = every node)
    bool both = false;
    core::Duration t1{}, t2{-1};  // window; t2 < 0: the end of the run. state: t1 is the instant
    std::string text;              // log: substring; state: up|down|paused; resource: its state
    std::string rsc;               // resource: the instance
    double threshold = 0;          // availability
    bool at_least = true;          // availability: >= (else <=)
    std::string source;            // the statement as written
    int line = 0;
  };

  std::vector<Network> networks;
  std::vector<Node> nodes;
  std::vector<Link> links;
  std::vector<Service> services;
  std::vector<Agent> agents;
  std::vector<Fault> faults;
  std::vector<Failures> failures;
  std::vector<Expect> expects;
  std::vector<Audit> audits;
  std::vector<Cts> cts;

  // Blocks kept as written, for the services that read them (halabd):
  // `configure { ... }` in crmsh syntax (the CIB every node starts with),
  // `totem { ... }` and `quorum { ... }` in corosync.conf syntax. `lines`
  // holds each inner line with its line number in the file.
  struct TextBlock {
    int line = 0;  // of the opening statement; 0 when absent
    std::vector<std::pair<int, std::string>> lines;
    bool present() const { return line > 0; }
    // The inner text with blank lines in front, so line N of it is line N of the file.
    std::string aligned_text() const;
  };
  TextBlock configure, totem, quorum;

  int node_index(const std::string& name) const;
};

// The fault schedule of a run with `seed`: the fixed faults with every `cts`
// statement's generated faults in its place (file order, so the world
// schedules them in a stable order). simnet/cts.cpp.
std::vector<Scenario::Fault> fault_schedule(const Scenario& sc, std::uint64_t seed);
// A fault as a scenario line ("at 12500ms crash n2"), parsed back to the same fault.
std::string describe_fault(const Scenario::Fault& f);
// Checks an `audit` statement's name and parameters (simnet/audits.cpp; throws ScenarioError).
void check_audit(const Scenario& sc, const Scenario::Audit& a);
// The CTS test names, and a check of one statement (throws ScenarioError).
const std::vector<std::string>& cts_tests();
void check_cts(const Scenario& sc, const Scenario::Cts& c);

// Throws ScenarioError naming `file` and the line.
Scenario parse_scenario(std::string_view text, const std::string& file);
Scenario load_scenario(const std::string& path);

// Scenarios compiled into the binary (scenarios/*.scn), by name.
const std::map<std::string, std::string_view>& embedded_scenarios();

}  // namespace halab::simnet
