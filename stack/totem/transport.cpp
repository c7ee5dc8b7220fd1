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
  if (cfg_.block_unlisted && cfg_.mode == UdpTransportConfig::Mode::unicast) {
    bool listed = false;
    for (const auto& [id, addr] : cfg_.peers) listed = listed || addr == from.addr;
    if (!listed) {
      if (unlisted_drops_++ == 0) log_.warning("dropping datagrams from {}: not in the nodelist (block_unlisted_ips)",
                                               from.addr.to_string());
      return;
    }
  }
  auto opened = crypto_.open(data);
  if (!opened) return;  // counted by PacketCrypto
  if (from.addr == cfg_.local_addr && from.port == cfg_.port - 1) return;  // our own multicast, looped back
  if (cfg_.mode != UdpTransportConfig::Mode::unicast) cfg_.peers[opened->sender] = from.addr;
  if (handler_) handler_(opened->sender, opened->payload);
}

RedundantTransport::RedundantTransport(std::vector<std::unique_ptr<Transport>> rings)
    : rings_(std::move(rings)), faults_(int(std::max<std::size_t>(rings_.size(), 1)), {}) {
  HALAB_ASSERT(!rings_.empty());
  for (std::size_t i = 0; i < rings_.size(); ++i)
    rings_[i]->set_handler([this, i](NodeId from, core::ByteView p) { receive(int(i), from, p); });
}

RedundantTransport::RedundantTransport(std::vector<std::unique_ptr<Transport>> rings, core::Clock& clock,
                                       core::Duration check_interval, RingFaultOptions options, core::Log log)
    : RedundantTransport(std::move(rings)) {
  HALAB_ASSERT(check_interval > core::Duration::zero());
  faults_ = RingFaultDetector(int(rings_.size()), options);
  log_.emplace(std::move(log));
  interval_ = check_interval;
  timer_ = std::make_unique<core::Timer>(clock);
  timer_->arm(interval_, [this] { check(); });
}

void RedundantTransport::receive(int ring, NodeId from, core::ByteView payload) {
  faults_.heard(ring, from);
  if (payload.empty()) return;  // a probe of a FAULTY ring
  if (handler_) handler_(from, payload);
}

void RedundantTransport::check() {
  const auto changes = faults_.check();
  for (int r : changes.marked)
    if (log_) log_->error("Marking ringid {} FAULTY: it stopped carrying what the other rings carry", r);
  for (int r : changes.recovered)
    if (log_) log_->notice("ringid {} carries again: back in use", r);
  for (std::size_t i = 0; i < rings_.size(); ++i)
    if (faults_.faulty(int(i))) rings_[i]->send_all({});
  timer_->arm(interval_, [this] { check(); });
}

void RedundantTransport::reset_rings() {
  faults_.reset();
  if (log_) log_->notice("ring state reset: every ring active");
}

void RedundantTransport::send_all(core::ByteView payload) {
  for (std::size_t i = 0; i < rings_.size(); ++i)
    if (!faults_.faulty(int(i))) rings_[i]->send_all(payload);
}
void RedundantTransport::send_to(NodeId node, core::ByteView payload) {
  for (std::size_t i = 0; i < rings_.size(); ++i)
    if (!faults_.faulty(int(i))) rings_[i]->send_to(node, payload);
}

}  // namespace halab::totem
