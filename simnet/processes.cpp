// Modelled processes: agents chosen by argv[0], and the fence_simnet power switch.
#include <csignal>

#include "simnet/world_internal.hpp"
#include "stack/core/assert.hpp"

namespace halab::simnet {

AgentCall describe_call(const std::string& node, const core::ProcessSpec& spec) {
  AgentCall call;
  call.node = node;
  call.spec = &spec;
  if (!spec.argv.empty()) {
    const std::string& a0 = spec.argv[0];
    const auto slash = a0.rfind('/');
    call.agent = slash == std::string::npos ? a0 : a0.substr(slash + 1);
  }
  // stdin: key=value lines (the fence-agent protocol)
  std::size_t pos = 0;
  const std::string& in = spec.stdin_data;
  while (pos < in.size()) {
    auto nl = in.find('\n', pos);
    std::string line = in.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? in.size() : nl + 1;
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq != std::string::npos) call.stdin_args[line.substr(0, eq)] = line.substr(eq + 1);
  }
  auto option = [&](const std::string& shortopt, const std::string& longopt) -> std::string {
    for (std::size_t i = 1; i < spec.argv.size(); ++i) {
      const std::string& a = spec.argv[i];
      if ((a == shortopt || a == "--" + longopt) && i + 1 < spec.argv.size()) return spec.argv[i + 1];
      if (a.rfind("--" + longopt + "=", 0) == 0) return a.substr(longopt.size() + 3);
    }
    return {};
  };
  if (spec.argv.size() > 1 && !spec.argv[1].empty() && spec.argv[1][0] != '-') call.action = spec.argv[1];
  if (call.action.empty()) call.action = option("-o", "action");
  if (call.action.empty() && call.stdin_args.count("action")) call.action = call.stdin_args["action"];
  if (call.action.empty() && call.stdin_args.count("option")) call.action = call.stdin_args["option"];
  std::string plug = option("-n", "plug");
  if (plug.empty()) plug = option("-n", "port");
  if (!plug.empty()) call.stdin_args["plug"] = plug;
  return call;
}

void World::define_agent(AgentModel model) {
  // A scenario's `agent Dummy { ... }` changes durations and failure rates, not what Dummy is.
  if (auto old = agents_.find(model.name); old != agents_.end() && old->second.ocf_resource) model.ocf_resource = true;
  if (model.ocf_resource && !model.behaviour)
    model.behaviour = [this](const AgentCall& call, core::ProcessResult& r) { ocf_effect(call, r); };
  if (model.name == kFenceAgent && !model.behaviour)
    model.behaviour = [this](const AgentCall& call, core::ProcessResult& r) { fence_effect(call, r); };
  if (model.name == kPingAgent && !model.behaviour)
    model.behaviour = [this](const AgentCall& call, core::ProcessResult& r) { ping_effect(call, r); };
  agents_[model.name] = std::move(model);
}

namespace {
struct ProcState {
  core::ProcessSpec spec;
  AgentCall call;
  core::ProcessResult result;
  std::function<void(const AgentCall&, core::ProcessResult&)> behaviour;
};
}  // namespace

core::ProcessId SimProcesses::spawn(core::ProcessSpec spec, core::ProcessDone done) {
  return w_->spawn(*n_, std::move(spec), std::move(done));
}
void SimProcesses::kill(core::ProcessId id, int signal) { w_->kill_process(*n_, id, signal); }

