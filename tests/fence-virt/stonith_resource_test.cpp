// `primitive fence_vm stonith:fence_halab_virt params ... pcmk_host_map=...` on a real
// node: the primitive is written with halab's crmsh (`halab crm configure load update`,
// CIB_file), checked by pacemaker's crm_verify, and run as a stonith-class resource through
// the executor (FencerStonithOps: start registers the device with halab's fencer and checks
// it with the agent's monitor; meta-data is validated as the executor validates it). The
// fencer then fences node names: build/bin/fence_halab_virt (stdin protocol) ->
// halab-fence-virtd (multicast, the lab's) -> libvirtd's test driver, each outcome checked
// with `virsh domstate` / `domid`. The lab (network namespace, libvirtd) is FvLab's.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>

#include "stack/cib/cib.hpp"
#include "stack/cib/xml.hpp"
#include "stack/core/real/real_world.hpp"
#include "stack/executor/executor.hpp"
#include "stack/fencer/executor_bridge.hpp"
#include "stack/fencer/fencer.hpp"
#include "tests/fence-virt/fv_lab.hpp"

namespace halab::fv::test {
namespace {

using namespace std::chrono_literals;

// A primitive's definition as the CIB holds it (class, type, instance attributes).
std::optional<executor::ResourceDef> primitive_from_cib(const std::string& cib_text, const std::string& id) {
  const cib::Cib cib = cib::Cib::parse(cib_text, "cib.xml");
  xmlNode* cfg = cib::first_child(cib.root(), "configuration");
  xmlNode* resources = cfg ? cib::first_child(cfg, "resources") : nullptr;
  if (!resources) return std::nullopt;
  for (xmlNode* p : cib::children(resources, "primitive")) {
    if (cib::attr_or(p, "id", "") != id) continue;
    executor::ResourceDef d{id, cib::attr_or(p, "class", ""), cib::attr_or(p, "provider", ""),
                            cib::attr_or(p, "type", ""), {}};
    for (xmlNode* ia : cib::children(p, "instance_attributes"))
      for (xmlNode* nv : cib::children(ia, "nvpair")) d.params[cib::attr_or(nv, "name", "")] = cib::attr_or(nv, "value", "");
    return d;
  }
  return std::nullopt;
}

struct Node {
  explicit Node(const std::string& state_dir, const std::string& agent_dir)
      : world({.node = "n1", .state_dir = state_dir, .seed = 1}), env(world.env()) {
    fencer::FencerOptions o;
    o.path_env = agent_dir + ":/usr/sbin:/usr/bin:/sbin:/bin";  // where the fencer finds fence agents
    f = std::make_unique<fencer::Fencer>(env, o);
    ops = std::make_unique<fencer::FencerStonithOps>(*f);
    ex = std::make_unique<executor::Executor>(env, executor::ExecutorOptions{.state_dir = state_dir}, ops.get());
  }
  ~Node() {
    ex.reset();
    ops.reset();
    f.reset();
  }
  template <class T, class Start> T wait(Start start) { return wait_result<T>(world, start); }
  executor::OpResult op(const executor::ResourceDef& rsc, const std::string& action) {
    executor::OpRequest o;
    o.action = action;
    return wait<executor::OpResult>([&](auto cb) { ex->execute(rsc, o, cb); });
  }
  fencer::FenceResult fence(const std::string& target, const std::string& action) {
    return wait<fencer::FenceResult>([&](auto cb) { f->fence(target, action, "n1", cb); });
  }
  fencer::AgentResult action(const std::string& dev, const std::string& act, const std::string& target) {
    return wait<fencer::AgentResult>([&](auto cb) { f->device_action(dev, act, target, cb); });
  }
  core::real::RealWorld world;
  core::Env env;
  std::unique_ptr<fencer::Fencer> f;
  std::unique_ptr<fencer::FencerStonithOps> ops;
  std::unique_ptr<executor::Executor> ex;
};

const char* kEmptyCib =
    "<cib validate-with=\"pacemaker-3.9\" epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\">\n"
    "  <configuration><crm_config/><nodes/><resources/><constraints/></configuration><status/>\n</cib>\n";

TEST(StonithResource, FenceHalabVirtPrimitiveFencesThroughTheExecutorAndFencer) {
  FV_REQUIRE_LAB();
  FvLab& lab = *FvLab::get();
  const std::string dir = lab.env.work() + "/stonith-resource";
  std::filesystem::create_directories(dir + "/state");
  const std::string bin = std::filesystem::path(lab.agent).parent_path().string();

  // The device as an administrator configures it, in crmsh's language.
  LabEnv::write_file(dir + "/cib.xml", kEmptyCib);
  LabEnv::write_file(dir + "/fence.crm",
                     "primitive fence_vm stonith:fence_halab_virt \\\n"
                     "    params key_file=" + lab.env.key_file() + " ipport=" + std::to_string(lab.halab_ports.mcast) +
                     " timeout=5 \\\n"
                     "    pcmk_host_map=\"n2:vm1;n3:vm2\" pcmk_off_retries=0 \\\n"
                     "    op monitor interval=60s\n"
                     "property stonith-enabled=true\n");
  const RunResult crm = lab.env.run({"/usr/bin/env", "CIB_file=" + dir + "/cib.xml", bin + "/halab", "crm", "configure",
                                     "load", "update", dir + "/fence.crm"});
  ASSERT_EQ(crm.rc, 0) << crm.output;
  const std::string cib_text = LabEnv::read_file(dir + "/cib.xml");
  if (!which("crm_verify").empty()) {
    const RunResult v = lab.env.run({which("crm_verify"), "-x", dir + "/cib.xml"});
    EXPECT_EQ(v.rc, 0) << "pacemaker's crm_verify on the CIB with fence_vm:\n" << v.output << cib_text;
  }
  auto rsc = primitive_from_cib(cib_text, "fence_vm");
  ASSERT_TRUE(rsc) << cib_text;
  EXPECT_EQ(rsc->standard, "stonith");
  EXPECT_EQ(rsc->type, "fence_halab_virt");
  EXPECT_EQ(rsc->params["pcmk_host_map"], "n2:vm1;n3:vm2");

  Node n(dir + "/state", bin);
  lab.ensure_state("vm1", true);
  lab.ensure_state("vm2", true);

  // The stonith class through the executor: meta-data (validated), start, monitor.
  const executor::OpResult md = n.op(*rsc, "meta-data");
  EXPECT_TRUE(md.ok()) << md.exit_reason;
  EXPECT_NE(md.output.find("<parameter name=\"plug\""), std::string::npos);
  EXPECT_EQ(n.op(*rsc, "monitor").rc, 7) << "not started: not registered";
  const executor::OpResult start = n.op(*rsc, "start");
  ASSERT_TRUE(start.ok()) << start.exit_reason << start.output;
  EXPECT_EQ(n.f->devices().count("fence_vm"), 1u);
  EXPECT_TRUE(n.op(*rsc, "monitor").ok());

  // list / status through the fencer, answered by libvirt's state
  const fencer::AgentResult list = n.action("fence_vm", "list", "");
  EXPECT_TRUE(list.ok) << list.reason;
  EXPECT_NE(list.output.find("vm1"), std::string::npos) << list.output;
  EXPECT_NE(list.output.find("vm3"), std::string::npos) << list.output;
  EXPECT_EQ(n.action("fence_vm", "status", "n2").exit_code, 0);

  // Fencing node n2 destroys its mapped domain vm1.
  const fencer::FenceResult off = n.fence("n2", "off");
  EXPECT_TRUE(off.ok) << off.reason;
  EXPECT_EQ(off.delegate, "fence_vm");
  EXPECT_EQ(lab.env.domstate("vm1"), "shut off");
  EXPECT_EQ(lab.env.domstate("vm2"), "running") << "only the mapped domain";
  EXPECT_EQ(n.action("fence_vm", "status", "n2").exit_code, 2);
  const fencer::FenceResult on = n.fence("n2", "on");
  EXPECT_TRUE(on.ok) << on.reason;
  EXPECT_EQ(lab.env.domstate("vm1"), "running");

  // A reboot of n3: vm2 destroyed and started again (a new domain id).
  const std::string id_before = lab.env.domid("vm2");
  const fencer::FenceResult reboot = n.fence("n3", "reboot");
  EXPECT_TRUE(reboot.ok) << reboot.reason;
  EXPECT_EQ(lab.env.domstate("vm2"), "running");
  EXPECT_NE(lab.env.domid("vm2"), id_before);

  // A node the device's map does not name: no device can fence it.
  const fencer::FenceResult other = n.fence("n7", "off");
  EXPECT_FALSE(other.ok);
  EXPECT_FALSE(n.f->history().entries().empty());

  // stop unregisters the device
  EXPECT_TRUE(n.op(*rsc, "stop").ok());
  EXPECT_EQ(n.f->devices().count("fence_vm"), 0u);
}

// A wrong key in the device's key_file: halab-fence-virtd refuses the request (logged as
// bad_signature, no call-back), the agent exits 1 after its timeout, the fencer reports
// it after its retries, and the domain is untouched.
TEST(StonithResource, WrongKeyFailsWithTheAgentsTimeout) {
  FV_REQUIRE_LAB();
  FvLab& lab = *FvLab::get();
  const std::string dir = lab.env.work() + "/stonith-wrong-key";
  std::filesystem::create_directories(dir + "/state");
  LabEnv::write_file(dir + "/wrong.key", "not the host's key");
  Node n(dir + "/state", std::filesystem::path(lab.agent).parent_path().string());
  lab.ensure_state("vm1", true);
  executor::ResourceDef rsc{"fence_vm", "stonith", "", "fence_halab_virt",
                            {{"key_file", dir + "/wrong.key"},
                             {"ipport", std::to_string(lab.halab_ports.mcast)},
                             {"timeout", "2"},
                             {"retrans", "5"},
                             {"pcmk_host_map", "n2:vm1"},
                             {"pcmk_off_retries", "1"}}};
  const executor::OpResult start = n.op(rsc, "start");
  EXPECT_FALSE(start.ok()) << "the start's monitor cannot reach the host with this key";
  n.f->remove_device("fence_vm");
  std::string err;
  auto dev = fencer::device_from_params(rsc.id, rsc.type, rsc.params, err);
  ASSERT_TRUE(dev) << err;
  n.f->register_device(*dev);
  const fencer::FenceResult off = n.fence("n2", "off");
  EXPECT_FALSE(off.ok);
  EXPECT_NE(off.reason.find("Timed out waiting for response"), std::string::npos) << off.reason;
  EXPECT_EQ(lab.env.domstate("vm1"), "running");
  EXPECT_TRUE(LabEnv::wait_for_text(lab.halab_mcast_log, "reason=bad_signature"))
      << LabEnv::read_file(lab.halab_mcast_log);
}

}  // namespace
}  // namespace halab::fv::test
