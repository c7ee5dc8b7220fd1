#pragma once
// What halabd learns from the host before the stack starts: its own IPv4
// addresses, host names in the nodelist resolved to addresses, and which
// ring addresses are this node's. Daemon plumbing (getifaddrs, getaddrinfo),
// kept out of Node so Node runs unchanged in simnet.
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

// This node's ring addresses: the nodelist entry holding one of `ifaces`'
// addresses, else (no nodelist) the interface inside ring 0's bindnetaddr
// subnet. Throws core::Error saying what was looked for.
std::vector<core::Ipv4> find_local_addresses(const config::CorosyncConf& conf,
                                             const std::vector<LocalInterface>& ifaces);

// The nodelist name of the node with ring0 address `addr`, else the host name.
std::string local_node_name(const config::CorosyncConf& conf, core::Ipv4 addr);

}  // namespace halab::daemon
