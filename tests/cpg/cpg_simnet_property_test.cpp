// CPG over the real Totem SRP in simnet: 2-8 nodes (udp multicast, aes256 +
// sha256), random processes joining and leaving groups and sending, crashes,
// restarts, pauses, partitions and heals, links with up to 20 % loss. Each node's
// Srp feeds its Cpg directly (deliver / config_change); Cpg sends with
// Srp::mcast. Checked:
//  (a) EVS per group: in a ring two nodes share, the agreed events (joins,
//      leaves, proc_downs, messages) they both applied come in the same
//      order, and each common message met the same membership on both;
//  (c) every confchg's member list follows from the previous one and its
//      changes; a message is delivered when its sender is a member, to
//      exactly the local processes that are members then, sender included;
//  (b)+(d) after the last fault (all healed, all restarted) every node sees
//      the same groups, and they are exactly the processes that joined and
//      are still alive;
//  and no bad message ever reaches a Cpg.
// A few cases only (RC_PARAMS overrides): each runs tens of virtual seconds.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>
#include <set>

#include "simnet/world.hpp"
#include "stack/cpg/cpg.hpp"
#include "stack/totem/totem_service.hpp"

using namespace halab;
using namespace halab::cpg;
using namespace std::chrono_literals;

namespace {

[[maybe_unused]] const int kDefaultParams = [] {
  setenv("RC_PARAMS", "max_success=80", 0);
  return 0;
}();

const std::vector<std::string> kGroups{"crmd", "cib", "g\x01\\x"};

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

// One agreed or local event a node applied to a group.
struct Applied {
  totem::RingId ring;
  bool agreed = false;  // join / leave / proc_down / message, as opposed to node_up / node_down
  std::string id;       // what it is, the same on every node
  std::vector<Address> members;
};

// What the test knows of one node, across its incarnations.
struct Record {
  NodeId id = 0;
  totem::RingId ring;
  std::map<std::string, std::vector<Applied>> applied;       // by group
  std::map<std::string, std::set<Address>> model;            // folded from confchgs
  std::map<std::pair<std::string, std::uint32_t>, int> received;  // per local (group, pid): messages since join
  std::set<std::pair<std::string, std::uint32_t>> joined;     // the test's processes (intent), this incarnation
  std::uint32_t generation[3] = {0, 0, 0};                    // a dead process's pid is not reused
  std::map<std::string, int> occurrences;                     // id -> count, to make ids unique per ring
  std::vector<std::string> errors;
  Cpg* cpg = nullptr;
};

std::string change_id(const GroupConfig& gc) {
  std::string s;
  for (const auto& l : gc.left) s += fmt::format("-{}/{}:{} ", l.who.node, l.who.pid, to_string(l.reason));
  for (const auto& j : gc.joined) s += fmt::format("+{}/{}:{} ", j.who.node, j.who.pid, to_string(j.reason));
  return s;
}

class CpgNode : public core::Service {
 public:
  CpgNode(core::Env& env, const config::CorosyncConf& conf, int i, Record& rec) : rec_(rec) {
    rec.joined.clear();
    rec.model.clear();
    rec.received.clear();
    rec.ring = {};
    Cpg::Callbacks cb;
    cb.send = [this](core::Bytes b) { return totem_ && totem_->srp().mcast(b); };
    cpg_ = std::make_unique<Cpg>(env.logger, NodeId(i), cb);
    rec.cpg = cpg_.get();
    Cpg::Observer o;
    o.totem_confchg = [&rec](const RingChange& r) { rec.ring = r.ring; };
    o.confchg = [&rec](const GroupConfig& gc) {
      auto& model = rec.model[gc.group];
      bool agreed = true;
      for (const auto& l : gc.left) {
        if (!model.erase(l.who)) rec.errors.push_back(fmt::format("node {}: {} left {} but was no member", rec.id, l.who.pid, gc.group));
        agreed &= l.reason == Reason::leave || l.reason == Reason::proc_down;
      }
      for (const auto& j : gc.joined) {
        if (!model.insert(j.who).second) rec.errors.push_back(fmt::format("node {}: {} joined {} twice", rec.id, j.who.pid, gc.group));
        agreed &= j.reason == Reason::join;
      }
      if (std::vector<Address>(model.begin(), model.end()) != gc.members)
        rec.errors.push_back(fmt::format("node {}: confchg of {} lists members that do not follow from its changes", rec.id, gc.group));
      std::string id = "conf " + change_id(gc);
      id += "#" + std::to_string(++rec.occurrences[rec.ring.to_string() + gc.group + id]);
      rec.applied[gc.group].push_back({rec.ring, agreed, id, gc.members});
    };
    o.deliver = [&rec](const std::string& g, const Address& from, core::ByteView m, const std::vector<Address>& members) {
      const auto& model = rec.model[g];
      if (!model.count(from)) rec.errors.push_back(fmt::format("node {}: message from non-member {}/{}", rec.id, from.node, from.pid));
      if (std::vector<Address>(model.begin(), model.end()) != members)
        rec.errors.push_back(fmt::format("node {}: message in {} met a membership its confchgs did not announce", rec.id, g));
      rec.applied[g].push_back({rec.ring, true, "msg " + std::string(m.begin(), m.end()), members});
      // Who gets it: the local members now (checked against the callbacks below).
      for (const auto& a : members)
        if (a.node == rec.id && rec.received.count({g, a.pid})) rec.received[{g, a.pid}]--;  // the callback adds it back
    };
    cpg_->set_observer(o);
    totem::TotemServiceOptions to;
    to.conf = conf;
    to.key = core::Bytes(256, 0x5a);
    to.local_addrs = {addr(i)};
    to.callbacks.deliver = [this](NodeId from, core::ByteView p) { cpg_->on_message(from, p); };
    to.callbacks.config_change = [this](const totem::ConfigChange& c) { cpg_->on_config_change(c); };
    totem_ = std::make_unique<totem::TotemService>(env, std::move(to));
  }
  ~CpgNode() override { rec_.cpg = nullptr; }
  totem::Srp& srp() { return totem_->srp(); }
  Cpg& cpg() { return *cpg_; }

