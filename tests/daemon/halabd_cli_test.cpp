// halabd as a process on this host (a one-node cluster on 127.0.0.1): its
// start-up errors (bad config with file:line:key, missing or world-readable
// key, a live daemon on the socket, a port in use), background mode with its
// pid file, shutdown by SIGTERM and by cfgtool -H, and the tools' errors
// when no daemon answers.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "stack/daemon/control_client.hpp"
#include "tests/support/shell.hpp"

namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::pair<int, std::string> run(const std::string& cmd) { return halab::test::run_shell(cmd); }

bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  return halab::test::wait_until(pred, limit, 20ms);
}

class HalabdProcess : public ::testing::Test {
 protected:
  void SetUp() override {
    dir = fs::temp_directory_path() / ("halabd-cli-" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    port = 20000 + (::getpid() % 10000) * 2;
    write_conf("");
    write_key(0400);
  }
  void TearDown() override {
    for (pid_t p : children) {
      ::kill(p, SIGKILL);
      ::waitpid(p, nullptr, 0);
    }
    // A background daemon: stop it by its pid file.
    for (auto& sd : {state(), dir / "state2"}) {
      std::ifstream pf(sd / "halabd.pid");
      long pid = 0;
      if (pf >> pid && pid > 0) ::kill(pid_t(pid), SIGKILL);
    }
    fs::remove_all(dir);
  }
  void write_conf(const std::string& extra_totem) {
    std::ofstream(dir / "corosync.conf")
        << "totem {\n  version: 2\n  cluster_name: one\n  transport: udpu\n  crypto_cipher: aes128\n"
           "  crypto_hash: sha1\n  token: 500\n"
        << extra_totem << "  interface {\n    ringnumber: 0\n    mcastport: " << port
        << "\n  }\n}\nlogging {\n  to_stderr: yes\n  to_syslog: no\n}\nquorum {\n  provider: corosync_votequorum\n}\n"
           "nodelist {\n  node {\n    ring0_addr: 127.0.0.1\n    nodeid: 1\n    name: solo\n  }\n}\n";
  }
  void write_key(unsigned mode) {
    const auto k = dir / "authkey";
    fs::remove(k);
    std::ofstream(k, std::ios::binary) << std::string(256, 'k');
    ::chmod(k.c_str(), mode);
  }
  fs::path state() const { return dir / "state"; }
  std::string halabd_args(const fs::path& sd) const {
    return std::string(HALABD_BIN) + " --config " + (dir / "corosync.conf").string() + " --state-dir " + sd.string();
  }
  pid_t start_foreground(const fs::path& sd, const fs::path& log) {
    const pid_t pid = ::fork();
    if (pid == 0) {
      std::freopen(log.c_str(), "w", stderr);
      ::execl(HALABD_BIN, HALABD_BIN, "--config", (dir / "corosync.conf").c_str(), "--state-dir", sd.c_str(),
              "--foreground", static_cast<char*>(nullptr));
      ::_exit(127);
    }
    children.push_back(pid);
    return pid;
  }
  bool answers(const fs::path& sd) {
    auto r = halab::daemon::ctl_call(sd.string(), {"ping", {}}, 1000);
    return r.response && r.response->ok();
  }

  fs::path dir;
  int port = 0;
  std::vector<pid_t> children;
};

}  // namespace

TEST_F(HalabdProcess, BadConfigIsReportedWithFileLineAndKey) {
  write_conf("  token: soon\n");
  auto [rc, out] = run(halabd_args(state()) + " --foreground");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("corosync.conf:8: error: totem.token"), std::string::npos) << out;
}

TEST_F(HalabdProcess, MissingOrWorldReadableKeyIsRefused) {
  write_key(0444);
  auto [rc, out] = run(halabd_args(state()) + " --foreground");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("accessible to every user"), std::string::npos) << out;
  fs::remove(dir / "authkey");
  std::tie(rc, out) = run(halabd_args(state()) + " --foreground");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("authkey"), std::string::npos) << out;
}

