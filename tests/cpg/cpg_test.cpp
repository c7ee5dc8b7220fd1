// CPG on a fake in-order ring: join, leave, mcast, proc_down, ring changes.
#include "stack/cpg/cpg.hpp"

#include <gtest/gtest.h>

#include "stack/cpg/wire.hpp"
#include "tests/cpg/fake_bus.hpp"

using namespace halab;
using namespace halab::cpg;
using halab::cpg::test::Bus;
using halab::cpg::test::Proc;

namespace {
std::vector<Address> addrs(std::initializer_list<std::pair<NodeId, std::uint32_t>> l) {
  std::vector<Address> v;
  for (auto [n, p] : l) v.push_back({n, p});
  return v;
}
}  // namespace

TEST(Cpg, JoinMcastAndLeaveAreSeenInTheSameOrderEverywhere) {
  Bus bus({1, 2, 3});
  bus.form({1, 2, 3});
  bus.run();
  ASSERT_TRUE(bus.cpg(1).synced());
  Proc a, b, c;
  ASSERT_EQ(bus.join(1, "crmd", 10, a), Result::ok);
  ASSERT_EQ(bus.join(2, "crmd", 20, b), Result::ok);
  bus.run();
  ASSERT_EQ(bus.join(3, "crmd", 30, c), Result::ok);
  ASSERT_EQ(bus.mcast(1, "crmd", 10, "hello"), Result::ok);
  ASSERT_EQ(bus.mcast(3, "crmd", 30, "from three"), Result::ok);  // ordered after its join
  bus.run();
  ASSERT_EQ(bus.cpg(2).leave("crmd", 20), Result::ok);
  ASSERT_EQ(bus.mcast(1, "crmd", 10, "after"), Result::ok);
  bus.run();

  // The first process saw its own join, the second's, the third's, then the messages.
  ASSERT_EQ(a.confchgs.size(), 4u);
  EXPECT_EQ(a.confchgs[0].members, addrs({{1, 10}}));
  EXPECT_EQ(a.confchgs[0].joined.at(0).reason, Reason::join);
  EXPECT_EQ(a.confchgs[2].members, addrs({{1, 10}, {2, 20}, {3, 30}}));
  EXPECT_EQ(a.confchgs[3].left.at(0).who, (Address{2, 20}));
  EXPECT_EQ(a.confchgs[3].left.at(0).reason, Reason::leave);
  EXPECT_EQ(a.events.at(3), "msg crmd 1/10 hello");
  EXPECT_EQ(a.events.at(4), "msg crmd 3/30 from three");
  EXPECT_EQ(a.events.back(), "msg crmd 1/10 after");
  // The third process sees nothing from before its join; the sender gets its own message.
  EXPECT_EQ(c.events.front().rfind("conf crmd: +3/30:join", 0), 0u) << c.events.front();
  EXPECT_EQ(c.events.at(1), "msg crmd 1/10 hello");
  // The leaver learns it left, and gets nothing afterwards.
  EXPECT_EQ(b.confchgs.back().left.at(0).who, (Address{2, 20}));
  EXPECT_EQ(b.events.back().find("msg"), std::string::npos);
  // Every node applied the same events in the same order.
  EXPECT_EQ(bus.trace(1), bus.trace(2));
  EXPECT_EQ(bus.trace(1), bus.trace(3));
  ASSERT_EQ(bus.cpg(3).groups().size(), 1u);
  EXPECT_EQ(bus.cpg(3).groups()[0].members, addrs({{1, 10}, {3, 30}}));
  EXPECT_EQ(bus.cpg(1).stats().delivered, 3u);
  EXPECT_EQ(bus.cpg(1).stats().bad_messages, 0u);
}

