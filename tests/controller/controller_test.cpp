// The controller on the in-memory group (fake_channel.hpp): election, join,
// CIB updates, refusals, resync, DC crashes with requests in flight,
// partitions and heals.
#include <gtest/gtest.h>

#include "tests/controller/cluster_harness.hpp"

using namespace halab;
using namespace halab::controller;
using namespace halab::test;
using namespace std::chrono_literals;


TEST(Controller, FirstNodeIsDcJoinSyncsAndRecordsNodeState) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  for (NodeId id = 1; id <= 3; ++id) {
    EXPECT_EQ(c.ctl(id).dc()->node, 1u);
    EXPECT_EQ(c.ctl(id).cib().digest(), c.ctl(1).cib().digest());
  }
  EXPECT_TRUE(c.ctl(1).is_dc());
  for (NodeId id = 1; id <= 3; ++id) {
    auto* ns = node_state(c.ctl(2), id);
    ASSERT_NE(ns, nullptr) << id;
    EXPECT_EQ(cib::attr_or(ns, "uname", ""), "node" + std::to_string(id));
    EXPECT_EQ(cib::attr_or(ns, "crmd", ""), "online");
    EXPECT_EQ(cib::attr_or(ns, "join", ""), "member");
  }
  EXPECT_EQ(cib::attr_or(c.ctl(3).cib().root(), "have-quorum", ""), "1");
  EXPECT_EQ(cib::attr_or(c.ctl(3).cib().root(), "dc-uuid", ""), "1");
  EXPECT_EQ(cib::children(c.ctl(3).cib().section("nodes"), "node").size(), 3u);
  // Persisted as it is served.
  cib::CibStore store(c.node(3).storage);
  auto stored = store.load();
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->digest(), c.ctl(3).cib().digest());
  // The DC's hook heard it became DC with a synced CIB.
  bool saw_dc = false;
  for (auto& ch : c.node(1).changes) saw_dc |= ch.is_dc && ch.synced && ch.joined;
  EXPECT_TRUE(saw_dc);
  for (auto& ch : c.node(2).changes) EXPECT_FALSE(ch.is_dc);
}

TEST(Controller, JoiningNodeDoesNotMoveTheDc) {
  Cluster c(3);
  start_all(c, {3, 1, 2});  // node 1 has the lowest id but joins second
  for (NodeId id = 1; id <= 3; ++id) EXPECT_EQ(c.ctl(id).dc()->node, 3u) << id;
}

TEST(Controller, DcCrashElectsTheNextSeniorAndMarksTheDeadNodeOffline) {
  Cluster c(3);
  start_all(c, {2, 1, 3});
  ASSERT_TRUE(c.ctl(1).dc()->node == 2);
  c.crash(2);
  c.quorum({1, 3});
  ASSERT_TRUE(c.settle({1, 3}));
  EXPECT_TRUE(c.ctl(1).is_dc());  // joined right after 2
  auto* ns = node_state(c.ctl(3), 2);
  ASSERT_NE(ns, nullptr);
  EXPECT_EQ(cib::attr_or(ns, "crmd", ""), "offline");
  EXPECT_EQ(cib::attr_or(ns, "in_ccm", ""), "false");
  EXPECT_EQ(cib::attr_or(ns, "join", ""), "down");
  EXPECT_EQ(cib::attr_or(ns, "expected", ""), "member");
  EXPECT_EQ(cib::attr_or(c.ctl(3).cib().root(), "dc-uuid", ""), "1");
  // Still takes updates; the restarted node comes back and syncs.
  auto r = c.update(3, Request{RequestOp::create, "resources", kIp});
  EXPECT_TRUE(r.ok()) << r.error;
  c.start(2);
  c.quorum({1, 2, 3});
  ASSERT_TRUE(c.settle({1, 2, 3}));
  EXPECT_TRUE(c.ctl(1).is_dc());
  EXPECT_NE(cib::find_by_id(c.ctl(2).cib().root(), "ip"), nullptr);
}

