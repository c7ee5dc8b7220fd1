#pragma once
// A minimal failure detector: each node sends a heartbeat datagram to its
// peers every `period` and calls a peer lost when it has heard nothing from
// it for `timeout`. It logs (subsystem "heartbeat"):
//   notice "node X: peer Y lost"   info "node X: peer Y seen" (first contact)
//   notice "node X: peer Y back"
// Stack code: it reaches the world only through core::Env. Totem replaces it.
#include <memory>
#include <string>
#include <vector>

#include "stack/core/env.hpp"

namespace halab::heartbeat {

struct Peer {
  std::string name;
  core::Endpoint endpoint;  // where its heartbeats are sent (unicast) / come from
};

struct Config {
  enum class Transport { unicast, multicast, broadcast };
  std::vector<Peer> peers;  // may include this node; it is skipped
  core::Ipv4 bind_addr;     // any() by default
  std::uint16_t port = 5405;
  core::Duration period = std::chrono::milliseconds(100);
  core::Duration timeout = std::chrono::milliseconds(500);
  Transport transport = Transport::unicast;
  core::Ipv4 group = core::Ipv4::from_octets(239, 192, 0, 1);  // multicast group
  core::Ipv4 broadcast = core::Ipv4{0xffffffffu};               // broadcast address
};

class Heartbeat final : public core::Service {
 public:
  enum class PeerState { unknown, alive, lost };

  Heartbeat(core::Env& env, Config config);
  ~Heartbeat() override;

  PeerState state(const std::string& peer) const;
  std::uint64_t sent() const { return sent_; }
  std::uint64_t received() const { return received_; }

 private:
  struct Tracked {
    Peer peer;
    PeerState state = PeerState::unknown;
    core::Instant last_heard{};
  };
  void tick();
  void on_datagram(const core::Endpoint& from, core::ByteView data);

  core::Env& env_;
  Config config_;
  core::Log log_;
  std::unique_ptr<core::DatagramSocket> socket_;
  core::Timer timer_;
  std::vector<Tracked> peers_;
  core::Bytes message_;
  std::size_t seq_offset_ = 0;
  std::uint64_t seq_ = 0, sent_ = 0, received_ = 0;
  core::Instant started_;
};

// Parses one heartbeat datagram; returns the sender's name, or "" when it is not one.
std::string_view parse_heartbeat(core::ByteView data, std::uint64_t* seq = nullptr);

}  // namespace halab::heartbeat
