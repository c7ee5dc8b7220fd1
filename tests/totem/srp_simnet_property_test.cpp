// Totem's acceptance properties in simnet: 2-16 nodes built from a
// corosync.conf (udp multicast, aes256 + sha256), generated schedules of
// crashes, restarts, pauses, partitions and lossy/jittery links (up to 20 %
// loss), traffic from every live node throughout.
//
//  - agreed order: in one configuration, the messages any two nodes both
//    delivered came in the same order; nobody delivers a message twice;
//  - extended virtual synchrony: nodes that move together from one
//    configuration to the next delivered the same messages in the old one;
//  - liveness: after the last fault (partitions and lossy links healed,
//    paused nodes resumed, crashed nodes restarted) all nodes are in one ring
//    within  2 * (token + consensus) + 20 * join + 4 * token_retransmit * n
//    (token = 1000 + (n - 2) * 650 ms, consensus = 1.2 * token, join = 50 ms,
//    token_retransmit = token / 4.2: corosync's defaults for token 1000);
//  - a node with the wrong key never joins and never disturbs the ring.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "simnet/world.hpp"
#include "stack/totem/totem_service.hpp"
#include "tests/totem/checks.hpp"

using namespace halab;
using namespace std::chrono_literals;
using totem::NodeId;

namespace {

struct Record {
  NodeId id = 0;
  std::vector<fake::Epoch> epochs;
};

config::CorosyncConf make_conf(int n) {
  std::string text =
      "totem {\n version: 2\n token: 1000\n crypto_cipher: aes256\n crypto_hash: sha256\n"
      " interface {\n  ringnumber: 0\n  bindnetaddr: 10.0.0.0\n  mcastaddr: 239.255.1.1\n  mcastport: 5405\n }\n}\n"
      "nodelist {\n";
  for (int i = 1; i <= n; ++i)
    text += " node {\n  ring0_addr: 10.0.0." + std::to_string(i) + "\n  nodeid: " + std::to_string(i) + "\n }\n";
  text += "}\n";
  auto r = config::parse_corosync_conf(text, "sim.conf");
  HALAB_ASSERT_MSG(r.ok(), r.report().c_str());
  return r.conf;
}

core::Ipv4 addr(int i) { return core::Ipv4::from_octets(10, 0, 0, std::uint8_t(i)); }

struct Sim {
  simnet::World world;
  config::CorosyncConf conf;
  std::vector<std::unique_ptr<Record>> records;
  int n;

  Sim(std::uint64_t seed, int nodes, simnet::LinkModel link, int wrong_key_nodes = 0)
      : world(seed), conf(make_conf(nodes)), n(nodes) {
    world.set_log_level(core::Level::warning);
    world.add_network("ring0", *core::Subnet::parse("10.0.0.0/24"), link);
    for (int i = 1; i <= nodes + wrong_key_nodes; ++i) {
      records.push_back(std::make_unique<Record>());
      Record* rec = records.back().get();
      rec->id = NodeId(i);
      const bool wrong = i > nodes;
      world.add_node("n" + std::to_string(i), {addr(i)}, [this, rec, i, wrong](core::Env& env) {
        totem::TotemServiceOptions o;
        o.conf = conf;
        o.key = core::Bytes(256, wrong ? 0x13 : 0x5a);
        o.local_addrs = {addr(i)};
        o.callbacks.deliver = [rec](NodeId from, core::ByteView p) {
          if (rec->epochs.empty()) rec->epochs.push_back({});
          rec->epochs.back().delivered.push_back({from, std::string(p.begin(), p.end())});
        };
        o.callbacks.config_change = [rec](const totem::ConfigChange& c) {
          if (c.kind == totem::ConfigChange::Kind::transitional) {
            if (!rec->epochs.empty()) rec->epochs.back().transitional = c.members;
          } else {
            rec->epochs.push_back({c.ring, c.members, {}, {}});
          }
        };
        return std::make_unique<totem::TotemService>(env, std::move(o));
      });
    }
  }
  totem::Srp* srp(int i) {
    auto* s = dynamic_cast<totem::TotemService*>(world.service(i - 1));
    return s ? &s->srp() : nullptr;
  }
  bool formed(int count) {
    std::vector<NodeId> ids;
    for (int i = 1; i <= count; ++i) ids.push_back(NodeId(i));
    std::optional<totem::RingId> ring;
    for (int i = 1; i <= count; ++i) {
      auto* s = srp(i);
      if (!s || world.is_paused(i - 1) || s->state() != totem::SrpState::operational || s->members() != ids)
        return false;
      if (ring && *ring != s->ring_id()) return false;
      ring = s->ring_id();
    }
    return true;
  }
  // Runs until formed(count) or `limit` passes, checking every 10 ms.
  bool run_until_formed(int count, core::Duration limit) {
    const auto end = world.now() + limit.count();
    while (world.now() < end) {
      if (formed(count)) return true;
      world.run_for(10ms);
    }
    return formed(count);
  }
  core::Duration bound() const {
    const auto token = 1000ms + std::max(0, n - 2) * 650ms;
    const auto consensus = token * 6 / 5;
    return 2 * (token + consensus) + 20 * 50ms + 4 * (token * 10 / 42) * n;
  }
  std::string states() {
    std::string s;
    for (int i = 1; i <= int(records.size()); ++i) {
      auto* p = srp(i);
      s += " " + std::to_string(i) + ":" +
           (p ? std::string(totem::to_string(p->state())) + "@" + p->ring_id().to_string() : std::string("down"));
    }
    return s;
  }
};

struct Fault {
  int at_ms;
  int kind;  // 0 crash, 1 restart, 2 partition, 3 heal, 4 pause, 5 resume, 6 lossy links
  int node;
  unsigned arg;
};

void showValue(const Fault& f, std::ostream& os) {
  static const char* kinds[] = {"crash", "restart", "partition", "heal", "pause", "resume", "lossy"};
  os << "+" << f.at_ms << "ms " << kinds[f.kind] << " node#" << f.node << " arg=" << f.arg;
}

}  // namespace

