#include "stack/totem/transport.hpp"

#include "stack/core/assert.hpp"

namespace halab::totem {

UdpTransport::UdpTransport(core::Network& net, PacketCrypto& crypto, UdpTransportConfig cfg, core::Log log)
    : net_(net), crypto_(crypto), cfg_(std::move(cfg)), log_(std::move(log)) {
  HALAB_ASSERT(cfg_.port >= 2);
  auto handler = [this](const core::Endpoint& from, core::ByteView data) { receive(from, data); };
  core::BindOptions uo;
  uo.local = {cfg_.local_addr, std::uint16_t(cfg_.port - 1)};
  uo.broadcast = cfg_.mode == UdpTransportConfig::Mode::broadcast;
  unicast_ = net_.bind(uo, handler);
  if (cfg_.mode != UdpTransportConfig::Mode::unicast) {
    core::BindOptions go;
    go.local = {core::Ipv4::any(), cfg_.port};
    go.reuse_address = true;
    go.broadcast = cfg_.mode == UdpTransportConfig::Mode::broadcast;
    group_ = net_.bind(go, handler);
    if (cfg_.mode == UdpTransportConfig::Mode::multicast) {
      // Loop stays on: nodes sharing a host reach each other only through it.
      if (auto ec = group_->join_multicast(cfg_.mcast_group, cfg_.local_addr, cfg_.ttl, true))
        log_.error("cannot join multicast group {}: {}", cfg_.mcast_group.to_string(), ec.message());
      if (auto ec = unicast_->join_multicast(cfg_.mcast_group, cfg_.local_addr, cfg_.ttl, true); ec)
        log_.debug("multicast ttl on the sending socket: {}", ec.message());
    }
  }
}

void UdpTransport::send(const core::Endpoint& to, const core::Bytes& sealed) {
  if (auto ec = unicast_->send_to(to, sealed)) {
    ++send_errors_;
    log_.debug("send to {} failed: {}", to.to_string(), ec.message());
  }
}

void UdpTransport::send_all(core::ByteView payload) {
  using Mode = UdpTransportConfig::Mode;
  switch (cfg_.mode) {
    case Mode::multicast:
      send({cfg_.mcast_group, cfg_.port}, crypto_.seal(payload));
      break;
    case Mode::broadcast:
      send({cfg_.broadcast_addr, cfg_.port}, crypto_.seal(payload));
      break;
    case Mode::unicast:
      for (const auto& [id, addr] : cfg_.peers)
        if (addr != cfg_.local_addr) send({addr, std::uint16_t(cfg_.port - 1)}, crypto_.seal(payload));
      break;
  }
}

void UdpTransport::send_to(NodeId node, core::ByteView payload) {
  auto it = cfg_.peers.find(node);
  if (it == cfg_.peers.end()) {
    ++send_errors_;
    log_.debug("no address known for node {}", node);
    return;
  }
  send({it->second, std::uint16_t(cfg_.port - 1)}, crypto_.seal(payload));
}

void UdpTransport::receive(const core::Endpoint& from, core::ByteView data) {
  auto opened = crypto_.open(data);
  if (!opened) return;  // counted by PacketCrypto
  if (from.addr == cfg_.local_addr && from.port == cfg_.port - 1) return;  // our own multicast, looped back
  if (cfg_.mode != UdpTransportConfig::Mode::unicast) cfg_.peers[opened->sender] = from.addr;
  if (handler_) handler_(opened->sender, opened->payload);
}

RedundantTransport::RedundantTransport(std::vector<std::unique_ptr<Transport>> rings) : rings_(std::move(rings)) {
  HALAB_ASSERT(!rings_.empty());
  for (auto& r : rings_)
    r->set_handler([this](NodeId from, core::ByteView p) {
      if (handler_) handler_(from, p);
    });
}
void RedundantTransport::send_all(core::ByteView payload) {
  for (auto& r : rings_) r->send_all(payload);
}
void RedundantTransport::send_to(NodeId node, core::ByteView payload) {
  for (auto& r : rings_) r->send_to(node, payload);
}

}  // namespace halab::totem
