#pragma once
// libvirt on the simulated host (simulated, not libvirt): a table of domains, each one a
// simulated node, behind the host daemon's Backend interface.
//
// A domain runs unless its node is powered off: a crashed node is a hung or panicked guest,
// still a running domain to libvirt. off destroys it: a `fence` trace record, then the node is
// powered off and stays down. on creates it: the node boots from its durable storage. reboot
// destroys and creates it (and, as fence_virtd, leaves a domain that is off alone: its record
// says so). status answers running / off (off for an unknown domain, as fence_virtd); list
// gives every domain with its UUID and state (1 running, 5 shut off).
#include <memory>
#include <string>
#include <vector>

#include "fence-virt/host/backend.hpp"

namespace halab::simnet {
class World;
}

namespace halab::fv::sim {

struct VirtDomain {
  std::string name;  // the libvirt domain name (what the agent's port names)
  std::string node;  // the simulated node that is this VM
  std::string uuid;  // empty: derived from the name
};

// A stable UUID for a modelled domain (from its name).
std::string model_uuid(const std::string& name);

class LibvirtModel final : public Backend {
 public:
  // `world` may be set later (set_world), before the first request.
  LibvirtModel(std::string host_name, std::vector<VirtDomain> domains);
  void set_world(simnet::World& world) { w_ = &world; }

  Result off(const std::string& domain) override;
  Result on(const std::string& domain) override;
  Result reboot(const std::string& domain) override;
  Result status(const std::string& domain) override;
  Result monitor() override { return Result::success; }
  bool list(std::vector<HostRecord>& out) override;

  const std::vector<VirtDomain>& domains() const { return domains_; }

 private:
  int node_of(const std::string& domain) const;  // -1: unknown domain (or node)
  bool running(int node) const;
  std::string by(const std::string& domain) const { return host_ + " (" + domain + ")"; }
  std::string host_;
  std::vector<VirtDomain> domains_;
  simnet::World* w_ = nullptr;
};

}  // namespace halab::fv::sim
