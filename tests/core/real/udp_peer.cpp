// A second process for the UDP tests: answers unicast pings and multicast
// pings, through the real world's UdpNetwork.
//
//   udp_peer TEST_PORT GROUP MCAST_PORT
// Sends "hello" to 127.0.0.1:TEST_PORT from its unicast socket; answers
// "ping N" with "pong N" (unicast) and "mping N" on GROUP:MCAST_PORT with
// "mpong N" (multicast); exits 0 on "quit", 2 after 10 s without one.
#include <boost/asio/io_context.hpp>
#include <cstdio>
#include <string>

#include "stack/core/real/real_clock.hpp"
#include "stack/core/real/udp_network.hpp"

using namespace halab::core;
using namespace std::chrono_literals;

namespace {
ByteView bytes(const std::string& s) { return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }
std::string text(ByteView b) { return std::string(b.begin(), b.end()); }
}  // namespace

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: udp_peer TEST_PORT GROUP MCAST_PORT\n");
    return 64;
  }
  const Endpoint test{Ipv4::loopback(), static_cast<std::uint16_t>(std::stoi(argv[1]))};
  const auto group = Ipv4::parse(argv[2]);
  const auto mcast_port = static_cast<std::uint16_t>(std::stoi(argv[3]));
  if (!group) return 64;

  boost::asio::io_context io;
  real::RealClock clock(io);
  real::UdpNetwork net(io);
  int rc = 2;
  // Handlers run on the loop, after bind() has returned, so they can use
  // the sockets they belong to.
  std::unique_ptr<DatagramSocket> uni, mc;

  uni = net.bind({.local = {Ipv4::loopback(), 0}}, [&](const Endpoint& from, ByteView data) {
    const std::string msg = text(data);
    std::printf("unicast %s from %s\n", msg.c_str(), from.to_string().c_str());
    if (msg.rfind("ping ", 0) == 0) {
      uni->send_to(from, bytes("pong " + msg.substr(5)));
    } else if (msg == "quit") {
      rc = 0;
      io.stop();
    }
  });
  mc = net.bind({.local = {Ipv4::any(), mcast_port}, .reuse_address = true}, [&](const Endpoint& from, ByteView data) {
    const std::string msg = text(data);
    std::printf("multicast %s from %s\n", msg.c_str(), from.to_string().c_str());
    if (msg.rfind("mping ", 0) == 0) {
      const std::string reply = "m" + std::string("pong ") + msg.substr(6);
      if (auto ec = mc->send_to({*group, mcast_port}, bytes(reply))) std::printf("send failed: %s\n", ec.message().c_str());
    }
  });
  if (auto ec = mc->join_multicast(*group, Ipv4::loopback(), 1, true)) {
    std::printf("join failed: %s\n", ec.message().c_str());
    return 3;
  }
  std::fflush(stdout);
  uni->send_to(test, bytes("hello"));
  clock.schedule(10s, [&] { io.stop(); });
  io.run();
  std::fflush(stdout);
  return rc;
}
