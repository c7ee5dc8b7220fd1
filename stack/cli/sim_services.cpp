#include "stack/cli/sim_services.hpp"

#include "stack/config/corosync_conf.hpp"
#include "stack/daemon/hosted.hpp"
#include "stack/daemon/node.hpp"
#include "simnet/toy_failover.hpp"
#include "stack/heartbeat/heartbeat.hpp"
#include "stack/quorum/quorum_disk.hpp"

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

// `service halabd KEY=VALUE...`: the Node (Totem, votequorum, cmap) on every
// node, from a corosync.conf generated from the scenario's nodes (nodeid =
// position in the node list, ring0_addr = address on the first network).
simnet::ServiceFactory make_halabd(const simnet::ServiceContext& ctx) {
  std::string transport = "udpu", crypto = "on", device, ping_host, mcastaddr = "239.192.0.1", port = "5405";
  std::string totem_extra, quorum_extra;
  auto number = [&](const std::string& k, const std::string& v) {
    char* end = nullptr;
    const long n = std::strtol(v.c_str(), &end, 10);
    if (v.empty() || *end || n < 0) ctx.fail("halabd: " + k + " wants a number, not '" + v + "'");
    return n;
  };
  auto boolean = [&](const std::string& k, const std::string& v) {
    if (v == "1" || v == "yes" || v == "on") return "1";
    if (v == "0" || v == "no" || v == "off") return "0";
    ctx.fail("halabd: " + k + " is 0 or 1, not '" + v + "'");
  };
  for (auto& [k, v] : ctx.decl.params) {
    if (k == "transport") {
      if (v != "udp" && v != "udpu" && v != "broadcast")
        ctx.fail("halabd: transport is udp (multicast), udpu or broadcast, not '" + v + "'");
      transport = v;
    } else if (k == "token" || k == "consensus" || k == "join" || k == "token_coefficient" || k == "merge" ||
               k == "max_messages" || k == "window_size") {
      totem_extra += "  " + k + ": " + std::to_string(number(k, v)) + "\n";
    } else if (k == "two_node" || k == "wait_for_all" || k == "last_man_standing" || k == "auto_tie_breaker") {
      quorum_extra += "  " + k + ": " + boolean(k, v) + "\n";
    } else if (k == "last_man_standing_window" || k == "expected_votes") {
      quorum_extra += "  " + k + ": " + std::to_string(number(k, v)) + "\n";
    } else if (k == "crypto") {
      crypto = boolean(k, v) == std::string("1") ? "on" : "off";
    } else if (k == "device") {
      if (v != "ping" && v != "disk") ctx.fail("halabd: device is ping or disk, not '" + v + "'");
      device = v;
    } else if (k == "ping_host") {
      if (!core::Ipv4::parse(v)) ctx.fail("halabd: ping_host '" + v + "' is not an IPv4 address");
      ping_host = v;
    } else if (k == "mcastaddr") {
      auto g = core::Ipv4::parse(v);
      if (!g || !g->is_multicast()) ctx.fail("halabd: mcastaddr '" + v + "' is not a multicast address");
      mcastaddr = v;
    } else if (k == "port") {
      const long p = number(k, v);
      if (p < 2 || p > 65535) ctx.fail("halabd: bad port '" + v + "'");
      port = v;
    } else {
      ctx.fail("halabd: unknown parameter '" + k +
               "' (transport, token, consensus, join, token_coefficient, merge, max_messages, window_size, two_node, "
               "wait_for_all, last_man_standing, last_man_standing_window, auto_tie_breaker, expected_votes, crypto, "
               "device, ping_host, mcastaddr, port)");
    }
  }
  if (device == "ping" && ping_host.empty()) ctx.fail("halabd: device=ping needs ping_host=ADDRESS");

  std::string text = "totem {\n  version: 2\n  cluster_name: simnet\n";
  text += std::string("  transport: ") + (transport == "udpu" ? "udpu" : "udp") + "\n";
  if (crypto == "on") text += "  crypto_cipher: aes256\n  crypto_hash: sha256\n";
  text += totem_extra;
  text += "  interface {\n    ringnumber: 0\n    mcastport: " + port + "\n";
  if (transport == "udp") text += "    mcastaddr: " + mcastaddr + "\n";
  if (transport == "broadcast") text += "    broadcast: yes\n";
  text += "  }\n}\nlogging {\n  to_stderr: no\n  to_syslog: no\n}\nquorum {\n  provider: corosync_votequorum\n";
  text += quorum_extra;
  if (device == "ping")
    text += "  device {\n    model: ping\n    votes: 1\n    ping {\n      host: " + ping_host + "\n    }\n  }\n";
  if (device == "disk") text += "  device {\n    model: disk\n    votes: 1\n  }\n";
  text += "}\nnodelist {\n";
  std::map<std::string, core::Ipv4> addr;
  std::uint32_t id = 0;
  for (const auto& n : ctx.nodes) {
    ++id;
    auto it = ctx.addresses.find(n);
    if (it == ctx.addresses.end()) ctx.fail("halabd: node " + n + " has no address on the first network");
    addr[n] = it->second;
    text += "  node {\n    ring0_addr: " + it->second.to_string() + "\n    nodeid: " + std::to_string(id) +
            "\n    name: " + n + "\n  }\n";
  }
  text += "}\n";
  auto parsed = config::parse_corosync_conf(text, "halabd(" + ctx.scenario.file + ")");
  if (!parsed.ok()) ctx.fail("halabd: the generated corosync.conf is not valid:\n" + parsed.report());

  daemon::NodeOptions base;
  base.conf = parsed.conf;
  base.conf_text = text;
  if (crypto == "on") base.key = core::Bytes(256, 0x5c);  // every simulated node shares it
  auto disk = device == "disk" ? std::make_shared<quorum::MemorySharedDisk>() : nullptr;
  for (const auto& [n, a] : addr) {
    auto o = base;
    o.local_addrs = {a};
    if (disk) o.shared_disk = &disk->view(totem::node_id_for(o.conf, a));
    if (auto e = daemon::check_node_options(o); !e.empty()) ctx.fail("halabd: node " + n + ": " + e);
  }
  return [base, addr, disk](core::Env& env) -> std::unique_ptr<core::Service> {
    auto o = base;
    o.local_addrs = {addr.at(env.node)};
    if (disk) o.shared_disk = &disk->view(totem::node_id_for(o.conf, o.local_addrs[0]));
    auto node = std::make_unique<daemon::Node>(env, std::move(o));
    daemon::add_hosted_services(*node);
    return node;
  };
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
  r["halabd"] = make_halabd;
  r["toy-failover"] = make_toy_failover;
  return r;
}

}  // namespace halab::cli
