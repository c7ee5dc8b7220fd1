// votequorum's rules, one at a time, on the harness's deterministic ring.
#include "stack/quorum/votequorum.hpp"

#include <gtest/gtest.h>

#include "tests/quorum/harness.hpp"

using namespace halab::quorum;
using namespace halab::quorum::test;
using namespace std::chrono_literals;

namespace {

std::vector<std::uint32_t> ones(int n) { return std::vector<std::uint32_t>(std::size_t(n), 1); }

void settle(Harness& h, std::vector<std::vector<NodeId>> groups) {
  h.partition(std::move(groups));
  h.run();
}

}  // namespace

TEST(Votequorum, ThreeNodesTogetherAreQuorateWithQuorumTwo) {
  Harness h(ones(3));
  settle(h, {{1, 2, 3}});
  for (NodeId id = 1; id <= 3; ++id) {
    auto s = h.node(id).status();
    EXPECT_TRUE(s.quorate) << h.describe(id);
    EXPECT_EQ(s.expected_votes, 3u);
    EXPECT_EQ(s.total_votes, 3u);
    EXPECT_EQ(s.quorum, 2u);
    EXPECT_FALSE(s.in_sync);
    ASSERT_FALSE(h.notifications(id).empty());
    EXPECT_TRUE(h.notifications(id).back().quorate);
    EXPECT_EQ(h.notifications(id).back().members, (std::vector<NodeId>{1, 2, 3}));
  }
}

TEST(Votequorum, AloneBeforeAnyRingOnlyAOneNodeClusterIsQuorate) {
  Harness three(ones(3));
  EXPECT_FALSE(three.node(1).quorate());
  Harness one(ones(1));
  EXPECT_TRUE(one.node(1).quorate());
}

TEST(Votequorum, MajoritySideKeepsQuorumMinorityLosesIt) {
  Harness h(ones(5));
  settle(h, {{1, 2, 3, 4, 5}});
  settle(h, {{1, 2, 3}, {4, 5}});
  for (NodeId id : {1, 2, 3}) EXPECT_TRUE(h.node(id).quorate()) << h.describe(id);
  for (NodeId id : {4, 5}) EXPECT_FALSE(h.node(id).quorate()) << h.describe(id);
  // The minority heard about it from its callback.
  EXPECT_FALSE(h.notifications(4).back().quorate);
  EXPECT_EQ(h.notifications(4).back().members, (std::vector<NodeId>{4, 5}));
}

TEST(Votequorum, LeavingNodesStopCountingAtTheConfigurationChangeJoinersOnlyWithTheirNodeInfo) {
  Harness h(ones(3));
  settle(h, {{1, 2, 3}});
  h.partition({{1}, {2, 3}});  // configurations installed, no NodeInfo delivered yet
  EXPECT_FALSE(h.node(1).quorate()) << h.describe(1);
  EXPECT_EQ(h.node(1).status().total_votes, 1u);
  h.run();
  h.partition({{1, 2, 3}});
  EXPECT_EQ(h.node(1).status().total_votes, 1u) << "joiners count only after their NodeInfo";
  EXPECT_TRUE(h.node(1).status().in_sync);
  h.run();
  EXPECT_EQ(h.node(1).status().total_votes, 3u);
  EXPECT_TRUE(h.node(1).quorate());
}

TEST(Votequorum, NodeWithTwoVotes) {
  Harness h({2, 1, 1});  // expected 4, quorum 3
  settle(h, {{1, 2, 3}});
  EXPECT_EQ(h.node(2).status().expected_votes, 4u);
  EXPECT_EQ(h.node(2).status().quorum, 3u);
  settle(h, {{1, 2}, {3}});
  EXPECT_TRUE(h.node(1).quorate()) << "2 + 1 votes of 4";
  EXPECT_FALSE(h.node(3).quorate());
  settle(h, {{1}, {2, 3}});
  EXPECT_FALSE(h.node(1).quorate()) << "2 votes of 4 is not more than half";
  EXPECT_FALSE(h.node(2).quorate()) << "2 votes of 4 is not more than half";
  auto nodes = h.node(2).nodes();
  EXPECT_EQ(nodes.at(0).id, 1u);
  EXPECT_EQ(nodes.at(0).votes, 2u);
}