core::ProcessId World::spawn(Node& n, core::ProcessSpec spec, core::ProcessDone done) {
  const core::ProcessId pid = n.next_pid++;
  if (!n.up) return pid;  // a dead node starts nothing; done never runs
  auto st = std::make_shared<ProcState>();
  st->spec = std::move(spec);
  st->call = describe_call(n.name, st->spec);
  st->call.spec = &st->spec;
  st->call.incarnation = n.epoch;
  trace_.record_text(TraceKind::spawn, now_, n.index, pid, st->call.agent + " " + st->call.action);
  core::ProcessResult& r = st->result;
  const std::uint32_t node = n.index;
  auto finish = [this, st, pid, node] {
    Node& me = *nodes_[node];
    auto it = me.running.find(pid);
    if (it == me.running.end()) return;
    auto cb = std::move(it->second.done);
    me.running.erase(it);
    const auto& res = st->result;
    trace_.record(TraceKind::process_end, now_, node, pid, static_cast<std::uint64_t>(res.end),
                  static_cast<std::uint64_t>(res.end == core::ProcessResult::End::exited ? res.exit_code : res.signal));
    cb(res);
  };
  Running run;
  run.started = now_;
  run.done = std::move(done);
  auto ag = agents_.find(st->call.agent);
  if (ag == agents_.end() && !st->spec.argv.empty() && st->spec.argv[0].find("/resource.d/") != std::string::npos) {
    // Any OCF resource agent the cluster's configuration names (ocf:pacemaker:Stateful,
    // ocf:heartbeat:IPaddr, ...): the generic stateful model, with the built-in ones' durations.
    define_agent(ocf_model(st->call.agent));
    ag = agents_.find(st->call.agent);
  }
  if (ag == agents_.end()) {
    r.end = core::ProcessResult::End::spawn_failed;
    r.error = "no modelled agent '" + st->call.agent + "' in simnet";
    run.end_event = push(now_, Kind::node_event, node, finish);
    n.running.emplace(pid, std::move(run));
    return pid;
  }
  if (ag->second.run) {
    // Code on the node: it finishes by calling back (deferred to an event of
    // its own, so the agent's state is never destroyed under its own feet).
    const SimTime timeout = st->spec.timeout.count();
    auto ended = std::make_shared<bool>(false);
    const std::uint32_t epoch = n.epoch;
    AgentModel::Finish on_finish = [this, st, pid, node, epoch, ended, finish](core::ProcessResult res) {
      if (*ended || nodes_[node]->epoch != epoch) return;
      *ended = true;
      Node& me = *nodes_[node];
      auto it = me.running.find(pid);
      if (it == me.running.end()) return;
      res.runtime = core::Duration(now_ - it->second.started);
      st->result = std::move(res);
      cancel_slot(it->second.end_event, node);
      it->second.end_event = push(now_, Kind::node_event, node, finish);
    };
    if (timeout > 0)
      run.end_event = push(now_ + timeout, Kind::node_event, node, [this, st, ended, timeout, finish] {
        if (*ended) return;
        *ended = true;
        st->result = core::ProcessResult{};
        st->result.end = core::ProcessResult::End::timed_out;
        st->result.signal = SIGKILL;
        st->result.runtime = core::Duration(timeout);
        finish();
      });
    auto [it, inserted] = n.running.emplace(pid, std::move(run));
    HALAB_ASSERT(inserted);
    it->second.state = ag->second.run(st->call, n.env, std::move(on_finish));
    return pid;
  }
  const ActionModel& am = ag->second.action(st->call.action);
  const SimTime d = am.duration.sample(n.rng).count();
  const bool fails = n.rng.chance(am.fail_probability);
  const SimTime timeout = st->spec.timeout.count();
  if (timeout > 0 && d > timeout) {
    r.end = core::ProcessResult::End::timed_out;
    r.signal = SIGKILL;
    r.runtime = core::Duration(timeout);
    run.end_event = push(now_ + timeout, Kind::node_event, node, finish);
  } else {
    r.end = core::ProcessResult::End::exited;
    r.exit_code = fails ? am.fail_code : 0;
    if (!fails) r.out = am.out;
    r.runtime = core::Duration(d);
    st->behaviour = ag->second.behaviour;
    if (!fails && st->behaviour)  // the effect happens even if the caller crashes meanwhile
      run.effect_event = at(now_ + d, [st] { st->behaviour(st->call, st->result); });
    run.end_event = push(now_ + d, Kind::node_event, node, finish);
  }
  n.running.emplace(pid, std::move(run));
  return pid;
}

void World::kill_process(Node& n, core::ProcessId id, int signal) {
  auto it = n.running.find(id);
  if (it == n.running.end() || signal == 0 || !n.up) return;
  Running run = std::move(it->second);
  n.running.erase(it);
  cancel_slot(run.end_event, n.index);
  cancel_event(run.effect_event);
  core::ProcessResult r;
  r.end = core::ProcessResult::End::signaled;
  r.signal = signal;
  r.runtime = core::Duration(now_ - run.started);
  const std::uint32_t node = n.index;
  push(now_, Kind::node_event, node, [this, node, id, r, cb = std::move(run.done)] {
    trace_.record(TraceKind::process_end, now_, node, id, static_cast<std::uint64_t>(r.end), r.signal);
    cb(r);
  });
}

