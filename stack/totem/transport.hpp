#pragma once
// Totem's transports over core::Network: IP multicast (udp), broadcast, and
// unicast to every node of the node list (udpu). Every packet is sealed and
// opened by PacketCrypto; what fails to open is dropped and counted there.
//
// Ports follow corosync: multicast and broadcast arrive on mcastport; unicast
// traffic (the token, the commit token, and everything with udpu) goes to
// mcastport - 1, so several nodes can share one host (127.0.0.x).
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "stack/core/clock.hpp"
#include "stack/core/log.hpp"
#include "stack/core/network.hpp"
#include "stack/totem/crypto.hpp"
#include "stack/totem/ring_faults.hpp"
#include "stack/totem/wire.hpp"

namespace halab::totem {

class Transport {
 public:
  using Handler = std::function<void(NodeId from, core::ByteView payload)>;
  virtual ~Transport() = default;
  virtual void send_all(core::ByteView payload) = 0;
  virtual void send_to(NodeId node, core::ByteView payload) = 0;
  void set_handler(Handler h) { handler_ = std::move(h); }

 protected:
  Handler handler_;
};

struct UdpTransportConfig {
  enum class Mode { multicast, broadcast, unicast };
  Mode mode = Mode::multicast;
  core::Ipv4 local_addr;
  std::uint16_t port = 5405;  // mcastport
  core::Ipv4 mcast_group;
  int ttl = 1;
  core::Ipv4 broadcast_addr{0xffffffffu};
  std::map<NodeId, core::Ipv4> peers;  // the node list; learned from traffic otherwise
  // udpu: drop datagrams whose source is no address of the node list
  // (corosync's block_unlisted_ips), before any decryption work.
  bool block_unlisted = false;
};

class UdpTransport : public Transport {
 public:
  // Throws core::Error when a socket cannot be bound.
  UdpTransport(core::Network& net, PacketCrypto& crypto, UdpTransportConfig cfg, core::Log log);
  void send_all(core::ByteView payload) override;
  void send_to(NodeId node, core::ByteView payload) override;
  std::uint64_t send_errors() const { return send_errors_; }
  std::uint64_t unlisted_drops() const { return unlisted_drops_; }
  const std::map<NodeId, core::Ipv4>& peers() const { return cfg_.peers; }

 private:
  void receive(const core::Endpoint& from, core::ByteView data);
  void send(const core::Endpoint& to, const core::Bytes& sealed);

  core::Network& net_;
  PacketCrypto& crypto_;
  UdpTransportConfig cfg_;
  core::Log log_;
  std::unique_ptr<core::DatagramSocket> unicast_;
  std::unique_ptr<core::DatagramSocket> group_;  // multicast or broadcast reception
  std::uint64_t send_errors_ = 0;
  std::uint64_t unlisted_drops_ = 0;
};

// Two rings: every packet goes out on both (corosync's rrp "active" mode), and
// the receiving side takes whichever copy arrives first (Totem discards the
// other as a duplicate), so losing one ring loses nothing. With a clock, a
// ring that stops carrying what the others carry is marked FAULTY
// (ring_faults.hpp): only an empty probe per check goes on it (the receiving
// side counts probes and never passes them up) until it carries again or
// reset_rings().
class RedundantTransport : public Transport {
 public:
  RedundantTransport(std::vector<std::unique_ptr<Transport>> rings);
  // With fault marking, checked every `check_interval` (token_retransmit).
  RedundantTransport(std::vector<std::unique_ptr<Transport>> rings, core::Clock& clock, core::Duration check_interval,
                     RingFaultOptions options, core::Log log);
  void send_all(core::ByteView payload) override;
  void send_to(NodeId node, core::ByteView payload) override;

  std::vector<RingStatus> ring_status() const { return faults_.status(); }
  // corosync-cfgtool -r: every ring active again.
  void reset_rings();

 private:
  void receive(int ring, NodeId from, core::ByteView payload);
  void check();

  std::vector<std::unique_ptr<Transport>> rings_;
  RingFaultDetector faults_;
  std::optional<core::Log> log_;
  std::unique_ptr<core::Timer> timer_;
  core::Duration interval_{};
};

}  // namespace halab::totem