TEST(Cpg, RequestsAreRefusedWithCorosyncsErrors) {
  Bus bus({1});
  bus.form({1});
  Proc p;
  EXPECT_EQ(bus.join(1, "", 1, p), Result::invalid);
  EXPECT_EQ(bus.join(1, std::string(129, 'g'), 1, p), Result::invalid);
  EXPECT_EQ(bus.join(1, std::string(128, 'g'), 1, p), Result::ok);
  EXPECT_EQ(bus.join(1, "g", 1, p), Result::ok);
  EXPECT_EQ(bus.join(1, "g", 1, p), Result::exist);  // before the join is delivered
  bus.run();
  EXPECT_EQ(bus.join(1, "g", 1, p), Result::exist);
  EXPECT_EQ(bus.cpg(1).leave("g", 2), Result::not_exist);
  EXPECT_EQ(bus.cpg(1).leave("other", 1), Result::not_exist);
  EXPECT_EQ(bus.mcast(1, "other", 1, "x"), Result::not_exist);
  EXPECT_EQ(bus.mcast(1, std::string(129, 'g'), 1, "x"), Result::invalid);
  EXPECT_EQ(bus.cpg(1).mcast("g", 1, core::Bytes(Cpg::kMaxMessage + 1, 0)), Result::too_big);
  EXPECT_EQ(bus.cpg(1).mcast("g", 1, core::Bytes(Cpg::kMaxMessage, 7)), Result::ok);
  bus.run();
  ASSERT_EQ(p.events.size(), 3u);  // two joins, one message of kMaxMessage bytes
  EXPECT_EQ(p.events.back().size(), std::string("msg g 1/1 ").size() + Cpg::kMaxMessage);
  EXPECT_EQ(bus.cpg(1).leave("g", 1), Result::ok);
  EXPECT_EQ(bus.cpg(1).leave("g", 1), Result::not_exist);
  EXPECT_EQ(bus.mcast(1, "g", 1, "x"), Result::not_exist);
}

TEST(Cpg, AFullRingQueueIsRetriedAndAFullOutboxSaysTryAgain) {
  Bus bus({1, 2});
  bus.form({1, 2});
  bus.run();
  Proc p, q;
  bus.refuse_sends(true);
  ASSERT_EQ(bus.join(1, "g", 1, p), Result::ok);
  Result r = Result::ok;
  int accepted = 0;
  for (int i = 0; i < 10000 && r == Result::ok; ++i)
    if ((r = bus.mcast(1, "g", 1, "m" + std::to_string(i))) == Result::ok) ++accepted;
  EXPECT_EQ(r, Result::try_again);
  EXPECT_EQ(bus.queued(), 0u);
  bus.refuse_sends(false);
  ASSERT_EQ(bus.join(2, "g", 2, q), Result::ok);  // node 1's next event flushes its backlog
  bus.run();
  bus.run();
  EXPECT_EQ(bus.cpg(1).pending_requests(), 0u);
  // Node 2's join went out first (node 1 was held back): p sees its own join, then its messages.
  EXPECT_EQ(int(p.events.size()), 1 + accepted);
  EXPECT_EQ(bus.trace(1), bus.trace(2));
}

TEST(Cpg, ProcDownLeavesEveryGroupAndTheDeadProcessHearsNothing) {
  Bus bus({1, 2});
  bus.form({1, 2});
  Proc a1, a2, b;
  bus.join(1, "g1", 5, a1);
  bus.join(1, "g2", 5, a2);
  bus.join(2, "g1", 6, b);
  bus.run();
  const auto before = a1.events.size();
  bus.cpg(1).proc_down(5);
  bus.run();
  EXPECT_EQ(a1.events.size(), before);
  ASSERT_FALSE(b.confchgs.empty());
  EXPECT_EQ(b.confchgs.back().left.at(0).who, (Address{1, 5}));
  EXPECT_EQ(b.confchgs.back().left.at(0).reason, Reason::proc_down);
  ASSERT_EQ(bus.cpg(2).groups().size(), 1u);  // g2 is gone with its only member
  EXPECT_EQ(bus.cpg(2).groups()[0].members, addrs({{2, 6}}));
  // The pid may come back (a new process with the same pid).
  Proc again;
  EXPECT_EQ(bus.join(1, "g1", 5, again), Result::ok);
  bus.run();
  EXPECT_EQ(again.confchgs.back().members, addrs({{1, 5}, {2, 6}}));
  // proc_down of an unknown pid sends nothing.
  bus.cpg(1).proc_down(999);
  EXPECT_EQ(bus.queued(), 0u);
}

