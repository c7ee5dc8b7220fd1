// stonith:fence_halab_virt as a device of halab's fencer on a real node: the
// fencer runs build/bin/fence_halab_virt through the fence-agents stdin
// protocol (no arguments, name=value lines), against halab-fence-virtd and
// the real fence_virtd of the lab, both on libvirtd's test driver. Every
// outcome is checked against `virsh domstate`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "stack/core/real/real_world.hpp"
#include "stack/fencer/fencer.hpp"
#include "tests/fence-virt/fv_lab.hpp"

namespace halab::fv::test {
namespace {

using namespace std::chrono_literals;
using fencer::AgentResult;
using fencer::FenceResult;

struct FencerNode {
  FencerNode(const std::string& state_dir, const std::string& agent_dir)
      : world({.node = "n1", .state_dir = state_dir, .seed = 1}), env(world.env()) {
    fencer::FencerOptions o;
    o.path_env = agent_dir + ":/usr/sbin:/usr/bin:/sbin:/bin";
    f = std::make_unique<fencer::Fencer>(env, o);
  }
  ~FencerNode() { f.reset(); }
  template <class T, class Start> T wait(Start start) { return wait_result<T>(world, start); }
  FenceResult fence(const std::string& target, const std::string& action) {
    return wait<FenceResult>([&](auto cb) { f->fence(target, action, "n1", cb); });
  }
  AgentResult action(const std::string& act, const std::string& target) {
    return wait<AgentResult>([&](auto cb) { f->device_action("virt", act, target, cb); });
  }
  core::real::RealWorld world;
  core::Env env;
  std::unique_ptr<fencer::Fencer> f;
};

void drive(FvLab& lab, int mcast_port, const std::string& daemon) {
  SCOPED_TRACE(daemon);
  const std::string state = lab.env.work() + "/fencer-" + daemon;
  std::filesystem::create_directories(state);
  FencerNode n(state, std::filesystem::path(lab.agent).parent_path().string());
  std::string err;
  auto dev = fencer::device_from_params("virt", "fence_halab_virt",
                                        {{"key_file", lab.env.key_file()},
                                         {"ipport", std::to_string(mcast_port)},
                                         {"timeout", "5"},
                                         {"pcmk_host_map", "n2:vm1;n3:vm2"},
                                         {"pcmk_off_retries", "0"}},
                                        err);
  ASSERT_TRUE(dev) << err;
  n.f->register_device(*dev);
  lab.ensure_state("vm1", true);
  lab.ensure_state("vm2", true);

  // the agent's list ("domain uuid state") is what the fencer's dynamic-list check reads
  const AgentResult list = n.action("list", "");
  EXPECT_TRUE(list.ok) << list.reason;
  EXPECT_NE(list.output.find("vm1"), std::string::npos) << list.output;
  EXPECT_EQ(n.action("status", "n2").exit_code, 0);
  EXPECT_TRUE(n.action("monitor", "").ok);

  FenceResult off = n.fence("n2", "off");
  EXPECT_TRUE(off.ok) << off.reason;
  EXPECT_EQ(off.delegate, "virt");
  EXPECT_EQ(lab.env.domstate("vm1"), "shut off");
  EXPECT_EQ(n.action("status", "n2").exit_code, 2);

  FenceResult on = n.fence("n2", "on");
  EXPECT_TRUE(on.ok) << on.reason;
  EXPECT_EQ(lab.env.domstate("vm1"), "running");

  const std::string id_before = lab.env.domid("vm2");
  FenceResult reboot = n.fence("n3", "reboot");
  EXPECT_TRUE(reboot.ok) << reboot.reason;
  EXPECT_EQ(lab.env.domstate("vm2"), "running");
  EXPECT_NE(lab.env.domid("vm2"), id_before) << "a reboot gives the domain a new id";

  // a target the device cannot reach: the map names a domain libvirt does not have
  auto bad = fencer::device_from_params("virt", "fence_halab_virt",
                                        {{"key_file", lab.env.key_file()},
                                         {"ipport", std::to_string(mcast_port)},
                                         {"timeout", "3"},
                                         {"pcmk_host_map", "n9:nosuch"},
                                         {"pcmk_host_check", "static-list"},
                                         {"pcmk_host_list", "n9"},
                                         {"pcmk_off_retries", "0"}},
                                        err);
  ASSERT_TRUE(bad) << err;
  n.f->register_device(*bad);
  FenceResult missing = n.fence("n9", "off");
  EXPECT_FALSE(missing.ok);
  EXPECT_FALSE(missing.reason.empty());
}

TEST(FencerDevice, FencesThroughHalabDaemon) {
  FV_REQUIRE_LAB();
  FvLab& lab = *FvLab::get();
  drive(lab, lab.halab_ports.mcast, "halab-fence-virtd");
}

TEST(FencerDevice, FencesThroughRealFenceVirtd) {
  FV_REQUIRE_LAB();
  FvLab& lab = *FvLab::get();
  if (!lab.have_real) GTEST_SKIP() << "Debian fence-virtd / fence-virt are not installed";
  drive(lab, lab.real_ports.mcast, "fence_virtd");
}

}  // namespace
}  // namespace halab::fv::test
