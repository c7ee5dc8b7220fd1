// Scenarios that configure halabd: the configure / totem / quorum blocks
// (kept with their line numbers, compiled by stack/shell and the corosync.conf
// parser, errors at the scenario's line), the limits max-active reads from
// the configuration, and a run of the seed's web service on the whole stack
// with the lab's event records, its failover split and per-resource
// availability.
#include <gtest/gtest.h>

#include <algorithm>

#include "lab/runner.hpp"
#include "simnet/scenario.hpp"
#include "simnet/scenario_run.hpp"
#include "stack/cli/sim_configure.hpp"
#include "stack/cli/sim_services.hpp"

namespace halab::lab {
namespace {

std::string two_nodes(const std::string& configure, const std::string& extra = "") {
  return "duration 40s\nnetwork lan 10.0.0.0/24\nnodes node1 node2\nservice halabd two_node=1\n"
         "totem {\n  token: 1000\n  crypto_cipher: none\n  crypto_hash: none\n}\n"
         "configure {\n" + configure + "}\n" + extra;
}

int error_line(const std::string& text, std::string* what = nullptr) {
  try {
    const simnet::Scenario sc = simnet::parse_scenario(text, "t.scn");
    run_one(text, "t.scn", 1, cli::sim_services());
  } catch (const simnet::ScenarioError& e) {
    if (what) *what = e.what();
    return e.line();
  }
  return 0;
}

TEST(HalabdScenario, BlocksKeepTheirLinesAsWritten) {
  const simnet::Scenario sc = simnet::parse_scenario(
      "network lan 10.0.0.0/24\nnodes a b\nservice halabd\ntotem {\n  token: 3000\n  interface {\n"
      "    ringnumber: 0\n  }\n}\nconfigure {\nprimitive d ocf:pacemaker:Dummy \\\n  op monitor interval=10s\n}\n",
      "b.scn");
  ASSERT_TRUE(sc.totem.present());
  EXPECT_EQ(sc.totem.line, 4);
  ASSERT_EQ(sc.totem.lines.size(), 4u);  // the nested section stays inside
  EXPECT_EQ(sc.totem.lines[0], (std::pair<int, std::string>{5, "  token: 3000"}));
  EXPECT_EQ(sc.configure.lines.front().first, 11);
  EXPECT_EQ(sc.configure.aligned_text().substr(0, 10), std::string(10, '\n'));
  EXPECT_FALSE(sc.quorum.present());
}

TEST(HalabdScenario, BlockErrorsNameTheLine) {
  auto parse_line = [](const std::string& t) {
    try {
      simnet::parse_scenario(t, "e.scn");
    } catch (const simnet::ScenarioError& e) {
      return e.line();
    }
    return 0;
  };
  EXPECT_EQ(parse_line("network lan 10.0.0.0/24\nnodes a\nconfigure {\nprimitive d ocf:pacemaker:Dummy\n}\n"), 3)
      << "configure without service halabd";
  EXPECT_EQ(parse_line("network lan 10.0.0.0/24\nnodes a\nservice halabd\nquorum {\n  two_node: 1\n"), 4) << "never closed";
  EXPECT_EQ(parse_line("network lan 10.0.0.0/24\nnodes a\nservice halabd\ntotem {\n}\ntotem {\n}\n"), 6) << "twice";
  EXPECT_EQ(parse_line("network lan 10.0.0.0/24\nnodes a\nservice halabd\ntotem { token: 5 }\n"), 4) << "one line";

  std::string what;
  // A crmsh error: the configure block's statement, in scenario lines (its first line is line 11).
  EXPECT_EQ(error_line(two_nodes("primitive a ocf:pacemaker:Dummy\ngroup g a nosuch\n"), &what), 12) << what;
  EXPECT_NE(what.find("nosuch"), std::string::npos) << what;
  EXPECT_EQ(error_line(two_nodes("primitive a ocf:pacemaker:Dummy bogus\n"), &what), 11) << what;
  // A corosync.conf error: the totem block's line.
  std::string bad = two_nodes("primitive a ocf:pacemaker:Dummy\n");
  bad.replace(bad.find("token: 1000"), 11, "token: soon");
  EXPECT_EQ(error_line(bad, &what), 6) << what;
  EXPECT_NE(what.find("totem.token"), std::string::npos) << what;
}

TEST(HalabdScenario, LimitsComeFromTheConfiguration) {
  const simnet::Scenario sc = simnet::parse_scenario(
      two_nodes("primitive a ocf:pacemaker:Dummy\nprimitive c ocf:pacemaker:Dummy\nclone cc c meta clone-max=2\n"
                "primitive s ocf:pacemaker:Stateful\nclone sc s meta promotable=true promoted-max=1\n"
                "property stonith-enabled=false\n"),
      "l.scn");
  const auto compiled = cli::compile_configure(sc);
  EXPECT_NE(compiled.cib_xml.find("<clone id=\"cc\">"), std::string::npos) << compiled.cib_xml;
  ASSERT_EQ(compiled.limits.size(), 3u);
  EXPECT_EQ(compiled.limits.at("a").max, 1);
  EXPECT_EQ(compiled.limits.at("c").max, 2);
  EXPECT_EQ(compiled.limits.at("c").promoted_max, 0);
  EXPECT_EQ(compiled.limits.at("s").max, 2);  // clone-max defaults to every node
  EXPECT_EQ(compiled.limits.at("s").promoted_max, 1);
}

// The mandatory constraints the constraints audit checks, from crmsh's
// configure language: INFINITY colocations, Mandatory orders, and what a
// group implies; advisory ones are left out.
TEST(HalabdScenario, MandatoryConstraintsComeFromTheConfiguration) {
  const simnet::Scenario sc = simnet::parse_scenario(
      two_nodes("primitive a ocf:pacemaker:Dummy\nprimitive b ocf:pacemaker:Dummy\ngroup g a b\n"
                "primitive d ocf:pacemaker:Dummy\nprimitive s ocf:pacemaker:Stateful\n"
                "clone sc s meta promotable=true\n"
                "colocation g-with-d inf: g d\norder d-then-g Mandatory: d g\n"
                "colocation d-with-s inf: d sc:Promoted\norder advisory Optional: d g\n"
                "colocation soft 100: d g\nproperty stonith-enabled=false\n"),
      "c.scn");
  const auto c = cli::compile_configure(sc).constraints;
  auto find = [&](const std::string& id) {
    return std::find_if(c.begin(), c.end(), [&](auto& x) { return x.id == id; });
  };
  using K = simnet::MandatoryConstraint::Kind;
  ASSERT_EQ(c.size(), 5u);  // the group's colocation and order, and three constraints
  EXPECT_EQ(find("group g")->dependent, std::vector<std::string>{"b"});
  EXPECT_EQ(find("group g")->required, std::vector<std::string>{"a"});
  EXPECT_EQ(find("g-with-d")->kind, K::colocation);
  EXPECT_EQ(find("g-with-d")->dependent, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(find("d-then-g")->kind, K::order);
  EXPECT_EQ(find("d-then-g")->required, std::vector<std::string>{"d"});
  EXPECT_TRUE(find("d-with-s")->required_promoted);
  EXPECT_EQ(find("advisory"), c.end());
  EXPECT_EQ(find("soft"), c.end());
}

// A clone running on both nodes and a promotable clone with one promoted
// instance (anonymous clones: the instance is the primitive's id on each
// node): max-active holds only because it reads clone-max and promoted-max
// from the configuration (a primitive's bound is 1). The generic modelled
// agent runs Stateful (promote/demote) and Dummy. (The model sets no
// promotion scores, as Stateful's crm_master would: a location with
// role=Promoted chooses the promoted node.)
TEST(HalabdScenario, ClonesRunOnTheRealStackWithinTheirLimits) {
  const std::string text = two_nodes(
      "primitive c ocf:pacemaker:Dummy op monitor interval=10s\nclone cc c\n"
      "primitive s ocf:pacemaker:Stateful op monitor interval=11s role=Promoted op monitor interval=13s role=Unpromoted\n"
      "clone sc s meta promotable=true\nlocation lp sc role=Promoted 100: node1\nproperty stonith-enabled=false\n",
      "expect resource c active on node1 at 30s\nexpect resource c active on node2 at 30s\n"
      "expect resource s promoted on node1 at 30s\nexpect resource s active on node2 at 30s\n"
      "audit max-active\naudit actions\n");
  const RunRecord r = run_one(text, "clones.scn", 1, cli::sim_services());
  EXPECT_TRUE(r.ok) << r.first_violation();
  for (auto& a : r.audits) EXPECT_TRUE(a.ok) << a.name << ": " << a.detail;
  // Without the configuration's limits two copies of c are a violation.
  const RunRecord strict = run_one(text + "audit max-active rsc=c max=1\n", "clones.scn", 1, cli::sim_services());
  EXPECT_FALSE(strict.ok);
  EXPECT_NE(strict.first_violation().find("rsc=c"), std::string::npos) << strict.first_violation();
}

TEST(HalabdScenario, TheWebServiceFailsOverOnTheRealStackWithItsRecords) {
  std::string text, file;
  load_scenario_text("webservice", text, file);
  std::vector<std::string> kinds;
  struct Kinds : simnet::TraceListener {
    std::vector<std::string>* out;
    void on_record(const simnet::TraceRecord& r) override {
      if (r.kind != simnet::TraceKind::event) return;
      const std::string k(r.text.substr(0, r.text.find(' ')));
      if (std::find(out->begin(), out->end(), k) == out->end()) out->push_back(k);
    }
  } listener;
  listener.out = &kinds;
  RunExtras x;
  x.listener = &listener;
  const RunRecord r = run_one(text, file, 1, cli::sim_services(), x);
  EXPECT_TRUE(r.ok) << r.first_violation();
  for (const char* k : {"quorum", "membership", "node-suspect", "fence-request", "fence-result", "transition-start",
                        "transition-graph", "transition-end", "transition-abort", "action-dispatch", "action-result"})
    EXPECT_NE(std::find(kinds.begin(), kinds.end(), k), kinds.end()) << k;
  // node2's crash at 40s: one failover with every phase known, in order.
  ASSERT_FALSE(r.failovers.empty());
  const Failover& f = r.failovers.front();
  EXPECT_EQ(f.node, "node2");
  EXPECT_EQ(f.cause, "node-down");
  for (int p = 0; p < 4; ++p) EXPECT_GE(f.phase_ns[p], 0) << "phase " << p;
  EXPECT_GT(f.phase_ns[2], 0) << "fencing took the power switch's time";
  EXPECT_FALSE(r.graphs.empty());
  // Per resource: websrv was down at the start, at the crash and at each move.
  auto it = std::find_if(r.resources.begin(), r.resources.end(), [](auto& n) { return n.name == "websrv"; });
  ASSERT_NE(it, r.resources.end());
  EXPECT_GE(it->outages.size(), 4u);
  EXPECT_GT(it->availability, 0.8);
  EXPECT_LT(it->availability, 1.0);
}

}  // namespace
}  // namespace halab::lab
