#pragma once
// `service fence-virtd` in simnet scenario files (simulated): a modelled libvirt host on the
// node it runs on, serving the fence_virt protocol to the cluster's modelled
// fence_halab_virt agents, its domains the other nodes (virt_host.hpp).
//
//   node virthost 10.0.0.250
//   service halabd two_node=1 on node1 node2
//   service fence-virtd domains=node1:vm-node1,node2:vm-node2 on virthost
//
// Parameters: domains=NODE:DOMAIN,... (default: every node the service does not run on, its
// domain named after it), key=TEXT (the host's key file's bytes), node_key=TEXT (the bytes
// of the same key file on the cluster nodes; default: key; another value models guests with a
// wrong key), key_file=PATH (where both sit; default /etc/cluster/fence_xvm.key),
// hash=none|sha1|sha256|sha512 (the weakest signature accepted; default sha256),
// auth=... (challenge-response; default sha256), latency=D (each libvirt operation;
// default 20ms), port=N (1229), group=ADDRESS (225.0.0.12).
#include "simnet/scenario_run.hpp"

namespace halab::fv::sim {

simnet::ServiceFactory make_fence_virtd_service(const simnet::ServiceContext& ctx);

}  // namespace halab::fv::sim
