// The quorum disk with real halabd processes (issue 3, item 5): two nodes on
// 127.0.0.1/.2 share one disk file, two_node off, so 3 expected votes (one
// each plus the disk's). SIGKILL the disk's master and the survivor takes
// the disk over and stays quorate on its own vote plus the disk's; a path
// that cannot be opened stops halabd at start with the config's file:line.
//
// As root, each node reaches the disk through a loop device of its own over
// one backing file (two block devices, as two hosts see a LUN); `blockdev
// --setro` on node 2's device makes its writes fail (EPERM) with its
// descriptor still open: the survivor that cannot write the disk does not
// get its vote, and gets it back when the path returns. (On a plain file an
// open descriptor survives chmod and unlink, so that is not tried there.)
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/daemon/netns_lab.hpp"
#include "tests/support/shell.hpp"

using namespace halab::testlab;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

std::pair<int, std::string> run(const std::string& cmd) { return halab::test::run_shell(cmd); }

std::string disk_device(const std::string& path) {
  return "  device {\n    model: disk\n    votes: 1\n    disk {\n      path: " + path +
         "\n      interval: 200\n      tko: 5\n    }\n  }\n";
}

NetnsLabOptions lab_options(const std::string& disk_path) {
  NetnsLabOptions o;
  o.nodes = 2;
  o.transport = "udpu";
  o.token_ms = 1000;
  o.halabd = HALABD_BIN;
  o.loopback = true;
  o.quorum_extra = disk_device(disk_path);
  return o;
}

std::string quorumtool(NetnsLab& lab, int node) {
  return run(std::string(HALAB_BIN) + " quorumtool -s --state-dir " + lab.state_dir(node)).second;
}

TEST(DiskLoopback, SurvivorOfTwoStaysQuorateWithTheDiskVote) {
  const std::string disk = (fs::temp_directory_path() / ("halab-qdisk-" + std::to_string(::getpid()))).string();
  std::ofstream(disk).close();
  struct Remove {
    std::string p;
    ~Remove() { fs::remove(p); }
  } remove{disk};
  NetnsLab lab(lab_options(disk));
  lab.start(1);
  lab.start(2);
  ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({1, 2}, "1 2", true); }, 20s)) << lab.describe() << lab.log(1);
  // Both see the disk: the master (node 1) casts once it has watched the
  // disk for interval * tko.
  ASSERT_TRUE(NetnsLab::wait_for(
      [&] { return quorumtool(lab, 2).find("Total votes:      3") != std::string::npos; }, 20s))
      << quorumtool(lab, 2) << lab.log(2);
  auto out = quorumtool(lab, 2);
  EXPECT_NE(out.find("Expected votes:   3"), std::string::npos) << out;
  EXPECT_NE(out.find("Qdevice"), std::string::npos) << out;
  EXPECT_NE(lab.log(1).find("quorum disk " + disk), std::string::npos) << lab.log(1);

  // Node 1 is the disk's master (lowest live id): kill it. Node 2 alone has
  // 1 of 3 votes; only the disk's vote, once node 2 takes the disk over,
  // makes it quorate.
  lab.kill(1, SIGKILL);
  ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({2}, "2", true); }, 20s)) << lab.describe() << lab.log(2);
  out = quorumtool(lab, 2);
  EXPECT_NE(out.find("Total votes:      2"), std::string::npos) << out;
  EXPECT_NE(out.find("Quorum:           2"), std::string::npos) << out;
  EXPECT_NE(lab.log(2).find("disk master is now node 2"), std::string::npos) << lab.log(2);

  // Node 1 comes back: it defers to node 2 until it has watched node 2's
  // slot, and the ring of two is quorate again.
  lab.start(1);
  EXPECT_TRUE(NetnsLab::wait_for([&] { return lab.agree({1, 2}, "1 2", true); }, 20s)) << lab.describe();
}

