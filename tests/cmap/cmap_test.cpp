// cmap: typed values, prefix iteration, tracking, standard trees, and the
// corosync-cmapctl printer.
#include "stack/cmap/cmap.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "stack/cmap/standard_keys.hpp"

using namespace halab;
using namespace halab::cmap;

TEST(Cmap, TypedValuesPrintAsCmapctlDoes) {
  Cmap m;
  m.set("a.u8", std::uint8_t(1));
  m.set("a.u16", std::uint16_t(5405));
  m.set("a.u32", std::uint32_t(5));
  m.set("a.u64", std::uint64_t(18446744073709551615ull));
  m.set("a.i8", std::int8_t(-3));
  m.set("a.i16", std::int16_t(-300));
  m.set("a.i32", std::int32_t(-70000));
  m.set("a.i64", std::int64_t(-5));
  m.set("a.flt", 1.5f);
  m.set("a.dbl", 0.25);
  m.set("a.str", std::string("hello world"));
  m.set("a.bin", Binary{{0xde, 0xad}});
  EXPECT_EQ(format_cmapctl(m),
            "a.bin (bin) = dead\n"
            "a.dbl (dbl) = 0.250000\n"
            "a.flt (flt) = 1.500000\n"
            "a.i16 (i16) = -300\n"
            "a.i32 (i32) = -70000\n"
            "a.i64 (i64) = -5\n"
            "a.i8 (i8) = -3\n"
            "a.str (str) = hello world\n"
            "a.u16 (u16) = 5405\n"
            "a.u32 (u32) = 5\n"
            "a.u64 (u64) = 18446744073709551615\n"
            "a.u8 (u8) = 1\n");
  EXPECT_EQ(m.get("a.u32")->type(), Type::u32);
  EXPECT_EQ(m.get("a.i8")->as_int(), -3);
  EXPECT_EQ(m.get("a.i8")->as_uint(), std::nullopt);
  EXPECT_EQ(m.get("a.u64")->as_int(), std::nullopt);
  EXPECT_EQ(m.get("a.str")->as_uint(), std::nullopt);
}

TEST(Cmap, PrefixIterationAndPrinting) {
  Cmap m;
  m.set("totem.token", std::uint32_t(3000));
  m.set("totem.tokenx", std::uint32_t(1));
  m.set("totem.interface.0.mcastport", std::uint16_t(5405));
  m.set("totemz", std::uint8_t(1));
  m.set("quorum.provider", "corosync_votequorum");
  auto items = m.items("totem.");
  ASSERT_EQ(items.size(), 3u);
  EXPECT_EQ(items[0].first, "totem.interface.0.mcastport");
  EXPECT_EQ(format_cmapctl(m, "totem.token"), "totem.token (u32) = 3000\ntotem.tokenx (u32) = 1\n");
  EXPECT_EQ(format_cmapctl(m, "nothing."), "");
  EXPECT_EQ(m.remove_prefix("totem."), 3u);
  EXPECT_EQ(m.size(), 2u);
}

TEST(Cmap, InvalidKeysAreRefused) {
  Cmap m;
  EXPECT_FALSE(m.set("", std::uint8_t(1)));
  EXPECT_FALSE(m.set("has space", std::uint8_t(1)));
  EXPECT_FALSE(m.set(std::string(256, 'a'), std::uint8_t(1)));
  EXPECT_TRUE(m.set(std::string(255, 'a'), std::uint8_t(1)));
  EXPECT_EQ(m.size(), 1u);
}

