// The interop matrix: {real fence_xvm, real fence_virt -T, real fence_virt -S (vsock), real
// fence_virt serial, halab agent over multicast (command line), halab agent over tcp (stdin
// protocol), halab agent over vsock} x
// {real fence_virtd, halab-fence-virtd} x {list, status, off, on, reboot, monitor};
// every outcome checked against libvirt's own view (virsh domstate / domid).
#include <gtest/gtest.h>

#include <cstring>
#include <sstream>
#include <thread>

#include "tests/fence-virt/fv_lab.hpp"

namespace halab::fv::test {
namespace {

enum class Client { fence_xvm, fence_virt_tcp, fence_virt_vsock, fence_virt_serial, halab_mcast, halab_tcp_stdin, halab_vsock };
enum class Daemon { fence_virtd, halab };

const char* name(Client c) {
  switch (c) {
    case Client::fence_xvm: return "fence_xvm";
    case Client::fence_virt_tcp: return "fence_virt_tcp";
    case Client::fence_virt_vsock: return "fence_virt_vsock";
    case Client::fence_virt_serial: return "fence_virt_serial";
    case Client::halab_mcast: return "halab_agent_mcast";
    case Client::halab_vsock: return "halab_agent_vsock";
    case Client::halab_tcp_stdin: return "halab_agent_tcp_stdin";
  }
  return "?";
}
const char* name(Daemon d) { return d == Daemon::fence_virtd ? "fence_virtd" : "halab_fence_virtd"; }

struct Cell {
  Client client;
  Daemon daemon;
  std::string op;
};

void PrintTo(const Cell& c, std::ostream* os) { *os << name(c.client) << " -> " << name(c.daemon) << ": " << c.op; }

std::string cell_name(const ::testing::TestParamInfo<Cell>& i) {
  std::string op = i.param.op;
  for (auto& ch : op)
    if (ch == '-') ch = '_';
  return std::string(name(i.param.client)) + "__" + name(i.param.daemon) + "__" + op;
}

class InteropMatrix : public ::testing::TestWithParam<Cell> {
 protected:
  FvLab& lab = *FvLab::get();

  RunResult call(const std::string& op, const std::string& target) {
    const Cell& c = GetParam();
    const DaemonPorts& p = c.daemon == Daemon::halab ? lab.halab_ports : lab.real_ports;
    const std::string& key = lab.env.key_file();
    std::vector<std::string> argv;
    switch (c.client) {
      case Client::fence_xvm:
        argv = {"fence_xvm", "-k", key, "-p", std::to_string(p.mcast), "-t", "5", "-o", op};
        if (!target.empty()) argv.insert(argv.end(), {"-H", target});
        return lab.env.run(argv);
      case Client::fence_virt_tcp:
        argv = {"fence_virt", "-T", "127.0.0.1", "-p", std::to_string(p.tcp), "-k", key, "-t", "5", "-o", op};
        if (!target.empty()) argv.insert(argv.end(), {"-H", target});
        return lab.env.run(argv);
      case Client::fence_virt_vsock:  // CID 1 = this host, over the loopback transport
        argv = {"fence_virt", "-S", "1", "-p", std::to_string(p.vsock), "-k", key, "-t", "5", "-o", op};
        if (!target.empty()) argv.insert(argv.end(), {"-H", target});
        return lab.env.run(argv);
      case Client::halab_vsock:
        argv = {lab.agent, "-S", "1", "-p", std::to_string(p.vsock), "-k", key, "-t", "5", "-o", op};
        if (!target.empty()) argv.insert(argv.end(), {"-n", target});
        return lab.env.run(argv);
      case Client::fence_virt_serial:
        return RunResult{};
      case Client::halab_mcast:
        argv = {lab.agent, "-k", key, "-p", std::to_string(p.mcast), "-t", "5", "-o", op};
        if (!target.empty()) argv.insert(argv.end(), {"-n", target});
        return lab.env.run(argv);
      case Client::halab_tcp_stdin: {
        // As pacemaker's fencer calls an agent: no arguments, name=value lines on stdin.
        std::string in = "action=" + op + "\n" + (target.empty() ? "" : "plug=" + target + "\n") +
                         "nodename=" + target + "\nipaddr=127.0.0.1\nipport=" + std::to_string(p.tcp) +
                         "\nkey_file=" + key + "\ntimeout=5\n";
        return lab.env.run({lab.agent}, std::chrono::seconds(20), in, true);
      }
    }
    return RunResult{};
  }

