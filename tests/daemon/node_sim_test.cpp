// The Node in simnet: the scenario file's crash / partition story, the tools'
// requests answered by simulated nodes, several quorum listeners, hosted
// services, the quorum disk, and scenario errors naming their line.
#include <gtest/gtest.h>

#include "simnet/scenario.hpp"
#include "simnet/scenario_run.hpp"
#include "simnet/world.hpp"
#include "stack/cli/sim_services.hpp"
#include "stack/daemon/bench_service.hpp"
#include "stack/daemon/control.hpp"
#include "stack/daemon/node.hpp"

using namespace halab;
using namespace std::chrono_literals;

namespace {

struct SimCluster {
  simnet::Scenario sc;
  simnet::World world{1};

  explicit SimCluster(const std::string& service_line, int nodes = 3) {
    std::string text = "network lan 10.0.0.0/24\nnodes n1..n" + std::to_string(nodes) + "\n" + service_line + "\n";
    sc = simnet::parse_scenario(text, "test.scn");
    world.add_network("lan", sc.networks.front().subnet);
    std::map<std::string, core::Ipv4> addrs;
    std::vector<std::string> names;
    for (int i = 1; i <= nodes; ++i) {
      names.push_back("n" + std::to_string(i));
      addrs[names.back()] = core::Ipv4::from_octets(10, 0, 0, std::uint8_t(i));
    }
    simnet::ServiceContext ctx{sc, sc.services.front(), names, addrs};
    auto factory = cli::sim_services().at("halabd")(ctx);
    for (auto& n : names) world.add_node(n, {addrs[n]}, factory);
    world.start();
    world.run_until(world.now());  // boot: the services exist from here on
  }
  daemon::Node& node(int i) { return dynamic_cast<daemon::Node&>(*world.service(i - 1)); }
  daemon::Response ask(int i, daemon::Request r) { return daemon::handle_request(node(i), r, {}); }
};

}  // namespace

TEST(HalabdScenario, ThreeNodesCrashAndPartitionHoldTheirExpectations) {
  auto sc = simnet::load_scenario(std::string(HALAB_SOURCE_DIR) + "/scenarios/halabd-3node.scn");
  auto result = simnet::run_scenario(sc, cli::sim_services(), {});
  for (const auto& e : result.expects) EXPECT_TRUE(e.ok) << "line " << e.expect->line << ": " << e.detail;
  EXPECT_TRUE(result.ok);
  EXPECT_GE(result.expects.size(), 10u);
}