TEST(Controller, JoinAdoptsTheHighestVersion) {
  Cluster c(3);
  // Node 2 was down while... it holds a CIB at a much higher epoch.
  {
    auto high = cib::Cib::empty();
    apply_request(high, Request{RequestOp::create, "resources", primitive("from-node2")});
    high.set_version({0, 50, 3});
    cib::CibStore(c.node(2).storage).save(high);
  }
  start_all(c, {1, 3});
  const auto before = c.ctl(1).version();
  start_all(c, {2});
  c.quorum({1, 2, 3});
  ASSERT_TRUE(c.settle({1, 2, 3}));
  for (NodeId id = 1; id <= 3; ++id) {
    EXPECT_NE(cib::find_by_id(c.ctl(id).cib().root(), "from-node2"), nullptr) << id;
    EXPECT_GE(c.ctl(id).version().epoch, 50) << id;
  }
  EXPECT_LT(before.epoch, 50);
  EXPECT_TRUE(c.ctl(1).is_dc());
  EXPECT_GE(c.ctl(1).stats().join_rounds, 2u);
}

TEST(Controller, UpdateRoundTripFromAFollower) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  const auto v0 = c.ctl(3).version();
  auto r = c.update(3, Request{RequestOp::create, "resources", kIp});
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.version.epoch, v0.epoch + 1);
  EXPECT_EQ(r.version.num_updates, 0);
  // Acknowledged only once every member holds it, persisted.
  for (NodeId id = 1; id <= 3; ++id) {
    EXPECT_GE(c.ctl(id).version(), r.version) << id;
    EXPECT_NE(cib::find_by_id(c.ctl(id).cib().root(), "ip"), nullptr) << id;
    auto stored = cib::CibStore(c.node(id).storage).load();
    ASSERT_TRUE(stored);
    EXPECT_GE(stored->version(), r.version);
  }
  // A status change bumps num_updates.
  auto s = c.update(2, Request{RequestOp::modify, "status", R"(<node_state id="2" crm-debug-origin="test"/>)"});
  ASSERT_TRUE(s.ok()) << s.error;
  EXPECT_EQ(s.version.epoch, r.version.epoch);
  EXPECT_EQ(s.version.num_updates, r.version.num_updates + 1);
  // Hooks saw the CIB change on every node.
  for (NodeId id = 1; id <= 3; ++id) {
    bool saw = false;
    for (auto& ch : c.node(id).changes) saw |= ch.cib && ch.version >= r.version;
    EXPECT_TRUE(saw) << id;
  }
}

TEST(Controller, RefusedUpdateLeavesTheCibUnchangedAndSaysWhy) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  const auto digest = c.ctl(1).cib().digest();
  // Schema: a primitive needs a class.
  auto r = c.update(2, Request{RequestOp::create, "resources", R"(<primitive id="bad" type="Dummy"/>)"});
  EXPECT_EQ(r.code, UpdateCode::invalid);
  EXPECT_NE(r.error.find("schema"), std::string::npos) << r.error;
  // Not applicable: unknown element.
  auto r2 = c.update(3, Request{RequestOp::remove, "", R"(<primitive id="nope"/>)"});
  EXPECT_EQ(r2.code, UpdateCode::invalid);
  EXPECT_NE(r2.error.find("no <primitive id=\"nope\">"), std::string::npos) << r2.error;
  c.clock.run_for(100ms);
  for (NodeId id = 1; id <= 3; ++id) EXPECT_EQ(c.ctl(id).cib().digest(), digest) << id;
}

