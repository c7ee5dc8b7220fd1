// `halab crm` and `halab ra` end to end: the binary, a CIB file, real agents,
// and (when installed) the real crmsh for the ra output.
#include <gtest/gtest.h>

#include "tests/support/shell.hpp"
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "stack/cib/cib.hpp"

namespace {

struct Result {
  int rc;
  std::string out;
};

Result sh(const std::string& cmd) {
  auto [rc, out] = halab::test::run_shell(cmd);
  return {rc, out};
}

std::string slurp(const std::string& f) {
  std::ifstream in(f);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string shared_dir() {
  if (const char* d = std::getenv("HALAB_SHARED_DIR")) return d;
  return std::string(HALAB_SOURCE_DIR) + "/../shared";
}

class CrmCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char d[] = "/tmp/halab-crm-XXXXXX";
    ASSERT_NE(mkdtemp(d), nullptr);
    dir = d;
    cib = dir + "/cib.xml";
    std::ofstream(cib) << halab::cib::Cib::empty().to_xml();
  }
  void TearDown() override { sh("rm -rf " + dir); }
  Result crm(const std::string& args) { return sh("CIB_file=" + cib + " " + HALAB_BIN + " crm " + args); }
  long epoch() { return halab::cib::Cib::parse(slurp(cib), "cib").version().epoch; }
  std::string dir, cib;
};

}  // namespace

TEST_F(CrmCli, CommandModeCommitsOnceAndExitCodes) {
  auto r = crm("configure property stonith-enabled=false");
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(epoch(), 2);
  r = crm("configure primitive web ocf:pacemaker:Dummy params state=/run/web.state op monitor interval=10s");
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(epoch(), 3);
  const std::string before = slurp(cib);
  r = crm("configure primitive 123 Dummy");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("ERROR: 123: invalid object id"), std::string::npos) << r.out;
  EXPECT_EQ(slurp(cib), before);
  r = crm("configure show web");
  EXPECT_EQ(r.out,
            "primitive web ocf:pacemaker:Dummy \\\n\tparams state=\"/run/web.state\" \\\n\top monitor interval=10s\n");
}

TEST_F(CrmCli, RealAgentMetaDataChecks) {
  crm("configure property stonith-enabled=false");
  const std::string before = slurp(cib);
  auto r = crm("configure primitive e ocf:pacemaker:Dummy params nosuch=1");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("ERROR: e: parameter \"nosuch\" is not known"), std::string::npos) << r.out;
  r = crm("configure primitive ip ocf:heartbeat:IPaddr2");
  EXPECT_EQ(r.rc, 1);
  EXPECT_NE(r.out.find("ERROR: ip: required parameter \"ip\" not defined"), std::string::npos) << r.out;
  EXPECT_EQ(slurp(cib), before);
  r = crm("-F configure primitive e ocf:pacemaker:Dummy params nosuch=1");
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_NE(r.out.find("INFO: commit forced"), std::string::npos);
}

TEST_F(CrmCli, ScriptFileAndStdinSession) {
  std::ofstream(dir + "/s.crm") << "# comment at the root level is ignored\n"
                                   "configure property stonith-enabled=false\n"
                                   "configure primitive a ocf:pacemaker:Dummy \\\n  meta target-role=Stopped\n"
                                   "configure primitive 1bad Dummy\n"
                                   "configure primitive b ocf:pacemaker:Dummy\n";
  auto r = crm("-f " + dir + "/s.crm");
  EXPECT_EQ(r.rc, 1);  // one line failed, the others were committed, one epoch each
  EXPECT_NE(r.out.find("ERROR: 5: 1bad: invalid object id"), std::string::npos) << r.out;
  EXPECT_EQ(epoch(), 4);
  r = sh("printf 'configure\\nprimitive c ocf:pacemaker:Dummy\\nprimitive d ocf:pacemaker:Dummy\\ncommit\\n"
         "group g c d\\n' | CIB_file=" + cib + " " + HALAB_BIN + " crm");
  EXPECT_EQ(r.rc, 0) << r.out;
  EXPECT_EQ(epoch(), 6);  // explicit commit, then EOF commit
  EXPECT_NE(crm("configure show g").out.find("group g c d"), std::string::npos);
}

TEST_F(CrmCli, SeedShowEqualsRealCrmsh) {
  std::ifstream seed(shared_dir() + "/crmsh-oracle/seed-example.xml");
  if (!seed) GTEST_SKIP() << "no seed oracle output";
  std::stringstream ss;
  ss << seed.rdbuf();
  std::ofstream(cib) << ss.str();
  auto r = sh("CIB_file=" + cib + " " + HALAB_BIN + " crm configure show 2>/dev/null");
  EXPECT_EQ(r.out, slurp(shared_dir() + "/crmsh-oracle/seed-example.show.txt"));
}

