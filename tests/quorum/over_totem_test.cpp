// votequorum over the real Totem SRP, in the totem tests' fake world: its
// messages travel by srp.mcast() in agreed order, and its membership comes
// from Srp's configuration changes. Shows the two fit, and that quorum
// follows a real ring through a crash, a partition and a heal.
#include <gtest/gtest.h>

#include "stack/core/env.hpp"
#include "stack/quorum/votequorum.hpp"
#include "stack/totem/crypto.hpp"
#include "stack/totem/srp.hpp"
#include "stack/totem/transport.hpp"
#include "tests/totem/fake_world.hpp"

using namespace halab;
using namespace halab::quorum;
using namespace std::chrono_literals;

namespace {

class NoProcesses : public core::Processes {
 public:
  core::ProcessId spawn(core::ProcessSpec, core::ProcessDone) override { return 0; }
  void kill(core::ProcessId, int) override {}
};

struct QuorumNode {
  NodeId id;
  core::Ipv4 addr;
  std::unique_ptr<fake::FakeNetwork::NodeView> net;
  std::unique_ptr<core::Logger> logger;
  std::unique_ptr<core::Env> env;
  std::unique_ptr<totem::PacketCrypto> crypto;
  std::unique_ptr<totem::UdpTransport> transport;
  std::unique_ptr<totem::Srp> srp;
  std::unique_ptr<Votequorum> vq;
  std::vector<QuorumNotification> notes;
};

class World {
 public:
  explicit World(int n) : net(clock) {
    for (int i = 1; i <= n; ++i) {
      auto q = std::make_unique<QuorumNode>();
      q->id = NodeId(i);
      q->addr = core::Ipv4::from_octets(10, 0, 0, std::uint8_t(i));
      nodes.push_back(std::move(q));
      storages.push_back(std::make_unique<fake::MemStorage>());
    }
  }
  ~World() {
    for (auto& n : nodes) crash(n->id);
  }

  void start(NodeId id) {
    auto& n = node(id);
    n.net = std::make_unique<fake::FakeNetwork::NodeView>(net, n.addr);
    n.logger = std::make_unique<core::Logger>(clock, "node" + std::to_string(id));
    n.env = std::unique_ptr<core::Env>(
        new core::Env{clock, *n.net, procs, *storages[id - 1], *n.logger, "node" + std::to_string(id), id});
    n.crypto = std::make_unique<totem::PacketCrypto>(config::Cipher::aes256, config::Hash::sha256, key, id,
                                                     totem::next_boot_epoch(*storages[id - 1]));
    totem::UdpTransportConfig tc;
    tc.local_addr = n.addr;
    tc.mcast_group = core::Ipv4::from_octets(239, 255, 1, 1);
    n.transport = std::make_unique<totem::UdpTransport>(*n.net, *n.crypto, tc, n.env->log("KNET"));
    totem::SrpOptions so;
    so.node_id = id;
    so.token = 1000ms;
    so.token_retransmit = 238ms;
    so.consensus = 1200ms;
    VotequorumOptions vo;
    vo.node_id = id;
    vo.expected_votes = std::uint32_t(nodes.size());
    QuorumNode* np = &n;
    Votequorum::Callbacks vcb;
    vcb.send = [np](core::Bytes b) { return np->srp && np->srp->mcast(b); };
    vcb.quorum_changed = [np](const QuorumNotification& q) { np->notes.push_back(q); };
    n.vq = std::make_unique<Votequorum>(clock, *n.logger, vo, vcb);
    totem::SrpCallbacks cb;
    cb.deliver = [np](totem::NodeId from, core::ByteView p) { np->vq->on_message(from, p); };
    cb.config_change = [np](const totem::ConfigChange& c) { np->vq->on_config_change(c); };
    n.srp = std::make_unique<totem::Srp>(*n.env, so, *n.transport, cb);
    n.srp->start();
  }
  void crash(NodeId id) {
    auto& n = node(id);
    n.srp.reset();
    n.vq.reset();
    n.transport.reset();
    n.crypto.reset();
    n.env.reset();
    n.logger.reset();
    n.net.reset();
  }
  void partition(const std::vector<std::vector<NodeId>>& groups) {
    std::map<std::uint32_t, int> group_of;
    for (std::size_t g = 0; g < groups.size(); ++g)
      for (auto id : groups[g]) group_of[node(id).addr.value] = int(g);
    net.drop = [group_of](core::Ipv4 a, core::Ipv4 b) {
      auto ga = group_of.find(a.value), gb = group_of.find(b.value);
      return ga != group_of.end() && gb != group_of.end() && ga->second != gb->second;
    };
  }
  void heal() { net.drop = nullptr; }

  // Every listed node is out of sync with the given members and quorate flag.
  bool settled(const std::vector<NodeId>& ids, const std::vector<NodeId>& members, bool quorate) {
    for (NodeId id : ids) {
      auto& n = node(id);
      if (!n.vq) return false;
      const auto s = n.vq->status();
      if (s.in_sync || s.members != members || s.quorate != quorate) return false;
    }
    return true;
  }
  bool run_until(const std::vector<NodeId>& ids, const std::vector<NodeId>& members, bool quorate) {
    return clock.run_until_true([&] { return settled(ids, members, quorate); }, 30s);
  }

  QuorumNode& node(NodeId id) { return *nodes.at(id - 1); }

  fake::FakeClock clock;
  fake::FakeNetwork net;
  NoProcesses procs;
  core::Bytes key = core::Bytes(64, 0x42);
  std::vector<std::unique_ptr<QuorumNode>> nodes;
  std::vector<std::unique_ptr<fake::MemStorage>> storages;
};

}  // namespace

TEST(VotequorumOverTotem, FollowsTheRingThroughCrashPartitionAndHeal) {
  World w(3);
  for (NodeId id = 1; id <= 3; ++id) w.start(id);
  ASSERT_TRUE(w.run_until({1, 2, 3}, {1, 2, 3}, true)) << w.node(1).vq->status().members.size();
  EXPECT_EQ(w.node(2).vq->status().total_votes, 3u);
  EXPECT_TRUE(w.node(3).notes.back().quorate);

  // Node 3 crashes: the other two install a two-node ring and stay quorate.
  w.crash(3);
  ASSERT_TRUE(w.run_until({1, 2}, {1, 2}, true));
  EXPECT_EQ(w.node(1).vq->status().total_votes, 2u);
  EXPECT_EQ(w.node(1).vq->status().expected_votes, 3u);

  // Node 3 restarts; then node 1 is cut off: it loses quorum, 2 and 3 keep it.
  w.start(3);
  ASSERT_TRUE(w.run_until({1, 2, 3}, {1, 2, 3}, true));
  w.partition({{1}, {2, 3}});
  ASSERT_TRUE(w.run_until({2, 3}, {2, 3}, true));
  ASSERT_TRUE(w.run_until({1}, {1}, false));
  EXPECT_FALSE(w.node(1).notes.back().quorate);

  // Heal: all three merge and node 1 is quorate again.
  w.heal();
  ASSERT_TRUE(w.run_until({1, 2, 3}, {1, 2, 3}, true));
  EXPECT_EQ(w.node(1).vq->stats().bad_messages, 0u);
}