TEST(Cpg, RejoinAfterLeave) {
  Bus bus({1, 2});
  bus.form({1, 2});
  bus.run();
  Proc p, q;
  bus.join(2, "g", 2, q);
  bus.join(1, "g", 1, p);
  bus.cpg(1).leave("g", 1);
  bus.join(1, "g", 1, p);  // join, leave and join again before any is delivered
  bus.mcast(1, "g", 1, "back");
  bus.run();
  std::vector<std::string> want{"conf g: +1/1:join [ 1/1 2/2 ]", "conf g: -1/1:leave [ 2/2 ]",
                                "conf g: +1/1:join [ 1/1 2/2 ]", "msg g 1/1 back"};
  EXPECT_EQ(p.events, want);
  EXPECT_EQ(bus.trace(1), bus.trace(2));
}

TEST(Cpg, NodeDownIsReportedBeforeAnyMessageOfTheNewRing) {
  Bus bus({1, 2, 3});
  bus.form({1, 2, 3});
  Proc a, b, c;
  bus.join(1, "g", 1, a);
  bus.join(2, "g", 2, b);
  bus.join(3, "g", 3, c);
  bus.run();
  bus.mcast(3, "g", 3, "last words");
  bus.form({1, 2});  // node 3's message was ordered in the old ring: delivered first
  bus.form({3});
  bus.mcast(1, "g", 1, "new ring");
  bus.run();
  const auto n = a.events.size();
  ASSERT_GE(n, 3u);
  EXPECT_EQ(a.events[n - 3], "msg g 3/3 last words");
  EXPECT_EQ(a.events[n - 2], "conf g: -3/3:node_down [ 1/1 2/2 ]");
  EXPECT_EQ(a.events[n - 1], "msg g 1/1 new ring");
  EXPECT_EQ(c.events.back(), "conf g: -1/1:node_down -2/2:node_down [ 3/3 ]");
  EXPECT_EQ(bus.trace(1), bus.trace(2));
}

TEST(Cpg, AfterAMergeEachSideLearnsTheOthersMembersBeforeAnyNewMessage) {
  Bus bus({1, 2, 3});
  bus.form({1, 2});
  bus.form({3});
  Proc a, b, c;
  bus.join(1, "g", 1, a);
  bus.join(2, "h", 2, b);
  bus.join(3, "g", 3, c);
  bus.run();
  // Requests made during the change wait for the joinlist exchange.
  bus.form({1, 2, 3});
  bus.mcast(3, "g", 3, "merged");
  bus.run();
  ASSERT_GE(a.events.size(), 3u);
  EXPECT_EQ(a.events[1], "conf g: +3/3:node_up [ 1/1 3/3 ]");
  EXPECT_EQ(a.events[2], "msg g 3/3 merged");
  EXPECT_EQ(c.events[1], "conf g: +1/1:node_up [ 1/1 3/3 ]");
  EXPECT_EQ(c.events[2], "msg g 3/3 merged");
  EXPECT_TRUE(b.events.size() == 1u) << b.events.back();  // nothing changed in h
  for (NodeId id : {1, 2, 3}) {
    auto g = bus.cpg(id).groups();
    ASSERT_EQ(g.size(), 2u);
    EXPECT_EQ(g[0].members, addrs({{1, 1}, {3, 3}}));
    EXPECT_EQ(g[1].members, addrs({{2, 2}}));
  }
}

