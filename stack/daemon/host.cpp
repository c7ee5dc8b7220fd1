#include "stack/daemon/host.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netdb.h>
#include <netinet/in.h>
#include <unistd.h>

#include <bit>

#include "stack/core/error.hpp"
#include "stack/totem/totem_service.hpp"

namespace halab::daemon {

std::vector<LocalInterface> local_interfaces() {
  std::vector<LocalInterface> out;
  ifaddrs* list = nullptr;
  if (::getifaddrs(&list) != 0) return out;
  for (auto* i = list; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET) continue;
    LocalInterface li;
    li.name = i->ifa_name;
    li.addr.value = ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_addr)->sin_addr.s_addr);
    if (i->ifa_netmask)
      li.prefix = std::popcount(ntohl(reinterpret_cast<sockaddr_in*>(i->ifa_netmask)->sin_addr.s_addr));
    out.push_back(li);
  }
  ::freeifaddrs(list);
  return out;
}

namespace {
std::string resolve(const std::string& name, std::string& error) {
  addrinfo hints{};
  hints.ai_family = AF_INET;
  addrinfo* res = nullptr;
  const int rc = ::getaddrinfo(name.c_str(), nullptr, &hints, &res);
  if (rc != 0 || !res) {
    error = ::gai_strerror(rc);
    return "";
  }
  core::Ipv4 a{ntohl(reinterpret_cast<sockaddr_in*>(res->ai_addr)->sin_addr.s_addr)};
  ::freeaddrinfo(res);
  return a.to_string();
}
}  // namespace

std::string resolve_nodelist(config::CorosyncConf& conf, const std::string& file) {
  for (auto& n : conf.nodelist)
    for (auto* field : {&n.ring0_addr, &n.ring1_addr}) {
      if (field->empty() || core::Ipv4::parse(*field)) continue;
      std::string error;
      auto a = resolve(*field, error);
      if (a.empty())
        return file + ":" + std::to_string(n.line) + ": error: nodelist.node.ring0_addr: cannot resolve '" + *field +
               "': " + error;
      if (n.name.empty() && field == &n.ring0_addr) n.name = *field;
      *field = a;
    }
  return "";
}

std::vector<core::Ipv4> find_local_addresses(const config::CorosyncConf& conf,
                                             const std::vector<LocalInterface>& ifaces,
                                             std::optional<std::uint32_t> nodeid) {
  auto is_local = [&](core::Ipv4 a) {
    for (const auto& i : ifaces) {
      if (i.addr == a) return true;
      // Every address of a loopback interface's network is local on Linux
      // (`local 127.0.0.0/8 dev lo` in the local routing table).
      if (i.addr.is_loopback() && a.is_loopback() && core::Subnet{i.addr, i.prefix}.contains(a)) return true;
    }
    return false;
  };
  auto addresses_of = [](const config::NodeConf& n) {
    std::vector<core::Ipv4> out{*core::Ipv4::parse(n.ring0_addr)};
    if (auto a1 = core::Ipv4::parse(n.ring1_addr)) out.push_back(*a1);
    return out;
  };
  auto id_of = [&](const config::NodeConf& n) { return totem::node_id_for(conf, *core::Ipv4::parse(n.ring0_addr)); };
  if (!conf.nodelist.empty()) {
    std::vector<const config::NodeConf*> local;
    for (const auto& n : conf.nodelist)
      if (auto a0 = core::Ipv4::parse(n.ring0_addr); a0 && is_local(*a0)) local.push_back(&n);
    if (nodeid) {
      for (const auto& n : conf.nodelist) {
        if (!core::Ipv4::parse(n.ring0_addr) || id_of(n) != *nodeid) continue;
        if (!is_local(*core::Ipv4::parse(n.ring0_addr)))
          throw core::Error("--nodeid " + std::to_string(*nodeid) + ": its ring0_addr " + n.ring0_addr +
                            " is not an address of this host");
        return addresses_of(n);
      }
      throw core::Error("--nodeid " + std::to_string(*nodeid) + ": no such node in the nodelist");
    }
    if (local.size() == 1) return addresses_of(*local[0]);
    if (local.size() > 1) {
      const auto& rings = conf.totem.interfaces;
      for (const auto& ring : rings) {
        if (ring.ringnumber != 0 || !ring.bindnetaddr) continue;
        for (const auto* n : local)
          if (*core::Ipv4::parse(n->ring0_addr) == *ring.bindnetaddr) return addresses_of(*n);
      }
      std::string which;
      for (const auto* n : local)
        which += (which.empty() ? "" : ", ") + n->ring0_addr + " (node " + std::to_string(id_of(*n)) + ")";
      throw core::Error("several nodelist entries hold addresses of this host: " + which +
                        "; say which one this node is with --nodeid N or totem.interface.bindnetaddr (ring 0)");
    }
    std::string have;
    for (const auto& i : ifaces) have += (have.empty() ? "" : ", ") + i.addr.to_string();
    throw core::Error("no nodelist entry holds an address of this host (its addresses: " + have + ")");
  }
  std::vector<core::Ipv4> out;
  for (const auto& ring : conf.totem.interfaces) {
    if (!ring.bindnetaddr) throw core::Error("totem.interface (ring " + std::to_string(ring.ringnumber) +
                                             "): without a nodelist, bindnetaddr must name the ring's network");
    bool found = false;
    for (const auto& i : ifaces) {
      if (i.addr.is_loopback() && !ring.bindnetaddr->is_loopback()) continue;
      const core::Subnet s{*ring.bindnetaddr, i.prefix};
      if (s.contains(i.addr) || i.addr == *ring.bindnetaddr) {
        out.push_back(i.addr);
        found = true;
        break;
      }
    }
    if (!found)
      throw core::Error("no interface of this host is in bindnetaddr " + ring.bindnetaddr->to_string() + " (ring " +
                        std::to_string(ring.ringnumber) + ")");
  }
  if (out.empty()) throw core::Error("neither a nodelist nor a totem.interface with bindnetaddr: no local address");
  return out;
}

std::string local_node_name(const config::CorosyncConf& conf, core::Ipv4 addr) {
  for (const auto& n : conf.nodelist)
    if (auto a = core::Ipv4::parse(n.ring0_addr); a && *a == addr && !n.name.empty()) return n.name;
  char host[256] = "";
  if (::gethostname(host, sizeof host - 1) == 0 && host[0]) return host;
  return addr.to_string();
}

}  // namespace halab::daemon