TEST(HalabdSim, ToolsRequestsOnSimulatedNodes) {
  SimCluster c("service halabd transport=udpu token=1000");
  c.world.run_for(5s);
  auto q = c.ask(1, {"quorum-status", {}});
  ASSERT_TRUE(q.ok()) << q.body;
  EXPECT_EQ(q.headers["Quorate"], "yes");
  EXPECT_EQ(q.headers["Members"], "1 2 3");
  EXPECT_NE(q.body.find("Quorate:          Yes"), std::string::npos) << q.body;
  EXPECT_NE(q.body.find("n2"), std::string::npos) << q.body;

  auto s = c.ask(2, {"cfg-status", {}});
  EXPECT_NE(s.body.find("Local node ID 2, transport udpu"), std::string::npos) << s.body;
  EXPECT_NE(s.body.find("1:\tconnected"), std::string::npos) << s.body;
  EXPECT_NE(s.body.find("2:\tlocalhost"), std::string::npos) << s.body;

  EXPECT_TRUE(c.ask(1, {"cfg-reset-rings", {}}).ok());  // one ring: nothing to re-enable, still fine
  EXPECT_EQ(c.ask(1, {"cfg-addrs", {"3"}}).body, "10.0.0.3\n");
  EXPECT_EQ(c.ask(1, {"cfg-addrs", {"9"}}).error, "CS_ERR_NOT_EXIST");

  EXPECT_EQ(c.ask(1, {"cmap-get", {"runtime.members.3.status"}}).headers["Value"], "joined");
  EXPECT_EQ(c.ask(1, {"cmap-get", {"runtime.config.totem.token"}}).headers["Value"], "1650");  // 1000 + 650
  EXPECT_EQ(c.ask(1, {"cmap-get", {"no.such.key"}}).error, "CS_ERR_NOT_EXIST");
  EXPECT_TRUE(c.ask(1, {"cmap-set", {"test.answer", "u32", "42"}}).ok());
  EXPECT_EQ(c.ask(1, {"cmap-get", {"test.answer"}}).body, "test.answer (u32) = 42\n");
  EXPECT_FALSE(c.ask(1, {"cmap-set", {"test.bad", "u8", "256"}}).ok());
  EXPECT_TRUE(c.ask(1, {"cmap-delete", {"test.answer"}}).ok());
  EXPECT_EQ(c.ask(1, {"cmap-get", {"test.answer"}}).error, "CS_ERR_NOT_EXIST");
  auto list = c.ask(1, {"cmap-list", {"totem."}});
  EXPECT_NE(list.body.find("totem.transport (str) = udpu"), std::string::npos) << list.body;
  EXPECT_EQ(list.body.find("runtime."), std::string::npos);
  EXPECT_EQ(c.ask(1, {"no-such-verb", {}}).error, "CS_ERR_NOT_SUPPORTED");

  // quorumtool -e / -v: applied cluster-wide through the ring, refused when unsafe.
  EXPECT_TRUE(c.ask(1, {"quorum-expected", {"5"}}).ok());
  auto refused = c.ask(1, {"quorum-expected", {"7"}});
  EXPECT_EQ(refused.error, "CS_ERR_INVALID_PARAM");
  EXPECT_NE(refused.body.find("would lose quorum"), std::string::npos) << refused.body;
  c.world.run_for(1s);
  EXPECT_NE(c.ask(3, {"quorum-status", {}}).body.find("Expected votes:   5"), std::string::npos);
  EXPECT_TRUE(c.ask(2, {"quorum-votes", {"2", "2"}}).ok());
  c.world.run_for(1s);
  EXPECT_NE(c.ask(1, {"quorum-status", {}}).body.find("Total votes:      4"), std::string::npos);
  EXPECT_EQ(c.ask(1, {"quorum-votes", {"9", "1"}}).error, "CS_ERR_INVALID_PARAM");
  EXPECT_TRUE(c.ask(2, {"quorum-votes", {"2", "1"}}).ok());
  c.world.run_for(1s);
  EXPECT_TRUE(c.ask(2, {"quorum-expected", {"3"}}).ok());
  c.world.run_for(1s);

  // Node 3 crashes: the others report {1, 2}, still quorate, and cmap says it left.
  c.world.crash(2);
  c.world.run_for(10s);
  q = c.ask(1, {"quorum-status", {}});
  EXPECT_EQ(q.headers["Members"], "1 2");
  EXPECT_EQ(q.headers["Quorate"], "yes");
  EXPECT_EQ(c.ask(2, {"cmap-get", {"runtime.members.3.status"}}).headers["Value"], "left");
  auto l = c.ask(2, {"quorum-list", {"hex", "ips"}});
  EXPECT_NE(l.body.find("0x00000001"), std::string::npos) << l.body;
  EXPECT_NE(l.body.find("10.0.0.2 (local)"), std::string::npos) << l.body;
}

namespace {
struct Hosted : core::Service {
  explicit Hosted(int* destroyed) : destroyed_(destroyed) {}
  ~Hosted() override { ++*destroyed_; }
  int* destroyed_;
};
}  // namespace

TEST(HalabdSim, SeveralQuorumListenersAndHostedServices) {
  SimCluster c("service halabd transport=udp token=1000", 2);
  std::vector<bool> a, b;
  auto& n1 = c.node(1);
  n1.on_quorum([&](const quorum::QuorumNotification& q) { a.push_back(q.quorate); });
  const auto id_b = n1.on_quorum([&](const quorum::QuorumNotification& q) { b.push_back(q.quorate); });
  int members = 0;
  n1.on_membership([&](const totem::ConfigChange& cc) { members += cc.kind == totem::ConfigChange::Kind::regular; });
  int destroyed = 0;
  n1.add_service(std::make_unique<Hosted>(&destroyed));
  c.world.run_for(5s);
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a.back());
  EXPECT_EQ(a, b);
  EXPECT_GE(members, 1);
  ASSERT_TRUE(n1.last_quorum());
  EXPECT_EQ(n1.last_quorum()->members, (std::vector<totem::NodeId>{1, 2}));

  n1.remove_listener(id_b);
  const auto b_before = b.size();
  c.world.crash(1);  // n2 goes: n1 alone holds 1 of 2 votes, not quorate
  c.world.run_for(10s);
  EXPECT_EQ(b.size(), b_before);  // removed: told nothing more
  ASSERT_FALSE(a.empty());
  EXPECT_FALSE(a.back());
  EXPECT_EQ(c.ask(1, {"quorum-status", {}}).headers["Quorate"], "no");
  EXPECT_EQ(destroyed, 0);
  c.world.crash(0);
  EXPECT_EQ(destroyed, 1);  // hosted services go with the node
}