TEST(Votequorum, ExpectedVotesAreRaisedByNodesSeenBeyondTheConfiguredNumber) {
  // expected_votes: 2 in the config of a 4-node cluster. Once all four were
  // seen together, expected rises to 4; a 2|2 split then leaves neither side
  // quorate (with the configured 2, both would have been).
  Harness h(ones(4), [](VotequorumOptions& o) { o.expected_votes = 2; });
  settle(h, {{1, 2}});
  settle(h, {{1, 2}, {3}, {4}});
  EXPECT_TRUE(h.node(1).quorate());
  EXPECT_EQ(h.node(1).status().expected_votes, 2u);
  settle(h, {{1, 2, 3, 4}});
  for (NodeId id = 1; id <= 4; ++id) {
    EXPECT_EQ(h.node(id).status().expected_votes, 4u) << h.describe(id);
    EXPECT_EQ(h.node(id).status().quorum, 3u);
  }
  settle(h, {{1, 2}, {3, 4}});
  for (NodeId id = 1; id <= 4; ++id) EXPECT_FALSE(h.node(id).quorate()) << h.describe(id);
}

TEST(Votequorum, TwoNodeStartsWaitingForAllThenQuorateWithQuorumOne) {
  Harness h(ones(2), [](VotequorumOptions& o) { o.two_node = true, o.wait_for_all = true; });
  settle(h, {{1}, {2}});
  for (NodeId id : {1, 2}) {
    EXPECT_FALSE(h.node(id).quorate()) << "wait_for_all: not before both were seen " << h.describe(id);
    EXPECT_TRUE(h.node(id).status().wait_for_all_status);
    EXPECT_EQ(h.node(id).status().quorum, 1u);
  }
  settle(h, {{1, 2}});
  for (NodeId id : {1, 2}) {
    EXPECT_TRUE(h.node(id).quorate()) << h.describe(id);
    EXPECT_FALSE(h.node(id).status().wait_for_all_status);
  }
  // A restarted node waits for all again.
  h.boot(1);
  settle(h, {{1}, {2}});
  EXPECT_FALSE(h.node(1).quorate()) << h.describe(1);
  EXPECT_TRUE(h.node(2).quorate()) << "the survivor keeps quorum (two_node) " << h.describe(2);
}

TEST(Votequorum, TwoNodeWithoutWaitForAllIsQuorateAloneAtStartup) {
  Harness h(ones(2), [](VotequorumOptions& o) { o.two_node = true, o.wait_for_all = false; });
  settle(h, {{1}, {2}});
  EXPECT_TRUE(h.node(1).quorate()) << h.describe(1);
  EXPECT_TRUE(h.node(2).quorate()) << h.describe(2);
}

// two_node is unsafe by design: a 1|1 split leaves BOTH halves quorate, and
// only fencing (each node shooting the other, one of them winning) prevents
// the two from running the same resources. Shown here, so nobody mistakes it
// for a bug in the property test's plain/ATB/LMS modes.
TEST(Votequorum, TwoNodeSplitLeavesBothHalvesQuorate_NeedsFencing) {
  Harness h(ones(2), [](VotequorumOptions& o) { o.two_node = true, o.wait_for_all = true; });
  settle(h, {{1, 2}});
  settle(h, {{1}, {2}});
  EXPECT_TRUE(h.node(1).quorate()) << h.describe(1);
  EXPECT_TRUE(h.node(2).quorate()) << h.describe(2);
  auto v = h.split_brain();
  ASSERT_TRUE(v.has_value());
  EXPECT_EQ(v->a, 1u);
  EXPECT_EQ(v->b, 2u);
}

