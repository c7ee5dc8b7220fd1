#pragma once
// fence_virt in simnet (simulated, not the real daemon): a modelled libvirt host whose
// "VMs" are simulated nodes, the host daemon's request logic serving the fence_virt
// protocol on it, and a modelled fence_halab_virt agent.
//
//   simnet::World w(seed);
//   int lan = w.add_network("lan", ...);
//   ... add the cluster nodes ...
//   fv::sim::VirtHostConfig cfg;
//   cfg.domains = {{"vm-n1", "n1"}, {"vm-n2", "n2"}};
//   fv::sim::add_virt_host(w, cfg);   // a node "virthost" + the agent model
//   // a fencer on n1 with device agent "fence_halab_virt", pcmk_host_map="n2:vm-n2"
//
// Scenario files declare the same with `service fence-virtd` (scenario_service.hpp).
//
// What is real: the request is the 176-byte signed fence_virt request (the same encoder,
// signature and checks as fence_halab_virt and halab-fence-virtd), multicast to
// 225.0.0.12:1229 over the simulated network; the host runs halab-fence-virtd's request
// logic (host/request_logic.hpp: hash minimum, signature, call-back address, duplicate and
// replay window, operation, result bytes and 130-byte host records) and authenticates the
// call-back both ways with the real challenge-response digests; the agent parses its
// options and prints its answers with fence_halab_virt's own code (agent/answer.hpp).
// What is modelled: the call-back stream (stream.hpp: datagrams, each side resending
// until it hears the next step, so loss slows fencing and a partition between the node
// and the host makes it time out where the real agent says "Timed out waiting for
// response"); libvirt (libvirt_model.hpp); the key files (one key for the host, one for the
// nodes); every operation takes `libvirt_latency`.
#include <memory>
#include <string>
#include <vector>

#include "fence-virt/protocol/hash.hpp"
#include "fence-virt/sim/libvirt_model.hpp"
#include "simnet/world.hpp"

namespace halab::fv::sim {

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
  std::string key = "simnet fence_xvm key";  // the host's key file's bytes
  std::string node_key;  // the bytes of key_file on the cluster nodes; empty: the host's key
  core::Duration libvirt_latency = std::chrono::milliseconds(20);
};

// What the modelled daemon did (for tests and the trace).
struct VirtHostStats {
  std::uint64_t served = 0, refused = 0, duplicates = 0, resent = 0;
  std::vector<std::string> log;  // "off vm-n2: success", "refused: bad_signature from ...", ...
};

struct VirtHost {
  int node = -1;  // the host's node index
  std::shared_ptr<VirtHostStats> stats;
};

// Adds the host node (running the modelled daemon) and defines the fence_halab_virt agent
// model for every node. Before world.start().
VirtHost add_virt_host(simnet::World& world, const VirtHostConfig& config);

// The parts, for a host whose node is declared elsewhere (a scenario file):
// the host's service factory (the node must have cfg.address on cfg.subnet) and the agent
// model. `libvirt` must be given the world (set_world) before the first request.
simnet::ServiceFactory virt_host_service(std::shared_ptr<const VirtHostConfig> cfg, std::shared_ptr<LibvirtModel> libvirt,
                                         std::shared_ptr<VirtHostStats> stats);
void define_virt_agent(simnet::World& world, std::shared_ptr<const VirtHostConfig> cfg);

}  // namespace halab::fv::sim
