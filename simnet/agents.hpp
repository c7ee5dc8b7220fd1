#pragma once
// Modelled processes. In simnet, core::Processes::spawn does not fork: it
// looks up a modelled agent by the basename of argv[0] and simulates it.
//
//  - action: argv[1] when present (OCF/LSB style: "agent start"), else
//    "-o ACTION" / "--action=ACTION" in argv, else "action=" (or "option=")
//    on stdin (the fence-agent stdin protocol), else "" (the default model).
//  - the run takes a duration drawn from the action's distribution; with a
//    spec timeout shorter than that, the whole "process group" is killed at
//    the timeout (End::timed_out, SIGKILL) and the action has no effect.
//  - it fails with the action's probability (exit code fail_code), else
//    exits 0 — unless the agent has a `behaviour` hook, which later layers
//    use to model stateful agents (a resource that is running or not).
//  - kill(id, sig) ends a running model at once with End::signaled.
//
// The built-in "fence_simnet" is a modelled power switch: off/on/reboot really
// power a simulated node off (crash, and it stays down) and on (restart);
// status answers 0 (on) or 2 (off); list prints the node names. The target is
// "port=", "plug=" or "nodename=" on stdin, or "-n NODE"/"--plug=NODE".
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "simnet/dist.hpp"
#include "stack/core/env.hpp"
#include "stack/core/process.hpp"

namespace halab::simnet {

struct ActionModel {
  Dist duration = Dist::fixed(std::chrono::milliseconds(10));
  double fail_probability = 0;
  int fail_code = 1;
  std::string out;  // stdout of a successful run
};

// What a running modelled agent sees.
struct AgentCall {
  std::string node;    // the node it runs on
  std::string agent;   // basename of argv[0]
  std::string action;
  const core::ProcessSpec* spec = nullptr;
  std::map<std::string, std::string> stdin_args;  // key=value lines of stdin
  std::uint32_t incarnation = 0;  // the node's incarnation when it was spawned
};

struct AgentModel {
  std::string name;
  ActionModel default_action;
  std::map<std::string, ActionModel> actions;
  // Optional: decides exit code and output at the end of a successful
  // (not failed, not timed out) run. Runs as a world event, never inside spawn().
  std::function<void(const AgentCall&, core::ProcessResult&)> behaviour;
  // A stateful OCF resource agent (see below): the world keeps its state.
  bool ocf_resource = false;
  // Optional: an agent modelled as code running on its node (the node's
  // Env: clock, network) rather than a drawn duration, for agents whose
  // outcome depends on the simulated network (fence_halab_virt talks the
  // fence_virt protocol to a modelled host daemon). `run` starts it and
  // returns its state; it ends when it calls `finish` (once; the result's
  // runtime is filled in). A kill, the spec's timeout or a crash of the node
  // ends it first and drops the state (its sockets close; the state must
  // cancel its own timers when destroyed). The action models are not used.
  using Finish = std::function<void(core::ProcessResult)>;
  std::function<std::shared_ptr<void>(const AgentCall&, core::Env&, Finish)> run;

  const ActionModel& action(const std::string& a) const {
    auto it = actions.find(a);
    return it == actions.end() ? default_action : it->second;
  }
};

inline constexpr const char* kFenceAgent = "fence_simnet";
// ping(8), built in: answers (exit 0) when its host is a scenario node that
// is up and reachable both ways from the caller (the quorum ping device).
inline constexpr const char* kPingAgent = "ping";

// Modelled stateful OCF resource agents. Built in under the basenames Dummy,
// IPaddr2, apache and Filesystem (and any `agent NAME { ocf-resource }`):
// the instance is OCF_RESOURCE_INSTANCE from the environment (else the agent
// name); start makes it active on the node, stop inactive, promote promoted,
// demote active again; monitor/status answer 0 (running), 8 (running
// promoted), 7 (not running) or the injected failure's code. The state is the
// world's ground truth: it dies with the node (crash, power-off), and a start
// whose node crashed before it finished has no effect. Failures come from the
// action models (`fail P`) and from World::fail_resource.
inline constexpr const char* kOcfAgents[] = {"Dummy", "IPaddr2", "apache", "Filesystem"};

// The stateful model under `name` with the default durations (500ms for
// start/stop/promote/demote, 50ms otherwise). An OCF agent spawned from a
// path with "/resource.d/" that has no model of its own gets this one when
// it is first run, so a cluster configuration may name any OCF type
// (ocf:pacemaker:Stateful for a promotable clone, ocf:heartbeat:IPaddr, ...);
// meta-data answers a minimal, valid description.
AgentModel ocf_model(const std::string& name);

enum class ResourceState : std::uint8_t { inactive = 0, active = 1, promoted = 2, failed = 3 };
// Why it changed (the `b` of a resource trace record).
enum class ResourceCause : std::uint8_t { agent = 0, node_down = 1, injected = 2, halt = 3 };
const char* to_string(ResourceState s);
const char* to_string(ResourceCause c);
// The resource an instance belongs to: "web:2" -> "web".
std::string resource_of(std::string_view instance);

// Parses an agent invocation (see above).
AgentCall describe_call(const std::string& node, const core::ProcessSpec& spec);

}  // namespace halab::simnet
