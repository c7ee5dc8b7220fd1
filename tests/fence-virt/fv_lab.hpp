#pragma once
// The shared lab of the `real` fence-virt tests: LabEnv plus host daemons on one key:
//   fence_virtd        multicast 225.0.0.12:1229 (lo)    tcp 127.0.0.1:1239
//   halab-fence-virtd  multicast 225.0.0.12:1329 (lo)    tcp 127.0.0.1:1339
// and, where loopback vsock works, a vsock listener of each.
// all with backend libvirt on the lab's test driver. Set up once per test binary.
#include <gtest/gtest.h>

#include <chrono>
#include <optional>
#include <string>

#include "tests/fence-virt/lab_env.hpp"

namespace halab::fv::test {

struct DaemonPorts {
  int mcast;
  int tcp;
  int vsock;  // vsock ports are not per network namespace: derived from the pid
};

// Loopback vsock (CID 1) needs the vsock_loopback transport; containers usually lack it.
// Empty when usable, else why not.
std::string vsock_unavailable_reason();

class FvLab : public ::testing::Environment {
 public:
  void SetUp() override;
  void TearDown() override;
  static FvLab* get();

  LabEnv env;
  bool ready = false;
  std::string agent;       // build/bin/fence_halab_virt
  std::string halabd;      // build/bin/halab-fence-virtd
  bool have_real = false;  // fence_virtd + fence_xvm + fence_virt installed
  DaemonPorts real_ports{1229, 1239, 0};
  DaemonPorts halab_ports{1329, 1339, 0};
  std::string vsock_skip;  // empty: vsock daemons run on *_ports.vsock
  std::string halab_mcast_log, halab_tcp_log, real_mcast_log, real_tcp_log;
  pid_t halab_mcast = -1, halab_tcp = -1;

  // Conf text in fence_virt.conf format.
  std::string conf(const std::string& listener, int port, const std::string& extra = "") const;
  void ensure_state(const std::string& dom, bool running);
};

#define FV_REQUIRE_LAB()                                                              \
  do {                                                                                \
    if (!::halab::fv::test::FvLab::get()->ready)                                      \
      GTEST_SKIP() << "fence-virt lab unavailable: " << ::halab::fv::test::FvLab::get()->env.skip_reason(); \
  } while (0)

// Runs a real world until the callback `start` was given is called (at most
// 30 s): the result, or a failure and T{}.
template <class T, class World, class Start>
T wait_result(World& world, Start start) {
  std::optional<T> got;
  start([&](const T& r) { got = r; });
  for (int i = 0; i < 600 && !got; ++i) world.run_for(std::chrono::milliseconds(50));
  if (!got) ADD_FAILURE() << "no result within 30 s";
  return got.value_or(T{});
}

}  // namespace halab::fv::test
