// `halab crm node ...` / `halab crm resource ...` / `halab crm configure ...`
// against a running halabd (no CIB_file): the shell reads the cluster's CIB
// (cib-query), sends its change as a patch (cib-patch), and the DC applies
// it; the resource really starts and stops (Debian's ocf:heartbeat:Dummy).
// A one-node cluster on 127.0.0.1.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include "stack/daemon/control_client.hpp"
#include "tests/support/shell.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::pair<int, std::string> run(const std::string& cmd) { return halab::test::run_shell(cmd); }

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  return halab::test::wait_until(pred, limit, 50ms);
}

class CrmLive : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!fs::exists("/usr/lib/ocf/resource.d/heartbeat/Dummy"))
      GTEST_SKIP() << "needs Debian's resource-agents (ocf:heartbeat:Dummy)";
    dir = fs::temp_directory_path() / ("halab-crm-live-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    const int port = 30000 + (::getpid() % 10000) * 2;
    std::ofstream(dir / "corosync.conf")
        << "totem {\n  version: 2\n  cluster_name: one\n  transport: udpu\n  crypto_cipher: none\n"
           "  crypto_hash: none\n  token: 500\n  interface {\n    ringnumber: 0\n    mcastport: "
        << port
        << "\n  }\n}\nlogging {\n  to_stderr: yes\n  to_syslog: no\n}\nquorum {\n  provider: corosync_votequorum\n}\n"
           "nodelist {\n  node {\n    ring0_addr: 127.0.0.1\n    nodeid: 1\n    name: solo\n  }\n}\n";
    pid = ::fork();
    if (pid == 0) {
      std::freopen((dir / "log").c_str(), "w", stderr);
      ::execl(HALABD_BIN, HALABD_BIN, "--config", (dir / "corosync.conf").c_str(), "--state-dir",
              (dir / "state").c_str(), "--foreground", static_cast<char*>(nullptr));
      ::_exit(127);
    }
  }
  void TearDown() override {
    if (pid > 0) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, nullptr, 0);
    }
    if (!dir.empty()) fs::remove_all(dir);
  }
  std::pair<int, std::string> crm(const std::string& args) {
    return run("env -u CIB_file " + std::string(HALAB_BIN) + " crm --state-dir " + (dir / "state").string() + " " +
               args);
  }
  std::string cib() { return run(std::string(HALAB_BIN) + " cibadmin -Q --state-dir " + (dir / "state").string()).second; }
  bool last_op(const std::string& op) {
    return cib().find("id=\"d_last_0\" operation_key=\"d_" + op + "_0\" operation=\"" + op + "\"") != std::string::npos;
  }
  std::string log() { return run("cat " + (dir / "log").string()).second; }

  fs::path dir;
  pid_t pid = -1;
};

}  // namespace

TEST_F(CrmLive, NodeAndResourceCommandsGoThroughTheDc) {
  ASSERT_TRUE(wait_for([&] { return cib().find("dc-uuid=\"1\"") != std::string::npos; }, 20s)) << log();
  auto [rc, out] = crm("configure property stonith-enabled=false");
  ASSERT_EQ(rc, 0) << out;
  std::tie(rc, out) = crm("configure primitive d ocf:heartbeat:Dummy op monitor interval=2s");
  ASSERT_EQ(rc, 0) << out;
  ASSERT_TRUE(wait_for([&] { return last_op("start"); }, 20s)) << cib() << log();
  std::tie(rc, out) = run("env -u CIB_file " + std::string(HALAB_BIN) + " crm --state-dir " + (dir / "state").string() +
                          " status");
  EXPECT_NE(out.find("Started solo"), std::string::npos) << out;

  // crm resource stop / start: target-role through the DC, and the agent really stops / starts.
  std::tie(rc, out) = crm("resource stop d");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(cib().find("name=\"target-role\" value=\"Stopped\""), std::string::npos);
  ASSERT_TRUE(wait_for([&] { return last_op("stop"); }, 20s)) << cib();
  std::tie(rc, out) = crm("resource start d");
  ASSERT_EQ(rc, 0) << out;
  ASSERT_TRUE(wait_for([&] { return last_op("start"); }, 20s)) << cib();

  // crm node standby / online.
  std::tie(rc, out) = crm("node standby solo");
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(cib().find("name=\"standby\" value=\"on\""), std::string::npos);
  ASSERT_TRUE(wait_for([&] { return last_op("stop"); }, 20s)) << cib();
  std::tie(rc, out) = crm("node online solo");
  ASSERT_EQ(rc, 0) << out;
  ASSERT_TRUE(wait_for([&] { return last_op("start"); }, 20s)) << cib();

  // crm resource refresh: the history goes (the node's executor forgets it
  // too) and the DC probes again, which finds it running.
  std::tie(rc, out) = crm("resource refresh d");
  ASSERT_EQ(rc, 0) << out;
  ASSERT_TRUE(wait_for([&] { return last_op("monitor"); }, 20s)) << cib();

  // The service dies (Dummy's state file goes): the monitor's failure is
  // counted and it is recovered; crm resource cleanup clears the fail count.
  std::tie(rc, out) = run("find " + dir.string() + " -name 'Dummy-d.state' -delete -print");
  ASSERT_NE(out.find("Dummy-d.state"), std::string::npos) << out;
  ASSERT_TRUE(wait_for([&] { return cib().find("name=\"fail-count-d#monitor_2000\"") != std::string::npos; }, 20s))
      << cib();
  ASSERT_TRUE(wait_for([&] { return last_op("start"); }, 20s)) << cib();
  std::tie(rc, out) = crm("resource cleanup d");
  ASSERT_EQ(rc, 0) << out;
  ASSERT_TRUE(wait_for([&] { return cib().find("fail-count-d") == std::string::npos && last_op("monitor"); }, 20s))
      << cib();

  // A change refused by the DC is reported, and the CIB stays as it was.
  std::tie(rc, out) = crm("resource move d nowhere");
  EXPECT_NE(rc, 0) << out;
}
