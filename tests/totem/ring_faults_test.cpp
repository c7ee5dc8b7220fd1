// Redundant ring fault marking: the detector's counting, corosync-cfgtool's
// status text, and in simnet a cut of one ring only (marked FAULTY, the
// membership unchanged, traffic on over the other ring; reset re-enables it
// at once, repair within a few checks).
#include "stack/totem/ring_faults.hpp"

#include <gtest/gtest.h>

#include "simnet/world.hpp"
#include "stack/totem/totem_service.hpp"

using namespace halab;
using namespace halab::totem;
using namespace std::chrono_literals;

TEST(RingFaultDetector, ARingMissingPeersForThresholdChecksIsMarkedFaulty) {
  RingFaultDetector d(2, {3, 0});  // no autorecovery: only reset() brings it back
  for (int i = 0; i < 2; ++i) {
    d.heard(0, 2);
    d.heard(0, 3);
    d.heard(1, 3);  // node 2 unheard on ring 1
    EXPECT_TRUE(d.check().marked.empty());
  }
  EXPECT_EQ(d.status()[1].problem_count, 2);
  // A good interval takes one point back.
  d.heard(0, 2);
  d.heard(1, 2);
  d.check();
  EXPECT_EQ(d.status()[1].problem_count, 1);
  d.heard(0, 2);
  EXPECT_TRUE(d.check().marked.empty());
  d.heard(0, 2);
  EXPECT_EQ(d.check().marked, std::vector<int>{1});  // the third point
  EXPECT_TRUE(d.faulty(1));
  EXPECT_FALSE(d.faulty(0));
  // Healthy again, but without autorecovery it stays FAULTY...
  for (int i = 0; i < 5; ++i) {
    d.heard(0, 2);
    d.heard(1, 2);
    EXPECT_TRUE(d.check().recovered.empty());
  }
  // ...and the last active ring is never marked, however silent.
  for (int i = 0; i < 20; ++i) d.check();
  EXPECT_FALSE(d.faulty(0));
  d.reset();
  EXPECT_FALSE(d.faulty(1));
  EXPECT_EQ(d.status()[1].problem_count, 0);
  // Silence everywhere (a partition, a lone node) is no ring's fault.
  for (int i = 0; i < 20; ++i) EXPECT_TRUE(d.check().marked.empty());
}

TEST(RingFaultDetector, AFaultyRingThatCarriesAgainComesBack) {
  RingFaultDetector d(2, {2, 3});
  for (int i = 0; i < 2; ++i) {
    d.heard(0, 2);
    d.check();
  }
  ASSERT_TRUE(d.faulty(1));
  // Two good intervals are not enough, the third is; a bad one restarts the count.
  d.heard(0, 2), d.heard(1, 2);
  d.check();
  d.heard(0, 2);
  d.check();
  for (int i = 0; i < 2; ++i) {
    d.heard(0, 2), d.heard(1, 2);
    EXPECT_TRUE(d.check().recovered.empty());
  }
  d.heard(0, 2), d.heard(1, 2);
  EXPECT_EQ(d.check().recovered, std::vector<int>{1});
  EXPECT_FALSE(d.faulty(1));
  // When the working ring loses peers the FAULTY one hears, it comes back at once.
  for (int i = 0; i < 2; ++i) {
    d.heard(0, 2);
    d.check();
  }
  ASSERT_TRUE(d.faulty(1));
  d.heard(1, 2);
  const auto c = d.check();
  EXPECT_EQ(c.recovered, std::vector<int>{1});
  EXPECT_TRUE(c.marked.empty());  // ring 0 takes a point, it is not marked (yet)
  EXPECT_EQ(d.status()[0].problem_count, 1);
}

TEST(RingFaultDetector, StatusAsCorosyncCfgtoolPrintsIt) {
  std::vector<RingStatus> rings{{0, false, 0, 10, core::Ipv4::from_octets(10, 0, 0, 1)},
                                {1, true, 10, 3, core::Ipv4::from_octets(10, 1, 0, 1)}};
  EXPECT_EQ(format_cfgtool_status(1, rings),
            "Printing ring status.\n"
            "Local node ID 1\n"
            "RING ID 0\n\tid\t= 10.0.0.1\n\tstatus\t= ring 0 active with no faults\n"
            "RING ID 1\n\tid\t= 10.1.0.1\n\tstatus\t= Marking ringid 1 interface 10.1.0.1 FAULTY\n");
}

