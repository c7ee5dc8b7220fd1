#pragma once
// The CRM in simnet: n nodes running the whole halabd stack (Totem,
// votequorum, CPG, controller, executor, fencer, scheduler, transition
// engine) with stateful models of resource agents, so tests can assert on
// the ground truth (what really runs where) at every event.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "simnet/scenario.hpp"
#include "simnet/world.hpp"
#include "stack/cli/sim_services.hpp"
#include "stack/controller/request.hpp"
#include "stack/daemon/crm_service.hpp"
#include "stack/daemon/node.hpp"

namespace halab::test::crm {

using namespace std::chrono_literals;

std::string instance_of(const core::ProcessSpec& spec) {
  for (const auto& kv : spec.env)
    if (kv.rfind("OCF_RESOURCE_INSTANCE=", 0) == 0) return kv.substr(22);
  return "";
}

// Stateful models of the three agents: a resource runs on a node between a
// successful start and stop there; monitor answers 0 or 7 (not running).
// Every start and stop is logged, and any moment with a resource active on
// two nodes is recorded.
struct WebAgents {
  std::map<std::string, std::set<std::string>> running;  // node -> resources
  std::vector<std::string> events;                       // "node start rsc"
  std::vector<double> event_times;                       // simulated seconds of each event
  std::vector<std::string> double_active;
  simnet::World* world = nullptr;  // a powered-off node runs nothing
  core::Duration start_time = 300ms;
  bool fence_fails = false;  // the power switch's off/reboot fail (set before add_to)
  std::set<std::string> fail_start_on;  // nodes where every start fails
  void add_to(simnet::World& w) {
    for (const char* name : {"Filesystem", "IPaddr", "apache", "Dummy"}) {
      simnet::AgentModel m;
      m.name = name;
      m.actions["start"].duration = simnet::Dist::fixed(start_time);
      m.actions["stop"].duration = simnet::Dist::fixed(200ms);
      m.actions["monitor"].duration = simnet::Dist::fixed(20ms);
      m.behaviour = [this](const simnet::AgentCall& c, core::ProcessResult& r) {
        const std::string rsc = instance_of(*c.spec);
        auto& set = running[c.node];
        if (c.action == "start" && fail_start_on.count(c.node)) {
          r.exit_code = 1;  // OCF_ERR_GENERIC: the resource does not run
          events.push_back(c.node + " start-failed " + rsc);
          event_times.push_back(world ? double(world->now()) / 1e9 : 0);
        } else if (c.action == "start") {
          set.insert(rsc);
          events.push_back(c.node + " start " + rsc);
          event_times.push_back(world ? double(world->now()) / 1e9 : 0);
          int copies = 0;
          for (auto& [node, s] : running)
            if (!world || world->is_up(world->node_index(node))) copies += int(s.count(rsc));
          if (copies > 1) double_active.push_back(rsc + " on two nodes after " + c.node + " started it");
        } else if (c.action == "stop") {
          set.erase(rsc);
          events.push_back(c.node + " stop " + rsc);
          event_times.push_back(world ? double(world->now()) / 1e9 : 0);
        } else if (c.action == "monitor") {
          r.exit_code = set.count(rsc) ? 0 : 7;
        }
      };
      w.define_agent(m);
    }
    simnet::AgentModel fence;
    fence.name = simnet::kFenceAgent;
    fence.default_action.duration = simnet::Dist::fixed(500ms);
    fence.actions["monitor"].duration = simnet::Dist::fixed(20ms);
    fence.actions["list"].duration = simnet::Dist::fixed(20ms);
    if (fence_fails)
      for (const char* a : {"off", "reboot"}) {
        fence.actions[a].duration = simnet::Dist::fixed(500ms);
        fence.actions[a].fail_probability = 1;
      }
    w.define_agent(fence);
  }
  // The order `node` started the web service's resources in, from event `from`.
  std::vector<std::string> starts_on(const std::string& node, std::size_t from = 0) const {
    std::vector<std::string> out;
    for (std::size_t i = from; i < events.size(); ++i)
      if (events[i].rfind(node + " start ", 0) == 0) out.push_back(events[i].substr(node.size() + 7));
    return out;
  }
};

struct Cluster {
  simnet::Scenario sc;
  simnet::World world;
  WebAgents agents;
  std::vector<std::string> names;
  int n = 2;

