#include "stack/cli/sim_services.hpp"

#include <set>
#include <sstream>

#include "stack/cib/store.hpp"
#include "stack/cib/xml.hpp"
#include "stack/controller/request.hpp"
#include "stack/daemon/crm_service.hpp"
#include "stack/cli/sim_configure.hpp"

#include "stack/config/corosync_conf.hpp"
#include "stack/daemon/hosted.hpp"
#include "stack/daemon/node.hpp"
#include "simnet/toy_failover.hpp"
#include "fence-virt/sim/scenario_service.hpp"
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

// The scenario's administrative actions on halabd, done as crmsh does them:
// a CIB update through a live node's controller (it reaches the DC).
// `standby N` / `online N`: the node attribute standby=on/off;
// `maintenance on|off`: the property maintenance-mode. wipe-cib stays a
// record (the CIB of a stopped node is wiped by its next start's sync).
simnet::AdminHandler crm_admin_handler(std::vector<std::string> nodes) {
  return [nodes](simnet::World& world, const simnet::Scenario::Fault& f) {
    std::istringstream words(f.text);
    std::string verb, arg;
    words >> verb >> arg;
    if (verb != "standby" && verb != "online" && verb != "maintenance") return false;
    daemon::CrmService* crm = nullptr;
    for (auto& n : nodes) {
      const int i = world.node_index(n);
      if (i < 0 || !world.is_up(i)) continue;
      auto* node = dynamic_cast<daemon::Node*>(world.service(i));
      if (auto* c = node ? node->find_service<daemon::CrmService>() : nullptr; c && c->controller().synced()) {
        crm = c;
        break;
      }
    }
    if (!crm) return true;  // nobody to tell: the action is recorded and lost, as on a dead cluster
    const cib::Cib before = crm->controller().cib();
    cib::Cib after = before;
    auto nvpair = [](xmlNode* set, const std::string& set_id, const std::string& name, const std::string& value) {
      for (xmlNode* nv : cib::children(set, "nvpair"))
        if (cib::attr_or(nv, "name", "") == name) {
          cib::set_attr(nv, "value", value);
          return;
        }
      xmlNode* nv = cib::add_child(set, "nvpair");
      cib::set_attr(nv, "id", set_id + "-" + name);
      cib::set_attr(nv, "name", name);
      cib::set_attr(nv, "value", value);
    };
    if (verb == "maintenance") {
      xmlNode* cfg = after.ensure_section("crm_config");
      xmlNode* set = nullptr;
      for (xmlNode* c : cib::children(cfg, "cluster_property_set"))
        if (!set) set = c;
      if (!set) {
        set = cib::add_child(cfg, "cluster_property_set");
        cib::set_attr(set, "id", "cib-bootstrap-options");
      }
      nvpair(set, cib::attr_or(set, "id", "cib-bootstrap-options"), "maintenance-mode", arg == "on" ? "true" : "false");
    } else {
      xmlNode* target = nullptr;
      if (xmlNode* ns = after.section("nodes"))
        for (xmlNode* n : cib::children(ns, "node"))
          if (cib::attr_or(n, "uname", "") == arg) target = n;
      if (!target) return true;  // never joined: crmsh would refuse too
      xmlNode* set = cib::first_child(target, "instance_attributes");
      const std::string set_id = "nodes-" + cib::attr_or(target, "id", arg);
      if (!set) {
        set = cib::add_child(target, "instance_attributes");
        cib::set_attr(set, "id", set_id);
      }
      nvpair(set, cib::attr_or(set, "id", set_id), "standby", verb == "standby" ? "on" : "off");
    }
    after.bump_epoch();
    crm->controller().submit(controller::patch_request(before, after), [](const controller::UpdateResult&) {});
    return true;
  };
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

  // corosync.conf from the parameters, with the scenario's `totem { }` and
  // `quorum { }` blocks inside those sections (a key the block sets replaces
  // the generated one). `origin` maps each line of the text to the
  // scenario's, so a parse error names the scenario line.
  const auto& sc = ctx.scenario;
  std::string text;
  std::vector<int> origin{0};  // origin[line] (1-based)
  auto emit = [&](const std::string& line, int from = 0) {
    text += line + "\n";
    origin.push_back(from);
  };
  auto block_keys = [](const simnet::Scenario::TextBlock& b) {
    std::set<std::string> keys;
    int depth = 0;
    for (auto& [n, l] : b.lines) {
      const std::string code = l.substr(0, l.find('#'));
      const auto first = code.find_first_not_of(" \t");
      if (depth == 0 && first != std::string::npos) {
        const auto end = code.find_first_of(": \t{", first);
        keys.insert(code.substr(first, end == std::string::npos ? std::string::npos : end - first));
      }
      for (char c : code) depth += c == '{' ? 1 : c == '}' ? -1 : 0;
    }
    return keys;
  };
  const auto tkeys = block_keys(sc.totem), qkeys = block_keys(sc.quorum);
  auto item = [&](const std::set<std::string>& keys, const std::string& line) {
    const auto colon = line.find(':');
    const auto first = line.find_first_not_of(' ');
    if (!keys.count(line.substr(first, colon - first))) emit(line);
  };
  emit("totem {");
  item(tkeys, "  version: 2");
  item(tkeys, "  cluster_name: simnet");
  item(tkeys, std::string("  transport: ") + (transport == "udpu" ? "udpu" : "udp"));
  if (crypto == "on") {
    item(tkeys, "  crypto_cipher: aes256");
    item(tkeys, "  crypto_hash: sha256");
  } else {
    item(tkeys, "  crypto_cipher: none");
    item(tkeys, "  crypto_hash: none");
  }
  for (std::size_t p = 0; p < totem_extra.size();) {
    const auto nl = totem_extra.find('\n', p);
    item(tkeys, totem_extra.substr(p, nl - p));
    p = nl + 1;
  }
  if (!tkeys.count("interface")) {
    emit("  interface {");
    emit("    ringnumber: 0");
    emit("    mcastport: " + port);
    if (transport == "udp") emit("    mcastaddr: " + mcastaddr);
    if (transport == "broadcast") emit("    broadcast: yes");
    emit("  }");
  }
  for (auto& [n, l] : sc.totem.lines) emit(l, n);
  emit("}");
  emit("logging {");
  emit("  to_stderr: no");
  emit("  to_syslog: no");
  emit("}");
  emit("quorum {");
  item(qkeys, "  provider: corosync_votequorum");
  for (std::size_t p = 0; p < quorum_extra.size();) {
    const auto nl = quorum_extra.find('\n', p);
    item(qkeys, quorum_extra.substr(p, nl - p));
    p = nl + 1;
  }
  if (!qkeys.count("device")) {
    if (device == "ping") {
      emit("  device {");
      emit("    model: ping");
      emit("    votes: 1");
      emit("    ping {");
      emit("      host: " + ping_host);
      emit("    }");
      emit("  }");
    }
    if (device == "disk") {
      emit("  device {");
      emit("    model: disk");
      emit("    votes: 1");
      emit("  }");
    }
  }
  for (auto& [n, l] : sc.quorum.lines) emit(l, n);
  emit("}");
  emit("nodelist {");
  std::map<std::string, core::Ipv4> addr;
  std::uint32_t id = 0;
  for (const auto& n : ctx.nodes) {
    ++id;
    auto it = ctx.addresses.find(n);
    if (it == ctx.addresses.end()) ctx.fail("halabd: node " + n + " has no address on the first network");
    addr[n] = it->second;
    emit("  node {");
    emit("    ring0_addr: " + it->second.to_string());
    emit("    nodeid: " + std::to_string(id));
    emit("    name: " + n);
    emit("  }");
  }
  emit("}");
  auto parsed = config::parse_corosync_conf(text, "halabd(" + sc.file + ")");
  if (!parsed.ok()) {
    for (auto& d : parsed.diagnostics)
      if (d.severity == config::Diagnostic::Severity::error && d.line > 0 && std::size_t(d.line) < origin.size() &&
          origin[std::size_t(d.line)] > 0)
        throw simnet::ScenarioError(sc.file, origin[std::size_t(d.line)],
                                    (d.key.empty() ? "" : d.key + ": ") + d.message);
    ctx.fail("halabd: the corosync.conf made from the scenario is not valid:\n" + parsed.report());
  }
  const bool has_crypto = parsed.conf.totem.crypto_cipher != config::Cipher::none || parsed.conf.totem.crypto_hash != config::Hash::none;

  // The CIB every node starts with: the `configure` block through crmsh's
  // `configure load update` (stack/shell), stored before the node's first boot.
  std::shared_ptr<const std::string> initial_cib;
  if (sc.configure.present()) {
    auto compiled = compile_configure(sc);
    if (ctx.resource_limits) *ctx.resource_limits = compiled.limits;
    if (ctx.constraints) *ctx.constraints = compiled.constraints;
    initial_cib = std::make_shared<const std::string>(std::move(compiled.cib_xml));
  }

  daemon::NodeOptions base;
  base.conf = parsed.conf;
  base.conf_text = text;
  if (has_crypto) base.key = core::Bytes(256, 0x5c);  // every simulated node shares it
  auto disk = device == "disk" ? std::make_shared<quorum::MemorySharedDisk>() : nullptr;
  for (const auto& [n, a] : addr) {
    auto o = base;
    o.local_addrs = {a};
    if (disk) o.shared_disk = &disk->view(totem::node_id_for(o.conf, a));
    if (auto e = daemon::check_node_options(o); !e.empty()) ctx.fail("halabd: node " + n + ": " + e);
  }
  if (ctx.admin_handlers) ctx.admin_handlers->push_back(crm_admin_handler(ctx.nodes));
  return [base, addr, disk, initial_cib](core::Env& env) -> std::unique_ptr<core::Service> {
    if (initial_cib) {  // what an administrator puts in place before the first start
      cib::CibStore store(env.storage, "cib");
      if (!env.storage.read(store.path("cib.xml"))) store.save(cib::Cib::parse(*initial_cib, "configure"));
    }
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
  r["fence-virtd"] = fv::sim::make_fence_virtd_service;  // a modelled libvirt host (simulated)
  return r;
}

}  // namespace halab::cli
