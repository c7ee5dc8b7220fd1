#include "stack/quorum/votequorum.hpp"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include "tests/totem/fake_world.hpp"

using namespace halab;
using namespace std::chrono_literals;
using quorum::NodeId;
using quorum::Votequorum;
using quorum::VotequorumOptions;

namespace {
VotequorumOptions nodes(int n) {
  VotequorumOptions o;
  for (int i = 1; i <= n; ++i) o.votes[NodeId(i)] = 1;
  return o;
}
}  // namespace

TEST(Votequorum, MajorityOfExpectedVotes) {
  fake::FakeClock clock;
  Votequorum q(clock, nodes(3));
  EXPECT_EQ(q.state().expected_votes, 3);
  EXPECT_EQ(q.state().quorum, 2);
  q.membership({1});
  EXPECT_FALSE(q.state().quorate);
  q.membership({1, 3});
  EXPECT_TRUE(q.state().quorate);
  q.membership({1, 2, 3});
  EXPECT_TRUE(q.state().quorate);
  EXPECT_EQ(q.state().total_votes, 3);
}

TEST(Votequorum, VotesAndExpectedVotesFromConfig) {
  auto r = config::parse_corosync_conf(
      "quorum {\n provider: corosync_votequorum\n expected_votes: 5\n}\nnodelist {\n node {\n ring0_addr: 10.0.0.1\n "
      "nodeid: 1\n quorum_votes: 3\n }\n node {\n ring0_addr: 10.0.0.2\n nodeid: 2\n }\n}\n");
  ASSERT_TRUE(r.ok()) << r.report();
  fake::FakeClock clock;
  Votequorum q(clock, quorum::votequorum_options(r.conf));
  EXPECT_EQ(q.state().quorum, 3);
  q.membership({1});
  EXPECT_TRUE(q.state().quorate);  // 3 votes of 5
  q.membership({2});
  EXPECT_FALSE(q.state().quorate);
}

TEST(Votequorum, EvenSplitNeedsAutoTieBreaker) {
  fake::FakeClock clock;
  Votequorum a(clock, nodes(4)), b(clock, nodes(4));
  a.membership({1, 2});
  b.membership({3, 4});
  EXPECT_FALSE(a.state().quorate);
  EXPECT_FALSE(b.state().quorate);
  auto atb = nodes(4);
  atb.auto_tie_breaker = true;
  Votequorum c(clock, atb), d(clock, atb);
  c.membership({1, 3});
  d.membership({2, 4});
  EXPECT_TRUE(c.state().quorate);  // holds node 1, the lowest id
  EXPECT_FALSE(d.state().quorate);
}

TEST(Votequorum, TwoNodeImpliesWaitForAllAndThenSurvivesAlone) {
  fake::FakeClock clock;
  auto o = nodes(2);
  o.two_node = true;
  Votequorum q(clock, o);
  q.membership({1});
  EXPECT_FALSE(q.state().quorate);  // wait_for_all: never seen the peer
  EXPECT_TRUE(q.state().wait_for_all_pending);
  q.membership({1, 2});
  EXPECT_TRUE(q.state().quorate);
  q.membership({1});
  EXPECT_TRUE(q.state().quorate);  // one vote is quorum with two_node
  // ...and so is the other side of a split: two_node needs fencing to be safe.
  Votequorum other(clock, o);
  other.membership({1, 2});
  other.membership({2});
  EXPECT_TRUE(other.state().quorate);
}

TEST(Votequorum, WaitForAllHoldsQuorumBackUntilEveryoneWasSeen) {
  fake::FakeClock clock;
  auto o = nodes(3);
  o.wait_for_all = true;
  Votequorum q(clock, o);
  q.membership({1, 2});
  EXPECT_FALSE(q.state().quorate);
  q.membership({1, 2, 3});
  EXPECT_TRUE(q.state().quorate);
  q.membership({1, 2});
  EXPECT_TRUE(q.state().quorate);
}

TEST(Votequorum, LastManStandingLowersExpectedVotesAfterTheWindow) {
  fake::FakeClock clock;
  auto o = nodes(5);
  o.last_man_standing = true;
  o.last_man_standing_window = 10s;
  Votequorum q(clock, o);
  q.membership({1, 2, 3, 4, 5});
  q.membership({1, 2, 3});
  EXPECT_TRUE(q.state().quorate);
  clock.run_for(9s);
  EXPECT_EQ(q.state().expected_votes, 5);
  q.membership({1, 2});  // too early: 2 of 5
  EXPECT_FALSE(q.state().quorate);
  q.membership({1, 2, 3});
  clock.run_for(11s);
  EXPECT_EQ(q.state().expected_votes, 3);
  q.membership({1, 2});
  EXPECT_TRUE(q.state().quorate);  // 2 of 3
  clock.run_for(11s);
  EXPECT_EQ(q.state().expected_votes, 2);
  q.membership({1});
  EXPECT_FALSE(q.state().quorate);  // as corosync: down to two; the last one needs auto_tie_breaker
  auto with_atb = o;
  with_atb.auto_tie_breaker = true;
  Votequorum r(clock, with_atb);
  r.membership({1, 2, 3, 4, 5});
  r.membership({1, 2});
  EXPECT_FALSE(r.state().quorate);
  r.membership({1, 2, 3});
  clock.run_for(11s);
  r.membership({1, 2});
  clock.run_for(11s);
  r.membership({1});
  EXPECT_TRUE(r.state().quorate);  // half of 2, and it holds node 1
}

// Quorum safety: nodes split into groups at generated instants; every node
// learns its group's membership at once. At no instant may two nodes in
// different groups both be quorate: plain votequorum, and with
// auto_tie_breaker. (last_man_standing is safe only while partitions change
// no faster than its window, and two_node never is without fencing: both
// are tested by example above.)
RC_GTEST_PROP(VotequorumProperty, NoTwoDisjointPartitionsAreQuorate, ()) {
  const int n = *rc::gen::inRange(2, 17);
  const bool atb = *rc::gen::arbitrary<bool>();
  const bool wfa = *rc::gen::arbitrary<bool>();
  const auto splits = *rc::gen::container<std::vector<std::vector<int>>>(
      rc::gen::container<std::vector<int>>(std::size_t(n), rc::gen::inRange(0, 3)));
  fake::FakeClock clock;
  auto o = nodes(n);
  o.auto_tie_breaker = atb;
  o.wait_for_all = wfa;
  std::vector<std::unique_ptr<Votequorum>> q;
  for (int i = 0; i < n; ++i) q.push_back(std::make_unique<Votequorum>(clock, o));
  for (const auto& split : splits) {
    std::map<int, std::vector<NodeId>> groups;
    for (int i = 0; i < n; ++i) groups[split[i]].push_back(NodeId(i + 1));
    for (int i = 0; i < n; ++i) q[i]->membership(groups[split[i]]);
    for (int i = 0; i < n; ++i)
      for (int j = 0; j < n; ++j)
        if (split[i] != split[j]) RC_ASSERT(!(q[i]->state().quorate && q[j]->state().quorate));
    clock.run_for(1s);
  }
}
