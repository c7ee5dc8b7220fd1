#include "stack/core/real/udp_network.hpp"

#include <netinet/in.h>
#include <sys/socket.h>

#include <boost/asio/ip/multicast.hpp>
#include <cerrno>
#include <boost/asio/ip/udp.hpp>

#include "stack/core/assert.hpp"
#include "stack/core/error.hpp"

namespace halab::core::real {

namespace asio = boost::asio;
using asio::ip::udp;

namespace {

asio::ip::address_v4 to_asio(Ipv4 a) { return asio::ip::address_v4(a.value); }
udp::endpoint to_asio(const Endpoint& e) { return udp::endpoint(to_asio(e.addr), e.port); }
Endpoint from_asio(const udp::endpoint& e) {
  return Endpoint{Ipv4{e.address().is_v4() ? e.address().to_v4().to_uint() : 0}, e.port()};
}
std::error_code to_std(const boost::system::error_code& ec) {
  // Boost 1.74's error_code does not convert to std::error_code; system
  // errors carry errno values, which std::system_category shares.
  if (!ec) return {};
  if (ec.category() == boost::system::system_category()) return {ec.value(), std::system_category()};
  if (ec == asio::error::would_block) return std::make_error_code(std::errc::operation_would_block);
  return std::make_error_code(std::errc::io_error);
}

// Shared with the pending receive, which may complete after the socket
// object is gone; `closed` then stops delivery.
struct SocketState {
  SocketState(asio::io_context& io, ReceiveHandler h) : socket(io), handler(std::move(h)) {}
  udp::socket socket;
  ReceiveHandler handler;
  std::vector<std::uint8_t> buffer = std::vector<std::uint8_t>(kMaxDatagram + 1);
  udp::endpoint from;
  bool closed = false;
};

void receive_next(const std::shared_ptr<SocketState>& state) {
  state->socket.async_receive_from(
      asio::buffer(state->buffer), state->from,
      [state](const boost::system::error_code& ec, std::size_t n) {
        if (state->closed || ec == asio::error::operation_aborted || ec == asio::error::bad_descriptor) return;
        // Other errors (a queued ICMP error, a truncated read) concern one
        // datagram; the socket itself still works.
        if (!ec && n <= kMaxDatagram) state->handler(from_asio(state->from), ByteView(state->buffer.data(), n));
        if (!state->closed) receive_next(state);
      });
}

class UdpSocket final : public DatagramSocket {
 public:
  explicit UdpSocket(std::shared_ptr<SocketState> state) : state_(std::move(state)) {}
  ~UdpSocket() override {
    state_->closed = true;
    boost::system::error_code ignored;
    state_->socket.close(ignored);
  }

  Endpoint local_endpoint() const override {
    boost::system::error_code ec;
    auto e = state_->socket.local_endpoint(ec);
    return ec ? Endpoint{} : from_asio(e);
  }

  std::error_code send_to(const Endpoint& to, ByteView data) override {
    if (data.size() > kMaxDatagram) return std::make_error_code(std::errc::message_size);
    boost::system::error_code ec;
    state_->socket.send_to(asio::buffer(data.data(), data.size()), to_asio(to), 0, ec);
    return to_std(ec);
  }

  std::error_code join_multicast(Ipv4 group, Ipv4 interface_addr, int ttl, bool loop) override {
    if (!group.is_multicast()) return std::make_error_code(std::errc::invalid_argument);
    if (ttl < 0 || ttl > 255) return std::make_error_code(std::errc::invalid_argument);
    boost::system::error_code ec;
    auto& s = state_->socket;
    s.set_option(asio::ip::multicast::join_group(to_asio(group), to_asio(interface_addr)), ec);
    if (ec) return to_std(ec);
    if (!interface_addr.is_any()) {
      s.set_option(asio::ip::multicast::outbound_interface(to_asio(interface_addr)), ec);
      if (ec) return to_std(ec);
    }
    s.set_option(asio::ip::multicast::hops(ttl), ec);
    if (ec) return to_std(ec);
    s.set_option(asio::ip::multicast::enable_loopback(loop), ec);
    return to_std(ec);
  }

 private:
  std::shared_ptr<SocketState> state_;
};

}  // namespace

std::unique_ptr<DatagramSocket> UdpNetwork::bind(const BindOptions& options, ReceiveHandler handler) {
  HALAB_ASSERT_MSG(handler, "bind() needs a receive handler");
  auto state = std::make_shared<SocketState>(*io_, std::move(handler));
  auto& s = state->socket;
  const std::string where = "UDP " + options.local.to_string();
  boost::system::error_code ec;
  auto fail = [&](const char* step) {
    throw Error("cannot " + std::string(step) + " " + where, to_std(ec));
  };
  s.open(udp::v4(), ec);
  if (ec) fail("open socket for");
  if (options.reuse_address) {
    s.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) fail("set SO_REUSEADDR on");
  }
  if (options.broadcast) {
    s.set_option(asio::socket_base::broadcast(true), ec);
    if (ec) fail("set SO_BROADCAST on");
  }
#ifdef IP_MULTICAST_ALL
  // A socket receives the multicast groups it joined, not every group some
  // other socket on the host joined on the same port (Linux's default):
  // what simnet models, and what keeps two rings on one port apart.
  const int all = 0;
  if (::setsockopt(s.native_handle(), IPPROTO_IP, IP_MULTICAST_ALL, &all, sizeof all) != 0) {
    ec.assign(errno, boost::system::system_category());
    fail("set IP_MULTICAST_ALL on");
  }
#endif
  s.non_blocking(true, ec);  // send_to() must never block
  if (ec) fail("make non-blocking");
  s.bind(to_asio(options.local), ec);
  if (ec) fail("bind");
  receive_next(state);
  return std::make_unique<UdpSocket>(std::move(state));
}

}  // namespace halab::core::real
