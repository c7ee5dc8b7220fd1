// The controller under generated faults on the in-memory group: updates from
// random nodes while nodes crash (losing unsynced writes), restart, and the
// group partitions and heals; quorum as votequorum would report it. After the
// last fault every node holds the same CIB, every acknowledged update is in
// it, and no refused update is.
#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <set>

#include "stack/cib/store.hpp"
#include "stack/controller/controller.hpp"
#include "stack/core/error.hpp"
#include "stack/core/random.hpp"
#include "tests/controller/fake_channel.hpp"
#include "tests/support/memory_storage.hpp"
#include "tests/totem/fake_world.hpp"

using namespace halab;
using namespace halab::controller;
using namespace std::chrono_literals;

namespace {

class NoNetwork : public core::Network {
 public:
  std::unique_ptr<core::DatagramSocket> bind(const core::BindOptions&, core::ReceiveHandler) override {
    throw core::Error("no network here");
  }
};
class NoProcesses : public core::Processes {
 public:
  core::ProcessId spawn(core::ProcessSpec, core::ProcessDone) override { return 0; }
  void kill(core::ProcessId, int) override {}
};

struct Outcome {
  std::string id;
  std::optional<UpdateResult> result;
};

class FaultRun {
 public:
  FaultRun(std::uint64_t seed, int n) : rng_(seed), bus_(clock_), n_(n), storages_(n), loggers_(n), envs_(n), ctls_(n) {
    ControllerOptions o;
    o.validate_schema = false;  // speed: the schema has its own tests
    opts_ = o;
  }
  ~FaultRun() {
    for (auto& c : ctls_) c.reset();
  }

  void start(int i) {
    channels_.push_back(std::make_unique<test::FakeChannel>(bus_, Member{NodeId(i + 1), ++pid_}));
    chan_[i] = channels_.back().get();
    loggers_[i] = std::make_unique<core::Logger>(clock_, "n" + std::to_string(i + 1));
    envs_[i].reset(new core::Env{clock_, net_, procs_, storages_[i], *loggers_[i], "n" + std::to_string(i + 1),
                                 std::uint64_t(i + 1)});
    ctls_[i] = std::make_unique<Controller>(*envs_[i], *chan_[i], opts_);
    ctls_[i]->start();
  }
  void crash(int i) {
    bus_.crash(*chan_[i]);
    ctls_[i].reset();
    storages_[i].crash();
  }
  bool up(int i) const { return ctls_[i] != nullptr; }

  // What votequorum would say to each live node: its component's live nodes.
  void quorum() {
    for (int i = 0; i < n_; ++i) {
      if (!up(i)) continue;
      quorum::QuorumNotification q;
      for (int j = 0; j < n_; ++j)
        if (up(j) && component_[j] == component_[i]) q.members.push_back(NodeId(j + 1));
      q.quorate = q.members.size() * 2 > std::size_t(n_);
      ctls_[i]->on_quorum(q);
    }
  }

  void submit(int i) {
    auto out = std::make_shared<Outcome>();
    out->id = "u" + std::to_string(++next_update_);
    outcomes_.push_back(out);
    ctls_[i]->submit(Request{RequestOp::create, "resources",
                             "<primitive id=\"" + out->id + "\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/>"},
                     [out](const UpdateResult& r) { out->result = r; });
  }

  void run(int steps) {
    for (int i = 0; i < n_; ++i) start(i);
    component_.assign(n_, 0);
    bool partitioned = false;
    for (int s = 0; s < steps; ++s) {
      const auto dice = rng_.below(100);
      const int i = int(rng_.below(std::uint64_t(n_)));
      if (dice < 60) {
        if (up(i)) submit(i);
      } else if (dice < 75) {
        if (up(i)) crash(i);
      } else if (dice < 88) {
        if (!up(i)) start(i);
      } else if (dice < 94 && !partitioned) {
        // Split one node off.
        std::vector<NodeId> alone{NodeId(i + 1)}, rest;
        for (int j = 0; j < n_; ++j)
          if (j != i) rest.push_back(NodeId(j + 1));
        bus_.partition({alone, rest});
        for (int j = 0; j < n_; ++j) component_[j] = j == i ? 1 : 0;
        partitioned = true;
      } else if (partitioned) {
        bus_.heal();
        component_.assign(n_, 0);
        partitioned = false;
      }
      clock_.run_for(std::chrono::milliseconds(rng_.between(0, 8)));
      quorum();
    }
    // Last fault done: heal, restart everybody, let it settle.
    if (partitioned) bus_.heal();
    component_.assign(n_, 0);
    for (int i = 0; i < n_; ++i)
      if (!up(i)) start(i);
    for (int k = 0; k < 50; ++k) {
      clock_.run_for(20ms);
      quorum();
    }
  }

