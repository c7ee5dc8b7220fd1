// quorumtool -s / -l output, byte for byte in corosync-quorumtool's layout.
#include "stack/quorum/quorumtool_format.hpp"

#include <gtest/gtest.h>

#include "tests/quorum/harness.hpp"

using namespace halab;
using namespace halab::quorum;
using namespace halab::quorum::test;

namespace {
std::string name_of(NodeId id) { return "node" + std::to_string(id); }
// Tue Nov 24 18:22:09 2026 UTC
const core::WallTime kWhen{std::chrono::seconds(1795544529)};
}  // namespace

TEST(QuorumtoolFormat, StatusOfAQuorateThreeNodeCluster) {
  Harness h({1, 1, 1}, [](VotequorumOptions& o) { o.wait_for_all = true; });
  h.partition({{1, 2, 3}});
  h.run();
  const auto s = h.node(2).status();
  const std::string expect =
      "Quorum information\n"
      "------------------\n"
      "Date:             Tue Nov 24 18:22:09 2026\n"
      "Quorum provider:  corosync_votequorum\n"
      "Nodes:            3\n"
      "Node ID:          2\n"
      "Ring ID:          1.1\n"
      "Quorate:          Yes\n"
      "\n"
      "Votequorum information\n"
      "----------------------\n"
      "Expected votes:   3\n"
      "Highest expected: 3\n"
      "Total votes:      3\n"
      "Quorum:           2  \n"
      "Flags:            Quorate WaitForAll \n"
      "\n"
      "Membership information\n"
      "----------------------\n"
      "    Nodeid      Votes Name\n"
      "         1          1 node1\n"
      "         2          1 node2 (local)\n"
      "         3          1 node3\n";
  EXPECT_EQ(format_quorum_status(s, h.node(2).nodes(), name_of, kWhen), expect);
}

TEST(QuorumtoolFormat, BlockedNodeWithAQuorumDeviceAndHexIds) {
  Harness h({1, 1}, [](VotequorumOptions& o) {
    o.device_votes = 1;
    o.device_name = "disk";
  });
  h.partition({{1}, {2}});
  h.node(2).set_device_state(true, false);
  h.run();
  const auto s = h.node(2).status();
  const auto text = format_quorum_status(s, h.node(2).nodes(), name_of, kWhen, {.hex_ids = true});
  EXPECT_NE(text.find("Quorate:          No\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Quorum:           2 Activity blocked\n"), std::string::npos) << text;
  EXPECT_NE(text.find("Flags:            Qdevice \n"), std::string::npos) << text;
  EXPECT_NE(text.find("    Nodeid      Votes    Qdevice Name\n"
                      "0x00000002          1   A,NV,NMW node2 (local)\n"
                      "0x00000000          0            Qdevice\n"),
            std::string::npos)
      << text;
}

TEST(QuorumtoolFormat, ListIsTheMembershipSection) {
  Harness h({1, 2}, [](VotequorumOptions& o) { o.two_node = true; });
  h.partition({{1, 2}});
  h.run();
  EXPECT_EQ(format_quorum_list(h.node(1).status(), h.node(1).nodes(), name_of),
            "Membership information\n"
            "----------------------\n"
            "    Nodeid      Votes Name\n"
            "         1          1 node1 (local)\n"
            "         2          2 node2\n");
  EXPECT_EQ(format_flags(h.node(1).status()), "2Node Quorate ");
}
