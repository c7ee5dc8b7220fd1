#include "stack/totem/totem_service.hpp"

#include "stack/core/error.hpp"

namespace halab::totem {

NodeId node_id_for(const config::CorosyncConf& conf, core::Ipv4 addr) {
  for (const auto& n : conf.nodelist)
    if (auto a = core::Ipv4::parse(n.ring0_addr); a && *a == addr && n.nodeid) return *n.nodeid;
  // corosync's clear_node_high_bit: ids from addresses stay positive as signed 32-bit.
  return conf.totem.clear_node_high_bit ? addr.value & 0x7fffffffu : addr.value;
}

TotemService::TotemService(core::Env& env, TotemServiceOptions opt) {
  const auto& conf = opt.conf;
  if (opt.local_addrs.empty()) throw core::Error("totem: no local address");
  const NodeId id = node_id_for(conf, opt.local_addrs[0]);
  crypto_ = std::make_unique<PacketCrypto>(conf.totem.crypto_cipher, conf.totem.crypto_hash, opt.key, id,
                                           next_boot_epoch(env.storage));
  std::vector<config::InterfaceConf> rings = conf.totem.interfaces;
  if (rings.empty()) rings.push_back({});
  std::vector<std::unique_ptr<Transport>> transports;
  for (std::size_t r = 0; r < rings.size() && r < opt.local_addrs.size(); ++r) {
    const auto& i = rings[r];
    UdpTransportConfig tc;
    tc.local_addr = opt.local_addrs[r];
    tc.port = i.mcastport;
    tc.ttl = i.ttl;
    if (conf.totem.transport == config::Transport::udpu)
      tc.mode = UdpTransportConfig::Mode::unicast, tc.block_unlisted = conf.totem.block_unlisted_ips;
    else if (i.broadcast)
      tc.mode = UdpTransportConfig::Mode::broadcast;
    else
      tc.mode = UdpTransportConfig::Mode::multicast;
    tc.mcast_group = i.mcastaddr.value_or(core::Ipv4::from_octets(239, 192, 0, 1));
    for (const auto& n : conf.nodelist) {
      const auto& text = r == 0 ? n.ring0_addr : n.ring1_addr;
      auto a = core::Ipv4::parse(text);
      if (!a) {
        if (tc.mode == UdpTransportConfig::Mode::unicast)
          throw core::Error("totem: nodelist address '" + text + "' is not an IPv4 address (resolve names first)");
        continue;
      }
      auto ring0 = core::Ipv4::parse(n.ring0_addr);
      tc.peers[node_id_for(conf, ring0 ? *ring0 : *a)] = *a;
    }
    transports.push_back(
        std::make_unique<UdpTransport>(env.network, *crypto_, tc, env.log(r == 0 ? "KNET" : "KNET1")));
  }
  local_addrs_ = opt.local_addrs;
  const auto so = srp_options(conf, id);
  if (transports.size() == 1) {
    transport_ = std::move(transports.front());
  } else {
    auto r = std::make_unique<RedundantTransport>(std::move(transports), env.clock, so.token_retransmit,
                                                  RingFaultOptions{}, env.log("TOTEM"));
    redundant_ = r.get();
    transport_ = std::move(r);
  }
  srp_ = std::make_unique<Srp>(env, so, *transport_, std::move(opt.callbacks));
  srp_->start();
}

std::vector<RingStatus> TotemService::ring_status() const {
  std::vector<RingStatus> out = redundant_ ? redundant_->ring_status() : std::vector<RingStatus>{RingStatus{}};
  for (auto& r : out)
    if (std::size_t(r.ring) < local_addrs_.size()) r.local_addr = local_addrs_[std::size_t(r.ring)];
  return out;
}

void TotemService::reset_rings() {
  if (redundant_) redundant_->reset_rings();
}

}  // namespace halab::totem