  void check() {
    const auto& ref = ctls_[0]->cib();
    for (int i = 0; i < n_; ++i) {
      ASSERT_TRUE(ctls_[i]->synced()) << "node " << i + 1;
      ASSERT_EQ(ctls_[i]->cib().digest(), ref.digest()) << "node " << i + 1;
      ASSERT_EQ(ctls_[i]->version(), ref.version());
      auto stored = cib::CibStore(storages_[i]).load();
      ASSERT_TRUE(stored);
      EXPECT_EQ(stored->digest(), ref.digest()) << "node " << i + 1 << " persisted something else";
    }
    for (auto& o : outcomes_) {
      const bool present = cib::find_by_id(ref.root(), o->id) != nullptr;
      if (!o->result) continue;  // its node crashed first
      if (o->result->ok()) {
        ++acked;
        EXPECT_TRUE(present) << o->id << " was acknowledged at " << o->result->version.str() << " and is lost";
      } else if (o->result->code == UpdateCode::in_doubt) {
        ++in_doubt;
      } else if (o->result->code != UpdateCode::stopped) {
        ++refused;
        EXPECT_FALSE(present) << o->id << " was refused (" << o->result->error << ") yet is in the CIB";
      }
    }
  }

  // Updates from random nodes every 0-3 ms; every node crashes at a random
  // point of the stream. Returns the highest CIB any node persisted.
  std::optional<cib::Cib> stream_then_crash_all(int updates) {
    const auto crash_at = rng_.below(std::uint64_t(updates));
    for (int k = 0; k < updates; ++k) {
      const int i = int(rng_.below(std::uint64_t(n_)));
      if (up(i)) submit(i);
      clock_.run_for(std::chrono::microseconds(rng_.between(0, 3000)));
      if (std::uint64_t(k) == crash_at) {
        // One after the other, a few hundred microseconds apart.
        for (int j = 0; j < n_; ++j) {
          if (up(j)) crash(j);
          clock_.run_for(std::chrono::microseconds(rng_.between(0, 700)));
        }
        break;
      }
    }
    std::optional<cib::Cib> best;
    for (int i = 0; i < n_; ++i) {
      auto c = cib::CibStore(storages_[i]).load();
      if (c && (!best || c->version() > best->version())) best = std::move(c);
    }
    return best;
  }
  void restart_all() {
    for (int i = 0; i < n_; ++i)
      if (!up(i)) start(i);
    for (int k = 0; k < 50; ++k) {
      clock_.run_for(20ms);
      quorum();
    }
  }
  const cib::Cib& cib() const { return ctls_[0]->cib(); }

  int acked = 0, refused = 0, in_doubt = 0;

 private:
  fake::FakeClock clock_;
  core::Rng rng_;
  test::FakeBus bus_;
  int n_;
  ControllerOptions opts_;
  NoNetwork net_;
  NoProcesses procs_;
  std::vector<test::MemoryStorage> storages_;
  std::vector<std::unique_ptr<core::Logger>> loggers_;
  std::vector<std::unique_ptr<core::Env>> envs_;
  std::vector<std::unique_ptr<Controller>> ctls_;
  std::map<int, test::FakeChannel*> chan_;
  std::vector<std::unique_ptr<test::FakeChannel>> channels_;
  std::vector<int> component_;
  std::vector<std::shared_ptr<Outcome>> outcomes_;
  std::uint32_t pid_ = 0;
  int next_update_ = 0;
};

}  // namespace

TEST(ControllerFaults, ConvergeAndKeepEveryAcknowledgedUpdate) {
  int acked = 0, refused = 0, in_doubt = 0;
  for (std::uint64_t seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    FaultRun run(seed, 3);
    run.run(200);
    run.check();
    acked += run.acked;
    in_doubt += run.in_doubt;
    refused += run.refused;
    if (HasFailure()) break;
  }
  // The schedule must exercise both outcomes for the checks to mean anything.
  EXPECT_GT(acked, 100);
  EXPECT_GT(refused, 5);
  std::printf("acknowledged %d, refused %d, in doubt %d\n", acked, refused, in_doubt);
}

// CIB durability: every node crashes in the middle of a stream of updates
// (writes not yet durable are lost), then all restart: one CIB, at the
// highest version any node persisted, holding every acknowledged update.
TEST(ControllerFaults, CrashEveryNodeMidStreamAndRestart) {
  for (std::uint64_t seed = 1; seed <= 20; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    FaultRun run(seed, 3);
    run.run(20);  // formed, some updates in
    auto highest = run.stream_then_crash_all(40);
    run.restart_all();
    run.check();
    ASSERT_TRUE(highest);
    // The configuration of the highest persisted CIB survived as it was
    // (only node_state and quorum entries are rewritten by the new DC).
    EXPECT_TRUE(cib::same_tree(run.cib().configuration(), highest->configuration()))
        << "came back at " << run.cib().version().str() << ", highest persisted was " << highest->version().str();
    EXPECT_EQ(run.cib().version().epoch, highest->version().epoch);
    if (HasFailure()) break;
  }
}
