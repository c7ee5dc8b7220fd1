// halab-fence-virtd start-up errors as a user meets them: bad config (file:line), missing
// key, unreachable libvirt, an already running instance. No namespace needed: every case
// fails before a socket is opened.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

namespace {

struct Out {
  int rc;
  std::string text;
};

Out run(const std::string& cmd) {
  Out o{-1, ""};
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return o;
  char buf[512];
  while (std::fgets(buf, sizeof buf, p)) o.text += buf;
  int st = ::pclose(p);
  o.rc = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
  return o;
}

class DaemonStartup : public ::testing::Test {
 protected:
  std::string dir, bin = std::string(HALAB_FV_BIN_DIR) + "/halab-fence-virtd";
  void SetUp() override {
    char t[] = "/tmp/halab-fvd-start.XXXXXX";
    ASSERT_NE(::mkdtemp(t), nullptr);
    dir = t;
  }
  void TearDown() override { std::filesystem::remove_all(dir); }
  std::string write(const std::string& name, const std::string& text) {
    std::string p = dir + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  std::string conf(const std::string& key, const std::string& uri) {
    return write("fv.conf", "fence_virtd {\n\tlistener = \"tcp\";\n}\nlisteners {\n\ttcp {\n\t\tkey_file = \"" + key +
                                "\";\n\t\tport = \"47401\";\n\t}\n}\nbackends {\n\tlibvirt {\n\t\turi = \"" + uri + "\";\n\t}\n}\n");
  }
  std::string daemon(const std::string& args) { return bin + " -F -p " + dir + "/fvd.pid " + args; }
};

TEST_F(DaemonStartup, BadConfigNamesFileAndLine) {
  std::string c = write("bad.conf", "fence_virtd {\n\tlistener = \"tcp\"\n\tbackend = \"libvirt\";\n}\n");
  auto o = run(daemon("-f " + c));
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.text.find(c + ":3: expected ';' after value of 'listener'"), std::string::npos) << o.text;
}

TEST_F(DaemonStartup, MissingConfigFile) {
  auto o = run(daemon("-f " + dir + "/none.conf"));
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.text.find("none.conf"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("cannot open"), std::string::npos) << o.text;
}

TEST_F(DaemonStartup, MissingKeyFile) {
  auto o = run(daemon("-f " + conf(dir + "/no.key", "test:///default")));
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.text.find("key file " + dir + "/no.key: No such file or directory"), std::string::npos) << o.text;
  EXPECT_NE(o.text.find("listeners/tcp/key_file"), std::string::npos) << o.text;
}

TEST_F(DaemonStartup, UnreachableLibvirt) {
  std::string key = write("k", "0123456789");
  auto o = run(daemon("-f " + conf(key, "test+unix:///default?socket=" + dir + "/nosock")));
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.text.find("cannot connect to libvirt at test+unix:///default?socket="), std::string::npos) << o.text;
}

TEST_F(DaemonStartup, RefusesASecondInstanceAndMakesFilesPrivate) {
  std::string key = write("k", "0123456789");
  std::string c = conf(key, "test:///default");
  ::chmod(key.c_str(), 0644);
  write("fvd.pid", std::to_string(::getpid()) + "\n");  // "running": this test process
  auto o = run(daemon("-f " + c));
  EXPECT_EQ(o.rc, 1);
  EXPECT_NE(o.text.find("already running as pid " + std::to_string(::getpid())), std::string::npos) << o.text;
  struct stat st{};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 077, 0u) << "key file must be made private (as fence_virtd does)";
}

TEST_F(DaemonStartup, HelpListAndBadOptions) {
  EXPECT_EQ(run(bin + " -h").rc, 0);
  auto l = run(bin + " -l");
  EXPECT_EQ(l.rc, 0);
  EXPECT_NE(l.text.find("multicast tcp vsock"), std::string::npos);
  EXPECT_EQ(run(bin + " -d lots").rc, 1);
  EXPECT_EQ(run(bin + " -Q").rc, 1);
  EXPECT_EQ(run(bin + " -c").rc, 1);
}

}  // namespace

namespace {
// The vsock listener cannot be exercised end to end here (no loopback vsock transport in
// most containers), but it must at least open: bind + listen on AF_VSOCK any-CID works
// without a transport.
TEST_F(DaemonStartup, VsockListenerOpens) {
  if (::access("/dev/vsock", F_OK) != 0) GTEST_SKIP() << "no /dev/vsock";
  std::string key = write("k", "0123456789");
  std::string c = write("vs.conf", "fence_virtd { listener = \"vsock\"; }\nlisteners { vsock { key_file = \"" + key +
                                       "\"; port = \"47402\"; } }\nbackends { libvirt { uri = \"test:///default\"; } }\n");
  std::string log = dir + "/vs.log";
  // Background it, wait for the ready line, stop it by its own pid.
  auto o = run("(" + daemon("-f " + c) + " >" + log + " 2>&1 & echo $! >" + dir + "/vs.pid; "
               "for i in $(seq 100); do grep -q daemon.ready " + log + " && break; grep -q halab-fence-virtd: " + log +
               " && break; sleep 0.05; done; kill $(cat " + dir + "/vs.pid); cat " + log + ")");
  if (o.text.find("vsock") != std::string::npos && o.text.find("Address family not supported") != std::string::npos)
    GTEST_SKIP() << "AF_VSOCK not supported: " << o.text;
  EXPECT_NE(o.text.find("daemon.ready listener=vsock where=\"vsock any-cid port 47402\""), std::string::npos) << o.text;
}
}  // namespace
