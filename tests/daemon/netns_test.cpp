// Acceptance (issue 3, item 7): three real halabd processes, each in its own
// network namespace on one bridge, with multicast, udpu and broadcast (as
// root), and on 127.0.0.1/2/3 with udpu (no root needed; always run). They
// form one ring (seen through `halab quorumtool -s` and the control socket);
// SIGKILL one and the other two install a 2-node membership and stay
// quorate; cut one off (link down in its namespace) and it loses quorum
// while the others keep it; link up, and all three merge.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <cstdio>

#include "tests/daemon/netns_lab.hpp"
#include "tests/support/shell.hpp"

using namespace halab::testlab;
using namespace std::chrono_literals;

namespace {

NetnsLabOptions lab_options(int nodes, const std::string& transport, int token_ms) {
  NetnsLabOptions o;
  o.nodes = nodes;
  o.transport = transport;
  o.token_ms = token_ms;
  o.halabd = HALABD_BIN;
  return o;
}

// Runs `halab ARGS`, returns (exit code, stdout).
std::pair<int, std::string> halab(const std::string& args) {
  return ::halab::test::run_shell(std::string(HALAB_BIN) + " " + args);
}

// Every wait is bounded: formation and merges within 20 s, failure detection
// within 20 s (token 1000 ms, effective 1650 ms, plus consensus).
constexpr auto kLimit = 20s;

// The acceptance scenario on a running lab. Cutting a node off needs the
// namespace lab (see NetnsLab::can_cut); on loopback that part is reported
// as not run, never faked.
void form_kill_cut_merge(NetnsLab& lab) {
  for (int i = 1; i <= 3; ++i) lab.start(i);

  ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({1, 2, 3}, "1 2 3", true); }, kLimit))
      << lab.describe() << lab.log(1);
  {
    auto [rc, out] = halab("quorumtool -s --state-dir " + lab.state_dir(2));
    EXPECT_EQ(rc, 0) << out;
    EXPECT_NE(out.find("Quorate:          Yes"), std::string::npos) << out;
    EXPECT_NE(out.find("Nodes:            3"), std::string::npos) << out;
    auto [rc2, cfg] = halab("cfgtool -s --state-dir " + lab.state_dir(1));
    EXPECT_EQ(rc2, 0) << cfg;
    EXPECT_NE(cfg.find("addr\t= " + lab.address(1)), std::string::npos) << cfg;
    EXPECT_NE(cfg.find("3:\tconnected"), std::string::npos) << cfg;
    auto [rc3, groups] = halab("cpgtool --state-dir " + lab.state_dir(3));
    EXPECT_EQ(rc3, 0) << groups;
    EXPECT_NE(groups.find("Group Name"), std::string::npos) << groups;
  }

  // SIGKILL node 3: nodes 1 and 2 install {1, 2} and stay quorate.
  lab.kill(3, SIGKILL);
  ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({1, 2}, "1 2", true); }, kLimit)) << lab.describe();
  {
    auto [rc, out] = halab("cmapctl -g runtime.members.3.status --state-dir " + lab.state_dir(1));
    EXPECT_EQ(rc, 0);
    EXPECT_NE(out.find("= left"), std::string::npos) << out;
  }

  // It comes back and rejoins.
  lab.start(3);
  ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({1, 2, 3}, "1 2 3", true); }, kLimit)) << lab.describe();

  if (lab.can_cut()) {
    // Cut node 1 off: alone it loses quorum; 2 and 3 keep it.
    lab.set_link(1, false);
    ASSERT_TRUE(NetnsLab::wait_for(
        [&] { return lab.agree({1}, "1", false) && lab.agree({2, 3}, "2 3", true); }, kLimit))
        << lab.describe();
    {
      auto [rc, out] = halab("quorumtool -s --state-dir " + lab.state_dir(1));
      EXPECT_EQ(rc, 2) << out;  // corosync-quorumtool -s: 2 = not quorate
      EXPECT_NE(out.find("Quorate:          No"), std::string::npos) << out;
    }

    // Heal: all three merge into one quorate ring.
    lab.set_link(1, true);
    ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({1, 2, 3}, "1 2 3", true); }, kLimit))
        << lab.describe();
  } else {
    std::printf("[   NOTE   ] cut-off/heal not run on 127.0.0.x: separating one loopback address from the others "
                "needs root (a namespace or a firewall rule); the namespace variant (DaemonNetns) covers it as root\n");
    ::testing::Test::RecordProperty("cut_off", "not run: needs root");
  }

  // cfgtool -H stops a daemon cleanly (its socket goes away).
  auto [rc, out] = halab("cfgtool -H --state-dir " + lab.state_dir(2));
  EXPECT_EQ(rc, 0) << out;
  EXPECT_TRUE(NetnsLab::wait_for([&] { return !lab.quorum(2); }, 5s));
}

class DaemonNetns : public ::testing::TestWithParam<const char*> {};

// As root: three namespaces on a bridge. Not root: the loopback variant below
// runs the same transports on 127.0.0.x.
TEST_P(DaemonNetns, FormsOneRingSurvivesKillLosesQuorumWhenCutOffAndMerges) {
  if (auto why = NetnsLab::unavailable(); !why.empty())
    GTEST_SKIP() << why << "; DaemonLoopback.* runs this transport on 127.0.0.x instead (all but the cut-off)";
  NetnsLab lab(lab_options(3, GetParam(), 1000));
  form_kill_cut_merge(lab);
}

// Three halabd on 127.0.0.1, .2, .3 of this host (each told its node with
// --nodeid): what runs without root. Multicast and broadcast loop back to
// the host's other sockets, so all three transports run. Forced even as
// root, so ctest always exercises the non-root path.
class DaemonLoopback : public ::testing::TestWithParam<const char*> {};

TEST_P(DaemonLoopback, On127ThreeDaemonsFormSurviveKillAndRejoin) {
  auto o = lab_options(3, GetParam(), 1000);
  o.loopback = true;
  NetnsLab lab(o);
  form_kill_cut_merge(lab);
}

INSTANTIATE_TEST_SUITE_P(Transports, DaemonLoopback, ::testing::Values("udp", "udpu", "broadcast"),
                         [](const auto& info) { return std::string(info.param); });

INSTANTIATE_TEST_SUITE_P(Transports, DaemonNetns, ::testing::Values("udp", "udpu", "broadcast"),
                         [](const auto& info) { return std::string(info.param); });

}  // namespace

namespace {

// two_node (with its implied wait_for_all): two real daemons, each quorate
// alone once both were seen together; the survivor of a SIGKILL stays
// quorate (which is why two_node clusters need fencing).
// In namespaces as root, else on 127.0.0.1 and .2.
TEST(DaemonNetnsTwoNode, SurvivorOfTwoStaysQuorate) {
  NetnsLabOptions o;
  o.loopback = !NetnsLab::unavailable().empty();
  o.nodes = 2;
  o.transport = "udpu";
  o.token_ms = 1000;
  o.halabd = HALABD_BIN;
  o.quorum_extra = "  two_node: 1\n";
  NetnsLab lab(o);
  lab.start(1);
  // wait_for_all: alone from the start, node 1 waits for node 2.
  ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({1}, "1", false); }, kLimit)) << lab.describe();
  lab.start(2);
  ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({1, 2}, "1 2", true); }, kLimit)) << lab.describe();
  auto [rc, out] = halab("quorumtool -s --state-dir " + lab.state_dir(1));
  EXPECT_NE(out.find("2Node"), std::string::npos) << out;
  lab.kill(2, SIGKILL);
  ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({1}, "1", true); }, kLimit)) << lab.describe();
}

}  // namespace
