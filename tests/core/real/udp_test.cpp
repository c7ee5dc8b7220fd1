#include "stack/core/real/udp_network.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>

#include "stack/core/error.hpp"
#include "stack/core/real/real_world.hpp"
#include "stack/core/real/real_clock.hpp"
#include "tests/core/real/test_util.hpp"

namespace halab::core::real {
namespace {

using namespace std::chrono_literals;
using testing::TempDir;

ByteView bytes(const std::string& s) { return ByteView(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()); }
std::string text(ByteView b) { return std::string(b.begin(), b.end()); }

struct Received {
  Endpoint from;
  std::string data;
};

// Runs `io` until `done()` or 5 s: every wait in these tests is bounded.
template <class Pred>
void run_until(boost::asio::io_context& io, Pred done) {
  const auto limit = std::chrono::steady_clock::now() + 5s;
  while (!done() && std::chrono::steady_clock::now() < limit) {
    io.restart();
    io.run_for(10ms);
  }
}

TEST(UdpNetwork, UnicastOnLoopbackReportsTheSender) {
  boost::asio::io_context io;
  UdpNetwork net(io);
  std::vector<Received> got;
  auto a = net.bind({.local = {Ipv4::loopback(), 0}}, [&](const Endpoint& from, ByteView d) {
    got.push_back({from, text(d)});
  });
  auto b = net.bind({.local = {Ipv4::loopback(), 0}}, [](const Endpoint&, ByteView) {});
  ASSERT_NE(a->local_endpoint().port, 0) << "port 0 must pick an ephemeral port";
  EXPECT_EQ(a->local_endpoint().addr, Ipv4::loopback());
  ASSERT_FALSE(b->send_to(a->local_endpoint(), bytes("one")));
  ASSERT_FALSE(b->send_to(a->local_endpoint(), bytes(std::string(60000, 'x'))));
  ASSERT_FALSE(b->send_to(a->local_endpoint(), bytes("")));
  run_until(io, [&] { return got.size() >= 3; });
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0].data, "one");
  EXPECT_EQ(got[0].from, b->local_endpoint());
  EXPECT_EQ(got[1].data.size(), 60000u);
  EXPECT_EQ(got[2].data, "");
}

TEST(UdpNetwork, OversizedDatagramIsAnErrorNotAThrow) {
  boost::asio::io_context io;
  UdpNetwork net(io);
  auto a = net.bind({.local = {Ipv4::loopback(), 0}}, [](const Endpoint&, ByteView) {});
  std::vector<std::uint8_t> big(kMaxDatagram + 1);
  EXPECT_EQ(a->send_to(a->local_endpoint(), big), std::make_error_code(std::errc::message_size));
}

TEST(UdpNetwork, BindConflictThrowsAnErrorNamingTheEndpoint) {
  boost::asio::io_context io;
  UdpNetwork net(io);
  auto a = net.bind({.local = {Ipv4::loopback(), 0}}, [](const Endpoint&, ByteView) {});
  const Endpoint taken = a->local_endpoint();
  try {
    net.bind({.local = taken}, [](const Endpoint&, ByteView) {});
    FAIL() << "second bind to " << taken.to_string() << " succeeded";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(taken.to_string()), std::string::npos) << e.what();
    EXPECT_EQ(e.code(), std::errc::address_in_use) << e.what();
  }
  // An address this host does not have.
  EXPECT_THROW(net.bind({.local = {*Ipv4::parse("203.0.113.77"), 0}}, [](const Endpoint&, ByteView) {}), Error);
}

TEST(UdpNetwork, ReuseAddressLetsTwoSocketsShareAPort) {
  boost::asio::io_context io;
  UdpNetwork net(io);
  auto a = net.bind({.local = {Ipv4::any(), 0}, .reuse_address = true}, [](const Endpoint&, ByteView) {});
  const auto port = a->local_endpoint().port;
  EXPECT_NO_THROW(net.bind({.local = {Ipv4::any(), port}, .reuse_address = true}, [](const Endpoint&, ByteView) {}));
}

TEST(UdpNetwork, BroadcastNeedsTheOption) {
  boost::asio::io_context io;
  UdpNetwork net(io);
  std::vector<Received> got;
  auto rx = net.bind({.local = {Ipv4::any(), 0}}, [&](const Endpoint& from, ByteView d) {
    got.push_back({from, text(d)});
  });
  // lo's broadcast address (127.255.255.255 in the local routing table).
  const Endpoint bcast{*Ipv4::parse("127.255.255.255"), rx->local_endpoint().port};
  auto plain = net.bind({.local = {Ipv4::loopback(), 0}}, [](const Endpoint&, ByteView) {});
  EXPECT_EQ(plain->send_to(bcast, bytes("denied")), std::errc::permission_denied);
  auto allowed = net.bind({.local = {Ipv4::any(), 0}, .broadcast = true}, [](const Endpoint&, ByteView) {});
  ASSERT_FALSE(allowed->send_to(bcast, bytes("allowed")));
  run_until(io, [&] { return !got.empty(); });
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].data, "allowed");
}