TEST(Cmap, TrackingKeyAndPrefixWithAddModifyDelete) {
  Cmap m;
  std::vector<std::string> seen;
  auto log = [&](const char* who) {
    return [&, who](const Change& c) {
      const char* ev = c.event == kTrackAdd ? "add" : c.event == kTrackModify ? "mod" : "del";
      seen.push_back(std::string(who) + " " + ev + " " + c.key + " " +
                     (c.old_value ? c.old_value->to_string() : "-") + " " +
                     (c.new_value ? c.new_value->to_string() : "-"));
    };
  };
  m.track("runtime.members.", kTrackAll, true, log("prefix"));
  const auto key_id = m.track("quorum.expected_votes", kTrackModify, false, log("key"));
  m.set("runtime.members.1.status", "joined");
  m.set("runtime.members.1.status", "joined");  // same value and type: no change
  m.set("runtime.members.1.status", "left");
  m.set("quorum.expected_votes", std::uint32_t(3));  // add: the key tracker wants modify only
  m.set("quorum.expected_votes", std::uint32_t(4));
  m.set("quorum.expected_votesx", std::uint32_t(4));  // not the tracked key
  m.remove("runtime.members.1.status");
  m.untrack(key_id);
  m.set("quorum.expected_votes", std::uint32_t(5));
  EXPECT_EQ(seen, (std::vector<std::string>{
                      "prefix add runtime.members.1.status - joined",
                      "prefix mod runtime.members.1.status joined left",
                      "key mod quorum.expected_votes 3 4",
                      "prefix del runtime.members.1.status left -",
                  }));
}

TEST(Cmap, ChangingTheTypeIsAModification) {
  Cmap m;
  int mods = 0;
  m.track("k", kTrackModify, false, [&](const Change&) { ++mods; });
  m.set("k", std::uint32_t(1));
  m.set("k", std::uint8_t(1));
  EXPECT_EQ(mods, 1);
  EXPECT_EQ(m.get("k")->type(), Type::u8);
}

TEST(Cmap, CallbacksMayChangeTheMapAndUntrackThemselvesWithoutRecursion) {
  Cmap m;
  int depth = 0, max_depth = 0, calls = 0;
  TrackId self = 0;
  self = m.track("a.", kTrackAll, true, [&](const Change& c) {
    ++calls;
    max_depth = std::max(max_depth, ++depth);
    if (c.key == "a.1") m.set("a.2", std::uint8_t(2));  // announced after this round
    if (c.key == "a.2") m.untrack(self);
    --depth;
  });
  m.set("a.1", std::uint8_t(1));
  m.set("a.3", std::uint8_t(3));
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(max_depth, 1);
  EXPECT_TRUE(m.contains("a.2"));
}

RC_GTEST_PROP(Cmap, ItemsUnderAPrefixAreExactlyTheKeysStartingWithIt,
              (std::vector<std::string> suffixes, std::string prefix_pick)) {
  Cmap m;
  std::set<std::string> keys;
  for (auto s : suffixes) {
    std::string k = "k.";
    for (char c : s) k += char('a' + (unsigned char)c % 3);
    if (m.set(k, std::uint32_t(k.size()))) keys.insert(k);
  }
  std::string prefix = "k.";
  for (char c : prefix_pick) prefix += char('a' + (unsigned char)c % 3);
  std::vector<std::string> expect;
  for (const auto& k : keys)
    if (k.rfind(prefix, 0) == 0) expect.push_back(k);
  std::vector<std::string> got;
  for (const auto& [k, v] : m.items(prefix)) got.push_back(k);
  RC_ASSERT(got == expect);
}

namespace {
const char* kConf = R"(totem {
  version: 2
  cluster_name: lab
  token: 3000
  transport: udpu
  interface {
    ringnumber: 0
    bindnetaddr: 10.0.0.0
    mcastport: 5405
  }
}
quorum {
  provider: corosync_votequorum
  two_node: 1
}
nodelist {
  node {
    ring0_addr: 10.0.0.1
    nodeid: 1
    name: alpha
  }
  node {
    ring0_addr: 10.0.0.2
    nodeid: 2
  }
}
)";
}  // namespace