TEST(Votequorum, WaitForAllBlocksQuorumUntilEveryNodeWasSeenAtOnce) {
  Harness h(ones(3), [](VotequorumOptions& o) { o.wait_for_all = true; });
  settle(h, {{1, 2}, {3}});
  EXPECT_FALSE(h.node(1).quorate()) << "2 of 3 would be a majority, but not all were seen yet";
  settle(h, {{1, 2, 3}});
  EXPECT_TRUE(h.node(1).quorate());
  settle(h, {{1, 2}, {3}});
  EXPECT_TRUE(h.node(1).quorate()) << "after the wait, an ordinary majority keeps quorum";
  EXPECT_FALSE(h.node(3).quorate());
  EXPECT_TRUE(h.node(3).status().wait_for_all_status) << "a node that lost quorum waits again";
  settle(h, {{1, 2, 3}});
  EXPECT_TRUE(h.node(3).quorate()) << "joining a quorate partition ends the wait";
}

TEST(Votequorum, LastManStandingStepsExpectedVotesDownFiveFourThreeTwo) {
  Harness h(ones(5), [](VotequorumOptions& o) {
    o.last_man_standing = true;
    o.last_man_standing_window = 10s;
  });
  settle(h, {{1, 2, 3, 4, 5}});
  EXPECT_EQ(h.node(1).status().expected_votes, 5u);
  std::vector<NodeId> main = {1, 2, 3, 4, 5};
  for (std::uint32_t expect : {4u, 3u, 2u}) {
    const NodeId gone = main.back();
    main.pop_back();
    settle(h, {main, {gone}});
    EXPECT_TRUE(h.node(1).quorate()) << h.describe(1);
    EXPECT_EQ(h.node(1).status().expected_votes, expect + 1) << "not before the window";
    h.advance(9s);
    EXPECT_EQ(h.node(1).status().expected_votes, expect + 1) << "not before the window";
    h.advance(1s);
    for (NodeId id : main) {
      EXPECT_EQ(h.node(id).status().expected_votes, expect) << h.describe(id);
      EXPECT_EQ(h.node(id).status().quorum, expect / 2 + 1);
      EXPECT_TRUE(h.node(id).quorate());
    }
  }
  // Down to two nodes, expected 2, quorum 2: one more loss ends quorum.
  settle(h, {{1}, {2}, {3}, {4}, {5}});
  EXPECT_FALSE(h.node(1).quorate()) << h.describe(1);
}

TEST(Votequorum, LastManStandingWindowRestartsWhenTheMembershipChangesAgain) {
  Harness h(ones(5), [](VotequorumOptions& o) {
    o.last_man_standing = true;
    o.last_man_standing_window = 10s;
  });
  settle(h, {{1, 2, 3, 4, 5}});
  settle(h, {{1, 2, 3, 4}, {5}});
  h.advance(6s);
  settle(h, {{1, 2, 3}, {4}, {5}});
  h.advance(6s);  // 12 s after the first change, 6 s after the second
  EXPECT_EQ(h.node(1).status().expected_votes, 5u) << h.describe(1);
  h.advance(4s);
  EXPECT_EQ(h.node(1).status().expected_votes, 3u) << h.describe(1);
}

TEST(Votequorum, WithoutLastManStandingTwoOfFiveAreNotQuorate) {
  Harness h(ones(5));
  settle(h, {{1, 2, 3, 4, 5}});
  settle(h, {{1, 2}, {3}, {4}, {5}});
  h.advance(60s);
  EXPECT_FALSE(h.node(1).quorate());
  EXPECT_EQ(h.node(1).status().expected_votes, 5u);
}

TEST(Votequorum, LastManStandingIsDisabledByANodeWithMoreThanOneVote) {
  Harness h({1, 2, 1}, [](VotequorumOptions& o) { o.last_man_standing = true; });
  settle(h, {{1, 2, 3}});
  EXPECT_FALSE(h.node(1).status().last_man_standing);
}