TEST(Controller, VersionMismatchTriggersAResync) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  // Lose one commit on its way to node 3 (the channel would never do this).
  int dropped = 0;
  c.bus.drop = [&](const Member&, const Member& to, const core::Bytes& data) {
    if (to.node != 3 || dropped > 0) return false;
    if (std::holds_alternative<CommitMsg>(decode(data))) return ++dropped, true;
    return false;
  };
  // r1 cannot be acknowledged while node 3 lacks it; node 3 notices it is
  // behind at the next commit, asks for the CIB, and both complete.
  std::optional<UpdateResult> r1, r2;
  c.ctl(2).submit(Request{RequestOp::create, "resources", primitive("a")}, [&](const UpdateResult& x) { r1 = x; });
  c.clock.run_for(100ms);
  EXPECT_FALSE(r1.has_value());
  c.ctl(2).submit(Request{RequestOp::create, "resources", primitive("b")}, [&](const UpdateResult& x) { r2 = x; });
  ASSERT_TRUE(c.clock.run_until_true([&] { return r1.has_value() && r2.has_value(); }, 10s));
  EXPECT_TRUE(r1->ok()) << r1->error;
  EXPECT_TRUE(r2->ok()) << r2->error;
  ASSERT_TRUE(c.settle({1, 2, 3}));
  EXPECT_EQ(dropped, 1);
  EXPECT_GE(c.ctl(3).stats().resyncs_requested, 1u);
  EXPECT_GE(c.ctl(1).stats().resyncs_served, 1u);
  EXPECT_NE(cib::find_by_id(c.ctl(3).cib().root(), "a"), nullptr);
  EXPECT_NE(cib::find_by_id(c.ctl(3).cib().root(), "b"), nullptr);
}

TEST(Controller, RequestInFlightWhenTheDcDiesIsAppliedExactlyOnce) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  // The DC takes the request and dies before its commit leaves.
  std::optional<UpdateResult> r;
  const auto sent_before = c.ctl(1).stats().commits_sent;
  c.ctl(3).submit(Request{RequestOp::create, "resources", kIp}, [&](const UpdateResult& x) { r = x; });
  ASSERT_TRUE(c.clock.run_until_true([&] { return c.ctl(1).stats().commits_sent > sent_before; }, 10s));
  c.crash(1);
  c.quorum({2, 3});
  ASSERT_TRUE(c.clock.run_until_true([&] { return r.has_value(); }, 10s));
  EXPECT_TRUE(r->ok()) << r->error;  // a second application would be refused: "already exists"
  ASSERT_TRUE(c.settle({2, 3}));
  EXPECT_GE(c.ctl(3).stats().resends, 1u);
  EXPECT_NE(cib::find_by_id(c.ctl(2).cib().root(), "ip"), nullptr);
  EXPECT_EQ(c.ctl(2).stats().refused, 0u);
}

TEST(Controller, RequestsWithoutAKnownDcWaitAndRetriesAreDeduplicated) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  // Several requests in flight across a DC crash: each decided exactly once.
  std::map<int, UpdateResult> results;
  for (int i = 0; i < 6; ++i)
    c.ctl(2 + i % 2).submit(Request{RequestOp::create, "resources", primitive("r" + std::to_string(i))},
                            [&, i](const UpdateResult& x) { results[i] = x; });
  c.clock.run_for(2ms);
  c.crash(1);
  c.quorum({2, 3});
  ASSERT_TRUE(c.clock.run_until_true([&] { return results.size() == 6; }, 10s));
  for (auto& [i, res] : results) EXPECT_TRUE(res.ok()) << i << ": " << res.error;
  ASSERT_TRUE(c.settle({2, 3}));
  for (int i = 0; i < 6; ++i)
    EXPECT_NE(cib::find_by_id(c.ctl(2).cib().root(), "r" + std::to_string(i)), nullptr) << i;
}

