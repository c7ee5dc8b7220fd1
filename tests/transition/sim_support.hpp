#pragma once
// simnet pieces shared by the transition tests: a modelled
// ocf:heartbeat:Dummy that remembers its calls, and what a node runs for the
// transition engine (executor, fencer, local sink).
#include <map>
#include <set>
#include <string>
#include <vector>

#include "simnet/world.hpp"
#include "stack/fencer/executor_bridge.hpp"
#include "stack/transition/engine.hpp"
#include "stack/transition/local_sink.hpp"

namespace halab::transition {

using namespace std::chrono_literals;
using simnet::AgentModel;
using simnet::Dist;
using simnet::World;

inline std::string env_value(const core::ProcessSpec& spec, const std::string& key) {
  for (const auto& kv : spec.env)
    if (kv.rfind(key + "=", 0) == 0) return kv.substr(key.size() + 1);
  return "";
}

// A modelled ocf:heartbeat:Dummy that remembers what it was given.
struct ModelledDummy {
  std::map<std::string, std::set<std::string>> running;  // node -> instances
  std::vector<std::string> calls;                        // "node action instance"
  std::map<std::string, std::string> last_env;           // of the last start
  AgentModel model() {
    AgentModel m;
    m.name = "Dummy";
    m.actions["start"].duration = Dist::fixed(200ms);
    m.actions["stop"].duration = Dist::fixed(100ms);
    m.actions["monitor"].duration = Dist::fixed(20ms);
    m.behaviour = [this](const simnet::AgentCall& c, core::ProcessResult& r) {
      const std::string inst = env_value(*c.spec, "OCF_RESOURCE_INSTANCE");
      calls.push_back(c.node + " " + c.action + " " + inst);
      auto& set = running[c.node];
      if (c.action == "start") {
        set.insert(inst);
        for (const char* k : {"OCF_RESKEY_ip", "OCF_RESKEY_CRM_meta_timeout", "OCF_RESKEY_CRM_meta_on_node"})
          last_env[k] = env_value(*c.spec, k);
      }
      if (c.action == "stop") set.erase(inst);
      if (c.action == "monitor") r.exit_code = set.count(inst) ? 0 : 7;
    };
    return m;
  }
};

// What the DC's node runs: executor, fencer, the local sink and the engine.
struct NodeStack final : core::Service {
  explicit NodeStack(core::Env& env, std::string state_dir)
      : fencer(env, {}),
        stonith_ops(fencer),
        executor(env, {.state_dir = std::move(state_dir)}, &stonith_ops),
        sink(env.clock, env.node, executor, &fencer,
             {.on_recurring =
                  [this](const GraphAction& a, const ActionResult& r) {
                    recurring.emplace_back(a.operation_key, r.rc);
                    if (on_recurring) on_recurring(a, r);
                  }}),
        engine(env.clock, sink, env.log("te")) {}
  fencer::Fencer fencer;
  fencer::FencerStonithOps stonith_ops;
  executor::Executor executor;
  LocalSink sink;
  TransitionEngine engine;
  std::vector<std::pair<std::string, int>> recurring;
  std::function<void(const GraphAction&, const ActionResult&)> on_recurring;  // set by the test
};


}  // namespace halab::transition
