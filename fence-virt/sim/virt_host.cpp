// fence_virt in simnet: the modelled host node (see virt_host.hpp).
#include "fence-virt/sim/virt_host.hpp"

#include "fence-virt/sim/host_daemon.hpp"

namespace halab::fv::sim {

simnet::ServiceFactory virt_host_service(std::shared_ptr<const VirtHostConfig> cfg, std::shared_ptr<LibvirtModel> libvirt,
                                         std::shared_ptr<VirtHostStats> stats) {
  return [cfg, libvirt, stats](core::Env& env) { return std::make_unique<HostDaemon>(env, cfg, *libvirt, *stats); };
}

VirtHost add_virt_host(simnet::World& world, const VirtHostConfig& config) {
  auto cfg = std::make_shared<VirtHostConfig>(config);
  if (cfg->address.is_any()) cfg->address = core::Ipv4{cfg->subnet.network.value + 250};
  auto libvirt = std::make_shared<LibvirtModel>(cfg->host_name, cfg->domains);
  libvirt->set_world(world);
  VirtHost host;
  host.stats = std::make_shared<VirtHostStats>();
  host.node = world.add_node(cfg->host_name, {cfg->address}, virt_host_service(cfg, libvirt, host.stats));
  define_virt_agent(world, cfg);
  return host;
}

}  // namespace halab::fv::sim
