// The heartbeat failure detector, run in simnet: peers are seen, lost when
// silent for the timeout, and back when heard again, over every transport.
#include <gtest/gtest.h>

#include "simnet/world.hpp"
#include "stack/heartbeat/heartbeat.hpp"

namespace halab::heartbeat {
namespace {

using namespace std::chrono_literals;
using simnet::at;

struct Lines final : core::LogSink {
  std::vector<std::string> lines;
  void write(const core::LogRecord& r) override { lines.emplace_back(r.message); }
  bool has(const std::string& s) const {
    for (auto& l : lines)
      if (l == s) return true;
    return false;
  }
};

struct Cluster {
  simnet::World world{17};
  std::shared_ptr<Lines> log = std::make_shared<Lines>();
  explicit Cluster(Config::Transport transport, int n = 3) {
    world.add_network("lan", *core::Subnet::parse("10.0.0.0/24"));
    Config cfg;
    cfg.transport = transport;
    cfg.broadcast = core::Ipv4::from_octets(10, 0, 0, 255);
    for (int i = 1; i <= n; ++i)
      cfg.peers.push_back({"n" + std::to_string(i), {core::Ipv4::from_octets(10, 0, 0, i), cfg.port}});
    for (int i = 1; i <= n; ++i)
      world.add_node("n" + std::to_string(i), {core::Ipv4::from_octets(10, 0, 0, i)},
                     [cfg](core::Env& env) { return std::make_unique<Heartbeat>(env, cfg); });
    world.add_log_sink(log);
  }
  Heartbeat& hb(int i) { return *static_cast<Heartbeat*>(world.service(i)); }
};

class HeartbeatTransports : public ::testing::TestWithParam<Config::Transport> {};

TEST_P(HeartbeatTransports, SeenLostAndBack) {
  Cluster c(GetParam());
  c.world.start();
  c.world.run_until(at(1s));
  EXPECT_TRUE(c.log->has("node n1: peer n2 seen"));
  EXPECT_EQ(c.hb(0).state("n3"), Heartbeat::PeerState::alive);
  EXPECT_EQ(c.hb(0).state("n1"), Heartbeat::PeerState::unknown);  // itself: not a peer
  c.world.partition({0}, {1, 2}, false);
  c.world.run_until(at(1400ms));
  EXPECT_EQ(c.hb(0).state("n3"), Heartbeat::PeerState::alive) << "not before the timeout";
  c.world.run_until(at(2s));
  EXPECT_EQ(c.hb(0).state("n3"), Heartbeat::PeerState::lost);
  EXPECT_EQ(c.hb(2).state("n1"), Heartbeat::PeerState::lost);
  EXPECT_EQ(c.hb(2).state("n2"), Heartbeat::PeerState::alive);
  EXPECT_TRUE(c.log->has("node n1: peer n2 lost"));
  EXPECT_FALSE(c.log->has("node n2: peer n3 lost"));
  c.world.heal();
  c.world.run_until(at(3s));
  EXPECT_EQ(c.hb(0).state("n3"), Heartbeat::PeerState::alive);
  EXPECT_TRUE(c.log->has("node n3: peer n1 back"));
  EXPECT_GT(c.hb(1).received(), 0u);
}

INSTANTIATE_TEST_SUITE_P(AllTransports, HeartbeatTransports,
                         ::testing::Values(Config::Transport::unicast, Config::Transport::multicast,
                                           Config::Transport::broadcast));

TEST(Heartbeat, APeerThatNeverAnswersIsLost) {
  Cluster c(Config::Transport::unicast);
  c.world.at(0, [&] { c.world.power_off(2); });
  c.world.start();
  c.world.run_until(at(2s));
  EXPECT_EQ(c.hb(0).state("n3"), Heartbeat::PeerState::lost);
  EXPECT_TRUE(c.log->has("node n1: peer n3 lost"));
}

TEST(Heartbeat, ParsesOnlyItsOwnDatagrams) {
  const core::Bytes good{'H', 'B', '1', 2, 'n', '1', 5, 0, 0, 0, 0, 0, 0, 0};
  std::uint64_t seq = 0;
  EXPECT_EQ(parse_heartbeat(good, &seq), "n1");
  EXPECT_EQ(seq, 5u);
  EXPECT_EQ(parse_heartbeat(core::Bytes{'H', 'B', '1', 9, 'n'}), "");
  EXPECT_EQ(parse_heartbeat(core::Bytes{'X', 'B', '1', 1, 'n', 0, 0, 0, 0, 0, 0, 0, 0}), "");
  EXPECT_EQ(parse_heartbeat(core::Bytes{}), "");
}

}  // namespace
}  // namespace halab::heartbeat
