#include "stack/cli/sim_services.hpp"

#include "simnet/toy_failover.hpp"
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

// toy-failover: the lab's stand-in failover manager (simnet/toy_failover.hpp).
simnet::ServiceFactory make_toy_failover(const simnet::ServiceContext& ctx) {
  simnet::ToyFailoverConfig cfg;
  auto yes_no = [&](const std::string& k, const std::string& v) {
    if (v != "yes" && v != "no") ctx.fail("toy-failover: " + k + " is yes or no, not '" + v + "'");
    return v == "yes";
  };
  auto dur = [&](const std::string& k, const std::string& v) {
    core::Duration d;
    if (!core::parse_duration(v, d) || d < core::Duration::zero()) ctx.fail("toy-failover: bad " + k + " '" + v + "'");
    return d;
  };
  for (auto& [k, v] : ctx.decl.params) {
    if (k == "resources") {
      std::size_t s = 0;
      while (s < v.size()) {
        auto comma = v.find(',', s);
        const std::string item = v.substr(s, comma == std::string::npos ? std::string::npos : comma - s);
        s = comma == std::string::npos ? v.size() : comma + 1;
        const auto colon = item.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == item.size())
          ctx.fail("toy-failover: resource '" + item + "' is not ID:AGENT (e.g. web:apache)");
        cfg.resources.push_back({item.substr(0, colon), item.substr(colon + 1)});
      }
    } else if (k == "fencing") cfg.fencing = yes_no(k, v);
    else if (k == "quorum-stop") cfg.quorum_stop = yes_no(k, v);
    else if (k == "fence-delay") cfg.fence_delay = dur(k, v);
    else if (k == "period") cfg.period = dur(k, v);
    else if (k == "timeout") cfg.timeout = dur(k, v);
    else if (k == "port") {
      char* end = nullptr;
      const long p = std::strtol(v.c_str(), &end, 10);
      if (*end || p < 1 || p > 65535) ctx.fail("toy-failover: bad port '" + v + "'");
      cfg.port = static_cast<std::uint16_t>(p);
    } else {
      ctx.fail("toy-failover: unknown parameter '" + k +
               "' (resources, fencing, fence-delay, quorum-stop, period, timeout, port)");
    }
  }
  if (cfg.resources.empty()) ctx.fail("toy-failover: resources=ID:AGENT[,...] is required");
  if (cfg.timeout <= cfg.period) ctx.fail("toy-failover: timeout must be longer than period");
  for (auto& n : ctx.nodes) {
    auto it = ctx.addresses.find(n);
    if (it != ctx.addresses.end()) cfg.nodes.push_back({n, {it->second, cfg.port}});
  }
  return [cfg](core::Env& env) { return std::make_unique<simnet::ToyFailover>(env, cfg); };
}

}  // namespace

simnet::ServiceRegistry sim_services() {
  simnet::ServiceRegistry r;
  r["heartbeat"] = make_heartbeat;
  r["toy-failover"] = make_toy_failover;
  return r;
}

}  // namespace halab::cli
