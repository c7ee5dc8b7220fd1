#include "stack/totem/srp.hpp"

#include <gtest/gtest.h>

#include <set>

#include "tests/totem/checks.hpp"
#include "tests/totem/cluster.hpp"

using namespace halab;
using namespace std::chrono_literals;
using fake::Cluster;
using fake::ClusterOptions;
using totem::NodeId;

namespace {

void check_order(Cluster& c) { EXPECT_EQ(fake::check_all(c), ""); }

core::Bytes msg(const std::string& s) { return core::Bytes(s.begin(), s.end()); }

std::size_t delivered_in_last(Cluster& c, NodeId id) {
  auto& e = c.node(id).epochs;
  return e.empty() ? 0 : e.back().delivered.size();
}

ClusterOptions opts(int n) {
  ClusterOptions o;
  o.nodes = n;
  o.srp.token = 1000ms;
  o.srp.token_retransmit = 238ms;
  o.srp.consensus = 1200ms;
  return o;
}

}  // namespace

TEST(Srp, ThreeNodesFormOneRingAndDeliverInAgreedOrder) {
  Cluster c(opts(3));
  c.start_all();
  ASSERT_TRUE(c.run_until_formed({1, 2, 3}, 10s));
  const auto ring = c.node(1).srp->ring_id();
  EXPECT_EQ(ring.rep, 1u);
  for (int k = 0; k < 50; ++k)
    for (NodeId id = 1; id <= 3; ++id) ASSERT_TRUE(c.node(id).srp->mcast(msg(std::to_string(id) + ":" + std::to_string(k))));
  c.clock.run_for(3s);
  for (NodeId id = 1; id <= 3; ++id) EXPECT_EQ(delivered_in_last(c, id), 150u) << "node " << id;
  check_order(c);
  // Each sender's messages arrive in the order it sent them.
  std::vector<int> next(4, 0);
  for (auto& d : c.node(2).epochs.back().delivered) {
    const int sender = d.payload[0] - '0';
    EXPECT_EQ(d.payload, std::to_string(sender) + ":" + std::to_string(next[sender]++));
  }
  EXPECT_EQ(c.node(1).srp->ring_id(), ring) << "an idle, healthy ring must stay as it is";
}

TEST(Srp, OneNodeRingDeliversToItself) {
  Cluster c(opts(1));
  c.start_all();
  ASSERT_TRUE(c.run_until_formed({1}, 5s));
  c.node(1).srp->mcast(msg("alone"));
  c.clock.run_for(1s);
  ASSERT_EQ(delivered_in_last(c, 1), 1u);
  EXPECT_EQ(c.node(1).epochs.back().delivered[0].payload, "alone");
}

TEST(Srp, LargestMessageCrossesTheNetworkAndLargerIsRefused) {
  Cluster c(opts(2));
  c.start_all();
  ASSERT_TRUE(c.run_until_formed({1, 2}, 5s));
  EXPECT_FALSE(c.node(1).srp->mcast(core::Bytes(totem::Srp::kMaxMessage + 1, 'x')));  // would not fit a datagram
  EXPECT_TRUE(c.node(1).srp->mcast(core::Bytes(totem::Srp::kMaxMessage, 'x')));
  c.clock.run_for(1s);
  ASSERT_EQ(delivered_in_last(c, 2), 1u);
  EXPECT_EQ(c.node(2).epochs.back().delivered[0].payload.size(), totem::Srp::kMaxMessage);
}

TEST(Srp, CrashedNodeIsDetectedAndSurvivorsKeepOrder) {
  Cluster c(opts(3));
  c.start_all();
  ASSERT_TRUE(c.run_until_formed({1, 2, 3}, 10s));
  for (int k = 0; k < 30; ++k)
    for (NodeId id = 1; id <= 3; ++id) c.node(id).srp->mcast(msg(std::to_string(id) + ":" + std::to_string(k)));
  c.clock.run_for(2ms);  // part of them are out
  const auto crash_at = c.clock.now();
  c.stop(3);
  // Bound: token loss (token) + consensus + a few join periods and token rotations.
  ASSERT_TRUE(c.run_until_formed({1, 2}, 1000ms + 1200ms + 500ms));
  const auto detection = c.clock.now() - crash_at;
  EXPECT_GE(detection, 1000ms) << "membership changed before the token timeout";
  c.clock.run_for(2s);
  check_order(c);
  // The survivors' transitional configuration is the two of them.
  auto& e1 = c.node(1).epochs;
  ASSERT_GE(e1.size(), 2u);
  EXPECT_EQ(e1[e1.size() - 2].transitional, (std::vector<NodeId>{1, 2}));
  EXPECT_EQ(e1.back().members, (std::vector<NodeId>{1, 2}));
  // Everything node 1 and 2 queued was delivered, in the old ring or the new.
  std::size_t n1 = 0;
  for (auto& e : e1) n1 += e.delivered.size();
  EXPECT_GE(n1, 60u);
}