// ping(8) as the simulated network says: the host (the last argument) answers
// when it is a scenario node that is up, and neither direction between the
// two is cut. An address no node has never answers.
void World::ping_effect(const AgentCall& call, core::ProcessResult& r) {
  const auto& argv = call.spec->argv;
  const auto host = argv.size() > 1 ? core::Ipv4::parse(argv.back()) : std::nullopt;
  const int from = node_index(call.node);
  int to = -1;
  if (host)
    for (std::size_t i = 0; i < nodes_.size() && to < 0; ++i)
      for (auto& [_, a] : nodes_[i]->ifaces)
        if (a == *host) to = static_cast<int>(i);
  const bool answered = to >= 0 && from >= 0 && nodes_[std::size_t(to)]->up &&
                        (to == from || (!blocked(from, to) && !blocked(to, from)));
  r.exit_code = answered ? 0 : 1;
  r.out = "1 packets transmitted, " + std::string(answered ? "1" : "0") + " received\n";
}

void World::fence_effect(const AgentCall& call, core::ProcessResult& r) {
  std::string target;
  for (const char* key : {"plug", "port", "nodename"}) {
    auto it = call.stdin_args.find(key);
    if (it != call.stdin_args.end() && target.empty()) target = it->second;
  }
  const std::string& a = call.action;
  if (a == "list") {
    r.out.clear();
    for (auto& n : nodes_) r.out += n->name + ",\n";
    return;
  }
  if (a == "monitor" || a == "metadata" || a == "validate-all") return;
  const int t = node_index(target);
  if (t < 0) {
    r.exit_code = 1;
    r.err = "fence_simnet: no simulated node '" + target + "'\n";
    return;
  }
  if (a == "status") {
    const bool on = nodes_[t]->up;
    r.exit_code = on ? 0 : 2;
    r.out = on ? "Status: ON\n" : "Status: OFF\n";
    return;
  }
  if (a == "off" || a == "reboot") {
    fence(t, call.node, a == "reboot");
    r.out = a == "off" ? "Success: Powered OFF\n" : "Success: Rebooted\n";
  } else if (a == "on") {
    trace_.record_text(TraceKind::fence, now_, static_cast<std::uint32_t>(t), 0, call.node + " " + a);
    power_on(t);
    r.out = "Success: Powered ON\n";
  } else {
    r.exit_code = 1;
    r.err = "fence_simnet: unsupported action '" + a + "'\n";
  }
}

void World::fence(int node, const std::string& by, bool reboot) {
  trace_.record_text(TraceKind::fence, now_, static_cast<std::uint32_t>(node), 0, by + (reboot ? " reboot" : " off"));
  power_off(node);
  if (reboot) power_on(node);
}

void World::admin(const std::string& what) {
  trace_.record_text(TraceKind::admin, now_, kWorldNode, 0, what);
  if (observer_) observer_->on_fault(now_, what);
}

// ---------------------------------------------------------------- modelled OCF resources

const char* to_string(ResourceState s) {
  switch (s) {
    case ResourceState::inactive: return "inactive";
    case ResourceState::active: return "active";
    case ResourceState::promoted: return "promoted";
    case ResourceState::failed: return "failed";
  }
  return "?";
}

const char* to_string(ResourceCause c) {
  switch (c) {
    case ResourceCause::agent: return "agent";
    case ResourceCause::node_down: return "node-down";
    case ResourceCause::injected: return "injected";
    case ResourceCause::halt: return "halt";
  }
  return "?";
}

std::string resource_of(std::string_view instance) {
  const auto colon = instance.find(':');
  return std::string(instance.substr(0, colon));
}

ResourceState World::resource_state(std::string_view instance, int node) const {
  auto it = resources_.find(instance);
  if (it == resources_.end() || node < 0 || node >= static_cast<int>(it->second.size())) return ResourceState::inactive;
  return it->second[node];
}

