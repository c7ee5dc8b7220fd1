#include "fence-virt/sim/scenario_service.hpp"

#include <algorithm>

#include "fence-virt/sim/virt_host.hpp"

namespace halab::fv::sim {

namespace {

std::vector<std::string> split(const std::string& v, char sep) {
  std::vector<std::string> out;
  std::size_t s = 0;
  while (s <= v.size()) {
    const auto e = v.find(sep, s);
    out.push_back(v.substr(s, e == std::string::npos ? std::string::npos : e - s));
    if (e == std::string::npos) break;
    s = e + 1;
  }
  return out;
}

}  // namespace

simnet::ServiceFactory make_fence_virtd_service(const simnet::ServiceContext& ctx) {
  const auto& sc = ctx.scenario;
  if (ctx.decl.nodes.size() != 1)
    ctx.fail("fence-virtd: runs on one node, the virt host (service fence-virtd on HOST)");
  const std::string host = ctx.nodes.front();
  for (const auto& other : sc.services) {
    if (&other == &ctx.decl) continue;
    if (other.nodes.empty() || std::find(other.nodes.begin(), other.nodes.end(), host) != other.nodes.end())
      ctx.fail("fence-virtd: the virt host " + host + " also runs '" + other.name + "' (line " +
               std::to_string(other.line) + "): give that service `on NODES` without " + host);
  }
  auto cfg = std::make_shared<VirtHostConfig>();
  cfg->host_name = host;
  cfg->subnet = sc.networks.front().subnet;
  auto addr = ctx.addresses.find(host);
  if (addr == ctx.addresses.end()) ctx.fail("fence-virtd: " + host + " has no address on the first network");
  cfg->address = addr->second;
  bool domains_given = false;
  for (const auto& [k, v] : ctx.decl.params) {
    if (k == "domains") {
      domains_given = true;
      for (const auto& item : split(v, ',')) {
        const auto colon = item.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == item.size())
          ctx.fail("fence-virtd: domain '" + item + "' is not NODE:DOMAIN (as pcmk_host_map)");
        const std::string node = item.substr(0, colon), dom = item.substr(colon + 1);
        if (sc.node_index(node) < 0) ctx.fail("fence-virtd: domains: no node '" + node + "'");
        if (node == host) ctx.fail("fence-virtd: domains: " + node + " is the virt host itself");
        if (!domain_fits(dom)) ctx.fail("fence-virtd: domains: '" + dom + "' is longer than 63 bytes");
        cfg->domains.push_back({dom, node, ""});
      }
    } else if (k == "key") {
      cfg->key = v;
    } else if (k == "node_key") {
      cfg->node_key = v;
    } else if (k == "key_file") {
      cfg->key_file = v;
    } else if (k == "hash" || k == "auth") {
      HashType h;
      if (!parse_hash(v, h)) ctx.fail("fence-virtd: " + k + " is none, sha1, sha256 or sha512, not '" + v + "'");
      (k == "hash" ? cfg->min_hash : cfg->auth) = h;
    } else if (k == "latency") {
      core::Duration d;
      if (!core::parse_duration(v, d) || d < core::Duration::zero()) ctx.fail("fence-virtd: bad latency '" + v + "'");
      cfg->libvirt_latency = d;
    } else if (k == "port") {
      char* end = nullptr;
      const long p = std::strtol(v.c_str(), &end, 10);
      if (v.empty() || *end || p < 1 || p > 65535) ctx.fail("fence-virtd: bad port '" + v + "'");
      cfg->port = static_cast<std::uint16_t>(p);
    } else if (k == "group") {
      auto g = core::Ipv4::parse(v);
      if (!g || !g->is_multicast()) ctx.fail("fence-virtd: group '" + v + "' is not a multicast address");
      cfg->group = *g;
    } else {
      ctx.fail("fence-virtd: unknown parameter '" + k +
               "' (domains, key, node_key, key_file, hash, auth, latency, port, group)");
    }
  }
  if (!domains_given)
    for (const auto& n : sc.nodes)
      if (n.name != host) cfg->domains.push_back({n.name, n.name, ""});
  if (cfg->domains.empty()) ctx.fail("fence-virtd: no domains (domains=NODE:DOMAIN,...)");

  auto libvirt = std::make_shared<LibvirtModel>(cfg->host_name, cfg->domains);
  auto stats = std::make_shared<VirtHostStats>();
  if (!ctx.world_setup) ctx.fail("fence-virtd: this scenario runner cannot define agent models");
  std::shared_ptr<const VirtHostConfig> shared = cfg;
  ctx.world_setup->push_back([libvirt, shared](simnet::World& w) {
    libvirt->set_world(w);
    define_virt_agent(w, shared);
  });
  return virt_host_service(shared, libvirt, stats);
}

}  // namespace halab::fv::sim