  void SetUp() override {
    FV_REQUIRE_LAB();
    const Cell& c = GetParam();
    if (c.client == Client::fence_virt_serial)
      GTEST_SKIP() << "fence_virt's default serial / VM-channel mode talks to a serial listener that watches "
                      "running domains' unix-socket <serial>/<channel> devices; libvirt's test driver has no such "
                      "sockets, and halab-fence-virtd has no serial listener";
    if (c.daemon == Daemon::fence_virtd || c.client == Client::fence_xvm || c.client == Client::fence_virt_tcp ||
        c.client == Client::fence_virt_vsock)
      if (!lab.have_real) GTEST_SKIP() << "Debian fence-virt / fence-virtd not installed (scripts/bootstrap)";
    if ((c.client == Client::fence_virt_vsock || c.client == Client::halab_vsock) && !lab.vsock_skip.empty())
      GTEST_SKIP() << lab.vsock_skip;
  }
};

TEST_P(InteropMatrix, OutcomeMatchesLibvirt) {
  const std::string op = GetParam().op;
  if (op == "list") {
    auto r = call("list", "");
    ASSERT_EQ(r.rc, 0) << r.output;
    for (int n = 1; n <= 3; ++n) {
      std::string dom = "vm" + std::to_string(n);
      std::string uuid = std::string(8, char('0' + n)) + "-" + std::string(4, char('0' + n)) + "-" +
                         std::string(4, char('0' + n)) + "-" + std::string(4, char('0' + n)) + "-" + std::string(12, char('0' + n));
      std::string want = lab.env.domstate(dom) == "running" ? "on" : "off";
      std::istringstream lines(r.output);
      std::string line;
      bool found = false;
      while (std::getline(lines, line)) {
        std::istringstream f(line);
        std::string a, b, c;
        if (f >> a >> b >> c && a == dom) {
          found = true;
          EXPECT_EQ(b, uuid) << line;
          EXPECT_EQ(c, want) << line;
        }
      }
      EXPECT_TRUE(found) << dom << " missing from:\n" << r.output;
    }
  } else if (op == "status") {
    lab.ensure_state("vm1", true);
    auto on = call("status", "vm1");
    EXPECT_EQ(on.rc, 0) << on.output;
    EXPECT_EQ(lab.env.domstate("vm1"), "running");
    lab.ensure_state("vm1", false);
    auto off = call("status", "vm1");
    EXPECT_EQ(off.rc, 2) << off.output;
    EXPECT_EQ(lab.env.domstate("vm1"), "shut off");
    lab.ensure_state("vm1", true);
  } else if (op == "off") {
    lab.ensure_state("vm1", true);
    auto r = call("off", "vm1");
    EXPECT_EQ(r.rc, 0) << r.output;
    EXPECT_EQ(lab.env.domstate("vm1"), "shut off");
    lab.ensure_state("vm1", true);
  } else if (op == "on") {
    lab.ensure_state("vm1", false);
    auto r = call("on", "vm1");
    EXPECT_EQ(r.rc, 0) << r.output;
    EXPECT_EQ(lab.env.domstate("vm1"), "running");
  } else if (op == "reboot") {
    lab.ensure_state("vm1", true);
    std::string id0 = lab.env.domid("vm1");
    auto r = call("reboot", "vm1");
    EXPECT_EQ(r.rc, 0) << r.output;
    EXPECT_EQ(lab.env.domstate("vm1"), "running");
    EXPECT_NE(lab.env.domid("vm1"), id0) << "reboot must destroy and start the domain (new domain id)";
  } else if (op == "monitor") {
    lab.ensure_state("vm1", true);
    std::string s2 = lab.env.domstate("vm2"), s3 = lab.env.domstate("vm3");
    auto r = call("monitor", "");
    EXPECT_EQ(r.rc, 0) << r.output;
    EXPECT_EQ(lab.env.domstate("vm1"), "running");
    EXPECT_EQ(lab.env.domstate("vm2"), s2);
    EXPECT_EQ(lab.env.domstate("vm3"), s3);
  }
}

std::vector<Cell> all_cells() {
  std::vector<Cell> v;
  for (auto c : {Client::fence_xvm, Client::fence_virt_tcp, Client::fence_virt_vsock, Client::fence_virt_serial,
                 Client::halab_mcast, Client::halab_tcp_stdin, Client::halab_vsock})
    for (auto d : {Daemon::fence_virtd, Daemon::halab})
      for (const char* op : {"list", "status", "off", "on", "reboot", "monitor"}) v.push_back(Cell{c, d, op});
  return v;
}

INSTANTIATE_TEST_SUITE_P(FenceVirt, InteropMatrix, ::testing::ValuesIn(all_cells()), cell_name);

}  // namespace
}  // namespace halab::fv::test

