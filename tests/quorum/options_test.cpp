// From corosync.conf to votequorum's options.
#include "stack/quorum/options.hpp"

#include <gtest/gtest.h>

using namespace halab;
using namespace halab::quorum;

namespace {

const char* kConf = R"(totem {
  version: 2
  cluster_name: lab
  transport: udpu
}
quorum {
  provider: corosync_votequorum
  auto_tie_breaker: 1
  auto_tie_breaker_node: 3 1
  last_man_standing: 1
  last_man_standing_window: 20000
}
nodelist {
  node {
    ring0_addr: 10.0.0.1
    nodeid: 1
  }
  node {
    ring0_addr: 10.0.0.2
    nodeid: 2
    quorum_votes: 2
  }
  node {
    ring0_addr: 10.0.0.3
    nodeid: 3
  }
}
)";

}  // namespace

TEST(VotequorumOptions, ComeFromQuorumAndNodelist) {
  auto parsed = config::parse_corosync_conf(kConf);
  ASSERT_TRUE(parsed.ok()) << parsed.report();
  const auto atb = auto_tie_breaker_node_setting(kConf);
  EXPECT_EQ(atb, "3 1");
  auto r = votequorum_options(parsed.conf, 2, atb);
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.options.votes, 2u);
  EXPECT_EQ(r.options.expected_votes, 4u) << "the nodelist's votes: 1 + 2 + 1";
  EXPECT_TRUE(r.options.last_man_standing);
  EXPECT_EQ(r.options.last_man_standing_window, std::chrono::milliseconds(20000));
  EXPECT_TRUE(r.options.auto_tie_breaker);
  EXPECT_EQ(r.options.tie_breaker, 3u);
  ASSERT_EQ(r.warnings.size(), 1u) << "only the first listed node breaks ties";
}

TEST(VotequorumOptions, TwoNodeImpliesWaitForAllUnlessSetAndDeviceVotesAddToExpected) {
  auto parsed = config::parse_corosync_conf(
      "quorum {\n provider: corosync_votequorum\n two_node: 1\n}\n"
      "nodelist {\n node {\n ring0_addr: 10.0.0.1\n nodeid: 1\n }\n node {\n ring0_addr: 10.0.0.2\n nodeid: 2\n }\n}\n");
  ASSERT_TRUE(parsed.ok()) << parsed.report();
  auto r = votequorum_options(parsed.conf, 1);
  EXPECT_TRUE(r.options.two_node);
  EXPECT_TRUE(r.options.wait_for_all);
  EXPECT_EQ(r.options.expected_votes, 2u);

  parsed.conf.quorum.wait_for_all = false;
  EXPECT_FALSE(votequorum_options(parsed.conf, 1).options.wait_for_all);

  parsed.conf.quorum.two_node = false;
  parsed.conf.quorum.device = config::QuorumDeviceConf{"disk", 1, std::nullopt, {}, 0};
  r = votequorum_options(parsed.conf, 1);
  EXPECT_EQ(r.options.expected_votes, 3u);
  EXPECT_EQ(r.options.device_votes, 1u);
}

TEST(VotequorumOptions, ExpectedVotesFromConfigWinAndMissingBothIsAnError) {
  config::CorosyncConf c;
  c.quorum.provider = "corosync_votequorum";
  auto r = votequorum_options(c, 1);
  EXPECT_FALSE(r.ok());
  EXPECT_NE(r.error.find("expected_votes"), std::string::npos);
  c.quorum.expected_votes = 5;
  r = votequorum_options(c, 1);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.options.expected_votes, 5u);
}

TEST(VotequorumOptions, TieBreakerSettings) {
  TieBreaker t;
  EXPECT_TRUE(parse_tie_breaker("lowest", t));
  EXPECT_EQ(t.mode, TieBreaker::Mode::lowest);
  EXPECT_TRUE(parse_tie_breaker(" highest ", t));
  EXPECT_EQ(t.mode, TieBreaker::Mode::highest);
  EXPECT_TRUE(parse_tie_breaker("4 2 9", t));
  EXPECT_EQ(t.list, (std::vector<NodeId>{4, 2, 9}));
  EXPECT_FALSE(parse_tie_breaker("", t));
  EXPECT_FALSE(parse_tie_breaker("low", t));
  EXPECT_FALSE(parse_tie_breaker("3 x", t));
  EXPECT_FALSE(parse_tie_breaker("0", t));
  EXPECT_FALSE(parse_tie_breaker("99999999999", t));

  auto parsed = config::parse_corosync_conf(kConf);
  auto r = votequorum_options(parsed.conf, 1, "highest");
  EXPECT_EQ(r.options.tie_breaker, 3u);
  r = votequorum_options(parsed.conf, 1, "lowest");
  EXPECT_EQ(r.options.tie_breaker, 1u);
  r = votequorum_options(parsed.conf, 1, "bogus");
  EXPECT_FALSE(r.options.auto_tie_breaker);
  EXPECT_FALSE(r.warnings.empty());
}
