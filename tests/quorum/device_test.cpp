// Quorum devices: the ping node (through core::Processes) and the quorum
// disk (on the modelled in-memory shared disk), alone and feeding votequorum.
#include <gtest/gtest.h>

#include <csignal>

#include "stack/quorum/ping_device.hpp"
#include "stack/quorum/quorum_disk.hpp"
#include "tests/quorum/harness.hpp"

using namespace halab;
using namespace halab::quorum;
using namespace halab::quorum::test;
using namespace std::chrono_literals;

namespace {

// Children that the test finishes by hand.
class ScriptedProcesses : public core::Processes {
 public:
  core::ProcessId spawn(core::ProcessSpec spec, core::ProcessDone done) override {
    specs.push_back(spec);
    pending[++next] = std::move(done);
    return next;
  }
  void kill(core::ProcessId id, int signal) override { killed.push_back({id, signal}); }
  // Finishes the oldest running child with this exit code.
  void finish(int exit_code) {
    ASSERT_FALSE(pending.empty());
    auto it = pending.begin();
    auto done = std::move(it->second);
    pending.erase(it);
    core::ProcessResult r;
    r.end = core::ProcessResult::End::exited;
    r.exit_code = exit_code;
    done(r);
  }
  std::vector<core::ProcessSpec> specs;
  std::map<core::ProcessId, core::ProcessDone> pending;
  std::vector<std::pair<core::ProcessId, int>> killed;
  core::ProcessId next = 0;
};

PingOptions ping_opts() {
  PingOptions o;
  o.host = "10.0.0.254";
  o.interval = 1s;
  o.wait = 1s;
  o.timeout = 3s;
  return o;
}

}  // namespace

TEST(PingDevice, RunsPingAndCastsItsVoteWhileTheHostAnswers) {
  ManualClock clock;
  core::Logger logger(clock, "n1");
  ScriptedProcesses procs;
  PingDevice ping(clock, procs, logger, ping_opts());
  int changes = 0;
  ping.on_change = [&] { ++changes; };
  ping.start();
  clock.advance(0s);
  ASSERT_EQ(procs.specs.size(), 1u);
  EXPECT_EQ(procs.specs[0].argv,
            (std::vector<std::string>{"ping", "-n", "-q", "-c", "1", "-W", "1", "10.0.0.254"}));
  EXPECT_FALSE(ping.alive());
  procs.finish(0);
  EXPECT_TRUE(ping.alive());
  EXPECT_TRUE(ping.cast_vote());
  EXPECT_EQ(changes, 1);
  // The host stops answering: the vote holds until `timeout` after the last answer.
  for (int i = 0; i < 2; ++i) {
    clock.advance(1s);
    procs.finish(1);
    EXPECT_TRUE(ping.alive()) << i;
  }
  clock.advance(1s);
  procs.finish(1);
  EXPECT_FALSE(ping.alive());
  EXPECT_EQ(changes, 2);
  clock.advance(1s);
  procs.finish(0);
  EXPECT_TRUE(ping.alive());
}

TEST(PingDevice, OnePingAtATimeAndALateResultAfterDestructionIsIgnored) {
  ManualClock clock;
  core::Logger logger(clock, "n1");
  ScriptedProcesses procs;
  auto ping = std::make_unique<PingDevice>(clock, procs, logger, ping_opts());
  ping->start();
  clock.advance(5s);
  EXPECT_EQ(procs.specs.size(), 1u) << "a hanging ping is not stacked up";
  ping.reset();
  ASSERT_EQ(procs.killed.size(), 1u);
  EXPECT_EQ(procs.killed[0].second, SIGKILL);
  procs.finish(0);  // must not touch the destroyed device
}

TEST(PingDevice, OptionsComeFromTheDeviceSection) {
  config::QuorumDeviceConf c;
  c.model = "ping";
  c.timeout = 5000ms;
  c.model_options = {{"host", "192.168.1.1"}, {"interval", "500ms"}};
  PingOptions o;
  EXPECT_EQ(ping_options(c, o), "");
  EXPECT_EQ(o.host, "192.168.1.1");
  EXPECT_EQ(o.interval, 500ms);
  EXPECT_EQ(o.timeout, 5000ms);
  c.model_options = {{"interval", "soon"}, {"host", "h"}};
  EXPECT_NE(ping_options(c, o).find("quorum.device.ping.interval"), std::string::npos);
  c.model_options = {};
  EXPECT_NE(ping_options(c, o).find("quorum.device.ping.host"), std::string::npos);
  c.model_options = {{"host", "-f"}};
  EXPECT_NE(ping_options(c, o), "") << "an option is not a host";
}

TEST(QuorumDiskSlot, RoundTripsAndRefusesDamage) {
  DiskSlot s{3, 0x1122334455ull, 1};
  auto b = encode_slot(s);
  auto back = decode_slot(b);
  ASSERT_TRUE(back);
  EXPECT_EQ(back->node, 3u);
  EXPECT_EQ(back->seq, 0x1122334455ull);
  EXPECT_EQ(back->master, 1u);
  for (std::size_t i = 0; i < b.size(); ++i) {
    auto bad = b;
    bad[i] ^= 0x40;
    std::string why;
    EXPECT_FALSE(decode_slot(bad, &why)) << i;
    EXPECT_FALSE(why.empty());
  }
  EXPECT_FALSE(decode_slot(core::ByteView(b.data(), b.size() - 1)));
}