TEST(Controller, MinorityRefusesUpdatesAndTheMajoritysCibWinsAtTheMerge) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  c.bus.partition({{1}, {2, 3}});
  c.clock.run_for(10ms);
  c.quorum({1});
  c.quorum({2, 3});
  ASSERT_TRUE(c.settle({2, 3}));
  ASSERT_TRUE(c.settle({1}));
  EXPECT_TRUE(c.ctl(1).is_dc());
  EXPECT_TRUE(c.ctl(2).is_dc());  // joined right after 1
  auto refused = c.update(1, Request{RequestOp::create, "resources", primitive("minority")});
  EXPECT_EQ(refused.code, UpdateCode::no_quorum);
  EXPECT_NE(refused.error.find("no quorum"), std::string::npos);
  auto ok = c.update(3, Request{RequestOp::create, "resources", primitive("majority")});
  ASSERT_TRUE(ok.ok()) << ok.error;
  c.bus.heal();
  c.clock.run_for(10ms);
  c.quorum({1, 2, 3});
  ASSERT_TRUE(c.settle({1, 2, 3}));
  for (NodeId id = 1; id <= 3; ++id) {
    EXPECT_EQ(c.ctl(id).dc()->node, 2u);  // after a merge: the quorate partition's DC stays
    EXPECT_NE(cib::find_by_id(c.ctl(id).cib().root(), "majority"), nullptr) << id;
    EXPECT_EQ(cib::find_by_id(c.ctl(id).cib().root(), "minority"), nullptr) << id;
    EXPECT_GE(c.ctl(id).version(), ok.version);
  }
}

TEST(Controller, SendsThatMustBeRetriedKeepTheirOrder) {
  Cluster c(2);
  start_all(c, {1, 2});
  c.node(2).channel->refuse_sends = 3;
  std::vector<int> order;
  for (int i = 0; i < 3; ++i)
    c.ctl(2).submit(Request{RequestOp::create, "resources", primitive("s" + std::to_string(i))},
                    [&, i](const UpdateResult& x) {
                      EXPECT_TRUE(x.ok()) << x.error;
                      order.push_back(i);
                    });
  ASSERT_TRUE(c.clock.run_until_true([&] { return order.size() == 3; }, 10s));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2}));
}

TEST(Controller, AloneWithoutQuorumRefusesClearly) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  c.crash(1);
  c.crash(3);
  c.quorum({2});
  ASSERT_TRUE(c.settle({2}));
  auto r = c.update(2, Request{RequestOp::create, "resources", kIp});
  EXPECT_EQ(r.code, UpdateCode::no_quorum) << r.error;
  EXPECT_NE(r.error.find("no quorum"), std::string::npos);
  EXPECT_EQ(cib::find_by_id(c.ctl(2).cib().root(), "ip"), nullptr);
}

TEST(Controller, RequestInFlightWhenTheDcChangesToARefusingDcIsInDoubt) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  c.crash(1);
  c.crash(3);  // node 2 does not know yet: it sends to node 1
  std::optional<UpdateResult> r;
  c.ctl(2).submit(Request{RequestOp::create, "resources", kIp}, [&](const UpdateResult& x) { r = x; });
  c.quorum({2});
  ASSERT_TRUE(c.clock.run_until_true([&] { return r.has_value(); }, 10s));
  EXPECT_EQ(r->code, UpdateCode::in_doubt) << r->error;
  EXPECT_NE(r->error.find("outcome unknown"), std::string::npos);
}

TEST(Controller, StopFailsOutstandingRequestsClearly) {
  Cluster c(2);
  start_all(c, {1, 2});
  c.node(2).channel->refuse_sends = 1000;
  std::optional<UpdateResult> r;
  c.ctl(2).submit(Request{RequestOp::create, "resources", kIp}, [&](const UpdateResult& x) { r = x; });
  c.clock.run_for(5ms);
  EXPECT_FALSE(r.has_value());
  c.ctl(2).stop();
  ASSERT_TRUE(r);
  EXPECT_EQ(r->code, UpdateCode::stopped);
  EXPECT_NE(r->error.find("stopped"), std::string::npos);
}

