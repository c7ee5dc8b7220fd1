#pragma once
// The real world's datagram network: IPv4 UDP sockets on the io_context,
// with unicast, multicast (join, interface, ttl, loop) and broadcast.
#include <boost/asio/io_context.hpp>

#include "stack/core/network.hpp"

namespace halab::core::real {

class UdpNetwork final : public Network {
 public:
  explicit UdpNetwork(boost::asio::io_context& io) : io_(&io) {}

  // Binds a non-blocking socket and starts receiving at once: every datagram
  // reaches `handler` on the io_context. Throws core::Error naming the
  // endpoint when the socket cannot be opened, configured or bound.
  std::unique_ptr<DatagramSocket> bind(const BindOptions& options, ReceiveHandler handler) override;

 private:
  boost::asio::io_context* io_;
};

}  // namespace halab::core::real
