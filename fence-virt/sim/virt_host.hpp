#pragma once
// fence_virt in simnet (simulated, not the real daemon): a modelled libvirt
// host whose "VMs" are simulated nodes, a modelled host daemon serving the
// fence_virt protocol on it, and a modelled fence_halab_virt agent.
//
//   simnet::World w(seed);
//   int lan = w.add_network("lan", ...);
//   ... add the cluster nodes ...
//   fv::sim::VirtHostConfig cfg;
//   cfg.domains = {{"vm-n1", "n1"}, {"vm-n2", "n2"}};
//   fv::sim::add_virt_host(w, cfg);   // a node "virthost" + the agent model
//   // a fencer on n1 with device agent "fence_halab_virt", pcmk_host_map="n2:vm-n2"
//
// What is real: the request is the 176-byte signed fence_virt request (the
// same encoder, signature and checks as fence_halab_virt and
// halab-fence-virtd), multicast to 225.0.0.12:1229 over the simulated
// network; the host verifies it (hash minimum, signature, duplicate and
// replay window) and authenticates the call-back both ways with the real
// challenge-response digests; the result byte and 130-byte host-list
// records are the protocol's.
// What is modelled: simnet has datagrams only, so the call-back "stream" is
// a short exchange of datagrams from a per-request host socket (challenge;
// answer + challenge; answer + result). Each side resends its last message
// until it hears the next (as TCP would retransmit), so loss slows fencing
// and a partition between the node and the host makes it time out, exactly
// where the real agent says "Timed out waiting for response".
// libvirt is a table of domains: off destroys (powers the simulated node
// off; it stays down), on creates (boots it), reboot does both, status
// answers from the node's state, each after `libvirt_latency`.
#include <memory>
#include <string>
#include <vector>

#include "fence-virt/protocol/hash.hpp"
#include "simnet/world.hpp"

namespace halab::fv::sim {

struct VirtDomain {
  std::string name;  // the libvirt domain name (what the agent's port names)
  std::string node;  // the simulated node that is this VM
  std::string uuid;  // empty: derived from the name
};

struct VirtHostConfig {
  std::string host_name = "virthost";
  core::Subnet subnet;  // the simnet network the host and the cluster nodes share
  core::Ipv4 address;   // the host's address there; any(): the subnet's base + 250
  std::vector<VirtDomain> domains;
  core::Ipv4 group = core::Ipv4::from_octets(225, 0, 0, 12);
  std::uint16_t port = 1229;
  HashType min_hash = HashType::sha256;  // fence_virt.conf's hash (a minimum)
  HashType auth = HashType::sha256;      // fence_virt.conf's auth
  std::string key_file = "/etc/cluster/fence_xvm.key";
  std::string key = "simnet fence_xvm key";  // the key file's bytes (host and nodes share it)
  core::Duration libvirt_latency = std::chrono::milliseconds(20);
};

// What the modelled daemon did (for tests and the trace).
struct VirtHostStats {
  std::uint64_t served = 0, refused = 0, resent = 0;
  std::vector<std::string> log;  // "off vm-n2: success", "refused: bad_signature", ...
};

struct VirtHost {
  int node = -1;  // the host's node index
  std::shared_ptr<VirtHostStats> stats;
};

// Adds the host node (running the modelled daemon) and defines the
// fence_halab_virt agent model for every node. Before world.start().
VirtHost add_virt_host(simnet::World& world, const VirtHostConfig& config);

}  // namespace halab::fv::sim