TEST(Controller, UpdateWaitsForVotequorumAfterAViewChangeThenTimesOut) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  c.crash(3);
  c.clock.run_for(20ms);  // views delivered; votequorum has not spoken yet
  std::optional<UpdateResult> r;
  c.ctl(2).submit(Request{RequestOp::create, "resources", kIp}, [&](const UpdateResult& x) { r = x; });
  c.clock.run_for(1s);
  EXPECT_FALSE(r.has_value()) << "decided before quorum was known: " << r->error;
  c.quorum({1, 2});
  ASSERT_TRUE(c.clock.run_until_true([&] { return r.has_value(); }, 10s));
  EXPECT_TRUE(r->ok()) << r->error;

  // Node 2 crashes and votequorum never speaks: after quorum_wait, refused.
  c.crash(2);
  c.clock.run_for(20ms);
  std::optional<UpdateResult> r2;
  c.ctl(1).submit(Request{RequestOp::create, "resources", primitive("late")}, [&](const UpdateResult& x) { r2 = x; });
  c.clock.run_for(4s);
  EXPECT_FALSE(r2.has_value());
  ASSERT_TRUE(c.clock.run_until_true([&] { return r2.has_value(); }, 10s));
  EXPECT_EQ(r2->code, UpdateCode::no_quorum) << r2->error;
}

// The order the simnet test found: request #1 reaches the DC, which dies
// before its commit leaves; request #2, sent later, is carried into the new
// view and reaches the new DC before #1's re-sent copy. #1 must still be
// applied (a per-origin high-water mark would take it for a duplicate).
TEST(Controller, AnEarlierRequestResentAfterALaterOneIsStillApplied) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  std::optional<UpdateResult> r1, r2;
  const auto sent_before = c.ctl(1).stats().commits_sent;
  c.ctl(3).submit(Request{RequestOp::create, "resources", primitive("first")}, [&](const UpdateResult& x) { r1 = x; });
  ASSERT_TRUE(c.clock.run_until_true([&] { return c.ctl(1).stats().commits_sent > sent_before; }, 10s));
  c.crash(1);
  c.ctl(3).submit(Request{RequestOp::create, "resources", primitive("second")}, [&](const UpdateResult& x) { r2 = x; });
  c.quorum({2, 3});
  ASSERT_TRUE(c.clock.run_until_true([&] { return r1 && r2; }, 10s));
  EXPECT_TRUE(r1->ok()) << r1->error;
  EXPECT_TRUE(r2->ok()) << r2->error;
  ASSERT_TRUE(c.settle({2, 3}));
  EXPECT_NE(cib::find_by_id(c.ctl(2).cib().root(), "first"), nullptr);
  EXPECT_NE(cib::find_by_id(c.ctl(2).cib().root(), "second"), nullptr);
}

TEST(Controller, AHungMemberIsLeftOutOfTheJoinAfterTheTimeout) {
  Cluster c(3);
  start_all(c, {1, 2});
  c.open_silent(3);  // node 3's controller joins the group, then hangs
  c.clock.run_for(20ms);
  c.quorum({1, 2, 3});
  EXPECT_TRUE(c.ctl(1).round_active());
  std::optional<UpdateResult> r;
  c.ctl(2).submit(Request{RequestOp::create, "resources", kIp}, [&](const UpdateResult& x) { r = x; });
  c.clock.run_for(9s);
  EXPECT_FALSE(r.has_value());  // the round waits for node 3 up to join_timeout (10 s)
  ASSERT_TRUE(c.clock.run_until_true([&] { return r.has_value(); }, 5s));
  EXPECT_TRUE(r->ok()) << r->error;  // acknowledged by the members that answered
  EXPECT_FALSE(c.ctl(1).round_active());
  EXPECT_EQ(c.ctl(2).cib().digest(), c.ctl(1).cib().digest());
}

TEST(Controller, StatusMarkedEvenWithoutQuorumIsRecordedInAMinority) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  c.crash(1);
  c.crash(3);
  c.quorum({2});
  ASSERT_TRUE(c.settle({2}));
  Request status{RequestOp::modify, "status", R"(<node_state id="2" crm-debug-origin="no-quorum-stop"/>)"};
  auto refused = c.update(2, status);
  EXPECT_EQ(refused.code, UpdateCode::no_quorum);
  status.even_without_quorum = true;
  auto ok = c.update(2, status);
  EXPECT_TRUE(ok.ok()) << ok.error;
  EXPECT_EQ(cib::attr_or(node_state(c.ctl(2), 2), "crm-debug-origin", ""), "no-quorum-stop");
}