TEST(QuorumDisk, LowestLiveNodeIsMasterAndOnlyItsSideCastsTheVote) {
  ManualClock clock;
  core::Logger logger(clock, "t");
  MemorySharedDisk disk;
  DiskOptions o{1s, 4};
  QuorumDisk d1(clock, logger, disk.view(1), 1, o), d2(clock, logger, disk.view(2), 2, o);
  d1.start();
  d2.start();
  d1.set_membership({1, 2}, RingId{1, 1});
  d2.set_membership({1, 2}, RingId{1, 1});
  clock.advance(3s);
  EXPECT_EQ(d1.master(), 1u);
  EXPECT_EQ(d2.master(), 1u);
  EXPECT_TRUE(d1.alive());
  EXPECT_FALSE(d1.cast_vote()) << "not before watching the disk for tko intervals";
  clock.advance(1s);  // t=4
  EXPECT_TRUE(d1.cast_vote());
  EXPECT_TRUE(d2.cast_vote());
  // Network split: both still reach the disk, both agree on the master.
  d1.set_membership({1}, RingId{1, 2});
  d2.set_membership({2}, RingId{2, 3});
  EXPECT_TRUE(d1.cast_vote());
  EXPECT_FALSE(d2.cast_vote());
  EXPECT_TRUE(d2.alive());
  // Node 1 loses its path to the disk: its first failed write withdraws its
  // vote; node 2 becomes master once node 1's slot was silent for tko intervals.
  disk.set_reachable(1, false);
  clock.advance(1s);  // t=5
  EXPECT_FALSE(d1.cast_vote()) << "a failed write withdraws at once";
  EXPECT_TRUE(d1.alive()) << "its slot is still fresh for the others";
  EXPECT_FALSE(d2.cast_vote()) << "node 1's slot is not yet silent for tko intervals";
  clock.advance(3s);  // t=8
  EXPECT_FALSE(d1.alive());
  EXPECT_EQ(d2.master(), 2u);
  EXPECT_TRUE(d2.cast_vote());
  // Node 1 is back on the disk: master again at its first write, and it
  // casts only after watching the disk for tko intervals again.
  disk.set_reachable(1, true);
  clock.advance(1s);  // t=9
  EXPECT_EQ(d2.master(), 1u);
  EXPECT_FALSE(d2.cast_vote());
  EXPECT_FALSE(d1.cast_vote());
  clock.advance(4s);  // t=13
  EXPECT_TRUE(d1.cast_vote());
}

TEST(QuorumDisk, CorruptSlotsAreCountedAndIgnored) {
  ManualClock clock;
  core::Logger logger(clock, "t");
  MemorySharedDisk disk;
  QuorumDisk d2(clock, logger, disk.view(2), 2, DiskOptions{1s, 4});
  d2.set_membership({2}, RingId{2, 1});
  disk.poke(1, {1, 2, 3});
  disk.poke(5, encode_slot(DiskSlot{6, 1, 0}));  // slot 5 written as node 6
  d2.start();
  clock.advance(0s);
  EXPECT_EQ(d2.bad_slots(), 2u);
  EXPECT_EQ(d2.master(), 2u);
  clock.advance(4s);
  EXPECT_TRUE(d2.cast_vote());
}

TEST(QuorumDisk, OptionsComeFromTheDeviceSection) {
  config::QuorumDeviceConf c;
  c.model = "disk";
  c.model_options = {{"interval", "2s"}, {"tko", "5"}};
  DiskOptions o;
  EXPECT_EQ(disk_options(c, o), "");
  EXPECT_EQ(o.interval, 2s);
  EXPECT_EQ(o.tko, 5);
  c.model_options = {{"tko", "1"}};
  EXPECT_NE(disk_options(c, o).find("quorum.device.disk.tko"), std::string::npos);
  c.model_options = {{"label", "x"}};
  EXPECT_NE(disk_options(c, o).find("unknown key"), std::string::npos);
}

// Two nodes, no two_node, a quorum disk with one vote (expected 3): in a split
// the disk master's side keeps quorum; when the master dies, the survivor
// takes the disk and regains quorum after the tko window.
TEST(QuorumDisk, GivesTheTieToTheMastersSideInATwoNodeCluster) {
  Harness h({1, 1}, [](VotequorumOptions& o) {
    o.device_votes = 1;
    o.device_name = "disk";
  });
  core::Logger logger(h.clock(), "disk");
  MemorySharedDisk disk;
  DiskOptions o{1s, 4};
  auto d1 = std::make_unique<QuorumDisk>(h.clock(), logger, disk.view(1), 1, o);
  QuorumDisk d2(h.clock(), logger, disk.view(2), 2, o);
  connect(*d1, h.node(1));
  connect(d2, h.node(2));
  h.before_config = [&](NodeId id, const totem::ConfigChange& cc) {
    if (id == 1 && d1) d1->set_membership(cc.members, cc.ring);
    if (id == 2) d2.set_membership(cc.members, cc.ring);
  };
  auto members = [&](std::vector<std::vector<NodeId>> groups) {
    h.partition(groups);
    h.run();
  };
  members({{1, 2}});
  d1->start();
  d2.start();
  h.advance(4s);  // the disks settle
  EXPECT_EQ(h.node(1).status().total_votes, 3u) << h.describe(1);
  EXPECT_TRUE(h.node(2).quorate());
  members({{1}, {2}});
  EXPECT_TRUE(h.node(1).quorate()) << h.describe(1);
  EXPECT_FALSE(h.node(2).quorate()) << h.describe(2);
  EXPECT_FALSE(h.split_brain());
  d1.reset();  // node 1 dies, and comes back empty-handed and alone
  h.boot(1);
  h.partition({{1}, {2}});
  h.advance(3s);
  EXPECT_FALSE(h.node(2).quorate()) << "node 1's slot is silent but not yet for tko intervals";
  h.advance(2s);
  EXPECT_TRUE(h.node(2).quorate()) << h.describe(2);
  EXPECT_FALSE(h.split_brain());
}