TEST_F(HalabdProcess, ToolsSayNoDaemonAnswersAndExitNonZero) {
  for (const char* tool : {"cfgtool -s", "quorumtool -s", "cmapctl", "cmapctl -g totem.token", "cpgtool"}) {
    auto [rc, out] = run(std::string(HALAB_BIN) + " " + tool + " --state-dir " + state().string());
    EXPECT_EQ(rc, 1) << tool;
    EXPECT_NE(out.find("no halabd answers on " + (state() / "halabd.sock").string()), std::string::npos) << out;
  }
  auto [rc, out] = run(std::string("HALAB_STATE_DIR=") + state().string() + " " + HALAB_BIN + " quorumtool -s");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("Cannot initialize QUORUM service"), std::string::npos) << out;
  std::tie(rc, out) = run(std::string(HALAB_BIN) + " cpgtool --state-dir " + state().string());
  EXPECT_NE(out.find("Couldn't initialise CPG service"), std::string::npos) << out;
  std::tie(rc, out) = run(std::string(HALAB_BIN) + " cpgtool -x --state-dir " + state().string());
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("invalid option"), std::string::npos) << out;  // a usage error needs no daemon
}

TEST_F(HalabdProcess, SecondDaemonOnTheSocketOrPortIsRefusedAndSigtermStopsCleanly) {
  const pid_t pid = start_foreground(state(), dir / "log1");
  ASSERT_TRUE(wait_for([&] { return answers(state()); }, 10s)) << run("cat " + (dir / "log1").string()).second;
  auto [rc, out] = run(halabd_args(state()) + " --foreground");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("another halabd is running"), std::string::npos) << out;
  std::tie(rc, out) = run(halabd_args(dir / "state2") + " --foreground");
  EXPECT_EQ(rc, 1);
  EXPECT_NE(out.find("cannot bind UDP 127.0.0.1:" + std::to_string(port - 1)), std::string::npos) << out;

  // A client that connects and says nothing holds up nobody, and is cut off.
  const int idle = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  const auto sock = (state() / "halabd.sock").string();
  std::memcpy(sa.sun_path, sock.c_str(), sock.size() + 1);
  ASSERT_EQ(::connect(idle, reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  EXPECT_TRUE(answers(state()));
  char byte;
  timeval tv{10, 0};
  ::setsockopt(idle, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  EXPECT_EQ(::recv(idle, &byte, 1, 0), 0);  // closed by the server's 5 s limit, not our 10 s timeout
  ::close(idle);

  // A one-node cluster of one vote is quorate; the tools see it.
  ASSERT_TRUE(wait_for([&] { return run(std::string(HALAB_BIN) + " quorumtool -s --state-dir " + state().string()).first == 0; }, 10s));
  std::tie(rc, out) = run(std::string(HALAB_BIN) + " cmapctl -q -g runtime.votequorum.quorate --state-dir " + state().string());
  EXPECT_EQ(out, "1\n");
  // The hosted controller serves the CIB (cibadmin -Q), with this node as DC.
  std::tie(rc, out) = run(std::string(HALAB_BIN) + " cibadmin -Q --state-dir " + state().string());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("<cib "), std::string::npos) << out;
  EXPECT_NE(out.find("dc-uuid=\"1\""), std::string::npos) << out;
  // halab mon -1 shows the running cluster (no CIB_file): this node is DC.
  std::tie(rc, out) = run("env -u CIB_file " + std::string(HALAB_BIN) + " mon -1 --state-dir " + state().string());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Current DC: solo"), std::string::npos) << out;

  // cfgtool -R: a broken file is refused with its line, and nothing changes;
  // a good one is taken.
  write_conf("  token: soon\n");
  std::tie(rc, out) = run(std::string(HALAB_BIN) + " cfgtool -R --state-dir " + state().string());
  EXPECT_EQ(rc, 1) << out;
  EXPECT_NE(out.find("corosync.conf:8: error: totem.token"), std::string::npos) << out;
  write_conf("  join: 60\n");
  std::tie(rc, out) = run(std::string(HALAB_BIN) + " cfgtool -R --state-dir " + state().string());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Done"), std::string::npos) << out;
  std::tie(rc, out) = run(std::string(HALAB_BIN) + " cmapctl -q -g totem.join --state-dir " + state().string());
  EXPECT_EQ(out, "60\n");

  ::kill(pid, SIGTERM);
  int status = 0;
  ASSERT_TRUE(wait_for([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, 10s));
  children.clear();
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_FALSE(fs::exists(state() / "halabd.sock"));
  EXPECT_FALSE(fs::exists(state() / "halabd.pid"));
  EXPECT_NE(run("cat " + (dir / "log1").string()).second.find("halabd shutting down"), std::string::npos);
}

TEST_F(HalabdProcess, BackgroundModeWritesPidFileAndCfgtoolHStopsIt) {
  auto [rc, out] = run(halabd_args(state()));
  ASSERT_EQ(rc, 0) << out;
  std::ifstream pf(state() / "halabd.pid");
  long pid = 0;
  ASSERT_TRUE(pf >> pid);
  EXPECT_NE(pid, long(::getpid()));
  EXPECT_TRUE(answers(state()));
  std::tie(rc, out) = run(std::string(HALAB_BIN) + " cfgtool -H --state-dir " + state().string());
  EXPECT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("Shutting down halabd"), std::string::npos);
  EXPECT_TRUE(wait_for([&] { return ::kill(pid_t(pid), 0) != 0; }, 10s));
  EXPECT_FALSE(fs::exists(state() / "halabd.sock"));
}

// corosync-cmapctl -t / -T: changes print as they come, in order, with
// corosync's "create> / modify> / delete>" lines; --timeout ends it.
TEST_F(HalabdProcess, CmapctlTracksAKeyAndAPrefixUntilTheTimeout) {
  start_foreground(state(), dir / "log");
  ASSERT_TRUE(wait_for([&] { return answers(state()); }, 10s));
  const std::string tool = std::string(HALAB_BIN) + " cmapctl --state-dir " + state().string();
  FILE* key = ::popen((tool + " -t test.key --timeout 3 </dev/null 2>&1").c_str(), "r");
  FILE* prefix = ::popen((tool + " -T test. --timeout 3 </dev/null 2>&1").c_str(), "r");
  ASSERT_TRUE(key && prefix);
  // Both sessions exist before the changes (the daemon counts them).
  ASSERT_TRUE(wait_for(
      [&] {
        for (const char* id : {"1", "2"}) {
          auto r = halab::daemon::ctl_call(state().string(), {"cmap-track-poll", {id}}, 1000);
          if (!r.response || !r.response->ok()) return false;
        }
        return true;
      },
      5s));
  for (const char* cmd : {" -s test.key u32 5", " -s test.key u32 6", " -s test.other str hi", " -d test.key",
                          " -s unrelated.key u8 1"})
    EXPECT_EQ(run(tool + cmd).first, 0) << cmd;
  auto slurp = [](FILE* p) {
    std::string out;
    char buf[4096];
    std::size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    const int rc = ::pclose(p);
    return std::make_pair(WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out);
  };
  auto [krc, kout] = slurp(key);
  auto [prc, pout] = slurp(prefix);
  EXPECT_EQ(krc, 0) << kout;
  EXPECT_EQ(kout,
            "Type \"q\" to finish\ncreate> test.key (u32) = 5\nmodify> test.key (u32) = 6\n"
            "delete> test.key (u32) = 6\n");
  EXPECT_EQ(prc, 0) << pout;
  EXPECT_EQ(pout,
            "Type \"q\" to finish\ncreate> test.key (u32) = 5\nmodify> test.key (u32) = 6\n"
            "create> test.other (str) = hi\ndelete> test.key (u32) = 6\n");
  // The tools stopped their sessions.
  auto r = halab::daemon::ctl_call(state().string(), {"cmap-track-poll", {"1"}}, 1000);
  ASSERT_TRUE(r.response);
  EXPECT_EQ(r.response->error, "CS_ERR_NOT_EXIST");
  // A bad key is refused as corosync-cmapctl does.
  auto [brc, bout] = run(tool + " -t 'bad key' --timeout 1");
  EXPECT_NE(brc, 0);
  EXPECT_NE(bout.find("Can't track key bad key"), std::string::npos) << bout;
}