TEST(UdpNetwork, HandlerMayDestroyItsOwnSocket) {
  boost::asio::io_context io;
  UdpNetwork net(io);
  std::unique_ptr<DatagramSocket> a;
  int calls = 0;
  a = net.bind({.local = {Ipv4::loopback(), 0}}, [&](const Endpoint&, ByteView) {
    ++calls;
    a.reset();
  });
  auto b = net.bind({.local = {Ipv4::loopback(), 0}}, [](const Endpoint&, ByteView) {});
  const Endpoint to = a->local_endpoint();
  b->send_to(to, bytes("1"));
  b->send_to(to, bytes("2"));
  run_until(io, [&] { return calls > 0; });
  io.restart();
  io.run_for(20ms);
  EXPECT_EQ(calls, 1);
  EXPECT_FALSE(a);
}

// Like simnet: a socket gets the groups it joined, not those that another
// socket on the same port joined.
TEST(UdpNetwork, MulticastReachesOnlySocketsThatJoined) {
  boost::asio::io_context io;
  UdpNetwork net(io);
  const Ipv4 group = Ipv4::from_octets(239, 193, static_cast<std::uint8_t>(::getpid() >> 8),
                                       static_cast<std::uint8_t>(::getpid()));
  std::vector<std::string> joined_got, other_got;
  auto joined = net.bind({.local = {Ipv4::any(), 0}, .reuse_address = true},
                         [&](const Endpoint&, ByteView d) { joined_got.push_back(text(d)); });
  const std::uint16_t port = joined->local_endpoint().port;
  auto other = net.bind({.local = {Ipv4::any(), port}, .reuse_address = true},
                        [&](const Endpoint&, ByteView d) { other_got.push_back(text(d)); });
  if (auto ec = joined->join_multicast(group, Ipv4::loopback(), 1, true))
    GTEST_SKIP() << "multicast on loopback is not available here: " << ec.message();
  EXPECT_EQ(joined->join_multicast(Ipv4::loopback(), Ipv4::loopback(), 1), std::errc::invalid_argument);
  ASSERT_FALSE(joined->send_to({group, port}, bytes("to the group")));
  run_until(io, [&] { return !joined_got.empty(); });
  io.restart();
  io.run_for(20ms);
  EXPECT_EQ(joined_got, std::vector<std::string>{"to the group"});  // loop = true: our own multicast
  EXPECT_EQ(other_got, std::vector<std::string>{});
}

// The acceptance test: two processes exchange unicast and multicast
// datagrams on loopback. The peer is a separate program (udp_peer) started
// through the real ChildProcesses.
TEST(UdpNetwork, TwoProcessesExchangeUnicastAndMulticast) {
  TempDir dir;
  RealWorld world({.node = "test", .state_dir = dir.path(), .seed = 1});
  auto& net = world.network();
  const Ipv4 group = Ipv4::from_octets(239, 192, static_cast<std::uint8_t>(::getpid() >> 8),
                                       static_cast<std::uint8_t>(::getpid()));

  std::unique_ptr<DatagramSocket> uni, mc;
  Endpoint peer{};
  bool got_hello = false, got_pong = false, got_mpong = false;
  std::vector<std::string> log;
  mc = net.bind({.local = {Ipv4::any(), 0}, .reuse_address = true}, [&](const Endpoint& from, ByteView d) {
    log.push_back("multicast " + text(d) + " from " + from.to_string());
    if (text(d) == "mpong 1" && from.addr == Ipv4::loopback()) {
      got_mpong = true;
      uni->send_to(peer, bytes("quit"));
    }
  });
  const std::uint16_t mport = mc->local_endpoint().port;
  if (auto ec = mc->join_multicast(group, Ipv4::loopback(), 1, true))
    GTEST_SKIP() << "cannot join " << group.to_string() << " on 127.0.0.1 (" << ec.message()
                 << "): multicast on loopback is not available here";

  uni = net.bind({.local = {Ipv4::loopback(), 0}}, [&](const Endpoint& from, ByteView d) {
    log.push_back("unicast " + text(d) + " from " + from.to_string());
    if (text(d) == "hello") {
      got_hello = true;
      peer = from;
      uni->send_to(peer, bytes("ping 1"));
    } else if (text(d) == "pong 1" && from == peer) {
      got_pong = true;
      mc->send_to({group, mport}, bytes("mping 1"));
    }
  });

  std::optional<ProcessResult> result;
  world.processes().spawn(
      {.argv = {UDP_PEER_PROGRAM, std::to_string(uni->local_endpoint().port), group.to_string(), std::to_string(mport)},
       .timeout = 15s},
      [&](ProcessResult r) {
        result = std::move(r);
        world.stop();
      });
  world.run_for(20s);

  std::string trace;
  for (auto& l : log) trace += "  " + l + "\n";
  ASSERT_TRUE(result.has_value()) << "peer did not finish\n" << trace;
  SCOPED_TRACE("test saw:\n" + trace + "peer said:\n" + result->out + result->err);
  EXPECT_TRUE(got_hello);
  EXPECT_TRUE(got_pong);
  EXPECT_TRUE(got_mpong) << "no multicast answer from the peer process";
  EXPECT_EQ(result->end, ProcessResult::End::exited);
  EXPECT_EQ(result->exit_code, 0);
  EXPECT_NE(result->out.find("unicast ping 1 from 127.0.0.1:" + std::to_string(uni->local_endpoint().port)),
            std::string::npos);
  EXPECT_NE(result->out.find("multicast mping 1 from 127.0.0.1:" + std::to_string(mport)), std::string::npos)
      << "the peer did not receive our multicast";
}

}  // namespace
}  // namespace halab::core::real