TEST(CmapStandardKeys, ConfigTreesAreLoadedWithCorosyncsTypes) {
  auto parsed = config::parse_corosync_conf(kConf);
  ASSERT_TRUE(parsed.ok()) << parsed.report();
  Cmap m;
  m.set("totem.stale", std::uint8_t(1));  // replaced wholesale
  load_config(m, parsed.conf, 2);
  EXPECT_FALSE(m.contains("totem.stale"));
  EXPECT_EQ(format_cmapctl(m, "quorum."),
            "quorum.auto_tie_breaker (u8) = 0\n"
            "quorum.last_man_standing (u8) = 0\n"
            "quorum.last_man_standing_window (u32) = 10000\n"
            "quorum.provider (str) = corosync_votequorum\n"
            "quorum.two_node (u8) = 1\n"
            "quorum.wait_for_all (u8) = 1\n");
  EXPECT_EQ(format_cmapctl(m, "nodelist."),
            "nodelist.local_node_pos (u32) = 1\n"
            "nodelist.node.0.name (str) = alpha\n"
            "nodelist.node.0.nodeid (u32) = 1\n"
            "nodelist.node.0.quorum_votes (u32) = 1\n"
            "nodelist.node.0.ring0_addr (str) = 10.0.0.1\n"
            "nodelist.node.1.nodeid (u32) = 2\n"
            "nodelist.node.1.quorum_votes (u32) = 1\n"
            "nodelist.node.1.ring0_addr (str) = 10.0.0.2\n");
  EXPECT_EQ(format_cmapctl(m, "totem.token "), "");
  EXPECT_EQ(format_cmapctl(m, "totem.interface."),
            "totem.interface.0.bindnetaddr (str) = 10.0.0.0\n"
            "totem.interface.0.mcastport (u16) = 5405\n"
            "totem.interface.0.ttl (u8) = 1\n");
  EXPECT_EQ(m.get("totem.token")->to_string(), "3000");
  EXPECT_EQ(m.get("totem.token")->type(), Type::u32);
  EXPECT_EQ(m.get("totem.cluster_name")->to_string(), "lab");
  EXPECT_EQ(m.get("totem.transport")->to_string(), "udpu");
}

TEST(CmapStandardKeys, RuntimeMembersFollowTheRing) {
  auto parsed = config::parse_corosync_conf(kConf);
  Cmap m;
  std::vector<std::string> tracked;
  m.track("runtime.members.", kTrackAll, true, [&](const Change& c) { tracked.push_back(c.key); });
  const auto addr = addresses_from_nodelist(parsed.conf);
  totem::ConfigChange cc;
  cc.kind = totem::ConfigChange::Kind::regular;
  cc.ring = {1, 4};
  cc.members = {1, 2};
  apply_membership(m, cc, addr);
  cc.members = {1};
  apply_membership(m, cc, addr);
  cc.kind = totem::ConfigChange::Kind::transitional;  // changes nothing
  cc.members = {};
  apply_membership(m, cc, addr);
  cc.kind = totem::ConfigChange::Kind::regular;
  cc.members = {1, 2};
  apply_membership(m, cc, addr);
  EXPECT_EQ(format_cmapctl(m, "runtime.members."),
            "runtime.members.1.config_version (u64) = 0\n"
            "runtime.members.1.ip (str) = r(0) ip(10.0.0.1) \n"
            "runtime.members.1.join_count (u32) = 1\n"
            "runtime.members.1.status (str) = joined\n"
            "runtime.members.2.config_version (u64) = 0\n"
            "runtime.members.2.ip (str) = r(0) ip(10.0.0.2) \n"
            "runtime.members.2.join_count (u32) = 2\n"
            "runtime.members.2.status (str) = joined\n");
  EXPECT_NE(std::find(tracked.begin(), tracked.end(), "runtime.members.2.status"), tracked.end());
}

TEST(CmapStandardKeys, QuorumStateIsPublished) {
  quorum::QuorumStatus s;
  s.node_id = 3;
  s.quorate = true;
  s.expected_votes = 5;
  s.highest_expected = 5;
  s.total_votes = 4;
  s.quorum = 3;
  Cmap m;
  apply_quorum(m, s);
  EXPECT_EQ(m.get("runtime.votequorum.quorate")->to_string(), "1");
  EXPECT_EQ(m.get("runtime.votequorum.total_votes")->to_string(), "4");
  EXPECT_EQ(m.get("runtime.votequorum.this_node_id")->type(), Type::u32);
}
