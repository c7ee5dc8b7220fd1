// votequorum's messages: round trips, and bad bytes give an error, never a crash.
#include "stack/quorum/wire.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

using namespace halab::quorum;

TEST(QuorumWire, NodeInfoRoundTrips) {
  NodeInfoMsg m{7, RingId{3, 0x1234567890ull}, 2, 5, kFlagQuorate | kFlagQdeviceCastVote};
  auto d = decode(encode(m));
  ASSERT_TRUE(d.ok()) << d.error;
  EXPECT_EQ(std::get<NodeInfoMsg>(*d.message), m);
}

TEST(QuorumWire, ReconfigureRoundTrips) {
  ReconfigureMsg m{4, RingId{1, 9}, ReconfigureMsg::Param::node_votes, 0};
  auto d = decode(encode(m));
  ASSERT_TRUE(d.ok()) << d.error;
  EXPECT_EQ(std::get<ReconfigureMsg>(*d.message), m);
}

TEST(QuorumWire, EveryTruncationAndEveryExtensionIsRefusedWithAReason) {
  const auto full = encode(NodeInfoMsg{7, RingId{3, 44}, 1, 3, 0});
  for (std::size_t n = 0; n < full.size(); ++n) {
    auto d = decode(halab::core::ByteView(full.data(), n));
    EXPECT_FALSE(d.ok()) << n;
    EXPECT_FALSE(d.error.empty());
  }
  auto longer = full;
  longer.push_back(0);
  auto d = decode(longer);
  EXPECT_FALSE(d.ok());
  EXPECT_NE(d.error.find("stray"), std::string::npos) << d.error;
}

TEST(QuorumWire, FieldsOutOfRangeAreRefused) {
  auto expect_error = [](const Message& m, const char* what) {
    auto d = decode(encode(m));
    EXPECT_FALSE(d.ok()) << what;
    EXPECT_NE(d.error.find(what), std::string::npos) << d.error;
  };
  expect_error(NodeInfoMsg{0, {}, 1, 1, 0}, "node id 0");
  expect_error(NodeInfoMsg{1, {}, kMaxVotes + 1, 1, 0}, "votes");
  expect_error(NodeInfoMsg{1, {}, 1, 0, 0}, "expected_votes");
  expect_error(NodeInfoMsg{1, {}, 1, 1, 0x100}, "unknown flags");
  expect_error(ReconfigureMsg{1, {}, ReconfigureMsg::Param::expected_votes, 0}, "value");
  auto bad_type = encode(NodeInfoMsg{1, {}, 1, 1, 0});
  bad_type[2] = 9;
  EXPECT_NE(decode(bad_type).error.find("unknown message type 9"), std::string::npos);
  bad_type[0] = 0;
  EXPECT_NE(decode(bad_type).error.find("magic"), std::string::npos);
}

RC_GTEST_PROP(QuorumWire, ArbitraryBytesNeverCrashAndAcceptedOnesReencodeIdentically, (std::vector<std::uint8_t> bytes)) {
  auto d = decode(bytes);
  if (d.ok()) {
    RC_ASSERT(encode(*d.message) == bytes);
  } else {
    RC_ASSERT(!d.error.empty());
  }
}

RC_GTEST_PROP(QuorumWire, FlippedBytesOfAValidMessageDecodeOrFailCleanly,
              (std::uint32_t node, std::uint32_t votes, std::size_t at, std::uint8_t x)) {
  auto b = encode(NodeInfoMsg{node | 1, RingId{node, votes}, votes % 100, votes % 100 + 1, votes & kKnownFlags});
  b[at % b.size()] ^= std::uint8_t(x | 1);
  auto d = decode(b);
  if (d.ok()) RC_ASSERT(encode(*d.message) == b);
}

// Votequorum fed arbitrary bytes from arbitrary senders, between membership
// changes, never crashes, never counts a non-member, and keeps its invariants.
#include "stack/quorum/votequorum.hpp"
#include "tests/quorum/harness.hpp"

RC_GTEST_PROP(QuorumWire, VotequorumSurvivesArbitraryMessages,
              (std::vector<std::pair<std::uint8_t, std::vector<std::uint8_t>>> inputs)) {
  halab::quorum::test::ManualClock clock;
  halab::core::Logger logger(clock, "n1");
  VotequorumOptions o;
  o.node_id = 1;
  o.expected_votes = 3;
  Votequorum vq(clock, logger, o, {[](halab::core::Bytes) { return true; }, {}});
  halab::totem::ConfigChange cc;
  cc.ring = RingId{1, 5};
  cc.members = {1, 2, 3};
  vq.on_config_change(cc);
  for (auto& [sender, bytes] : inputs) {
    // Half the time, a well-formed header and ring so decoding gets further.
    if (sender & 1 && bytes.size() >= 3) {
      auto real = encode(NodeInfoMsg{NodeId(sender % 5 + 1), cc.ring, 1, 3, 0});
      std::copy(bytes.begin(), bytes.begin() + std::min(bytes.size(), real.size()) / 2, real.begin() + 3);
      bytes = real;
    }
    vq.on_message(NodeId(sender % 5 + 1), bytes);
    const auto s = vq.status();
    RC_ASSERT(s.quorum >= 1u);
    std::uint32_t sum = 0;
    for (const auto& n : vq.nodes()) {
      if (n.state != NodeState::member) continue;
      RC_ASSERT(n.id <= 3u);  // only ring members count
      sum += n.votes;
    }
    RC_ASSERT(s.total_votes == sum);
  }
}
