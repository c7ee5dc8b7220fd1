// stonith:fence_halab_virt in scenario files (simulated host: `service fence-virtd`,
// fence-virt/sim/scenario_service.hpp): the shipped scenarios run on the whole stack
// (halabd) for several seeds with every expectation and audit holding, and a bad
// declaration is an error at its line.
#include <gtest/gtest.h>

#include "simnet/scenario.hpp"
#include "simnet/scenario_run.hpp"
#include "stack/cli/sim_services.hpp"

namespace halab::fv::sim {
namespace {

// The result points into the scenario: both are kept.
struct Run {
  std::unique_ptr<simnet::Scenario> sc;
  simnet::RunResult r;
  const simnet::RunResult* operator->() const { return &r; }
};

Run run(const std::string& text, std::uint64_t seed) {
  Run out{std::make_unique<simnet::Scenario>(simnet::parse_scenario(text, "virt.scn")), {}};
  simnet::RunOptions o;
  o.seed = seed;
  out.r = simnet::run_scenario(*out.sc, cli::sim_services(), o);
  return out;
}

std::string embedded(const std::string& name) {
  auto it = simnet::embedded_scenarios().find(name);
  EXPECT_NE(it, simnet::embedded_scenarios().end()) << name;
  return it == simnet::embedded_scenarios().end() ? "" : std::string(it->second);
}

void expect_all_held(const Run& run) {
  const simnet::RunResult& r = run.r;
  for (const auto& e : r.expects) EXPECT_TRUE(e.ok) << "seed " << r.seed << ": " << e.expect->source << ": " << e.detail;
  for (const auto& a : r.audits) EXPECT_TRUE(a.ok) << "seed " << r.seed << ": " << a.audit->source << ": " << a.detail;
  EXPECT_TRUE(r.ok);
}

// A crashed VM is fenced (off) through the modelled host and the service fails over.
TEST(FenceVirtScenario, WebserviceFailsOverAfterFencingThroughTheHost) {
  const std::string text = embedded("webservice-virt");
  ASSERT_FALSE(text.empty());
  for (std::uint64_t seed = 1; seed <= 4; ++seed) {
    SCOPED_TRACE(seed);
    const auto r = run(text, seed);
    expect_all_held(r);
    EXPECT_EQ(r->expects.size(), 10u);
  }
  EXPECT_EQ(run(text, 7)->hash, run(text, 7)->hash) << "same seed, same trace";
}

// Without the host's answer there is no fencing, and without fencing no failover.
TEST(FenceVirtScenario, NoFailoverWhenTheHostIsUnreachable) {
  std::string text = embedded("webservice-virt");
  const std::string at = "at 40s crash node2\n";
  ASSERT_NE(text.find(at), std::string::npos);
  text.replace(text.find(at), at.size(), "at 30s partition node1 node2 | virthost\n" + at);
  const auto r = run(text, 1);
  int failed = 0;
  for (const auto& e : r->expects)
    if (!e.ok) {
      ++failed;
      const std::string& s = e.expect->source;
      // The fencing still in flight when node2 is started again (three tries of the agent's
      // 30 s timeout) holds the transition, so the return home is late too.
      EXPECT_TRUE(s.find("request.done op=off") != std::string::npos || s.find("by fence_vm") != std::string::npos ||
                  s.find("active on node1 at 60s") != std::string::npos ||
                  s.find("active on node2 at 110s") != std::string::npos)
          << "only fencing, the failover and the return may fail: " << s << ": " << e.detail;
    }
  EXPECT_EQ(failed, 4);
  for (const auto& a : r->audits) EXPECT_TRUE(a.ok) << a.audit->source << ": " << a.detail;
}

// Guests with a wrong key: refused by the host, retried by the fencer, given up after
// stonith-max-attempts; no failover (the scenario's expectations say which lines and when).
TEST(FenceVirtScenario, WrongKeyFailsFencingAndNothingFailsOver) {
  const std::string text = embedded("webservice-virt-wrong-key");
  ASSERT_FALSE(text.empty());
  for (std::uint64_t seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE(seed);
    expect_all_held(run(text, seed));
  }
  // The same file with the right key fences at the first attempt.
  std::string fixed = text;
  fixed.replace(fixed.find(" node_key=an-old-key"), 20, "");
  const auto r = run(fixed, 1);
  bool fenced = false;
  for (const auto& e : r->expects)
    if (e.expect->source.find("no-log node1 \"off of node2 by fence_vm\"") != std::string::npos) fenced = !e.ok;
  EXPECT_TRUE(fenced) << "with the host's key the fencing succeeds";
}

int error_line(const std::string& service_line, std::string* what) {
  const std::string text = "network lan 10.0.0.0/24\nnodes node1 node2\nnode virthost 10.0.0.250\n"
                           "service heartbeat on node1 node2\n" + service_line + "\n";
  try {
    run(text, 1);
  } catch (const simnet::ScenarioError& e) {
    *what = e.what();
    return e.line();
  }
  return 0;
}

TEST(FenceVirtScenario, DeclarationErrorsNameTheLine) {
  std::string what;
  EXPECT_EQ(error_line("service fence-virtd on virthost node1", &what), 5) << what;
  EXPECT_NE(what.find("one node"), std::string::npos) << what;
  EXPECT_EQ(error_line("service fence-virtd domains=node1-vm on virthost", &what), 5);
  EXPECT_NE(what.find("NODE:DOMAIN"), std::string::npos) << what;
  EXPECT_EQ(error_line("service fence-virtd domains=nosuch:vm on virthost", &what), 5);
  EXPECT_NE(what.find("no node 'nosuch'"), std::string::npos) << what;
  EXPECT_EQ(error_line("service fence-virtd hash=md5 on virthost", &what), 5);
  EXPECT_NE(what.find("sha256"), std::string::npos) << what;
  EXPECT_EQ(error_line("service fence-virtd colour=blue on virthost", &what), 5);
  EXPECT_NE(what.find("unknown parameter 'colour'"), std::string::npos) << what;
  EXPECT_EQ(error_line("service fence-virtd on virthost\nservice heartbeat", &what), 5);
  EXPECT_NE(what.find("also runs 'heartbeat'"), std::string::npos) << what;
  EXPECT_EQ(error_line("service fence-virtd on virthost", &what), 0) << what;
}

}  // namespace
}  // namespace halab::fv::sim