TEST(RaCli, OutputEqualsRealCrmsh) {
  if (sh("command -v crm").rc != 0) GTEST_SKIP() << "crmsh not installed";
  const std::string home = "HOME=$(mktemp -d) ";
  for (const char* args : {"classes", "list ocf pacemaker", "info ocf:pacemaker:Dummy", "info ocf:heartbeat:IPaddr2",
                           "info stonith:fence_xvm", "list stonith", "list lsb", "info lsb:dbus"}) {
    auto ours = sh(std::string(HALAB_BIN) + " ra " + args);
    auto theirs = sh(home + "crm ra " + args);
    EXPECT_EQ(ours.out, theirs.out) << "ra " << args;
    EXPECT_EQ(ours.rc, 0) << args;
  }
}

TEST(CrmCliShow, ShowXmlEqualsRealCrmsh) {
  if (sh("command -v crm").rc != 0) GTEST_SKIP() << "crmsh not installed";
  const std::string seed = shared_dir() + "/crmsh-oracle/seed-example.xml";
  auto ours = sh("CIB_file=" + seed + " " + HALAB_BIN + " crm configure show xml 2>/dev/null");
  auto theirs = sh("HOME=$(mktemp -d) CIB_file=" + seed + " crm configure show xml 2>/dev/null");
  EXPECT_EQ(ours.out, theirs.out);
}

// SIGKILL `halab crm` at spread-out moments of a commit on a large CIB: the
// file always parses, as the old or the new CIB (temp file, fsync, rename).
TEST_F(CrmCli, KilledWriterLeavesOldOrNewCib) {
  std::string big = halab::cib::Cib::empty().to_xml();
  std::string prims;
  for (int i = 0; i < 3000; ++i)
    prims += "      <primitive id=\"r" + std::to_string(i) + "\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\"/>\n";
  big.replace(big.find("<resources/>"), 12, "<resources>\n" + prims + "    </resources>");
  big.replace(big.find("<crm_config/>"), 13,
              "<crm_config>\n      <cluster_property_set id=\"cib-bootstrap-options\">\n        <nvpair "
              "name=\"stonith-enabled\" value=\"false\" id=\"cib-bootstrap-options-stonith-enabled\"/>\n"
              "      </cluster_property_set>\n    </crm_config>");
  std::ofstream(cib) << big;
  // how long an undisturbed commit takes, to spread the kills over it
  const auto t0 = std::chrono::steady_clock::now();
  ASSERT_EQ(crm("configure property counter=start").rc, 0);
  const auto full = std::chrono::steady_clock::now() - t0;
  int old_seen = 0, new_seen = 0;
  for (int i = 0; i < 12; ++i) {
    const long before = epoch();
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      setenv("CIB_file", cib.c_str(), 1);
      int devnull = open("/dev/null", 1);
      dup2(devnull, 1);
      dup2(devnull, 2);
      execl(HALAB_BIN, "halab", "crm", "configure", "property", ("counter=" + std::to_string(i)).c_str(), (char*)nullptr);
      _exit(127);
    }
    std::this_thread::sleep_for(full * (i + 1) / 11);
    kill(pid, SIGKILL);
    int st = 0;
    waitpid(pid, &st, 0);
    const std::string text = slurp(cib);
    halab::cib::Cib c = halab::cib::Cib::parse(text, "cib after kill");  // throws on a torn file
    const long e = c.version().epoch;
    EXPECT_TRUE(e == before || e == before + 1) << "iteration " << i;
    (e == before ? old_seen : new_seen)++;
    EXPECT_EQ(text.find("value=\"" + std::to_string(i) + "\"") != std::string::npos, e == before + 1) << "iteration " << i;
  }
  RecordProperty("old", old_seen);
  RecordProperty("new", new_seen);
  EXPECT_GT(old_seen + new_seen, 0);
}

// The seed's resource commands on a CIB file, against the real crmsh.
TEST(CrmCliResource, StopStartMoveBanEqualRealCrmsh) {
  if (sh("command -v crm").rc != 0) GTEST_SKIP() << "crmsh not installed";
  char d[] = "/tmp/halab-res-XXXXXX";
  ASSERT_NE(mkdtemp(d), nullptr);
  const std::string dir = d, seed = slurp(shared_dir() + "/crmsh-oracle/seed-example.xml");
  std::ofstream(dir + "/ours.xml") << seed;
  std::ofstream(dir + "/theirs.xml") << seed;
  for (const char* c : {"stop webservice", "move webip node1", "stop d1", "start websrv", "stop st",
                        "ban webip node2", "start webservice", "clear webip"}) {
    EXPECT_EQ(sh("CIB_file=" + dir + "/ours.xml " + HALAB_BIN + " crm resource " + c).rc, 0) << c;
    sh("HOME=" + dir + " CIB_file=" + dir + "/theirs.xml crm resource " + c);
  }
  EXPECT_EQ(slurp(dir + "/ours.xml"), slurp(dir + "/theirs.xml"));
  sh("rm -rf " + dir);
}
