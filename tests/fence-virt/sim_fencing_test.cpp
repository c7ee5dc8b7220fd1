// stonith:fence_halab_virt in simnet (simulated host, see fence-virt/sim/virt_host.hpp):
// halab's fencer on n1 fences n2 through the modelled fence_halab_virt agent,
// the fence_virt request crossing the simulated network to a modelled host
// daemon whose libvirt "VMs" are the simulated nodes.
#include <gtest/gtest.h>

#include "fence-virt/sim/virt_host.hpp"
#include "stack/fencer/fencer.hpp"

namespace halab::fv::sim {
namespace {

using namespace std::chrono_literals;
using fencer::AgentResult;
using fencer::FenceResult;

struct FencerService final : core::Service {
  explicit FencerService(core::Env& env) : fencer(env, {}) {}
  fencer::Fencer fencer;
};

fencer::DeviceConfig device(std::map<std::string, std::string> params) {
  std::string error;
  auto d = fencer::device_from_params("virt", "fence_halab_virt", params, error);
  EXPECT_TRUE(d) << error;
  return d.value_or(fencer::DeviceConfig{});
}

struct Lab {
  explicit Lab(std::uint64_t seed, VirtHostConfig cfg = {}) : world(seed) {
    const auto subnet = *core::Subnet::parse("10.0.0.0/24");
    world.add_network("lan", subnet);
    for (int i = 0; i < 3; ++i)
      world.add_node("n" + std::to_string(i + 1), {core::Ipv4::from_octets(10, 0, 0, std::uint8_t(i + 1))},
                     [](core::Env& env) { return std::make_unique<FencerService>(env); });
    cfg.subnet = subnet;
    if (cfg.domains.empty()) cfg.domains = {{"vm-n1", "n1", ""}, {"vm-n2", "n2", ""}, {"vm-n3", "n3", ""}};
    host = add_virt_host(world, cfg);
    world.start();
    world.run_for(1ms);
  }
  fencer::Fencer& fencer(int i) { return static_cast<FencerService*>(world.service(i))->fencer; }
  FenceResult fence(const std::string& target, const std::string& action, core::Duration limit = 120s) {
    std::optional<FenceResult> got;
    fencer(0).fence(target, action, "n1", [&](const FenceResult& r) { got = r; });
    for (int i = 0; i < limit / 100ms && !got; ++i) world.run_for(100ms);
    if (!got) ADD_FAILURE() << "fencing did not complete";
    return got.value_or(FenceResult{});
  }
  AgentResult action(const std::string& act, const std::string& target) {
    std::optional<AgentResult> got;
    fencer(0).device_action("virt", act, target, [&](const AgentResult& r) { got = r; });
    for (int i = 0; i < 1200 && !got; ++i) world.run_for(100ms);
    return got.value_or(AgentResult{});
  }
  simnet::World world;
  VirtHost host;
};

const std::map<std::string, std::string> kParams = {{"pcmk_host_map", "n1:vm-n1;n2:vm-n2;n3:vm-n3"},
                                                     {"timeout", "5"}, {"pcmk_off_retries", "0"}};

TEST(FenceVirtSim, FencesANodeThroughTheModelledHost) {
  Lab lab(11);
  lab.fencer(0).register_device(device(kParams));
  // list and status answer from the model (dynamic-list: the fencer asks `list` first)
  AgentResult list = lab.action("list", "");
  EXPECT_TRUE(list.ok) << list.reason << list.output;
  EXPECT_NE(list.output.find("vm-n2"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find(" on\n"), std::string::npos) << list.output;
  AgentResult st = lab.action("status", "n2");
  EXPECT_EQ(st.exit_code, 0) << st.reason;

  ASSERT_TRUE(lab.world.is_up(1));
  const FenceResult r = lab.fence("n2", "off");
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_EQ(r.delegate, "virt");
  EXPECT_FALSE(lab.world.is_up(1)) << "the modelled host destroyed vm-n2: the simulated node is down";
  lab.world.run_for(30s);
  EXPECT_FALSE(lab.world.is_up(1)) << "a destroyed domain stays off";
  st = lab.action("status", "n2");
  EXPECT_EQ(st.exit_code, 2) << "status answers off from the model: " << st.reason;
  EXPECT_NE(lab.action("list", "").output.find("vm-n2"), std::string::npos);

  const FenceResult on = lab.fence("n2", "on");
  EXPECT_TRUE(on.ok) << on.reason;
  EXPECT_TRUE(lab.world.is_up(1));
  const auto restarts = lab.world.stats(2).restarts;
  const FenceResult rb = lab.fence("n3", "reboot");
  EXPECT_TRUE(rb.ok) << rb.reason;
  EXPECT_TRUE(lab.world.is_up(2));
  EXPECT_EQ(lab.world.stats(2).restarts, restarts + 1) << "reboot crashed and restarted n3";
  EXPECT_GE(lab.host.stats->served, 6u);
  EXPECT_EQ(lab.host.stats->refused, 0u);
}

TEST(FenceVirtSim, UnreachableHostMakesFencingFailWithTheAgentsTimeout) {
  Lab lab(12);
  lab.fencer(0).register_device(device(kParams));
  const int n1 = 0, host = lab.host.node;
  lab.world.partition({n1}, {host}, false);
  const FenceResult r = lab.fence("n2", "off");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("Timed out waiting for response"), std::string::npos) << r.reason;
  EXPECT_TRUE(lab.world.is_up(1)) << "nothing reached the host: n2 was not touched";
  EXPECT_EQ(lab.host.stats->served, 0u);
  // healed: the same fencer now gets through
  lab.world.heal();
  const FenceResult ok = lab.fence("n2", "off");
  EXPECT_TRUE(ok.ok) << ok.reason;
  EXPECT_FALSE(lab.world.is_up(1));
}

TEST(FenceVirtSim, LossyLinkStillFencesByRetransmission) {
  Lab lab(13);
  auto params = kParams;
  params["timeout"] = "30";  // the agent's default: room for several resends of each of the exchange's steps
  lab.fencer(0).register_device(device(params));
  simnet::LinkModel lossy;
  lossy.loss = 0.4;
  lab.world.degrade(0, lab.host.node, lossy);
  lab.world.degrade(lab.host.node, 0, lossy);
  const FenceResult r = lab.fence("n2", "off");
  EXPECT_TRUE(r.ok) << r.reason;
  EXPECT_FALSE(lab.world.is_up(1));
}

TEST(FenceVirtSim, WrongKeyIsRefusedByTheHost) {
  VirtHostConfig cfg;
  Lab lab(14, cfg);
  auto params = kParams;
  params["key_file"] = "/etc/cluster/other.key";  // a key file the node does not have
  lab.fencer(0).register_device(device(params));
  const FenceResult r = lab.fence("n2", "off");
  EXPECT_FALSE(r.ok);
  EXPECT_NE(r.reason.find("other.key"), std::string::npos) << r.reason;
  EXPECT_TRUE(lab.world.is_up(1));
  // a weaker hash than the host's minimum: refused by the host (logged), the agent times out
  params = kParams;
  params["hash"] = "sha1";
  lab.fencer(0).register_device(device(params));
  const FenceResult weak = lab.fence("n2", "off");
  EXPECT_FALSE(weak.ok);
  EXPECT_TRUE(lab.world.is_up(1));
  ASSERT_FALSE(lab.host.stats->log.empty());
  EXPECT_NE(lab.host.stats->log.back().find("hash_too_weak"), std::string::npos) << lab.host.stats->log.back();
}

TEST(FenceVirtSim, SameSeedSameTrace) {
  auto run = [](std::uint64_t seed) {
    Lab lab(seed);
    lab.fencer(0).register_device(device(kParams));
    lab.fence("n2", "reboot");
    return lab.world.trace().hash();
  };
  EXPECT_EQ(run(21), run(21));
}

}  // namespace
}  // namespace halab::fv::sim
