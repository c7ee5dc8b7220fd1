#pragma once
// Datagram network: UDP unicast, multicast and broadcast.
//
// A socket delivers every received datagram to its handler on the event
// loop. Delivery is best effort in both worlds: loss, duplication and
// reordering are normal and stack code must cope.
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <system_error>
#include <vector>

#include "stack/core/address.hpp"

namespace halab::core {

using Bytes = std::vector<std::uint8_t>;
using ByteView = std::span<const std::uint8_t>;

// Largest datagram either world accepts (IPv4 UDP payload limit).
inline constexpr std::size_t kMaxDatagram = 65507;

using ReceiveHandler = std::function<void(const Endpoint& from, ByteView data)>;

struct BindOptions {
  Endpoint local;              // addr may be any(); port 0 picks a free port
  bool broadcast = false;      // allow sending to broadcast addresses
  bool reuse_address = false;  // several sockets on one port (multicast listeners)
};

class DatagramSocket {
 public:
  virtual ~DatagramSocket() = default;
  virtual Endpoint local_endpoint() const = 0;
  // Never blocks. An error (unreachable, interface down, oversized) is
  // returned, not thrown: the protocol above decides what it means.
  virtual std::error_code send_to(const Endpoint& to, ByteView data) = 0;
  // Joins `group` on the interface holding address `interface_addr`
  // (any() = the default interface); `ttl` applies to what this socket sends
  // to multicast addresses; `loop` delivers our own multicasts back to us.
  virtual std::error_code join_multicast(Ipv4 group, Ipv4 interface_addr, int ttl, bool loop = true) = 0;
};

class Network {
 public:
  virtual ~Network() = default;
  // Throws core::Error naming the endpoint when the bind fails.
  virtual std::unique_ptr<DatagramSocket> bind(const BindOptions& options, ReceiveHandler handler) = 0;
};

}  // namespace halab::core
