// Cross-check with ../shared/fence-virt/wire_check.py, a stdlib-Python implementation written
// from the protocol spec alone: as a client of halab-fence-virtd (tcp and multicast) and as a
// fake daemon answering fence_halab_virt.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

#include "tests/fence-virt/fv_lab.hpp"

namespace halab::fv::test {
namespace {

std::string wire_check_path() {
  const char* shared = std::getenv("HALAB_SHARED_DIR");
  std::string dir = shared ? shared : std::string(HALAB_SOURCE_DIR) + "/../shared";
  return dir + "/fence-virt/wire_check.py";
}

class WireCheck : public ::testing::Test {
 protected:
  FvLab& lab = *FvLab::get();
  std::string script = wire_check_path();
  void SetUp() override {
    FV_REQUIRE_LAB();
    if (!std::filesystem::exists(script)) GTEST_SKIP() << script << " not found (set HALAB_SHARED_DIR)";
    if (which("python3").empty()) GTEST_SKIP() << "python3 not installed";
  }
};

TEST_F(WireCheck, PythonTcpClientAgainstHalabDaemon) {
  lab.ensure_state("vm1", true);
  auto st = lab.env.run({"python3", script, "tcp-client", lab.env.key_file(), "127.0.0.1",
                         std::to_string(lab.halab_ports.tcp), "status", "vm1"});
  ASSERT_EQ(st.rc, 0) << st.output;
  EXPECT_NE(st.output.find("daemon-auth-ok=True result=0"), std::string::npos) << st.output;
  auto ls = lab.env.run({"python3", script, "tcp-client", lab.env.key_file(), "127.0.0.1",
                         std::to_string(lab.halab_ports.tcp), "list", ""});
  ASSERT_EQ(ls.rc, 0) << ls.output;
  EXPECT_NE(ls.output.find("('vm1', '11111111-1111-1111-1111-111111111111', 1)"), std::string::npos) << ls.output;
  EXPECT_NE(ls.output.find("result=0"), std::string::npos) << "final result byte after the terminator: " << ls.output;
}

TEST_F(WireCheck, PythonMulticastClientFencesThroughHalabDaemon) {
  lab.ensure_state("vm2", true);
  auto off = lab.env.run({"python3", script, "mcast-client", lab.env.key_file(), "225.0.0.12",
                          std::to_string(lab.halab_ports.mcast), "off", "vm2"});
  ASSERT_EQ(off.rc, 0) << off.output;
  EXPECT_NE(off.output.find("daemon-auth-ok=True result=0"), std::string::npos) << off.output;
  EXPECT_EQ(lab.env.domstate("vm2"), "shut off");
  lab.ensure_state("vm2", true);
}

TEST_F(WireCheck, HalabAgentAgainstPythonFakeDaemon) {
  for (const char* op : {"status", "list"}) {
    std::string log = lab.env.work() + "/fake-" + op + ".log";
    pid_t fake = lab.env.spawn({"python3", "-u", script, "fake-daemon", lab.env.key_file(), "1429", op}, log);
    ASSERT_TRUE(LabEnv::wait_for_text(log, "fake-daemon: ready")) << LabEnv::read_file(log);
    auto r = lab.env.run({lab.agent, "-k", lab.env.key_file(), "-p", "1429", "-t", "5", "-o", op, "-n", "vm1"});
    lab.env.stop(fake);  // it exits after one request; stop() reaps it either way
    std::string flog = LabEnv::read_file(log);
    EXPECT_NE(flog.find("hash-valid=True"), std::string::npos) << flog;
    EXPECT_NE(flog.find("client-auth-ok=True"), std::string::npos) << flog;
    EXPECT_NE(flog.find("got 176 bytes"), std::string::npos) << flog;
    if (std::string(op) == "status") {
      EXPECT_EQ(r.rc, 2) << r.output;  // the fake daemon answers "off"
      EXPECT_NE(r.output.find("Status: OFF"), std::string::npos) << r.output;
    } else {
      EXPECT_EQ(r.rc, 0) << r.output;
      EXPECT_NE(r.output.find("alpha"), std::string::npos) << r.output;
      EXPECT_NE(r.output.find("bbbbbbbb-0000-0000-0000-000000000002 off"), std::string::npos) << r.output;
    }
  }
}

}  // namespace
}  // namespace halab::fv::test