  // Two nodes: votequorum two_node. More: plain majority.
  explicit Cluster(std::uint64_t seed, int nodes = 2, core::Duration start_time = 300ms, bool fence_fails = false)
      : world(seed), n(nodes) {
    agents.start_time = start_time;
    agents.fence_fails = fence_fails;
    for (int i = 1; i <= n; ++i) names.push_back("n" + std::to_string(i));
    agents.world = &world;
    sc = simnet::parse_scenario("network lan 10.0.0.0/24\nnodes n1..n" + std::to_string(n) +
                                    "\nservice halabd transport=udpu token=1000" + (n == 2 ? " two_node=1" : "") + "\n",
                                "crm.scn");
    // A LAN with some jitter, so seeds differ in the order things happen.
    simnet::LinkModel lan;
    lan.latency = simnet::Dist::uniform(200us, 800us);
    lan.jitter_ns = 100e3;
    world.add_network("lan", sc.networks.front().subnet, lan);
    std::map<std::string, core::Ipv4> addrs;
    for (int i = 0; i < n; ++i) addrs[names[size_t(i)]] = core::Ipv4::from_octets(10, 0, 0, std::uint8_t(i + 1));
    simnet::ServiceContext ctx{sc, sc.services.front(), names, addrs};
    auto factory = cli::sim_services().at("halabd")(ctx);
    for (auto& n : names) world.add_node(n, {addrs[n]}, factory);
    agents.add_to(world);
    world.set_log_level(core::Level::warning);
    if (std::getenv("HALAB_TEST_LOG")) {  // debugging aid: every node's log on stderr
      struct Sink : core::LogSink {
        void write(const core::LogRecord& r) override {
          std::fprintf(stderr, "%10.3f %s %s: %.*s\n", double(r.mono.time_since_epoch().count()) / 1e9,
                       std::string(r.node).c_str(), std::string(r.subsys).c_str(), int(r.message.size()),
                       r.message.data());
        }
      };
      world.set_log_level(core::Level::info);
      world.add_log_sink(std::make_shared<Sink>());
    }
    world.start();
    world.run_until(world.now());
  }
  daemon::Node* node(int i) { return world.is_up(i) ? dynamic_cast<daemon::Node*>(world.service(i)) : nullptr; }
  daemon::CrmService* crm(int i) {
    auto* n = node(i);
    return n ? n->find_service<daemon::CrmService>() : nullptr;
  }
  daemon::CrmService* dc() {
    for (int i = 0; i < n; ++i)
      if (auto* c = crm(i); c && c->controller().is_dc() && c->controller().synced()) return c;
    return nullptr;
  }
  double seconds() const { return double(world.now()) / 1e9; }
  int index_of(const daemon::CrmService* c) {
    for (int i = 0; i < n; ++i)
      if (crm(i) == c) return i;
    return -1;
  }
  // Commits a CIB change made on the DC's copy through the controller of node `via`.
  bool commit(const std::function<void(cib::Cib&)>& change, int via = -1, std::string* error = nullptr) {
    auto* d = dc();
    if (!d) return false;
    const cib::Cib before = d->controller().cib();
    cib::Cib after = before;
    change(after);
    std::optional<controller::UpdateResult> r;
    auto* c = via >= 0 ? crm(via) : d;
    c->controller().submit(controller::patch_request(before, after), [&](const controller::UpdateResult& u) { r = u; });
    for (int i = 0; i < 400 && !r; ++i) world.run_for(25ms);
    if (r && !r->ok() && error) *error = r->error;
    return r && r->ok();
  }
  // Who runs `rsc` (ground truth of the agent models, live nodes only).
  std::vector<std::string> running(const std::string& rsc) {
    std::vector<std::string> out;
    for (auto& [node, set] : agents.running)
      if (set.count(rsc) && world.is_up(world.node_index(node))) out.push_back(node);
    return out;
  }
  // Runs in 50 ms steps until `cond` holds; false after `limit`.
  bool run_until(const std::function<bool()>& cond, core::Duration limit) {
    for (auto end = world.now() + limit.count(); world.now() < end;) {
      if (cond()) return true;
      world.run_for(50ms);
    }
    return cond();
  }
  // The DC has nothing scheduled, running, or unrecorded, and every live
  // node holds the same CIB.
  bool settled() {
    auto* d = dc();
    if (!d || !d->idle()) return false;
    for (int i = 0; i < n; ++i)
      if (auto* c = crm(i); c && (!c->controller().synced() || c->controller().version() != d->controller().version()))
        return false;
    return true;
  }
};


}  // namespace halab::test::crm