TEST(Cpg, AMessageQueuedAcrossARingChangeIsSentAgainOnce) {
  Bus bus({1, 2});
  bus.form({1, 2});
  Proc a, b;
  bus.join(1, "g", 1, a);
  bus.join(2, "g", 2, b);
  bus.run();
  bus.mcast(1, "g", 1, "crossing");
  bus.form({1, 2}, /*run_first=*/false);  // ordered in the next ring, with the old ring's tag
  bus.run();
  EXPECT_EQ(b.events.back(), "msg g 1/1 crossing");
  EXPECT_EQ(std::count(b.events.begin(), b.events.end(), "msg g 1/1 crossing"), 1);
  EXPECT_GE(bus.cpg(2).stats().stale_messages, 1u);
  EXPECT_EQ(bus.cpg(1).pending_requests(), 0u);
  EXPECT_EQ(bus.trace(1), bus.trace(2));
}

TEST(Cpg, ARestartedNodeComesBackEmptyAndItsOldMembersGoDown) {
  Bus bus({1, 2});
  bus.form({1, 2});
  Proc a, b;
  bus.join(1, "g", 1, a);
  bus.join(2, "g", 2, b);
  bus.run();
  bus.restart(2);  // seen by node 1 as leaving and joining in one change
  bus.form({1, 2});
  bus.run();
  EXPECT_EQ(a.events.back(), "conf g: -2/2:node_down [ 1/1 ]");
  EXPECT_EQ(bus.cpg(2).groups().size(), 1u);
  EXPECT_EQ(bus.cpg(2).groups()[0].members, addrs({{1, 1}}));
}

TEST(Cpg, BadAndStaleBytesAreCountedNeverApplied) {
  Bus bus({1, 2});
  bus.form({1, 2});
  Proc a;
  bus.join(1, "g", 1, a);
  bus.run();
  bus.inject(2, core::Bytes{0x43, 1, 99});
  bus.inject(2, core::Bytes{});
  bus.inject(2, wire::encode(wire::McastMsg{{1, 1}, "g", 2, {}}));    // another ring
  bus.inject(2, wire::encode(wire::JoinMsg{{1, 0}, "g", 2}));          // another ring
  bus.run();
  EXPECT_EQ(bus.cpg(1).stats().bad_messages, 2u);
  EXPECT_EQ(bus.cpg(1).stats().stale_messages, 2u);
  EXPECT_EQ(a.events.size(), 1u);
  EXPECT_EQ(bus.cpg(1).groups()[0].members, addrs({{1, 1}}));
}

TEST(Cpg, TotemConfchgReachesMembersThatAskedForIt) {
  Bus bus({1, 2});
  bus.form({1});
  std::vector<RingChange> seen;
  GroupCallbacks cb;
  cb.totem_confchg = [&](const RingChange& r) { seen.push_back(r); };
  ASSERT_EQ(bus.cpg(1).join("g", 1, cb), Result::ok);
  bus.run();
  bus.form({1, 2});
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].members, (std::vector<NodeId>{1, 2}));
}

TEST(Cpg, CallbacksMayMakeRequests) {
  Bus bus({1, 2});
  bus.form({1, 2});
  bus.run();
  Proc b;
  std::vector<std::string> seen;
  GroupCallbacks cb;
  // Greets every newcomer, and leaves when told to.
  cb.confchg = [&](const GroupConfig& gc) {
    for (const auto& j : gc.joined)
      if (j.who.node != 1) bus.mcast(1, "g", 1, fmt::format("hello {}", j.who.pid));
  };
  cb.deliver = [&](const Address&, core::ByteView m) {
    seen.emplace_back(m.begin(), m.end());
    if (seen.back() == "bye") bus.cpg(1).leave("g", 1);
  };
  ASSERT_EQ(bus.cpg(1).join("g", 1, cb), Result::ok);
  bus.run();
  bus.join(2, "g", 2, b);
  bus.run();
  bus.mcast(2, "g", 2, "bye");
  bus.run();
  EXPECT_EQ(seen, (std::vector<std::string>{"hello 2", "bye"}));
  EXPECT_EQ(b.events.back(), "conf g: -1/1:leave [ 2/2 ]");
  EXPECT_EQ(bus.trace(1), bus.trace(2));
}
