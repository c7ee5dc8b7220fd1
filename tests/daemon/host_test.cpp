// Which nodelist entry is this node (stack/daemon/host): corosync's match of
// ring0_addr against the host's addresses, with every 127.x address local,
// and the two ways to choose when several entries are local (--nodeid,
// totem.interface.bindnetaddr).
#include <gtest/gtest.h>

#include "stack/core/error.hpp"
#include "stack/daemon/host.hpp"

using namespace halab;

namespace {

config::CorosyncConf parse(const std::string& text) {
  auto r = config::parse_corosync_conf(text);
  EXPECT_TRUE(r.ok()) << r.report();
  return r.conf;
}

std::string nodelist(const std::string& a1, const std::string& a2, const std::string& a3) {
  return "nodelist {\n node {\n  ring0_addr: " + a1 + "\n  nodeid: 1\n }\n node {\n  ring0_addr: " + a2 +
         "\n  nodeid: 2\n }\n node {\n  ring0_addr: " + a3 + "\n  nodeid: 3\n }\n}\n";
}

const std::vector<daemon::LocalInterface> kHost = {{"lo", *core::Ipv4::parse("127.0.0.1"), 8},
                                                   {"eth0", *core::Ipv4::parse("10.0.0.2"), 24}};

std::string error_of(const config::CorosyncConf& c, std::optional<std::uint32_t> id = std::nullopt) {
  try {
    daemon::find_local_addresses(c, kHost, id);
  } catch (const core::Error& e) {
    return e.what();
  }
  return "";
}

TEST(LocalNode, TheEntryHoldingAnInterfaceAddressIsThisNode) {
  auto c = parse("totem {\n transport: udpu\n}\n" + nodelist("10.0.0.1", "10.0.0.2", "10.0.0.3"));
  auto a = daemon::find_local_addresses(c, kHost);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].to_string(), "10.0.0.2");
}

TEST(LocalNode, NoLocalEntryNamesTheHostsAddresses) {
  auto c = parse("totem {\n transport: udpu\n}\n" + nodelist("10.1.0.1", "10.1.0.2", "10.1.0.3"));
  EXPECT_NE(error_of(c).find("no nodelist entry holds an address of this host (its addresses: 127.0.0.1, 10.0.0.2)"),
            std::string::npos)
      << error_of(c);
}

TEST(LocalNode, AnyLoopbackAddressIsLocalButSeveralNeedAChoice) {
  auto c = parse("totem {\n transport: udpu\n}\n" + nodelist("127.0.0.1", "127.0.0.2", "127.0.0.3"));
  const auto e = error_of(c);
  EXPECT_NE(e.find("several nodelist entries hold addresses of this host: 127.0.0.1 (node 1), 127.0.0.2 (node 2), "
                   "127.0.0.3 (node 3)"),
            std::string::npos)
      << e;
  EXPECT_NE(e.find("--nodeid N or totem.interface.bindnetaddr"), std::string::npos) << e;
  for (std::uint32_t id : {1u, 2u, 3u}) {
    auto a = daemon::find_local_addresses(c, kHost, id);
    ASSERT_EQ(a.size(), 1u);
    EXPECT_EQ(a[0].to_string(), "127.0.0." + std::to_string(id));
  }
}

TEST(LocalNode, BindnetaddrEqualToOneEntrySaysWhichNodeThisIs) {
  auto c = parse("totem {\n transport: udpu\n interface {\n  ringnumber: 0\n  bindnetaddr: 127.0.0.2\n }\n}\n" +
                 nodelist("127.0.0.1", "127.0.0.2", "127.0.0.3"));
  auto a = daemon::find_local_addresses(c, kHost);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].to_string(), "127.0.0.2");
  // --nodeid wins over bindnetaddr.
  EXPECT_EQ(daemon::find_local_addresses(c, kHost, 3u)[0].to_string(), "127.0.0.3");
}

TEST(LocalNode, NodeidMustNameALocalEntry) {
  auto c = parse("totem {\n transport: udpu\n}\n" + nodelist("127.0.0.1", "10.0.0.2", "10.0.0.3"));
  EXPECT_NE(error_of(c, 3u).find("--nodeid 3: its ring0_addr 10.0.0.3 is not an address of this host"),
            std::string::npos)
      << error_of(c, 3u);
  EXPECT_NE(error_of(c, 9u).find("--nodeid 9: no such node in the nodelist"), std::string::npos);
  // Two local entries (127.0.0.1 and 10.0.0.2): ambiguous without a choice.
  EXPECT_NE(error_of(c).find("several nodelist entries"), std::string::npos) << error_of(c);
  EXPECT_EQ(daemon::find_local_addresses(c, kHost, 2u)[0].to_string(), "10.0.0.2");
}

TEST(LocalNode, LoopbackEntriesAreNotLocalWithoutALoopbackInterface) {
  auto c = parse("totem {\n transport: udpu\n}\n" + nodelist("127.0.0.5", "10.9.0.2", "10.9.0.3"));
  const std::vector<daemon::LocalInterface> no_lo = {{"eth0", *core::Ipv4::parse("10.0.0.2"), 24}};
  EXPECT_THROW(daemon::find_local_addresses(c, no_lo), core::Error);
}

}  // namespace