TEST(Srp, PartitionFormsTwoRingsAndHealingMergesThem) {
  Cluster c(opts(3));
  c.start_all();
  ASSERT_TRUE(c.run_until_formed({1, 2, 3}, 10s));
  c.partition({{1, 2}, {3}});
  ASSERT_TRUE(c.clock.run_until_true([&] { return c.formed({1, 2}) && c.formed({3}); }, 5s));
  c.node(1).srp->mcast(msg("left side"));
  c.node(3).srp->mcast(msg("right side"));
  c.clock.run_for(1s);
  EXPECT_EQ(c.node(2).epochs.back().delivered.back().payload, "left side");
  EXPECT_EQ(c.node(3).epochs.back().delivered.back().payload, "right side");
  c.heal();
  ASSERT_TRUE(c.run_until_formed({1, 2, 3}, 5s));
  c.node(3).srp->mcast(msg("together"));
  c.clock.run_for(1s);
  for (NodeId id = 1; id <= 3; ++id) EXPECT_EQ(c.node(id).epochs.back().delivered.back().payload, "together");
  check_order(c);
}

TEST(Srp, LossyLinksStillDeliverEverythingInOneOrder) {
  Cluster c(opts(4));
  c.set_loss(0.15);
  c.start_all();
  ASSERT_TRUE(c.run_until_formed({1, 2, 3, 4}, 30s));
  for (int k = 0; k < 40; ++k)
    for (NodeId id = 1; id <= 4; ++id) c.node(id).srp->mcast(msg(std::to_string(id) + ":" + std::to_string(k)));
  ASSERT_TRUE(c.clock.run_until_true(
      [&] {
        for (NodeId id = 1; id <= 4; ++id) {
          std::size_t n = 0;
          for (auto& e : c.node(id).epochs) n += e.delivered.size();
          if (n < 160) return false;
        }
        return true;
      },
      60s));
  check_order(c);
  EXPECT_GT(c.node(1).srp->stats().retransmitted + c.node(2).srp->stats().retransmitted +
                c.node(3).srp->stats().retransmitted + c.node(4).srp->stats().retransmitted,
            0u);
}

TEST(Srp, FlowControlBoundsWhatOneTokenVisitSends) {
  auto o = opts(2);
  o.srp.max_messages = 5;
  o.srp.window_size = 8;
  Cluster c(o);
  c.start_all();
  ASSERT_TRUE(c.run_until_formed({1, 2}, 5s));
  std::size_t max_burst = 0, last = 0;
  c.net.tap = [&](const core::Endpoint&, const core::Endpoint&, core::ByteView) {};
  for (int k = 0; k < 200; ++k) c.node(1).srp->mcast(msg("m" + std::to_string(k)));
  // Sample the sent counter at every token the node accepts.
  std::uint64_t tokens = c.node(1).srp->stats().tokens;
  ASSERT_TRUE(c.clock.run_until_true(
      [&] {
        auto& s = c.node(1).srp->stats();
        if (s.tokens != tokens) {
          max_burst = std::max<std::size_t>(max_burst, s.mcasts_sent - last);
          last = s.mcasts_sent;
          tokens = s.tokens;
        }
        return delivered_in_last(c, 2) == 200;
      },
      30s));
  EXPECT_LE(max_burst, 5u);
  EXPECT_GE(max_burst, 1u);
  check_order(c);
}

TEST(Srp, WrongKeyNodeNeverJoinsNorDisturbs) {
  Cluster c(opts(4));
  for (NodeId id = 1; id <= 3; ++id) c.start(id);
  ASSERT_TRUE(c.run_until_formed({1, 2, 3}, 10s));
  const auto ring = c.node(1).srp->ring_id();
  const auto formed = c.node(1).srp->stats().rings_formed;
  c.start(4, core::Bytes(256, 0x11));
  c.clock.run_for(10s);
  EXPECT_TRUE(c.formed({1, 2, 3}));
  EXPECT_EQ(c.node(1).srp->ring_id(), ring);
  EXPECT_EQ(c.node(1).srp->stats().rings_formed, formed);
  EXPECT_EQ(c.node(4).srp->members(), (std::vector<NodeId>{4}));
  EXPECT_GT(c.node(1).crypto->stats().dropped_auth, 0u);
}

TEST(Srp, RingSeqIsPersistedAndGrowsAcrossRestarts) {
  Cluster c(opts(2));
  c.start_all();
  ASSERT_TRUE(c.run_until_formed({1, 2}, 5s));
  const auto before = c.node(2).srp->ring_id().seq;
  ASSERT_TRUE(c.storage(2).read_text("totem/ringid"));
  c.stop(2);
  c.stop(1);
  c.start(2);
  EXPECT_GT(c.node(2).srp->ring_id().seq, before);  // continues past the persisted seq
  EXPECT_GE(std::stoull(*c.storage(2).read_text("totem/ringid")), c.node(2).srp->ring_id().seq);
  c.start(1);
  ASSERT_TRUE(c.run_until_formed({1, 2}, 5s));
  EXPECT_GT(c.node(1).srp->ring_id().seq, before);
}