namespace halab::fv::test {
namespace {

// IPv6 multicast (family = "ipv6", ff05::3:1) needs a multicast-capable link: a veth pair in
// the lab's namespace. Real fence_xvm and halab's agent against both daemons.
TEST(Ipv6Multicast, OffStatusOnBothWays) {
  FV_REQUIRE_LAB();
  FvLab& lab = *FvLab::get();
  auto sh = [&](const std::string& cmd) { return lab.env.run({"sh", "-c", cmd}).rc == 0; };
  if (!sh("ip link add fv6a type veth peer name fv6b") || !sh("ip link set fv6a up && ip link set fv6b up") ||
      !sh("ip -6 addr add fd01::1/64 dev fv6a nodad && ip -6 addr add fd01::2/64 dev fv6b nodad"))
    GTEST_SKIP() << "cannot set up a veth pair with IPv6 addresses in the lab namespace";
  const std::string v6 = "\t\tfamily = \"ipv6\";\n\t\taddress = \"ff05::3:1\";\n";
  struct D { bool real; int port; pid_t pid; std::string log; };
  std::vector<D> daemons{{false, 1529, -1, ""}, {true, 1539, -1, ""}};
  for (auto& d : daemons) {
    if (d.real && !lab.have_real) continue;
    std::string conf = lab.conf("multicast", d.port, v6);
    auto at = conf.find("interface = \"lo\"");
    conf.replace(at, std::strlen("interface = \"lo\""), "interface = \"fv6a\"");
    std::string path = lab.env.work() + "/v6-" + std::to_string(d.port) + ".conf";
    d.log = path + ".log";
    LabEnv::write_file(path, conf);
    d.pid = lab.env.spawn({d.real ? "fence_virtd" : lab.halabd, "-F", "-d", "1", "-f", path, "-p", path + ".pid"}, d.log);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  for (const auto& d : daemons) {
    if (d.pid < 0) continue;
    for (bool real_client : {false, true}) {
      if (real_client && !lab.have_real) continue;
      SCOPED_TRACE(std::string(real_client ? "fence_xvm" : "fence_halab_virt") + " -> " +
                   (d.real ? "fence_virtd" : "halab-fence-virtd") + " over ff05::3:1");
      auto call = [&](const std::string& op) {
        std::vector<std::string> argv{real_client ? "fence_xvm" : lab.agent, "-a", "ff05::3:1", "-k", lab.env.key_file(),
                                      "-p", std::to_string(d.port), "-t", "5", "-o", op,
                                      real_client ? "-H" : "-n", "vm1"};
        return lab.env.run(argv);
      };
      lab.ensure_state("vm1", true);
      auto off = call("off");
      EXPECT_EQ(off.rc, 0) << off.output << LabEnv::read_file(d.log);
      EXPECT_EQ(lab.env.domstate("vm1"), "shut off");
      auto st = call("status");
      EXPECT_EQ(st.rc, 2) << st.output;
      auto on = call("on");
      EXPECT_EQ(on.rc, 0) << on.output;
      EXPECT_EQ(lab.env.domstate("vm1"), "running");
    }
  }
  for (const auto& d : daemons)
    if (d.pid > 0) lab.env.stop(d.pid);
  sh("ip link del fv6a");
}

}  // namespace
}  // namespace halab::fv::test