// `CMD`'s first output line ("" on failure).
std::string first_line(const std::string& cmd) {
  auto [rc, out] = run(cmd);
  if (rc != 0) return "";
  return out.substr(0, out.find('\n'));
}

TEST(DiskLoopback, SurvivorThatCannotWriteTheDiskGetsNoDiskVote) {
  if (::geteuid() != 0) GTEST_SKIP() << "loop devices need root";
  const std::string backing = (fs::temp_directory_path() / ("halab-qdisk-lun-" + std::to_string(::getpid()))).string();
  std::ofstream(backing).close();
  fs::resize_file(backing, 1 << 20);
  struct Cleanup {
    std::string backing, a, b;
    ~Cleanup() {
      for (const auto& d : {a, b})
        if (!d.empty()) run("blockdev --setrw " + d + "; losetup -d " + d);
      fs::remove(backing);
    }
  } cleanup{backing, "", ""};
  cleanup.a = first_line("losetup -f --show " + backing);
  if (cleanup.a.empty()) GTEST_SKIP() << "losetup cannot attach a loop device here";
  cleanup.b = first_line("losetup -f --show " + backing);
  ASSERT_FALSE(cleanup.b.empty());
  {
    NetnsLab lab(lab_options(cleanup.a));
    {  // node 2 reaches the same backing file through its own device
      std::ifstream in(lab.config_path(2));
      std::stringstream text;
      text << in.rdbuf();
      std::string t = text.str();
      const auto at = t.find(cleanup.a);
      ASSERT_NE(at, std::string::npos);
      t.replace(at, cleanup.a.size(), cleanup.b);
      std::ofstream(lab.config_path(2), std::ios::trunc) << t;
    }
    lab.start(1);
    lab.start(2);
    ASSERT_TRUE(NetnsLab::wait_for(
        [&] { return lab.agree({1, 2}, "1 2", true) && quorumtool(lab, 2).find("Total votes:      3") != std::string::npos; },
        20s))
        << lab.describe() << quorumtool(lab, 2) << lab.log(2);

    ASSERT_EQ(run("blockdev --setro " + cleanup.b).first, 0);
    lab.kill(1, SIGKILL);
    ASSERT_TRUE(NetnsLab::wait_for([&] { return lab.agree({2}, "2", false); }, 20s)) << lab.describe();
    // Long past the hand-over (tko + 1 intervals = 1.2 s): still 1 of 3.
    EXPECT_FALSE(NetnsLab::wait_for([&] { return lab.agree({2}, "2", true); }, 3s)) << quorumtool(lab, 2);
    EXPECT_NE(lab.log(2).find("cannot write slot 2"), std::string::npos) << lab.log(2);

    ASSERT_EQ(run("blockdev --setrw " + cleanup.b).first, 0);
    EXPECT_TRUE(NetnsLab::wait_for([&] { return lab.agree({2}, "2", true); }, 20s)) << lab.describe() << lab.log(2);
  }
}

TEST(DiskLoopback, UnopenableDiskPathStopsHalabdWithFileAndLine) {
  const std::string missing = (fs::temp_directory_path() / ("halab-no-qdisk-" + std::to_string(::getpid()))).string();
  NetnsLab lab(lab_options(missing));
  const std::string conf = lab.config_path(1);
  // The line of `path:` in the generated corosync.conf.
  std::ifstream in(conf);
  std::string line;
  int at = 0, path_line = 0;
  while (std::getline(in, line))
    if (++at && line.find("path: ") != std::string::npos) path_line = at;
  ASSERT_GT(path_line, 0);
  auto [rc, out] = run(std::string(HALABD_BIN) + " --config " + conf + " --state-dir " + lab.dir() +
                       "/bad-state --nodeid 1 --foreground");
  EXPECT_NE(rc, 0) << out;
  EXPECT_NE(out.find(conf + ":" + std::to_string(path_line) + ": error: quorum.device.disk.path: cannot use '" +
                     missing + "': No such file or directory"),
            std::string::npos)
      << out;
}

}  // namespace