TEST(HalabdSim, QuorumDiskDeviceLendsItsVote) {
  SimCluster c("service halabd transport=udpu token=1000 device=disk", 2);
  c.world.run_for(30s);
  auto q = c.ask(1, {"quorum-status", {}});
  EXPECT_EQ(q.headers["Quorate"], "yes") << q.body;
  EXPECT_NE(q.body.find("Expected votes:   3"), std::string::npos) << q.body;
  EXPECT_NE(q.body.find("Total votes:      3"), std::string::npos) << q.body;
}

TEST(HalabdSim, BadParametersNameTheScenarioLine) {
  const std::string text = "network lan 10.0.0.0/24\nnodes n1 n2\n\nservice halabd transport=carrier-pigeon\n";
  auto sc = simnet::parse_scenario(text, "bad.scn");
  try {
    simnet::run_scenario(sc, cli::sim_services(), {});
    FAIL() << "accepted a bad transport";
  } catch (const simnet::ScenarioError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.scn:4"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("carrier-pigeon"), std::string::npos) << e.what();
  }
}

TEST(HalabdSim, CpgThroughTheNodeAndCpgtoolsView) {
  SimCluster c("service halabd transport=udp token=1000");
  c.world.run_for(3s);
  std::vector<std::string> got1, got3;
  auto join = [&](int i, std::vector<std::string>* got) {
    auto& n = c.node(i);
    const auto pid = n.new_local_pid();
    cpg::GroupCallbacks cb;
    cb.deliver = [got](const cpg::Address& from, core::ByteView m) {
      if (got) got->push_back(std::to_string(from.node) + ":" + std::string(m.begin(), m.end()));
    };
    EXPECT_EQ(n.cpg().join("crmd", pid, std::move(cb)), cpg::Result::ok);
    return pid;
  };
  const auto p1 = join(1, &got1);
  join(3, &got3);
  EXPECT_NE(c.node(1).new_local_pid(), p1);  // pids are handed out once
  c.world.run_for(1s);
  const std::string hello = "hello";
  EXPECT_EQ(c.node(1).cpg().mcast("crmd", p1, core::ByteView(reinterpret_cast<const std::uint8_t*>(hello.data()), hello.size())),
            cpg::Result::ok);
  c.world.run_for(1s);
  EXPECT_EQ(got1, std::vector<std::string>{"1:hello"});
  EXPECT_EQ(got3, std::vector<std::string>{"1:hello"});

  // node 2 is in no group but the hosted controller's and sees them all
  auto r = c.ask(2, {"cpg-list", {}});
  ASSERT_TRUE(r.ok()) << r.body;
  EXPECT_EQ(r.headers["Groups"], "2");
  EXPECT_NE(r.body.find("crmd"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("(10.0.0.3)"), std::string::npos) << r.body;
  auto names = c.ask(2, {"cpg-list", {"-n"}});
  EXPECT_EQ(names.body, "crmd\nhalab-controller\n");
  EXPECT_EQ(c.ask(2, {"cpg-list", {"-x"}}).error, "CS_ERR_INVALID_PARAM");
}

TEST(HalabdSim, HostedServicesAnswerTheirOwnRequests) {
  // `service halabd` hosts what halabd hosts (daemon::add_hosted_services):
  // the bench's requests reach it through the node's control handlers.
  SimCluster c("service halabd transport=udpu token=1000", 2);
  c.world.run_for(3s);
  for (int i = 1; i <= 2; ++i) EXPECT_TRUE(c.ask(i, {"bench-start", {"100", "1024", "20"}}).ok());
  c.world.run_for(10s);
  for (int i = 1; i <= 2; ++i) {
    auto r = c.ask(i, {"bench-result", {}});
    EXPECT_EQ(r.headers["Done"], "yes") << i;
    EXPECT_EQ(r.headers["Delivered-Own"], "100");
    EXPECT_EQ(r.headers["Delivered-Others"], "100");
  }
  EXPECT_EQ(c.ask(1, {"bench-start", {"1", "8", "1"}}).error, "CS_ERR_INVALID_PARAM");

  auto& n = c.node(1);
  int calls = 0;
  const auto id = n.add_control_handler([&](const daemon::Request& r) -> std::optional<daemon::Response> {
    ++calls;
    if (r.verb != "hello") return std::nullopt;
    daemon::Response resp;
    resp.body = "hi\n";
    return resp;
  });
  EXPECT_EQ(c.ask(1, {"hello", {}}).body, "hi\n");
  EXPECT_EQ(c.ask(1, {"quorum-status", {}}).headers["Quorate"], "yes");  // the node's own verbs come first
  n.remove_control_handler(id);
  EXPECT_EQ(c.ask(1, {"hello", {}}).error, "CS_ERR_NOT_SUPPORTED");
  EXPECT_EQ(calls, 1);
}