void World::set_resource(int node, const std::string& instance, ResourceState s, ResourceCause why) {
  auto it = resources_.find(instance);
  if (it == resources_.end()) it = resources_.emplace(instance, std::vector<ResourceState>(nodes_.size())).first;
  if (it->second[node] == s) return;
  it->second[node] = s;
  if (s != ResourceState::failed) failed_rc_.erase({instance, node});
  trace_.record_text(TraceKind::resource, now_, static_cast<std::uint32_t>(node),
                     static_cast<std::uint64_t>(s) | (static_cast<std::uint64_t>(why) << 8), instance);
}

void World::resources_down(int node, ResourceCause why) {
  for (auto& [instance, states] : resources_)
    if (states[node] != ResourceState::inactive) {
      const std::string name = instance;  // set_resource never inserts here: the map is stable
      set_resource(node, name, ResourceState::inactive, why);
    }
}

void World::fail_resource(const std::string& rsc, int node, int rc) {
  std::vector<std::pair<std::string, int>> hits;
  for (auto& [instance, states] : resources_) {
    if (instance != rsc && resource_of(instance) != rsc) continue;
    for (int i = 0; i < static_cast<int>(states.size()); ++i)
      if ((node < 0 || i == node) && states[i] != ResourceState::inactive) hits.emplace_back(instance, i);
  }
  for (auto& [instance, i] : hits) {
    if (rc == 7) set_resource(i, instance, ResourceState::inactive, ResourceCause::injected);
    else {
      failed_rc_[{instance, i}] = rc;
      set_resource(i, instance, ResourceState::failed, ResourceCause::injected);
    }
  }
}

void World::ocf_effect(const AgentCall& call, core::ProcessResult& r) {
  const int node = node_index(call.node);
  if (node < 0) return;
  const Node& n = *nodes_[node];
  if (!n.up || n.epoch != call.incarnation) {  // the agent died with its node
    r.exit_code = 1;
    return;
  }
  std::string instance = call.agent;
  for (auto& kv : call.spec->env)
    if (kv.rfind("OCF_RESOURCE_INSTANCE=", 0) == 0) instance = kv.substr(22);
  const ResourceState now = resource_state(instance, node);
  const std::string& a = call.action;
  r.exit_code = 0;
  if (a == "start") {
    if (now == ResourceState::inactive || now == ResourceState::failed)
      set_resource(node, instance, ResourceState::active, ResourceCause::agent);
  } else if (a == "stop") {
    set_resource(node, instance, ResourceState::inactive, ResourceCause::agent);
  } else if (a == "promote") {
    if (now == ResourceState::inactive) r.exit_code = 7;
    else set_resource(node, instance, ResourceState::promoted, ResourceCause::agent);
  } else if (a == "demote") {
    if (now == ResourceState::inactive) r.exit_code = 7;
    else set_resource(node, instance, ResourceState::active, ResourceCause::agent);
  } else if (a == "monitor" || a == "status") {
    switch (now) {
      case ResourceState::inactive: r.exit_code = 7; break;
      case ResourceState::active: r.exit_code = 0; break;
      case ResourceState::promoted: r.exit_code = 8; break;
      case ResourceState::failed: {
        auto it = failed_rc_.find({instance, node});
        r.exit_code = it == failed_rc_.end() ? 1 : it->second;
        break;
      }
    }
  } else if (a == "meta-data") {  // enough for the executor's check; the model takes any parameter
    r.out = "<?xml version=\"1.0\"?>\n<resource-agent name=\"" + call.agent +
            "\" version=\"1.0\">\n<version>1.1</version>\n<shortdesc lang=\"en\">simnet's modelled " + call.agent +
            "</shortdesc>\n<parameters/>\n<actions>\n<action name=\"start\" timeout=\"20s\"/>\n<action name=\"stop\" "
            "timeout=\"20s\"/>\n<action name=\"monitor\" timeout=\"20s\" interval=\"10s\"/>\n<action name=\"promote\" "
            "timeout=\"20s\"/>\n<action name=\"demote\" timeout=\"20s\"/>\n<action name=\"meta-data\" timeout=\"5s\"/>\n"
            "</actions>\n</resource-agent>\n";
  } else if (a == "validate-all") {
  } else {
    r.exit_code = 3;  // OCF_ERR_UNIMPLEMENTED
  }
}

}  // namespace halab::simnet