TEST(Srp, UnicastAndBroadcastTransportsFormRings) {
  for (auto mode : {totem::UdpTransportConfig::Mode::unicast, totem::UdpTransportConfig::Mode::broadcast}) {
    auto o = opts(3);
    o.mode = mode;
    Cluster c(o);
    c.start_all();
    ASSERT_TRUE(c.run_until_formed({1, 2, 3}, 10s)) << int(mode);
    c.node(2).srp->mcast(msg("hello"));
    c.clock.run_for(1s);
    for (NodeId id = 1; id <= 3; ++id) EXPECT_EQ(delivered_in_last(c, id), 1u) << int(mode);
  }
}

namespace {

// Node 3 hears tokens (unicast) but no multicast message from the others:
// it keeps asking for retransmissions that never arrive.
std::uint64_t failed_to_receive_after(int fail_recv_const, core::Duration run) {
  auto o = opts(3);
  o.srp.fail_recv_const = fail_recv_const;
  Cluster c(o);
  c.start_all();
  EXPECT_TRUE(c.run_until_formed({1, 2, 3}, 10s));
  const auto n3 = c.node(3).addr;
  c.net.drop_datagram = [n3](const core::Endpoint& from, const core::Endpoint& to) {
    return to.addr == n3 && to.port == 5405 && from.addr != n3;  // 5405: the group socket
  };
  for (int k = 0; k < 20; ++k) c.node(1).srp->mcast(msg("m" + std::to_string(k)));
  c.clock.run_for(run);
  return c.node(3).srp->stats().failed_to_receive;
}

}  // namespace

// corosync's fail_recv_const: a node that keeps missing messages while the
// ring moves on forms a new configuration after that many rotations, and not
// before.
TEST(Srp, FailRecvConstEndsTheRingOfANodeThatCannotReceive) {
  EXPECT_GE(failed_to_receive_after(10, 500ms), 1u);
  EXPECT_EQ(failed_to_receive_after(1'000'000, 500ms), 0u);
}

// corosync's token_warning: a node that waits for the token longer than the
// given share of the token timeout says so, before the token is declared lost.
TEST(Srp, TokenWarningIsLoggedBeforeTheTokenIsLost) {
  for (auto warning : {750ms, 0ms}) {
    auto o = opts(3);
    o.srp.token_warning = warning;
    Cluster c(o);
    auto sink = std::make_shared<core::MemorySink>();
    c.log_sink = sink;
    c.start_all();
    ASSERT_TRUE(c.run_until_formed({1, 2, 3}, 10s));
    sink->lines.clear();
    c.stop(2);
    c.clock.run_for(900ms);  // past the warning, before the token (1000 ms) is lost
    std::size_t warned = 0;
    for (const auto& l : sink->lines) warned += l.find("Token has not been received in 750 ms") != std::string::npos;
    if (warning.count() > 0) EXPECT_GE(warned, 1u) << "token_warning 750 ms";
    else EXPECT_EQ(warned, 0u) << "token_warning off";
  }
}

// corosync's block_unlisted_ips (udpu): a datagram from an address outside
// the node list is dropped before any decryption, and counted; the ring
// carries on. Without it the datagram reaches the crypto layer (and fails there).
TEST(Srp, UdpuBlocksDatagramsFromUnlistedAddresses) {
  for (bool block : {true, false}) {
    auto o = opts(3);
    o.mode = totem::UdpTransportConfig::Mode::unicast;
    o.block_unlisted = block;
    Cluster c(o);
    c.start_all();
    ASSERT_TRUE(c.run_until_formed({1, 2, 3}, 10s));
    const auto before = c.node(1).crypto->stats();
    const core::Bytes junk(64, 0x42);
    for (int k = 0; k < 5; ++k)
      c.net.inject({core::Ipv4::from_octets(10, 0, 0, 99), 5404}, {c.node(1).addr, 5404}, junk);
    c.clock.run_for(100ms);
    const auto after = c.node(1).crypto->stats();
    if (block) {
      EXPECT_EQ(c.node(1).transport->unlisted_drops(), 5u);
      EXPECT_EQ(after.dropped(), before.dropped());
    } else {
      EXPECT_EQ(c.node(1).transport->unlisted_drops(), 0u);
      EXPECT_GT(after.dropped(), before.dropped());
    }
    c.node(2).srp->mcast(msg("still"));
    c.clock.run_for(1s);
    EXPECT_EQ(delivered_in_last(c, 1), 1u);
  }
}