  GroupCallbacks callbacks(const std::string& g, std::uint32_t pid) {
    GroupCallbacks cb;
    Record* rec = &rec_;
    cb.deliver = [rec, g, pid](const Address&, core::ByteView) { rec->received[{g, pid}]++; };
    return cb;
  }

 private:
  Record& rec_;
  std::unique_ptr<Cpg> cpg_;
  std::unique_ptr<totem::TotemService> totem_;
};

struct Sim {
  std::vector<std::unique_ptr<Record>> records;  // outlive the world's services, which write to them
  config::CorosyncConf conf;
  simnet::World world;
  int n;

  Sim(std::uint64_t seed, int nodes, simnet::LinkModel link) : conf(make_conf(nodes)), world(seed), n(nodes) {
    world.set_log_level(core::Level::warning);
    world.add_network("ring0", *core::Subnet::parse("10.0.0.0/24"), link);
    for (int i = 1; i <= nodes; ++i) {
      records.push_back(std::make_unique<Record>());
      Record* rec = records.back().get();
      rec->id = NodeId(i);
      world.add_node("n" + std::to_string(i), {addr(i)},
                     [this, rec, i](core::Env& env) { return std::make_unique<CpgNode>(env, conf, i, *rec); });
    }
  }
  CpgNode* node(int i) { return dynamic_cast<CpgNode*>(world.service(i - 1)); }
  // Every node is in a ring with exactly the nodes of its side (`side[i]`,
  // all one side when empty), CPG is in sync and nothing is pending.
  bool settled(const std::vector<int>& side = {}) {
    std::map<int, std::optional<totem::RingId>> ring;
    for (int i = 1; i <= n; ++i) {
      auto* s = node(i);
      const int my = side.empty() ? 0 : side[i - 1];
      std::vector<NodeId> want;
      for (int j = 1; j <= n; ++j)
        if ((side.empty() ? 0 : side[j - 1]) == my) want.push_back(NodeId(j));
      if (!s || s->srp().state() != totem::SrpState::operational || s->srp().members() != want) return false;
      if (ring[my] && *ring[my] != s->srp().ring_id()) return false;
      ring[my] = s->srp().ring_id();
      if (!s->cpg().synced() || s->cpg().pending_requests() != 0) return false;
    }
    return true;
  }
  // Settled, and still so a second later: a request its sender has seen
  // delivered may still be on its way to the others.
  bool run_until_settled(const std::vector<int>& side = {}) {
    for (int step = 0; step < 3000; ++step) {
      sim_step();
      if (settled(side)) {
        world.run_for(std::chrono::seconds(1));
        if (settled(side)) return true;
      }
    }
    return false;
  }
  void sim_step() { world.run_for(std::chrono::milliseconds(10)); }
  // (b): each node's groups are the joined processes of the nodes on its side.
  std::string check_views(const std::vector<int>& side) {
    for (int i = 1; i <= n; ++i) {
      std::map<std::string, std::vector<Address>> want, got;
      for (int j = 1; j <= n; ++j)
        if (side[j - 1] == side[i - 1])
          for (const auto& [g, pid] : records[j - 1]->joined) want[g].push_back({NodeId(j), pid});
      for (auto& [g, v] : want) std::sort(v.begin(), v.end());
      for (const auto& gi : node(i)->cpg().groups()) got[gi.name] = gi.members;
      if (got != want) {
        std::string s = fmt::format("node {} sees groups other than the live joined processes of its side:", i);
        auto show = [&s](const std::map<std::string, std::vector<Address>>& m) {
          for (const auto& [g, v] : m) {
            s += " " + g + "(";
            for (const auto& a : v) s += fmt::format(" {}/{}", a.node, a.pid);
            s += " )";
          }
        };
        show(got);
        s += " wanted";
        show(want);
        if (std::getenv("HALAB_DEBUG_CASE"))
          for (int k = 1; k <= n; ++k) {
            std::fprintf(stderr, "node %d side %d ring %s:", k, side[k - 1], node(k)->srp().ring_id().to_string().c_str());
            for (const auto& gi : node(k)->cpg().groups()) {
              std::fprintf(stderr, " %s(", gi.name.c_str());
              for (const auto& a : gi.members) std::fprintf(stderr, " %u/%u", a.node, a.pid);
              std::fprintf(stderr, " )");
            }
            std::fprintf(stderr, "\n");
          }
        return s;
      }
    }
    return "";
  }
};

struct Fault {
  int at_ms;
  int kind;  // 0 crash, 1 restart, 2 partition, 3 heal, 4 lossy links, 5 pause, 6 resume
  int node;
  unsigned arg;
};
void showValue(const Fault& f, std::ostream& os) {
  static const char* kinds[] = {"crash", "restart", "partition", "heal", "lossy", "pause", "resume"};
  os << "+" << f.at_ms << "ms " << kinds[f.kind] << " node#" << f.node << " arg=" << f.arg;
}

// (a): in each ring two nodes share, the agreed events they both applied to
// a group come in the same order and met the same membership.
std::string check_evs(const std::vector<std::unique_ptr<Record>>& recs) {
  for (auto& a : recs)
    for (auto& b : recs) {
      if (a->id >= b->id) continue;
      for (const auto& [g, ea] : a->applied) {
        auto it = b->applied.find(g);
        if (it == b->applied.end()) continue;
        const auto& eb = it->second;
        std::map<std::pair<totem::RingId, std::string>, std::vector<Address>> in_b;
        for (const auto& e : eb)
          if (e.agreed) in_b[{e.ring, e.id}] = e.members;
        std::map<totem::RingId, std::vector<std::string>> ca, cb;
        for (const auto& e : ea) {
          if (!e.agreed) continue;
          auto m = in_b.find({e.ring, e.id});
          if (m == in_b.end()) continue;
          if (m->second != e.members)
            return fmt::format("group {}: nodes {} and {} applied '{}' in ring {} with different members", g, a->id,
                               b->id, e.id, e.ring.to_string());
          ca[e.ring].push_back(e.id);
        }
        std::set<std::pair<totem::RingId, std::string>> in_a;
        for (const auto& e : ea)
          if (e.agreed) in_a.insert({e.ring, e.id});
        for (const auto& e : eb)
          if (e.agreed && in_a.count({e.ring, e.id})) cb[e.ring].push_back(e.id);
        if (ca != cb)
          return fmt::format("group {}: nodes {} and {} applied common events in different orders", g, a->id, b->id);
      }
    }
  return "";
}

}  // namespace

