#pragma once
// Bundles (<bundle>), as pacemaker 2.1.5 schedules them. A bundle with N
// replicas implies, for replica i:
//   - a container primitive B-docker-i (ocf:heartbeat:docker, rkt or podman),
//   - with <network ip-range-start>, an IP primitive B-ip-ADDR colocated with
//     and started before the container,
//   - with a <primitive> inside (and ip-range-start or control-port), a
//     Pacemaker Remote connection B-i to the guest node B-i that the
//     container runs, and the primitive's instance PRIM:i placed on that
//     guest node; the instances form the clone B-clone (B-master when the
//     bundle is promotable).
// The bundle itself is modelled as a clone whose instances are the
// containers (pacemaker assigns and orders them with its clone-instance
// code); bundle_unpack.cpp builds the parts, bundle.cpp places them and adds
// the bundle's internal orderings.
#include "stack/scheduler/model.hpp"
#include "stack/scheduler/xml_reader.hpp"

namespace halab::scheduler {

// The guest nodes of bundles with a primitive inside (with the remote
// nodes, before nodes are sorted).
void add_bundle_nodes(Cluster& c, const XmlElement& cib);
// One <bundle>: the bundle and everything it implies, pushed to
// c.resources in pacemaker's order; nullptr when it cannot be used.
Resource* unpack_bundle(Cluster& c, const XmlElement& xml);

// After locations: a bundle's location constraints reach its IPs, and the
// guest nodes are banned for everything but the replica's own instance.
void apply_bundle_locations(Cluster& c);
// pacemaker's bundle assignment: containers as clone instances, then per
// replica the IP, the connection and the instance, then the child clone.
Node* assign_bundle(Cluster& c, Resource* bundle);
// The bundle's internal orderings (after create_actions).
void order_bundle_actions(Cluster& c);
// Whether `r` may be probed on `n` as far as bundles are concerned: a bundle
// guest node is probed only for its replica's instance, which is probed
// nowhere else.
bool bundle_allows_probe(const Resource* r, const Node* n);
// The instance of a bundle's child clone that history on `n` belongs to
// (the replica whose guest node `n` is), or nullptr.
Resource* bundle_instance_for_node(const Resource* child_clone, const Node* n);

}  // namespace halab::scheduler
