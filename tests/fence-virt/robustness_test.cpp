// Refusals against the running halab-fence-virtd: wrong key, wrong hash type, wrong auth,
// replayed request, truncated and garbage packets, unknown domain. Each is refused with the
// right code (client exit code / closed connection / no call-back), logged with its reason,
// and the daemon keeps serving the next good request.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <thread>

#include "fence-virt/os/fd.hpp"
#include "fence-virt/protocol/hash.hpp"
#include "fence-virt/protocol/wire.hpp"
#include "tests/fence-virt/fv_lab.hpp"

namespace halab::fv::test {
namespace {

using namespace std::chrono;

class Robustness : public ::testing::Test {
 protected:
  FvLab& lab = *FvLab::get();
  void SetUp() override { FV_REQUIRE_LAB(); }

  RunResult agent(std::vector<std::string> extra) {
    std::vector<std::string> argv{lab.agent};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return lab.env.run(argv);
  }
  std::string tcp_port() const { return std::to_string(lab.halab_ports.tcp); }
  std::string mcast_port() const { return std::to_string(lab.halab_ports.mcast); }
  // The daemon still answers a good request.
  void expect_still_serving() {
    lab.ensure_state("vm2", true);
    auto t = agent({"-T", "127.0.0.1", "-p", tcp_port(), "-k", lab.env.key_file(), "-o", "status", "-n", "vm2"});
    EXPECT_EQ(t.rc, 0) << t.output;
    auto m = agent({"-p", mcast_port(), "-k", lab.env.key_file(), "-t", "5", "-o", "status", "-n", "vm2"});
    EXPECT_EQ(m.rc, 0) << m.output;
    EXPECT_TRUE(lab.env.alive(lab.halab_tcp) && lab.env.alive(lab.halab_mcast));
  }
  Key lab_key() {
    std::string contents, err;
    EXPECT_TRUE(os::read_key_file(lab.env.key_file(), contents, err)) << err;
    return Key::from_contents(std::span(reinterpret_cast<const std::uint8_t*>(contents.data()), contents.size()));
  }
  static os::Fd tcp_connect(int port) {
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    std::string err;
    return os::connect_stream(reinterpret_cast<sockaddr*>(&sa), sizeof sa, os::deadline_in(seconds(2)), err);
  }
  // Sends raw bytes to the halab multicast listener.
  void send_datagram(std::span<const std::uint8_t> bytes) {
    os::Fd u(::socket(AF_INET, SOCK_DGRAM, 0));
    in_addr lo{htonl(INADDR_LOOPBACK)};
    ::setsockopt(u.get(), IPPROTO_IP, IP_MULTICAST_IF, &lo, sizeof lo);
    sockaddr_in g{};
    g.sin_family = AF_INET;
    g.sin_port = htons(static_cast<uint16_t>(lab.halab_ports.mcast));
    ::inet_pton(AF_INET, "225.0.0.12", &g.sin_addr);
    ASSERT_EQ(::sendto(u.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&g), sizeof g),
              static_cast<ssize_t>(bytes.size()));
  }
  // Client side of the stream exchange with sha256 auth; returns the result byte or -1.
  static int exchange(int fd, const Key& key) {
    auto dl = os::deadline_in(seconds(3));
    Challenge mine{};
    os::random_bytes(mine);
    Digest ans{};
    if (os::write_all(fd, mine, dl) != os::IoStatus::ok || os::read_exact(fd, ans, dl) != os::IoStatus::ok) return -1;
    if (!challenge_answer_valid(HashType::sha256, key, mine, ans)) return -2;
    Challenge theirs{};
    if (os::read_exact(fd, theirs, dl) != os::IoStatus::ok) return -1;
    if (os::write_all(fd, challenge_answer(HashType::sha256, key, theirs), dl) != os::IoStatus::ok) return -1;
    std::uint8_t code = 0;
    if (os::read_exact(fd, std::span(&code, 1), dl) != os::IoStatus::ok) return -1;
    return code;
  }
  RequestBytes signed_request(Op op, const std::string& dom, const Key& key, std::uint16_t cb_port = 0) {
    Request r;
    r.op = op;
    r.hashtype = static_cast<std::uint8_t>(HashType::sha256);
    r.domain = dom;
    std::uint8_t s[4];
    os::random_bytes(s);
    std::memcpy(&r.seqno, s, 4);
    os::random_bytes(r.random);
    if (cb_port) {
      r.addrlen = 4;
      r.family = kFamilyInet;
      r.port = cb_port;
      in_addr lo{htonl(INADDR_LOOPBACK)};
      std::memcpy(r.address.data(), &lo, 4);
    }
    sign(r, key);
    return encode(r);
  }
};

TEST_F(Robustness, WrongKeyIsRefusedOverTcpAndMulticast) {
  std::string bad = lab.env.work() + "/wrong.key";
  LabEnv::write_file(bad, std::string(512, 'x'));
  auto t = agent({"-T", "127.0.0.1", "-p", tcp_port(), "-k", bad, "-t", "3", "-o", "status", "-n", "vm2"});
  EXPECT_EQ(t.rc, 1) << t.output;
  EXPECT_TRUE(LabEnv::wait_for_text(lab.halab_tcp_log, "reason=bad_signature"));
  auto m = agent({"-p", mcast_port(), "-k", bad, "-t", "1", "-r", "3", "-o", "status", "-n", "vm2"});
  EXPECT_EQ(m.rc, 1) << m.output;
  EXPECT_NE(m.output.find("Timed out"), std::string::npos) << m.output;
  EXPECT_TRUE(LabEnv::wait_for_text(lab.halab_mcast_log, "reason=bad_signature"));
  expect_still_serving();
}

TEST_F(Robustness, HashBelowTheMinimumIsRefusedStrongerIsAccepted) {
  auto sha1 = agent({"-T", "127.0.0.1", "-p", tcp_port(), "-k", lab.env.key_file(), "-c", "sha1", "-o", "status", "-n", "vm2"});
  EXPECT_EQ(sha1.rc, 1) << sha1.output;
  auto none = agent({"-T", "127.0.0.1", "-p", tcp_port(), "-k", lab.env.key_file(), "-c", "none", "-o", "status", "-n", "vm2"});
  EXPECT_EQ(none.rc, 1) << none.output;
  EXPECT_TRUE(LabEnv::wait_for_text(lab.halab_tcp_log, "reason=hash_too_weak src=127.0.0.1 op=status domain=\"vm2\"") );
  EXPECT_TRUE(LabEnv::wait_for_text(lab.halab_tcp_log, "hash=none"));
  lab.ensure_state("vm2", true);
  auto sha512 = agent({"-T", "127.0.0.1", "-p", tcp_port(), "-k", lab.env.key_file(), "-c", "sha512", "-o", "status", "-n", "vm2"});
  EXPECT_EQ(sha512.rc, 0) << sha512.output;
  expect_still_serving();
}

TEST_F(Robustness, WrongAuthAlgorithmFailsTheChallenge) {
  auto r = agent({"-T", "127.0.0.1", "-p", tcp_port(), "-k", lab.env.key_file(), "-C", "sha1", "-o", "off", "-n", "vm2"});
  EXPECT_EQ(r.rc, 1) << r.output;
  EXPECT_EQ(lab.env.domstate("vm2"), "running") << "a failed authentication must not fence";
  EXPECT_TRUE(LabEnv::wait_for_text(lab.halab_tcp_log, "reason=auth_"));
  expect_still_serving();
}

TEST_F(Robustness, ReplayedTcpRequestIsRefused) {
  Key key = lab_key();
  lab.ensure_state("vm2", true);
  auto bytes = signed_request(Op::status, "vm2", key);
  {
    os::Fd c = tcp_connect(lab.halab_ports.tcp);
    ASSERT_TRUE(c.valid());
    ASSERT_EQ(os::write_all(c.get(), bytes, os::deadline_in(seconds(2))), os::IoStatus::ok);
    EXPECT_EQ(exchange(c.get(), key), 0);
  }
  {
    os::Fd c = tcp_connect(lab.halab_ports.tcp);
    ASSERT_TRUE(c.valid());
    ASSERT_EQ(os::write_all(c.get(), bytes, os::deadline_in(seconds(2))), os::IoStatus::ok);
    EXPECT_EQ(exchange(c.get(), key), -1) << "a replay must get the connection closed, not an answer";
  }
  EXPECT_TRUE(LabEnv::wait_for_text(lab.halab_tcp_log, "reason=replayed"));
  expect_still_serving();
}

TEST_F(Robustness, ReplayedMulticastRequestGetsNoCallBack) {
  Key key = lab_key();
  lab.ensure_state("vm2", true);
  // Our own call-back listener, as fence_xvm would open.
  os::Fd lsn(::socket(AF_INET, SOCK_STREAM, 0));
  int one = 1;
  ::setsockopt(lsn.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(47311);
  sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(::bind(lsn.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa), 0);
  ASSERT_EQ(::listen(lsn.get(), 4), 0);
  auto bytes = signed_request(Op::status, "vm2", key, 47311);
  send_datagram(bytes);
  ASSERT_EQ(os::wait_fd(lsn.get(), POLLIN, os::deadline_in(seconds(3))), os::IoStatus::ok);
  {
    os::Fd c(::accept(lsn.get(), nullptr, nullptr));
    EXPECT_EQ(exchange(c.get(), key), 0);
  }
  send_datagram(bytes);  // the same packet again
  EXPECT_TRUE(LabEnv::wait_for_text(lab.halab_mcast_log, "reason=replayed"));
  EXPECT_EQ(os::wait_fd(lsn.get(), POLLIN, os::deadline_in(milliseconds(300))), os::IoStatus::timeout)
      << "the daemon called back for a replayed request";
  expect_still_serving();
}

TEST_F(Robustness, TruncatedAndGarbagePacketsAreRefused) {
  Key key = lab_key();
  auto bytes = signed_request(Op::off, "vm2", key, 47312);
  lab.ensure_state("vm2", true);
  send_datagram(std::span(bytes).first(100));
  EXPECT_TRUE(LabEnv::wait_for_text(lab.halab_mcast_log, "reason=bad_length"));
  {
    os::Fd c = tcp_connect(lab.halab_ports.tcp);
    ASSERT_TRUE(c.valid());
    ASSERT_EQ(os::write_all(c.get(), std::span(bytes).first(100), os::deadline_in(seconds(2))), os::IoStatus::ok);
    ::shutdown(c.get(), SHUT_WR);
    std::uint8_t b;
    EXPECT_EQ(os::read_exact(c.get(), std::span(&b, 1), os::deadline_in(seconds(3))), os::IoStatus::closed);
  }
  EXPECT_TRUE(LabEnv::wait_for_text(lab.halab_tcp_log, "reason=truncated"));
  RequestBytes garbage = bytes;
  garbage[0] = 9;  // not an op code
  send_datagram(garbage);
  EXPECT_TRUE(LabEnv::wait_for_text(lab.halab_mcast_log, "reason=unknown_op"));
  RequestBytes tampered = bytes;
  tampered[5] ^= 1;  // domain byte changed after signing
  send_datagram(tampered);
  EXPECT_TRUE(LabEnv::wait_for_text(lab.halab_mcast_log, "reason=bad_signature"));
  EXPECT_EQ(lab.env.domstate("vm2"), "running") << "no refused packet may fence";
  expect_still_serving();
}

TEST_F(Robustness, UnknownDomainGetsTheSameCodesAsFenceVirtd) {
  for (bool real : {false, true}) {
    if (real && !lab.have_real) continue;
    int port = real ? lab.real_ports.tcp : lab.halab_ports.tcp;
    auto off = agent({"-T", "127.0.0.1", "-p", std::to_string(port), "-k", lab.env.key_file(), "-o", "off", "-n", "no-such-vm"});
    EXPECT_EQ(off.rc, 1) << (real ? "fence_virtd: " : "halab: ") << off.output;
    auto st = agent({"-T", "127.0.0.1", "-p", std::to_string(port), "-k", lab.env.key_file(), "-o", "status", "-n", "no-such-vm"});
    EXPECT_EQ(st.rc, 2) << (real ? "fence_virtd: " : "halab: ") << st.output;
  }
  EXPECT_TRUE(LabEnv::wait_for_text(lab.halab_tcp_log, "backend.unknown_domain op=off domain=\"no-such-vm\""));
  expect_still_serving();
}

TEST_F(Robustness, OffByUuidAndRebootOfAnOffDomain) {
  lab.ensure_state("vm3", false);
  auto rb = agent({"-T", "127.0.0.1", "-p", tcp_port(), "-k", lab.env.key_file(), "-o", "reboot", "-n", "vm3"});
  EXPECT_EQ(rb.rc, 0) << rb.output;
  EXPECT_EQ(lab.env.domstate("vm3"), "shut off") << "reboot of an off domain leaves it off (fence_virtd semantics)";
  lab.ensure_state("vm2", true);
  auto off = agent({"-T", "127.0.0.1", "-p", tcp_port(), "-k", lab.env.key_file(), "-o", "off", "-n",
                    "22222222-2222-2222-2222-222222222222"});
  EXPECT_EQ(off.rc, 0) << off.output;
  EXPECT_EQ(lab.env.domstate("vm2"), "shut off");
  lab.ensure_state("vm2", true);
}

}  // namespace
}  // namespace halab::fv::test

