// The ping device with the real ping(8), through the real world's
// ChildProcesses and clock, against loopback.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "stack/core/real/real_world.hpp"
#include "stack/quorum/ping_device.hpp"

using namespace halab;
using namespace halab::quorum;
using namespace std::chrono_literals;

namespace {
PingOptions ping_opts() {
  PingOptions o;
  o.interval = 1s;
  o.wait = 1s;
  o.timeout = 3s;
  return o;
}
}  // namespace

TEST(PingDeviceReal, PingOfLoopbackAnswers) {
  if (!std::filesystem::exists("/usr/bin/ping") && !std::filesystem::exists("/bin/ping"))
    GTEST_SKIP() << "no ping(8) installed (iputils-ping)";
  const auto dir = std::filesystem::temp_directory_path() / ("halab-ping-" + std::to_string(::getpid()));
  core::real::RealWorld world({.node = "n1", .state_dir = dir.string(), .seed = {}, .processes = {}});
  PingOptions o = ping_opts();
  o.host = "127.0.0.1";
  PingDevice ping(world.clock(), world.processes(), world.logger(), o);
  ping.on_change = [&] { world.stop(); };
  ping.start();
  world.run_for(10s);
  std::filesystem::remove_all(dir);
  if (!ping.alive() && ping.pings() > 0 && ping.answers() == 0)
    GTEST_SKIP() << "ping 127.0.0.1 gets no answer here (no raw socket permission?)";
  EXPECT_TRUE(ping.alive());
}