// LMS assumes that nodes cut off from the shrinking partition stay down (or
// isolated) until they rejoin it. If three of them regroup on their own,
// they still hold expected 5 and 3 votes: quorate, next to the LMS partition
// {1,2} (expected 2): two quorate partitions. This is the assumption the
// property test states; here is what breaking it costs.
TEST(Votequorum, LastManStandingSplitsBrainWhenTheNodesItLeftBehindRegroup) {
  Harness h(ones(5), [](VotequorumOptions& o) {
    o.last_man_standing = true;
    o.last_man_standing_window = 10s;
  });
  settle(h, {{1, 2, 3, 4, 5}});
  settle(h, {{1, 2, 3, 4}, {5}});
  h.advance(10s);
  settle(h, {{1, 2, 3}, {4}, {5}});
  h.advance(10s);
  settle(h, {{1, 2}, {3}, {4}, {5}});
  h.advance(10s);
  EXPECT_TRUE(h.node(1).quorate());
  settle(h, {{1, 2}, {3, 4, 5}});
  EXPECT_TRUE(h.node(3).quorate()) << h.describe(3);
  EXPECT_TRUE(h.split_brain().has_value());
}

TEST(Votequorum, AutoTieBreakerLowestNodeKeepsAnEvenSplit) {
  Harness h(ones(4), [](VotequorumOptions& o) {
    o.auto_tie_breaker = true;
    o.tie_breaker = 1;
  });
  settle(h, {{1, 2, 3, 4}});
  settle(h, {{1, 2}, {3, 4}});
  EXPECT_TRUE(h.node(1).quorate()) << h.describe(1);
  EXPECT_TRUE(h.node(2).quorate()) << h.describe(2);
  EXPECT_FALSE(h.node(3).quorate()) << h.describe(3);
  EXPECT_FALSE(h.node(4).quorate()) << h.describe(4);
  settle(h, {{1, 3}, {2, 4}});
  EXPECT_TRUE(h.node(3).quorate());
  EXPECT_FALSE(h.node(2).quorate());
}

TEST(Votequorum, AutoTieBreakerListNodeKeepsAnEvenSplit) {
  Harness h(ones(4), [](VotequorumOptions& o) {
    o.auto_tie_breaker = true;
    o.tie_breaker = 3;
  });
  settle(h, {{1, 2, 3, 4}});
  settle(h, {{1, 2}, {3, 4}});
  EXPECT_FALSE(h.node(1).quorate());
  EXPECT_TRUE(h.node(4).quorate());
}

TEST(Votequorum, AutoTieBreakerDoesNotApplyToAnOddSplit) {
  // corosync applies it at expected/2 with integer division, so 2 of 5 with
  // the lowest node would count, while 3 of 5 on the other side is quorate.
  Harness h(ones(5), [](VotequorumOptions& o) {
    o.auto_tie_breaker = true;
    o.tie_breaker = 1;
  });
  settle(h, {{1, 2, 3, 4, 5}});
  settle(h, {{1, 2}, {3, 4, 5}});
  EXPECT_FALSE(h.node(1).quorate()) << h.describe(1);
  EXPECT_TRUE(h.node(3).quorate());
}

TEST(Votequorum, DeviceVoteGoesWhereTheDeviceCastsIt) {
  Harness h(ones(2), [](VotequorumOptions& o) {
    o.device_votes = 1;
    o.device_name = "disk";
  });
  settle(h, {{1, 2}});
  EXPECT_EQ(h.node(1).status().expected_votes, 3u);
  h.node(1).set_device_state(true, true);
  h.node(2).set_device_state(true, true);
  h.run();
  EXPECT_EQ(h.node(1).status().total_votes, 3u);
  // The disk device learns the new membership before votequorum does (the
  // daemon calls QuorumDevice::set_membership first), so node 2, cut off from
  // the disk master (node 1), withdraws the vote before it counts alone.
  h.node(2).set_device_state(true, false);
  settle(h, {{1}, {2}});
  EXPECT_TRUE(h.node(1).quorate()) << h.describe(1);
  EXPECT_FALSE(h.node(2).quorate()) << h.describe(2);
  EXPECT_NE(h.node(1).nodes().at(0).flags & kFlagQdeviceCastVote, 0u);
}