RC_GTEST_PROP(TotemSimnet, AgreedOrderEvsAndLiveness, ()) {
  const int n = *rc::gen::inRange(2, 17);
  const auto faults = *rc::gen::resize(
      8, rc::gen::container<std::vector<Fault>>(rc::gen::construct<Fault>(
             rc::gen::inRange(0, 3000), rc::gen::inRange(0, 7), rc::gen::inRange(0, 16), rc::gen::arbitrary<unsigned>())));
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  RC_TAG(n <= 4 ? "2-4 nodes" : n <= 8 ? "5-8 nodes" : "9-16 nodes");

  simnet::LinkModel link;
  link.latency = simnet::Dist::fixed(300us);
  link.jitter_ns = 100'000;
  Sim sim(seed, n, link);
  sim.world.start();
  core::Rng traffic(seed ^ 0x5eed);
  int sent = 0;
  auto pump = [&](core::Duration d) {
    const auto end = sim.world.now() + d.count();
    while (sim.world.now() < end) {
      for (int i = 1; i <= n; ++i)
        if (auto* s = sim.srp(i); s && traffic.chance(0.2))
          s->mcast(fake::msg_bytes(std::to_string(i) + "#" + std::to_string(sent++)));
      sim.world.run_for(50ms);
    }
  };
  // RapidCheck scales inRange() by its size, so early cases would only see
  // faults milliseconds apart: the gaps come from the case's seed instead.
  core::Rng gaps(seed ^ 0x9a95);
  for (const auto& f : faults) {
    pump(std::chrono::milliseconds(f.at_ms + std::int64_t(gaps.below(3000))));
    const int node = f.node % n;  // world index
    switch (f.kind) {
      case 0: if (sim.world.is_up(node)) sim.world.crash(node); break;
      case 1: if (!sim.world.is_up(node)) sim.world.restart(node); break;
      case 2: {
        std::vector<int> a, b;
        for (int i = 0; i < n; ++i) ((f.arg >> i) & 1 ? a : b).push_back(i);
        if (!a.empty() && !b.empty()) sim.world.partition(a, b, false);
        break;
      }
      case 3: sim.world.heal(); break;
      case 4: if (sim.world.is_up(node) && !sim.world.is_paused(node)) sim.world.pause(node); break;
      case 5: if (sim.world.is_paused(node)) sim.world.resume(node); break;
      default: {
        simnet::LinkModel bad = link;
        bad.loss = (f.arg % 21) / 100.0;
        bad.jitter_ns = 1'000'000;
        for (int a = 0; a < n; ++a)
          for (int b = 0; b < n; ++b)
            if (a != b) sim.world.degrade(a, b, bad);
      }
    }
  }
  // The last fault is over.
  sim.world.heal();
  for (int i = 0; i < n; ++i) {
    if (sim.world.is_paused(i)) sim.world.resume(i);
    if (!sim.world.is_up(i)) sim.world.restart(i);
  }
  const bool live = sim.run_until_formed(n, sim.bound());
  if (auto why = fake::check_all(sim.records); !why.empty()) RC_FAIL(why);
  if (!live) RC_FAIL("no single ring " + core::format_duration(sim.bound()) + " after the last fault:" + sim.states());
  sim.srp(n)->mcast(fake::msg_bytes("final"));
  sim.world.run_for(3s);
  for (auto& r : sim.records) {
    bool got = false;
    for (auto& e : r->epochs)
      for (auto& d : e.delivered) got |= d.payload == "final";
    RC_ASSERT(got);
  }
  if (auto why = fake::check_all(sim.records); !why.empty()) RC_FAIL(why);
  std::size_t delivered = 0;
  for (auto& e : sim.records[0]->epochs) delivered += e.delivered.size();
  RC_CLASSIFY(delivered > 100, "node 1 delivered > 100 messages");
  if (std::getenv("HALAB_DEBUG_CASE")) std::fprintf(stderr, "n=%d faults=%zu sent=%d delivered@1=%zu t=%s\n", n, faults.size(), sent, delivered, core::format_duration(core::Duration(sim.world.now())).c_str());
  RC_CLASSIFY(faults.size() >= 4, ">= 4 faults");
}

