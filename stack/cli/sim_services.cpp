#include "stack/cli/sim_services.hpp"

#include "stack/heartbeat/heartbeat.hpp"

namespace halab::cli {

namespace {

simnet::ServiceFactory make_heartbeat(const simnet::ServiceContext& ctx) {
  heartbeat::Config cfg;
  for (auto& [k, v] : ctx.decl.params) {
    if (k == "period" || k == "timeout") {
      core::Duration d;
      if (!core::parse_duration(v, d) || d <= core::Duration::zero())
        ctx.fail("heartbeat: bad " + k + " '" + v + "' (want e.g. 100ms)");
      (k == "period" ? cfg.period : cfg.timeout) = d;
    } else if (k == "port") {
      char* end = nullptr;
      const long p = std::strtol(v.c_str(), &end, 10);
      if (*end || p < 1 || p > 65535) ctx.fail("heartbeat: bad port '" + v + "'");
      cfg.port = static_cast<std::uint16_t>(p);
    } else if (k == "transport") {
      if (v == "unicast") cfg.transport = heartbeat::Config::Transport::unicast;
      else if (v == "multicast") cfg.transport = heartbeat::Config::Transport::multicast;
      else if (v == "broadcast") cfg.transport = heartbeat::Config::Transport::broadcast;
      else ctx.fail("heartbeat: transport is unicast, multicast or broadcast, not '" + v + "'");
    } else if (k == "group") {
      auto g = core::Ipv4::parse(v);
      if (!g || !g->is_multicast()) ctx.fail("heartbeat: group '" + v + "' is not a multicast address");
      cfg.group = *g;
    } else {
      ctx.fail("heartbeat: unknown parameter '" + k + "' (period, timeout, port, transport, group)");
    }
  }
  if (cfg.timeout <= cfg.period) ctx.fail("heartbeat: timeout must be longer than period");
  for (auto& n : ctx.nodes) {
    auto it = ctx.addresses.find(n);
    if (it != ctx.addresses.end()) cfg.peers.push_back({n, {it->second, cfg.port}});
  }
  if (cfg.transport == heartbeat::Config::Transport::broadcast)
    cfg.broadcast = ctx.scenario.networks.front().subnet.broadcast();
  return [cfg](core::Env& env) { return std::make_unique<heartbeat::Heartbeat>(env, cfg); };
}

}  // namespace

simnet::ServiceRegistry sim_services() {
  simnet::ServiceRegistry r;
  r["heartbeat"] = make_heartbeat;
  return r;
}

}  // namespace halab::cli