RC_GTEST_PROP(CpgSimnet, EvsMembershipAndDeliveryOverRealTotem, ()) {
  const int n = *rc::gen::inRange(2, 9);
  const auto faults = *rc::gen::resize(
      8, rc::gen::container<std::vector<Fault>>(rc::gen::construct<Fault>(
             rc::gen::inRange(0, 2000), rc::gen::inRange(0, 7), rc::gen::inRange(0, 8), rc::gen::arbitrary<unsigned>())));
  const auto seed = *rc::gen::arbitrary<std::uint64_t>();
  RC_TAG(n <= 4 ? "2-4 nodes" : "5-8 nodes");

  simnet::LinkModel link;
  link.latency = simnet::Dist::fixed(300us);
  link.jitter_ns = 100'000;
  Sim sim(seed, n, link);
  sim.world.start();
  core::Rng ops(seed ^ 0xc9c9);
  int sent = 0;
  // Each step, a few random requests from random processes of live nodes.
  auto act = [&] {
    for (int i = 1; i <= n; ++i) {
      auto* s = sim.node(i);
      if (!s || sim.world.is_paused(i - 1) || !ops.chance(0.5)) continue;
      auto& rec = *sim.records[i - 1];
      const auto& g = kGroups[ops.below(kGroups.size())];
      const auto slot = ops.below(3);
      const std::uint32_t pid = 100 + std::uint32_t(slot) + 3 * rec.generation[slot];
      const auto what = ops.below(12);
      if (what < 3) {
        if (s->cpg().join(g, pid, s->callbacks(g, pid)) == Result::ok) {
          rec.joined.insert({g, pid});
          rec.received[{g, pid}] = 0;
        }
      } else if (what < 5) {
        if (s->cpg().leave(g, pid) == Result::ok) rec.joined.erase({g, pid});
      } else if (what < 6) {
        s->cpg().proc_down(pid);
        ++rec.generation[slot];
        for (const auto& gg : kGroups) {
          rec.joined.erase({gg, pid});
          rec.received.erase({gg, pid});
        }
      } else if (rec.joined.count({g, pid})) {
        const auto text = fmt::format("{}/{}#{}", i, pid, sent++);
        RC_ASSERT(s->cpg().mcast(g, pid, core::Bytes(text.begin(), text.end())) == Result::ok);
      }
    }
  };
  auto pump = [&](core::Duration d) {
    const auto end = sim.world.now() + d.count();
    while (sim.world.now() < end) {
      act();
      sim.world.run_for(50ms);
    }
  };
  core::Rng gaps(seed ^ 0x9a95);
  pump(std::chrono::milliseconds(500 + std::int64_t(gaps.below(2000))));
  for (const auto& f : faults) {
    pump(std::chrono::milliseconds(f.at_ms + std::int64_t(gaps.below(2500))));
    const int node = f.node % n;
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
      case 5: if (sim.world.is_up(node) && !sim.world.is_paused(node)) sim.world.pause(node); break;
      case 6: if (sim.world.is_paused(node)) sim.world.resume(node); break;
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
  // The last fault is over: heal, restart, and let the ring and CPG settle.
  sim.world.heal();
  for (int i = 0; i < n; ++i) {
    if (sim.world.is_paused(i)) sim.world.resume(i);
    if (!sim.world.is_up(i)) sim.world.restart(i);
  }
  RC_ASSERT(sim.run_until_settled());
  // (b) within partitions: split once more, and each side sees only its own.
  const unsigned mask = unsigned(gaps.below(1u << n));
  std::vector<int> side(n), a, b;
  for (int i = 0; i < n; ++i) ((side[i] = (mask >> i) & 1) ? a : b).push_back(i);
  if (!a.empty() && !b.empty()) {
    pump(std::chrono::milliseconds(200));
    sim.world.partition(a, b, false);
    if (!sim.run_until_settled(side)) RC_FAIL("the sides of the last split did not settle");
    if (auto why = sim.check_views(side); !why.empty()) RC_FAIL("in the last split: " + why);
    pump(std::chrono::milliseconds(200));
    sim.world.heal();
    RC_ASSERT(sim.run_until_settled());
  }
  sim.world.run_for(500ms);  // nothing is pending: no event may still change the groups

  for (auto& r : sim.records)
    if (!r->errors.empty()) RC_FAIL(r->errors.front());
  if (auto why = check_evs(sim.records); !why.empty()) RC_FAIL(why);
  // (c) the callbacks got exactly what the observer says local members got.
  for (auto& r : sim.records)
    for (const auto& [key, count] : r->received)
      if (count != 0)
        RC_FAIL(fmt::format("node {}: process {} in {} got {} messages more than delivered to members", r->id,
                            key.second, key.first, count));
  // (b) + (d): after the heal every node sees the same groups, made of the live joined processes.
  if (auto why = sim.check_views(std::vector<int>(n, 0)); !why.empty()) RC_FAIL("after the heal: " + why);
  for (int i = 1; i <= n; ++i) RC_ASSERT(sim.node(i)->cpg().stats().bad_messages == 0u);
  if (std::getenv("HALAB_DEBUG_CASE")) {
    std::size_t applied = 0;
    for (auto& [g, v] : sim.records[0]->applied) applied += v.size();
    std::fprintf(stderr, "n=%d faults=%zu sent=%d applied@1=%zu groups=%zu t=%s\n", n, faults.size(), sent, applied,
                 sim.node(1)->cpg().groups().size(), core::format_duration(core::Duration(sim.world.now())).c_str());
  }
  RC_CLASSIFY(sent > 50, "> 50 messages");
  RC_CLASSIFY(faults.size() >= 3, ">= 3 faults");
}