RC_GTEST_PROP(TotemSimnet, WrongKeyNodeNeverJoinsNorDisturbs, ()) {
  const int n = *rc::gen::inRange(2, 7);
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  simnet::LinkModel link;
  link.latency = simnet::Dist::fixed(300us);
  Sim sim(seed, n, link, /*wrong_key_nodes=*/1);
  sim.world.start();
  RC_ASSERT(sim.run_until_formed(n, sim.bound()));
  const auto ring = sim.srp(1)->ring_id();
  const auto formed = sim.srp(1)->stats().rings_formed;
  // The intruder keeps sending joins (and, alone in its ring, tokens and merge detects).
  sim.srp(n + 1)->mcast(fake::msg_bytes("intruder"));
  sim.srp(1)->mcast(fake::msg_bytes("member"));
  sim.world.run_for(10s);
  RC_ASSERT(sim.formed(n));
  RC_ASSERT(sim.srp(1)->ring_id() == ring);
  RC_ASSERT(sim.srp(1)->stats().rings_formed == formed);
  RC_ASSERT(sim.srp(n + 1)->members().size() == 1u);  // alone, in a ring of its own
  for (int i = 1; i <= n; ++i)
    for (auto& e : sim.records[i - 1]->epochs)
      for (auto& d : e.delivered) RC_ASSERT(d.payload != "intruder");
  auto* svc = dynamic_cast<totem::TotemService*>(sim.world.service(0));
  RC_ASSERT(svc->crypto_stats().dropped_auth > 0u);
}

// Two rings (ring0_addr + ring1_addr, two interfaces): losing either
// network entirely changes nothing, the ring and its delivery go on.
TEST(TotemSimnet, RedundantRingsSurviveLosingEitherNetwork) {
  const int n = 3;
  std::string text =
      "totem {\n version: 2\n token: 1000\n crypto_cipher: aes128\n crypto_hash: sha1\n"
      " interface {\n  ringnumber: 0\n  mcastaddr: 239.255.1.1\n  mcastport: 5405\n }\n"
      " interface {\n  ringnumber: 1\n  mcastaddr: 239.255.2.1\n  mcastport: 5407\n }\n}\nnodelist {\n";
  for (int i = 1; i <= n; ++i)
    text += " node {\n  ring0_addr: 10.0.0." + std::to_string(i) + "\n  ring1_addr: 10.1.0." + std::to_string(i) +
            "\n  nodeid: " + std::to_string(i) + "\n }\n";
  text += "}\n";
  auto parsed = config::parse_corosync_conf(text, "rrp.conf");
  ASSERT_TRUE(parsed.ok()) << parsed.report();
  simnet::World w(7);
  w.set_log_level(core::Level::warning);
  w.add_network("ring0", *core::Subnet::parse("10.0.0.0/24"));
  w.add_network("ring1", *core::Subnet::parse("10.1.0.0/24"));
  std::vector<std::vector<std::string>> got(n);
  for (int i = 1; i <= n; ++i) {
    const std::vector<core::Ipv4> addrs{core::Ipv4::from_octets(10, 0, 0, std::uint8_t(i)),
                                        core::Ipv4::from_octets(10, 1, 0, std::uint8_t(i))};
    w.add_node("n" + std::to_string(i), addrs, [&, i, addrs](core::Env& env) {
      totem::TotemServiceOptions o;
      o.conf = parsed.conf;
      o.key = core::Bytes(256, 1);
      o.local_addrs = addrs;
      o.callbacks.deliver = [&got, i](NodeId, core::ByteView p) { got[i - 1].emplace_back(p.begin(), p.end()); };
      return std::make_unique<totem::TotemService>(env, std::move(o));
    });
  }
  auto srp = [&](int i) { return &dynamic_cast<totem::TotemService*>(w.service(i))->srp(); };
  w.start();
  w.run_for(5s);
  for (int i = 0; i < n; ++i) ASSERT_EQ(srp(i)->members().size(), std::size_t(n));
  const auto ring = srp(0)->ring_id();
  simnet::LinkModel dead;
  dead.loss = 1.0;
  for (int net : {0, 1}) {
    w.heal();
    for (int a = 0; a < n; ++a)
      for (int b = 0; b < n; ++b)
        if (a != b) w.degrade(a, b, dead, net);
    srp(1)->mcast(fake::msg_bytes("over ring " + std::to_string(1 - net)));
    w.run_for(5s);
    for (int i = 0; i < n; ++i) {
      EXPECT_EQ(srp(i)->ring_id(), ring) << "network " << net << " lost";
      ASSERT_FALSE(got[i].empty());
      EXPECT_EQ(got[i].back(), "over ring " + std::to_string(1 - net));
    }
  }
}
