// Partitions, one-way partitions, heal; multicast/broadcast/unicast delivery rules.
#include <gtest/gtest.h>

#include "probe.hpp"

namespace halab::simnet::testing {
namespace {

using namespace std::chrono_literals;

// Every node sends to every other node every 10ms of simulated time.
void all_to_all(ProbeWorld& pw, int n, SimTime until) {
  for (SimTime t = 5'000'000; t < until; t += 10'000'000)
    pw.world.at(t, [&pw, n] {
      for (int a = 0; a < n; ++a)
        if (pw.world.is_up(a))
          for (int b = 0; b < n; ++b)
            if (a != b) pw.probe(a).send(pw.ep(b), u64_bytes(a, pw.world.now()));
    });
}

TEST(SimnetPartition, PartitionedNodesNeverExchangeAndDoAfterHeal) {
  LinkModel m;
  m.latency = Dist::uniform(1ms, 9ms);  // datagrams are in flight when the partition starts
  ProbeWorld pw(5, 11, m);
  all_to_all(pw, 5, at(6s));
  int part = 0;
  pw.world.at(at(2s), [&] { part = pw.world.partition({0, 1, 2}, {3, 4}, false); });
  pw.world.at(at(4s), [&] { pw.world.heal_partition(part); });
  pw.world.start();
  pw.world.run_until(at(6s));
  auto side = [](int node) { return node < 3 ? 0 : 1; };
  int crossing_before = 0, crossing_during = 0, crossing_after = 0, inside_during = 0;
  for (int dst = 0; dst < 5; ++dst)
    for (auto& r : pw.logs[dst].got) {
      const int src = static_cast<int>(u64_at(r.data, 0));
      const bool crossing = side(src) != side(dst);
      if (r.t < at(2s)) crossing_before += crossing;
      else if (r.t <= at(4s)) crossing ? ++crossing_during : ++inside_during;
      else crossing_after += crossing;
    }
  EXPECT_EQ(crossing_during, 0);
  EXPECT_GT(crossing_before, 100);
  EXPECT_GT(inside_during, 100);
  EXPECT_GT(crossing_after, 100);
  EXPECT_GT(pw.world.network_stats().dropped[int(DropReason::partition)], 0u);
}

TEST(SimnetPartition, OneWayPartitionIsOneWay) {
  ProbeWorld pw(3);
  all_to_all(pw, 3, at(3s));
  pw.world.at(at(1s), [&] { pw.world.partition({0}, {2}, true); });
  pw.world.start();
  pw.world.run_until(at(1s));
  const auto n1_to_n3 = pw.world.delivered(0, 2), n3_to_n1 = pw.world.delivered(2, 0);
  pw.world.run_until(at(3s));
  EXPECT_TRUE(pw.world.blocked(0, 2));
  EXPECT_FALSE(pw.world.blocked(2, 0));
  EXPECT_EQ(pw.world.delivered(0, 2), n1_to_n3);  // n1 -> n3 blocked
  EXPECT_GT(pw.world.delivered(2, 0), n3_to_n1 + 150);  // n3 -> n1 flows
  EXPECT_GT(pw.world.delivered(0, 1), 250u);  // and the rest is untouched
  pw.world.heal();
  pw.world.run_for(1s);  // no more sends after 3s: check the counter stays put but the block is gone
  EXPECT_FALSE(pw.world.blocked(0, 2));
}

TEST(SimnetPartition, GroupsOfAnySize) {
  ProbeWorld pw(4);
  pw.world.start();
  pw.world.run_until(at(1ms));
  pw.world.partition({0}, {1, 2, 3}, false);
  EXPECT_TRUE(pw.world.blocked(0, 3));
  EXPECT_TRUE(pw.world.blocked(3, 0));
  EXPECT_FALSE(pw.world.blocked(1, 2));
  const int p2 = pw.world.partition({0, 1}, {2}, false);
  pw.world.heal_partition(p2);
  EXPECT_TRUE(pw.world.blocked(0, 2));  // still held by the first partition
  pw.world.heal();
  EXPECT_FALSE(pw.world.blocked(0, 2));
}

TEST(SimnetNetwork, MulticastReachesJoinedSocketsOnTheSubnet) {
  std::vector<ProbeLog> logs(4);  // outlives the world
  World w(3);
  w.add_network("lan", *core::Subnet::parse("10.0.0.0/24"));
  w.add_network("other", *core::Subnet::parse("10.1.0.0/24"));
  const core::Ipv4 group = core::Ipv4::from_octets(239, 1, 1, 1);
  for (int i = 0; i < 4; ++i) {
    const core::Ipv4 addr = i < 3 ? lan(i + 1) : core::Ipv4::from_octets(10, 1, 0, 9);
    w.add_node("n" + std::to_string(i + 1), {addr}, [&, i, group](core::Env& env) {
      auto p = std::make_unique<Probe>(env, w, logs[i], 6000);
      if (i != 1) {  // n2 does not join
        EXPECT_FALSE(p->socket->join_multicast(group, core::Ipv4::any(), 1, true));
      }
      return p;
    });
  }
  w.start();
  w.run_until(at(1ms));
  auto& n1 = *static_cast<Probe*>(w.service(0));
  EXPECT_FALSE(n1.send({group, 6000}, {1, 2, 3}));
  w.run_for(1s);
  EXPECT_EQ(logs[0].got.size(), 1u);  // looped back to the sender
  EXPECT_EQ(logs[1].got.size(), 0u);  // not joined
  EXPECT_EQ(logs[2].got.size(), 1u);
  EXPECT_EQ(logs[3].got.size(), 0u);  // another network
  EXPECT_EQ(logs[2].got[0].from, (core::Endpoint{lan(1), 6000}));
}

TEST(SimnetNetwork, BroadcastLimitedAndDirectedNeedTheFlag) {
  std::vector<ProbeLog> logs(3);  // outlives the world
  World w(3);
  w.add_network("lan", *core::Subnet::parse("10.0.0.0/24"));
  std::unique_ptr<core::DatagramSocket> plain;
  for (int i = 0; i < 3; ++i)
    w.add_node("n" + std::to_string(i + 1), {lan(i + 1)},
               [&, i](core::Env& env) { return std::make_unique<Probe>(env, w, logs[i], 6000); });
  w.start();
  w.run_until(at(1ms));
  auto& n1 = *static_cast<Probe*>(w.service(0));
  EXPECT_FALSE(n1.send({core::Ipv4{0xffffffffu}, 6000}, {1}));
  EXPECT_FALSE(n1.send({core::Ipv4::from_octets(10, 0, 0, 255), 6000}, {2}));
  EXPECT_FALSE(n1.send({core::Ipv4::from_octets(10, 0, 0, 255), 6001}, {3}));  // nobody on that port
  plain = w.env(1).network.bind({{core::Ipv4::any(), 7000}}, [](const core::Endpoint&, core::ByteView) {});
  EXPECT_EQ(plain->send_to({core::Ipv4{0xffffffffu}, 6000}, core::Bytes{1}), std::errc::permission_denied);
  w.run_for(1s);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(logs[i].got.size(), 2u) << "node " << i;
  EXPECT_EQ(w.network_stats().dropped[int(DropReason::no_socket)], 3u);
  plain.reset();
}

TEST(SimnetNetwork, UnicastRules) {
  ProbeWorld pw(2);
  pw.world.start();
  pw.world.run_until(at(1ms));
  auto& p = pw.probe(0);
  EXPECT_EQ(p.send({core::Ipv4::from_octets(192, 168, 1, 1), 5000}, {1}), std::errc::network_unreachable);
  EXPECT_FALSE(p.send({lan(77), 5000}, {1}));  // on the subnet, nobody there: silently lost
  EXPECT_FALSE(p.send(pw.ep(1, 5001), {1}));    // no socket on that port
  EXPECT_FALSE(p.send(pw.ep(0), {9}));           // ourselves, through no link
  EXPECT_EQ(p.send(pw.ep(1), core::Bytes(core::kMaxDatagram + 1)), std::errc::message_size);
  bool called = false;
  EXPECT_FALSE(p.send(pw.ep(1), {1}));
  EXPECT_TRUE(pw.logs[1].got.empty()) << "delivery must never be synchronous";
  (void)called;
  pw.world.run_for(1s);
  EXPECT_EQ(pw.logs[1].got.size(), 1u);
  EXPECT_EQ(pw.logs[0].got.size(), 1u);
  EXPECT_EQ(pw.world.network_stats().dropped[int(DropReason::no_route)], 1u);
  EXPECT_EQ(pw.world.network_stats().dropped[int(DropReason::no_socket)], 1u);
  EXPECT_THROW(pw.world.env(0).network.bind({{core::Ipv4::any(), 5000}}, nullptr), core::Error);  // in use
  EXPECT_THROW(pw.world.env(0).network.bind({{lan(2), 5002}}, nullptr), core::Error);  // not our address
}

TEST(SimnetNetwork, BandwidthSerialisesAndQueueDrops) {
  LinkModel m;
  m.latency = Dist::fixed(1ms);
  m.bandwidth_bps = 8e6;  // 1 byte per microsecond
  m.queue_bytes = 10'000;
  ProbeWorld pw(2, 1, m);
  pw.world.start();
  pw.world.run_until(at(1ms));
  for (int i = 0; i < 20; ++i) pw.probe(0).send(pw.ep(1), core::Bytes(1000, std::uint8_t(i)));
  pw.world.run_for(1s);
  const auto& got = pw.logs[1].got;
  ASSERT_EQ(got.size(), 10u);  // 10 KB fit the queue, the rest is tail-dropped
  EXPECT_EQ(pw.world.network_stats().dropped[int(DropReason::queue_full)], 10u);
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i].t, at(1ms) + SimTime(i + 1) * 1'000'000 + at(1ms));
}

}  // namespace
}  // namespace halab::simnet::testing
