#pragma once
// What halabd learns from the host before the stack starts: its own IPv4
// addresses, host names in the nodelist resolved to addresses, and which
// ring addresses are this node's. Daemon plumbing (getifaddrs, getaddrinfo),
// kept out of Node so Node runs unchanged in simnet.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "stack/config/corosync_conf.hpp"
#include "stack/core/address.hpp"

namespace halab::daemon {

struct LocalInterface {
  std::string name;
  core::Ipv4 addr;
  int prefix = 32;
};

std::vector<LocalInterface> local_interfaces();

// Replaces nodelist host names by their first IPv4 address. Returns an error
// naming the name and the node's line, or "".
std::string resolve_nodelist(config::CorosyncConf& conf, const std::string& file);

// This node's ring addresses. With a nodelist: the entry whose ring0_addr
// is local (an interface's address, or inside a loopback interface's
// network: Linux delivers all of 127.0.0.0/8 locally), as corosync matches
// ringX_addr against the host's addresses. When several entries are local
// (nodes sharing one host on 127.0.0.x), the choice is
//   1. `nodeid` (halabd --nodeid N): that entry, which must be local;
//   2. ring 0's bindnetaddr when it is exactly one entry's ring0_addr
//      (corosync: "bindnetaddr should be an IP address configured on the
//      system");
//   3. otherwise an error naming the candidates and both ways to choose.
// Without a nodelist: the interface inside ring 0's bindnetaddr subnet.
// Throws core::Error saying what was looked for.
std::vector<core::Ipv4> find_local_addresses(const config::CorosyncConf& conf,
                                             const std::vector<LocalInterface>& ifaces,
                                             std::optional<std::uint32_t> nodeid = std::nullopt);

// The nodelist name of the node with ring0 address `addr`, else the host name.
std::string local_node_name(const config::CorosyncConf& conf, core::Ipv4 addr);

}  // namespace halab::daemon
