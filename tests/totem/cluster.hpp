#pragma once
// A Totem cluster in the fake world: N nodes on 10.0.0.<id>, each with its
// own Env, storage, crypto, transport and Srp, and a record of what each
// delivered, per configuration, for the agreed-order and EVS checks.
#include <cstdlib>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "stack/core/env.hpp"
#include "stack/totem/srp.hpp"
#include "tests/totem/fake_world.hpp"

namespace halab::fake {

class NoProcesses : public core::Processes {
 public:
  core::ProcessId spawn(core::ProcessSpec, core::ProcessDone) override { return 0; }
  void kill(core::ProcessId, int) override {}
};

struct Delivery {
  totem::NodeId sender;
  std::string payload;
  bool operator==(const Delivery&) const = default;
};

// What one node saw: a list of configurations, each with what it delivered in it.
struct Epoch {
  totem::RingId ring;
  std::vector<totem::NodeId> members;
  std::vector<totem::NodeId> transitional;  // the members that came with us into the next ring
  std::vector<Delivery> delivered;
};

struct ClusterOptions {
  int nodes = 3;
  totem::UdpTransportConfig::Mode mode = totem::UdpTransportConfig::Mode::multicast;
  config::Cipher cipher = config::Cipher::aes256;
  config::Hash hash = config::Hash::sha256;
  totem::SrpOptions srp;  // node_id is filled in per node
  bool block_unlisted = false;  // udpu: corosync's block_unlisted_ips
};

class Cluster {
 public:
  struct Node {
    totem::NodeId id;
    core::Ipv4 addr;
    std::unique_ptr<FakeNetwork::NodeView> net;
    std::unique_ptr<core::Logger> logger;
    std::unique_ptr<core::Env> env;
    std::unique_ptr<totem::PacketCrypto> crypto;
    std::unique_ptr<totem::UdpTransport> transport;
    std::unique_ptr<totem::Srp> srp;
    std::vector<Epoch> epochs;
    bool up() const { return srp != nullptr; }
  };

  explicit Cluster(ClusterOptions o) : net(clock), opt_(o) {
    if (std::getenv("HALAB_TEST_LOG"))  // HALAB_TEST_LOG=1 shows every node's log on stderr
      log_sink = std::make_shared<core::StreamSink>(stderr, false, core::StreamSink::Stamp::mono);
    for (int i = 1; i <= o.nodes; ++i) {
      auto n = std::make_unique<Node>();
      n->id = totem::NodeId(i);
      n->addr = core::Ipv4::from_octets(10, 0, 0, std::uint8_t(i));
      nodes_.push_back(std::move(n));
      storages_.emplace_back(std::make_unique<MemStorage>());
    }
  }
  ~Cluster() {
    for (auto& n : nodes_) stop(n->id);
  }

  core::Bytes key = core::Bytes(256, 0x5a);

  void start(totem::NodeId id, std::optional<core::Bytes> key_override = std::nullopt) {
    auto& n = node(id);
    n.net = std::make_unique<FakeNetwork::NodeView>(net, n.addr);
    n.logger = std::make_unique<core::Logger>(clock, "node" + std::to_string(id));
    if (log_sink) n.logger->add_sink(log_sink);
    n.logger->set_level(std::getenv("HALAB_TEST_LOG") && std::string(std::getenv("HALAB_TEST_LOG")) == "trace" ? core::Level::trace : core::Level::debug);
    n.env = std::unique_ptr<core::Env>(new core::Env{clock, *n.net, procs_, *storages_[id - 1], *n.logger,
                                                     "node" + std::to_string(id), 1000 + id});
    const auto epoch = totem::next_boot_epoch(n.env->storage);
    n.crypto = std::make_unique<totem::PacketCrypto>(opt_.cipher, opt_.hash, key_override ? *key_override : key, id,
                                                     epoch);
    totem::UdpTransportConfig tc;
    tc.mode = opt_.mode;
    tc.local_addr = n.addr;
    tc.port = 5405;
    tc.mcast_group = core::Ipv4::from_octets(239, 255, 1, 1);
    tc.block_unlisted = opt_.block_unlisted;
    if (opt_.mode == totem::UdpTransportConfig::Mode::unicast)
      for (auto& m : nodes_) tc.peers[m->id] = m->addr;
    n.transport = std::make_unique<totem::UdpTransport>(*n.net, *n.crypto, tc, n.env->log("KNET"));
    auto so = opt_.srp;
    so.node_id = id;
    Node* np = &n;
    totem::SrpCallbacks cb;
    cb.deliver = [np](totem::NodeId from, core::ByteView p) {
      if (np->epochs.empty()) np->epochs.push_back({});
      np->epochs.back().delivered.push_back({from, std::string(p.begin(), p.end())});
    };
    cb.config_change = [np](const totem::ConfigChange& c) {
      if (c.kind == totem::ConfigChange::Kind::transitional) {
        if (!np->epochs.empty()) np->epochs.back().transitional = c.members;
      } else {
        np->epochs.push_back({c.ring, c.members, {}, {}});
      }
    };
    n.srp = std::make_unique<totem::Srp>(*n.env, so, *n.transport, cb);
    n.srp->start();
  }
  void start_all() {
    for (auto& n : nodes_) start(n->id);
  }
  // A crash: the node's objects vanish without a word; storage stays.
  void stop(totem::NodeId id) {
    auto& n = node(id);
    n.srp.reset();
    n.transport.reset();
    n.crypto.reset();
    n.env.reset();
    n.logger.reset();
    n.net.reset();
  }

  Node& node(totem::NodeId id) { return *nodes_.at(id - 1); }
  std::vector<std::unique_ptr<Node>>& nodes() { return nodes_; }
  MemStorage& storage(totem::NodeId id) { return *storages_.at(id - 1); }

  // Are the given nodes all operational in one ring whose members are exactly them?
  bool formed(const std::vector<totem::NodeId>& ids) {
    std::optional<totem::RingId> ring;
    for (auto id : ids) {
      auto& n = node(id);
      if (!n.up() || n.srp->state() != totem::SrpState::operational || n.srp->members() != ids) return false;
      if (ring && *ring != n.srp->ring_id()) return false;
      ring = n.srp->ring_id();
    }
    return true;
  }
  bool run_until_formed(const std::vector<totem::NodeId>& ids, core::Duration limit) {
    return clock.run_until_true([&] { return formed(ids); }, limit);
  }

  // Partitions: nodes in different groups cannot hear each other.
  void partition(const std::vector<std::vector<totem::NodeId>>& groups) {
    std::map<std::uint32_t, int> group_of;
    for (std::size_t g = 0; g < groups.size(); ++g)
      for (auto id : groups[g]) group_of[node(id).addr.value] = int(g);
    net.drop = [group_of, this](core::Ipv4 a, core::Ipv4 b) {
      auto ga = group_of.find(a.value), gb = group_of.find(b.value);
      if (ga != group_of.end() && gb != group_of.end() && ga->second != gb->second) return true;
      return loss > 0 && loss_rng.chance(loss);
    };
  }
  void heal() {
    net.drop = [this](core::Ipv4, core::Ipv4) { return loss > 0 && loss_rng.chance(loss); };
  }
  void set_loss(double p) {
    loss = p;
    heal();
  }

  FakeClock clock;
  FakeNetwork net;
  std::shared_ptr<core::LogSink> log_sink;
  double loss = 0;
  core::Rng loss_rng{7};

 private:
  ClusterOptions opt_;
  NoProcesses procs_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<std::unique_ptr<MemStorage>> storages_;
};

}  // namespace halab::fake
