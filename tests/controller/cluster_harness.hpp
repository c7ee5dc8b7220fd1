#pragma once
// A cluster of controllers on the in-memory group, for the controller's
// unit tests: start, crash (unsynced writes lost), quorum as votequorum
// would report it, run until settled, submit and wait.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <memory>

#include "stack/cib/store.hpp"
#include "stack/controller/controller.hpp"
#include "stack/core/error.hpp"
#include "tests/controller/fake_channel.hpp"
#include "tests/support/memory_storage.hpp"
#include "tests/totem/fake_world.hpp"

namespace halab::test {

using namespace halab::controller;
using namespace std::chrono_literals;


class NoNetwork : public core::Network {
 public:
  std::unique_ptr<core::DatagramSocket> bind(const core::BindOptions&, core::ReceiveHandler) override {
    throw core::Error("the controller tests have no network");
  }
};
class NoProcesses : public core::Processes {
 public:
  core::ProcessId spawn(core::ProcessSpec, core::ProcessDone) override { return 0; }
  void kill(core::ProcessId, int) override {}
};

struct TestNode {
  NodeId id = 0;
  test::MemoryStorage storage;
  std::unique_ptr<core::Logger> logger;
  std::unique_ptr<core::Env> env;
  test::FakeChannel* channel = nullptr;
  std::unique_ptr<Controller> ctl;
  std::vector<ClusterChange> changes;
};

inline const char* kIp = R"(<primitive id="ip" class="ocf" provider="heartbeat" type="IPaddr2"/>)";

inline std::string primitive(const std::string& id) {
  return "<primitive id=\"" + id + "\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/>";
}

class Cluster {
 public:
  explicit Cluster(int n, ControllerOptions opts = {}) : bus(clock), opts_(std::move(opts)) {
    for (int i = 1; i <= n; ++i) {
      auto t = std::make_unique<TestNode>();
      t->id = NodeId(i);
      nodes_.push_back(std::move(t));
    }
  }
  ~Cluster() {
    for (auto& n : nodes_) n->ctl.reset();
  }

  TestNode& node(NodeId id) { return *nodes_.at(id - 1); }
  Controller& ctl(NodeId id) { return *node(id).ctl; }

  void start(NodeId id) {
    auto& n = node(id);
    channels_.push_back(std::make_unique<test::FakeChannel>(bus, Member{id, ++pid_}));
    n.channel = channels_.back().get();
    n.logger = std::make_unique<core::Logger>(clock, "node" + std::to_string(id));
    n.env.reset(new core::Env{clock, net_, procs_, n.storage, *n.logger, "node" + std::to_string(id), id});
    Hooks hooks;
    TestNode* np = &n;
    hooks.changed = [np](const ClusterChange& c) { np->changes.push_back(c); };
    n.ctl = std::make_unique<Controller>(*n.env, *n.channel, opts_, hooks);
    n.ctl->start();
  }
  // A member whose controller hangs: in the group, answers nothing.
  test::FakeChannel& open_silent(NodeId id) {
    channels_.push_back(std::make_unique<test::FakeChannel>(bus, Member{id, ++pid_}));
    auto* ch = channels_.back().get();
    controller::Channel::Handler h;
    h.deliver = [](const Member&, core::ByteView) {};
    h.view = [](const View&) {};
    ch->open(h);
    return *ch;
  }
  // The node dies: unsent messages and unsynced writes are lost.
  void crash(NodeId id) {
    auto& n = node(id);
    bus.crash(*n.channel);
    n.ctl.reset();
    n.storage.crash();
  }
  bool up(NodeId id) { return node(id).ctl != nullptr; }

  // Quorum as votequorum would report it: majority of all nodes.
  void quorum(const std::vector<NodeId>& members) {
    quorum::QuorumNotification q;
    q.members = members;
    q.quorate = members.size() * 2 > nodes_.size();
    for (auto id : members)
      if (up(id)) ctl(id).on_quorum(q);
  }

  // Every listed node: same DC, synced, no round running, same CIB.
  bool settled(const std::vector<NodeId>& ids) {
    std::optional<Member> dc;
    std::string digest;
    for (auto id : ids) {
      if (!up(id)) return false;
      auto& c = ctl(id);
      if (!c.dc() || !c.synced() || c.round_active()) return false;
      if (dc && *dc != *c.dc()) return false;
      dc = c.dc();
      if (!digest.empty() && digest != c.cib().digest()) return false;
      digest = c.cib().digest();
    }
    return true;
  }
  bool settle(const std::vector<NodeId>& ids) {
    return clock.run_until_true([&] { return settled(ids); }, 10s) && (clock.run_for(50ms), settled(ids));
  }

  // Submits and runs until the callback ran.
  UpdateResult update(NodeId on, Request r) {
    auto out = std::make_shared<std::optional<UpdateResult>>();
    ctl(on).submit(std::move(r), [out](const UpdateResult& res) { *out = res; });
    clock.run_until_true([&] { return out->has_value(); }, 10s);
    EXPECT_TRUE(out->has_value()) << "no outcome within 10 s";
    return out->value_or(UpdateResult{UpdateCode::stopped, "timeout", {}});
  }

  fake::FakeClock clock;
  test::FakeBus bus;

 private:
  ControllerOptions opts_;
  NoNetwork net_;
  NoProcesses procs_;
  std::uint32_t pid_ = 0;
  std::vector<std::unique_ptr<TestNode>> nodes_;
  std::vector<std::unique_ptr<test::FakeChannel>> channels_;  // outlive the bus's references
};

inline xmlNode* node_state(const Controller& c, NodeId id) {
  for (xmlNode* n : cib::children(c.cib().status(), "node_state"))
    if (cib::attr_or(n, "id", "") == std::to_string(id)) return n;
  return nullptr;
}

inline void start_all(Cluster& c, std::vector<NodeId> order) {
  std::vector<NodeId> so_far;
  for (auto id : order) {
    c.start(id);
    so_far.push_back(id);
    std::sort(so_far.begin(), so_far.end());
    c.quorum(so_far);
    ASSERT_TRUE(c.settle(so_far)) << "did not settle after starting node " << id;
  }
}


}  // namespace halab::test