namespace {
struct TwoRings {
  simnet::World w{11};
  config::CorosyncConf conf;
  std::vector<std::vector<std::string>> got;
  int n = 3;
  TwoRings() {
    std::string text =
        "totem {\n version: 2\n token: 1000\n crypto_cipher: aes128\n crypto_hash: sha1\n"
        " interface {\n  ringnumber: 0\n  mcastaddr: 239.255.1.1\n  mcastport: 5405\n }\n"
        " interface {\n  ringnumber: 1\n  mcastaddr: 239.255.2.1\n  mcastport: 5407\n }\n}\nnodelist {\n";
    for (int i = 1; i <= n; ++i)
      text += " node {\n  ring0_addr: 10.0.0." + std::to_string(i) + "\n  ring1_addr: 10.1.0." + std::to_string(i) +
              "\n  nodeid: " + std::to_string(i) + "\n }\n";
    text += "}\n";
    auto parsed = config::parse_corosync_conf(text, "rrp.conf");
    HALAB_ASSERT_MSG(parsed.ok(), parsed.report().c_str());
    conf = parsed.conf;
    w.set_log_level(core::Level::warning);
    w.add_network("ring0", *core::Subnet::parse("10.0.0.0/24"));
    w.add_network("ring1", *core::Subnet::parse("10.1.0.0/24"));
    got.resize(std::size_t(n));
    for (int i = 1; i <= n; ++i) {
      const std::vector<core::Ipv4> addrs{core::Ipv4::from_octets(10, 0, 0, std::uint8_t(i)),
                                          core::Ipv4::from_octets(10, 1, 0, std::uint8_t(i))};
      w.add_node("n" + std::to_string(i), addrs, [this, i, addrs](core::Env& env) {
        TotemServiceOptions o;
        o.conf = conf;
        o.key = core::Bytes(256, 1);
        o.local_addrs = addrs;
        o.callbacks.deliver = [this, i](NodeId, core::ByteView p) { got[std::size_t(i - 1)].emplace_back(p.begin(), p.end()); };
        return std::make_unique<TotemService>(env, std::move(o));
      });
    }
  }
  TotemService& svc(int i) { return *dynamic_cast<TotemService*>(w.service(i)); }
  void cut(int net, double loss) {
    simnet::LinkModel m;
    m.loss = loss;
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b)
        if (a != b) w.degrade(a, b, m, net);
  }
};
}  // namespace

TEST(RedundantRingsSimnet, CuttingOneRingMarksItFaultyAndLeavesTheMembershipAlone) {
  TwoRings t;
  t.w.start();
  t.w.run_for(5s);
  const auto ring = t.svc(0).srp().ring_id();
  for (int i = 0; i < t.n; ++i) {
    ASSERT_EQ(t.svc(i).srp().members().size(), 3u);
    for (const auto& r : t.svc(i).ring_status()) EXPECT_FALSE(r.faulty) << "node " << i << " ring " << r.ring;
  }
  // A lossy ring is not a faulty one.
  t.cut(1, 0.1);
  t.w.run_for(10s);
  for (int i = 0; i < t.n; ++i) EXPECT_FALSE(t.svc(i).ring_status()[1].faulty) << "node " << i;
  // Ring 1 goes dark: after threshold * token_retransmit and more every node marks it.
  t.w.heal();
  t.cut(1, 1.0);
  // (An idle ring carries little with corosync's token hold, 180 ms here, so
  // some checks hear nobody on any ring and count neither way: 4.3 s on this seed.)
  t.w.run_for(6s);
  for (int i = 0; i < t.n; ++i) {
    const auto st = t.svc(i).ring_status();
    EXPECT_FALSE(st[0].faulty);
    EXPECT_TRUE(st[1].faulty) << "node " << i;
    EXPECT_EQ(t.svc(i).srp().ring_id(), ring);
  }
  const auto text = format_cfgtool_status(1, t.svc(0).ring_status());
  EXPECT_NE(text.find("status\t= Marking ringid 1 interface 10.1.0.1 FAULTY"), std::string::npos) << text;
  EXPECT_NE(text.find("status\t= ring 0 active with no faults"), std::string::npos) << text;
  // Traffic goes on over ring 0.
  t.svc(1).srp().mcast(core::Bytes{'o', 'k'});
  t.w.run_for(2s);
  for (int i = 0; i < t.n; ++i) {
    ASSERT_FALSE(t.got[std::size_t(i)].empty());
    EXPECT_EQ(t.got[std::size_t(i)].back(), "ok");
  }
  // corosync-cfgtool -r while the ring is still cut: active at once, FAULTY again after the checks.
  for (int i = 0; i < t.n; ++i) t.svc(i).reset_rings();
  EXPECT_FALSE(t.svc(0).ring_status()[1].faulty);
  t.w.run_for(6s);
  for (int i = 0; i < t.n; ++i) EXPECT_TRUE(t.svc(i).ring_status()[1].faulty) << "node " << i;
  // Repaired: the probes get through and the ring is used again by itself.
  t.w.heal();
  t.w.run_for(3s);
  for (int i = 0; i < t.n; ++i) {
    for (const auto& r : t.svc(i).ring_status()) EXPECT_FALSE(r.faulty) << "node " << i << " ring " << r.ring;
    EXPECT_EQ(t.svc(i).srp().ring_id(), ring);
  }
  // And the ring 0 network can now be lost with nothing changing.
  t.cut(0, 1.0);
  t.w.run_for(5s);
  for (int i = 0; i < t.n; ++i) {
    EXPECT_TRUE(t.svc(i).ring_status()[0].faulty) << "node " << i;
    EXPECT_EQ(t.svc(i).srp().ring_id(), ring);
  }
}