TEST(Votequorum, BadStaleAndForgedMessagesAreCountedAndIgnored) {
  Harness h(ones(3));
  settle(h, {{1, 2, 3}});
  auto& n = h.node(1);
  const auto before = n.status();
  const std::uint8_t junk[] = {0x56, 0x01, 0x01, 0x00};
  n.on_message(2, junk);
  n.on_message(2, {});
  EXPECT_EQ(n.stats().bad_messages, 2u);
  // Node 2 speaking for node 3.
  n.on_message(2, encode(NodeInfoMsg{3, before.ring, 5, 3, 0}));
  EXPECT_EQ(n.stats().bad_messages, 3u);
  // From an old ring.
  n.on_message(2, encode(NodeInfoMsg{2, RingId{1, 0}, 5, 3, 0}));
  EXPECT_EQ(n.stats().stale_messages, 1u);
  // From a node outside the membership.
  n.on_message(9, encode(NodeInfoMsg{9, before.ring, 5, 3, 0}));
  EXPECT_EQ(n.stats().stale_messages, 2u);
  EXPECT_EQ(n.status().total_votes, before.total_votes);
}

TEST(Votequorum, AdministratorLowersExpectedVotes) {
  Harness h(ones(5));
  settle(h, {{1, 2, 3, 4, 5}});
  settle(h, {{1, 2, 3}, {4}, {5}});
  EXPECT_NE(h.node(1).set_expected_votes(2), "") << "below the votes present";
  EXPECT_EQ(h.node(1).set_expected_votes(3), "");
  h.run();
  for (NodeId id : {1, 2, 3}) {
    EXPECT_EQ(h.node(id).status().expected_votes, 3u) << h.describe(id);
    EXPECT_EQ(h.node(id).status().quorum, 2u);
  }
}

TEST(Votequorum, ANodeRejoiningAfterLastManStandingTakesThePartitionsExpectedVotes) {
  Harness h(ones(5), [](VotequorumOptions& o) {
    o.last_man_standing = true;
    o.last_man_standing_window = 10s;
  });
  settle(h, {{1, 2, 3, 4, 5}});
  settle(h, {{1, 2, 3, 4}, {5}});
  h.advance(10s);
  settle(h, {{1, 2, 3}, {4}, {5}});
  h.advance(10s);
  ASSERT_EQ(h.node(1).status().expected_votes, 3u);
  EXPECT_EQ(h.node(5).status().expected_votes, 5u);
  settle(h, {{1, 2, 3, 5}, {4}});
  // Node 5 adopts the quorate partition's 3, raised to the 4 votes present;
  // the partition's quorum is not dragged up by node 5's stale 5.
  for (NodeId id : {1, 2, 3, 5}) {
    EXPECT_EQ(h.node(id).status().expected_votes, 4u) << h.describe(id);
    EXPECT_EQ(h.node(id).status().quorum, 3u) << h.describe(id);
    EXPECT_TRUE(h.node(id).quorate());
  }
}

TEST(Votequorum, AdministratorChangesANodesVotes) {
  Harness h(ones(3));
  settle(h, {{1, 2, 3}});
  EXPECT_EQ(h.node(1).set_votes(3, 3), "");
  EXPECT_NE(h.node(1).set_votes(9, 1), "") << "unknown node";
  h.run();
  for (NodeId id = 1; id <= 3; ++id) {
    EXPECT_EQ(h.node(id).status().total_votes, 5u) << h.describe(id);
    EXPECT_EQ(h.node(id).status().expected_votes, 5u);
    EXPECT_EQ(h.node(id).status().quorum, 3u);
  }
  settle(h, {{1, 2}, {3}});
  EXPECT_FALSE(h.node(1).quorate()) << h.describe(1);
  EXPECT_TRUE(h.node(3).quorate()) << h.describe(3);
}
