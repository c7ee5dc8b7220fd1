// Totem on real UDP sockets (core::real), three nodes in this process on
// 127.0.0.1-3, each with its own RealWorld (event loop, state directory),
// driven in turn. udpu and multicast (over loopback) must form one ring,
// deliver in agreed order, and re-form without a crashed node.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "stack/core/real/real_world.hpp"
#include "stack/totem/totem_service.hpp"

using namespace halab;
using namespace std::chrono_literals;

namespace {

struct RealNode {
  std::unique_ptr<core::real::RealWorld> world;
  std::unique_ptr<totem::TotemService> svc;
  std::vector<std::string> delivered;
};

class RealCluster {
 public:
  RealCluster(const std::string& transport_lines, int port) {
    dir_ = std::filesystem::temp_directory_path() / ("halab-totem-real-" + std::to_string(::getpid()) + "-" +
                                                    std::to_string(port));
    std::string text = "totem {\n version: 2\n token: 300\n crypto_cipher: aes128\n crypto_hash: sha1\n" +
                       transport_lines + " interface {\n  mcastaddr: 239.255.42.1\n  mcastport: " +
                       std::to_string(port) + "\n }\n}\nnodelist {\n";
    for (int i = 1; i <= 3; ++i)
      text += " node {\n  ring0_addr: 127.0.0." + std::to_string(i) + "\n  nodeid: " + std::to_string(i) + "\n }\n";
    text += "}\n";
    auto r = config::parse_corosync_conf(text, "real.conf");
    EXPECT_TRUE(r.ok()) << r.report();
    conf_ = r.conf;
    for (int i = 1; i <= 3; ++i) {
      auto n = std::make_unique<RealNode>();
      n->world = std::make_unique<core::real::RealWorld>(core::real::RealWorldOptions{
          "node" + std::to_string(i), (dir_ / ("n" + std::to_string(i))).string(), std::uint64_t(i), {}});
      nodes_.push_back(std::move(n));
    }
    for (int i = 1; i <= 3; ++i) start(i);
  }
  ~RealCluster() {
    for (auto& n : nodes_) n->svc.reset();
    nodes_.clear();
    std::filesystem::remove_all(dir_);
  }
  void start(int i) {
    auto& n = *nodes_[i - 1];
    totem::TotemServiceOptions o;
    o.conf = conf_;
    o.key = core::Bytes(256, 0x77);
    o.local_addrs = {core::Ipv4::from_octets(127, 0, 0, std::uint8_t(i))};
    RealNode* np = &n;
    o.callbacks.deliver = [np](totem::NodeId, core::ByteView p) { np->delivered.emplace_back(p.begin(), p.end()); };
    auto env = n.world->env();
    envs_.push_back(std::make_unique<core::Env>(env));
    n.svc = std::make_unique<totem::TotemService>(*envs_.back(), std::move(o));
  }
  void crash(int i) { nodes_[i - 1]->svc.reset(); }
  totem::Srp* srp(int i) { return nodes_[i - 1]->svc ? &nodes_[i - 1]->svc->srp() : nullptr; }
  RealNode& node(int i) { return *nodes_[i - 1]; }
  // Drives every node's loop in turn until pred() or `limit` of real time.
  bool run_until(const std::function<bool()>& pred, core::Duration limit) {
    const auto steps = limit / 2ms;
    for (long k = 0; k < steps; ++k) {
      if (pred()) return true;
      for (auto& n : nodes_) n->world->run_for(500us);
    }
    return pred();
  }
  bool formed(std::vector<totem::NodeId> ids) {
    for (auto id : ids) {
      auto* s = srp(int(id));
      if (!s || s->state() != totem::SrpState::operational || s->members() != ids ||
          s->ring_id() != srp(int(ids[0]))->ring_id())
        return false;
    }
    return true;
  }

 private:
  std::filesystem::path dir_;
  config::CorosyncConf conf_;
  std::vector<std::unique_ptr<RealNode>> nodes_;
  std::vector<std::unique_ptr<core::Env>> envs_;
};

void exercise(RealCluster& c) {
  ASSERT_TRUE(c.run_until([&] { return c.formed({1, 2, 3}); }, 10s));
  for (int k = 0; k < 20; ++k)
    for (int i = 1; i <= 3; ++i) c.srp(i)->mcast(core::Bytes{std::uint8_t('0' + i), std::uint8_t(k)});
  ASSERT_TRUE(c.run_until([&] { return c.node(1).delivered.size() == 60 && c.node(2).delivered.size() == 60 &&
                                       c.node(3).delivered.size() == 60; },
                          10s));
  EXPECT_EQ(c.node(1).delivered, c.node(2).delivered);
  EXPECT_EQ(c.node(1).delivered, c.node(3).delivered);
  c.crash(3);
  ASSERT_TRUE(c.run_until([&] { return c.formed({1, 2}); }, 10s));
  c.start(3);
  ASSERT_TRUE(c.run_until([&] { return c.formed({1, 2, 3}); }, 10s));
}

}  // namespace

TEST(TotemRealUdp, UdpuFormsRingsDeliversAndReforms) {
  RealCluster c(" transport: udpu\n", 21000 + ::getpid() % 4000 * 2);
  exercise(c);
}

TEST(TotemRealUdp, MulticastOverLoopbackFormsRingsDeliversAndReforms) {
  RealCluster c("", 31000 + ::getpid() % 4000 * 2);
  exercise(c);
}