namespace halab::fv::test {
namespace {

// A third daemon with a static map (127.0.0.1 may act on vm1 only), halab's and fence_virtd's:
// both must deny vm2 with 3, deny vm1 named by UUID (the group lists its name), accept vm1
// by name, and list only vm1.
TEST(StaticMaps, DeniedOutsideTheGroupAndListFiltered) {
  FV_REQUIRE_LAB();
  FvLab& lab = *FvLab::get();
  for (bool real : {false, true}) {
    if (real && !lab.have_real) continue;
    SCOPED_TRACE(real ? "fence_virtd" : "halab-fence-virtd");
    std::string conf = lab.conf("tcp", 1349) + "groups {\n\tgroup {\n\t\tname = \"lab\";\n\t\tip = \"127.0.0.1\";\n"
                                                "\t\tuuid = \"vm1\";\n\t}\n}\n";
    std::string path = lab.env.work() + "/groups.conf";
    std::string log = lab.env.work() + (real ? "/real-groups.log" : "/halab-groups.log");
    LabEnv::write_file(path, conf);
    pid_t d = lab.env.spawn({real ? "fence_virtd" : lab.halabd, "-F", "-f", path, "-p", path + ".pid"}, log);
    ASSERT_TRUE(LabEnv::wait_port_bound(SOCK_STREAM, 1349)) << LabEnv::read_file(log);
    auto call = [&](std::vector<std::string> a) {
      std::vector<std::string> argv{lab.agent, "-T", "127.0.0.1", "-p", "1349", "-k", lab.env.key_file()};
      argv.insert(argv.end(), a.begin(), a.end());
      return lab.env.run(argv);
    };
    lab.ensure_state("vm1", true);
    lab.ensure_state("vm2", true);
    // fence_virtd binds its port before its backend is ready: wait (bounded) until it answers
    // for the domain it may act on, so the checks below see the static map, not a start-up race.
    bool ready = false;
    for (int i = 0; i < 25 && !ready; ++i) {
      ready = call({"-o", "status", "-n", "vm1"}).rc == 0;
      if (!ready) std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    ASSERT_TRUE(ready) << "the daemon never answered a status for vm1: " << LabEnv::read_file(log);
    auto denied = call({"-o", "off", "-n", "vm2"});
    EXPECT_EQ(denied.rc, 3) << denied.output;
    EXPECT_EQ(lab.env.domstate("vm2"), "running");
    if (!real) {
      EXPECT_TRUE(LabEnv::wait_for_text(log, "request.denied reason=static_map requester=127.0.0.1 op=off domain=\"vm2\""));
    }
    auto by_uuid = call({"-o", "status", "-n", "11111111-1111-1111-1111-111111111111"});
    EXPECT_EQ(by_uuid.rc, 3) << "the group lists vm1 by name, not by UUID: " << by_uuid.output;
    auto st = call({"-o", "status", "-n", "vm1"});
    EXPECT_EQ(st.rc, 0) << st.output;
    auto off = call({"-o", "off", "-n", "vm1"});
    EXPECT_EQ(off.rc, 0) << off.output;
    EXPECT_EQ(lab.env.domstate("vm1"), "shut off");
    auto list = call({"-o", "list"});
    EXPECT_EQ(list.rc, 0);
    EXPECT_NE(list.output.find("vm1"), std::string::npos) << list.output;
    EXPECT_EQ(list.output.find("vm2"), std::string::npos) << "list shows only mapped domains: " << list.output;
    lab.env.stop(d);
    lab.ensure_state("vm1", true);
    // The port must be free again before the next daemon binds it.
    for (int i = 0; i < 100 && LabEnv::wait_port_bound(SOCK_STREAM, 1349, std::chrono::milliseconds(0)); ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace
}  // namespace halab::fv::test

namespace halab::fv::test {
namespace {

// libvirtd goes away under a running daemon: requests fail with 1 (logged), the daemon keeps
// running, and once libvirtd is back the next request reconnects and succeeds.
TEST(LibvirtOutage, FailsCleanlyThenReconnects) {
  FV_REQUIRE_LAB();
  FvLab& lab = *FvLab::get();
  std::string dir = lab.env.work() + "/lv2";
  std::string err;
  pid_t lv = lab.env.start_libvirtd(dir, err);
  ASSERT_GT(lv, 0) << err;
  // In-process state of libvirtd's test driver: "test" is running in every fresh driver.
  std::string uri = "test+unix:///default?socket=" + dir + "/run/libvirt-sock";
  std::string conf = lab.conf("tcp", 1369);
  conf.replace(conf.find(lab.env.uri()), lab.env.uri().size(), uri);
  std::string path = dir + "/fvd.conf", log = dir + "/fvd.log";
  LabEnv::write_file(path, conf);
  pid_t d = lab.env.spawn({lab.halabd, "-F", "-f", path, "-p", path + ".pid"}, log);
  ASSERT_TRUE(LabEnv::wait_for_text(log, "daemon.ready")) << LabEnv::read_file(log);
  auto status = [&] {
    return lab.env.run({lab.agent, "-T", "127.0.0.1", "-p", "1369", "-k", lab.env.key_file(), "-o", "status", "-n", "test"});
  };
  auto before = status();
  EXPECT_EQ(before.rc, 0) << before.output;
  lab.env.stop(lv);
  auto during = status();
  EXPECT_EQ(during.rc, 1) << "libvirt unreachable must be a failure, not 'off': " << during.output;
  EXPECT_TRUE(LabEnv::wait_for_text(log, "backend.unreachable"));
  for (const char* op : {"off", "monitor", "list"}) {
    auto r = lab.env.run({lab.agent, "-T", "127.0.0.1", "-p", "1369", "-k", lab.env.key_file(), "-o", op, "-n", "test"});
    EXPECT_EQ(r.rc, 1) << op << " with libvirtd down: " << r.output;
  }
  EXPECT_TRUE(lab.env.alive(d));
  lv = lab.env.start_libvirtd(dir, err);
  ASSERT_GT(lv, 0) << err;
  auto after = status();
  EXPECT_EQ(after.rc, 0) << after.output << LabEnv::read_file(log);
  EXPECT_TRUE(LabEnv::wait_for_text(log, "backend.connected"));
  lab.env.stop(d);
  lab.env.stop(lv);
}

}  // namespace
}  // namespace halab::fv::test
