// The failover split and the transition graphs, from synthetic traces.
#include <gtest/gtest.h>

#include <deque>

#include "lab/failover.hpp"
#include "lab/report.hpp"
#include "simnet/agents.hpp"

namespace halab::lab {
namespace {

using simnet::ResourceCause;
using simnet::ResourceState;
using simnet::TraceKind;
constexpr std::int64_t S = 1'000'000'000;

struct Trace {
  FailoverMeter meter{{"n1", "n2", "n3"}};
  std::deque<std::string> texts;
  Trace& res(double t, std::uint32_t node, const std::string& inst, ResourceState s, ResourceCause c = ResourceCause::agent) {
    texts.push_back(inst);
    meter.on_record({TraceKind::resource, std::int64_t(t * S), node, std::uint64_t(s) | (std::uint64_t(c) << 8), 0, 0, texts.back()});
    return *this;
  }
  Trace& ev(double t, std::uint32_t node, const std::string& text) {
    texts.push_back(text);
    meter.on_record({TraceKind::event, std::int64_t(t * S), node, 0, 0, 0, texts.back()});
    return *this;
  }
  Trace& kind(double t, TraceKind k, std::uint32_t node) {
    meter.on_record({k, std::int64_t(t * S), node, 0, 0, 0, {}});
    return *this;
  }
};

TEST(Failover, EveryPhaseFromItsRecord) {
  Trace t;
  t.res(1, 0, "web", ResourceState::active).res(1, 0, "ip", ResourceState::active);
  t.res(10, 0, "web", ResourceState::inactive, ResourceCause::node_down)
      .res(10, 0, "ip", ResourceState::inactive, ResourceCause::node_down)
      .kind(10, TraceKind::crash, 0);
  t.ev(11, 1, "node-suspect peer=n1").ev(11.5, 1, "membership members=n2,n3");
  t.ev(11.6, 1, "transition-start id=7");  // before the fence: not the recovery
  t.ev(14.5, 1, "fence-result target=n1 rc=0");
  t.ev(14.75, 1, "transition-graph id=8\ndigraph \"g\" {\n\"web_start_0 n2\"\n}\n").ev(14.75, 1, "transition-start id=8");
  t.res(15.5, 1, "web", ResourceState::active);
  EXPECT_TRUE(t.meter.failovers.empty());  // ip is still down
  t.res(16, 2, "ip", ResourceState::active);
  ASSERT_EQ(t.meter.failovers.size(), 1u);
  const Failover& f = t.meter.failovers[0];
  EXPECT_EQ(f.node, "n1");
  EXPECT_EQ(f.cause, "node-down");
  EXPECT_EQ(f.phase_ns[detection], 1 * S);
  EXPECT_EQ(f.phase_ns[membership], S / 2);
  EXPECT_EQ(f.phase_ns[fencing], 3 * S);
  EXPECT_EQ(f.phase_ns[scheduling], S / 4);
  EXPECT_EQ(f.phase_ns[stop_start], S * 5 / 4);
  EXPECT_EQ(f.total_ns, 6 * S);
  EXPECT_EQ(f.transition, "8");
  ASSERT_EQ(t.meter.graphs.size(), 1u);
  EXPECT_EQ(t.meter.graphs[0].id, "8");
  EXPECT_NE(t.meter.graphs[0].dot.find("web_start_0 n2"), std::string::npos);
}

TEST(Failover, MissingRecordsLeavePhasesUnknown) {
  Trace t;
  t.res(1, 2, "db", ResourceState::active).kind(5, TraceKind::fence, 2).res(5, 2, "db", ResourceState::inactive, ResourceCause::node_down);
  t.res(7, 0, "db", ResourceState::active);
  ASSERT_EQ(t.meter.failovers.size(), 1u);
  const Failover& f = t.meter.failovers[0];
  EXPECT_EQ(f.cause, "fenced");
  for (int p = detection; p < stop_start; ++p) EXPECT_EQ(f.phase_ns[p], p == fencing ? 0 : -1) << phase_name(p);
  EXPECT_EQ(f.phase_ns[stop_start], 2 * S);
  EXPECT_EQ(f.total_ns, 2 * S);
  EXPECT_TRUE(t.meter.graphs.empty());
}

TEST(Failover, InjectedFailureAndAnUnrecoveredLoss) {
  Trace t;
  t.res(1, 1, "web", ResourceState::active).res(20, 1, "web", ResourceState::inactive, ResourceCause::injected);
  t.ev(21, 1, "failure-detected node=n2 rsc=web").ev(21.5, 1, "transition-start id=3").res(22, 1, "web", ResourceState::active);
  t.res(30, 0, "x", ResourceState::active).res(40, 0, "x", ResourceState::inactive, ResourceCause::node_down);
  ASSERT_EQ(t.meter.failovers.size(), 1u);
  EXPECT_EQ(t.meter.failovers[0].cause, "injected");
  EXPECT_EQ(t.meter.failovers[0].phase_ns[detection], S);
  EXPECT_EQ(t.meter.failovers[0].phase_ns[membership], -1);
  EXPECT_EQ(t.meter.failovers[0].phase_ns[scheduling], S / 2);
  // A clean stop is no failover.
  Trace c;
  c.res(1, 0, "x", ResourceState::active).res(2, 0, "x", ResourceState::inactive, ResourceCause::halt).res(3, 1, "x", ResourceState::active);
  EXPECT_TRUE(c.meter.failovers.empty());
}

TEST(Failover, ReportSectionAndFiguresAndGraphs) {
  RunRecord r;
  r.scenario = "synthetic";
  r.seed = 1;
  r.duration_ns = 100 * S;
  for (int i = 0; i < 4; ++i) {
    Failover f;
    f.node = "n1";
    f.cause = i == 3 ? "fenced" : "node-down";
    f.t0_ns = i * 10 * S;
    f.phase_ns[detection] = S;
    f.phase_ns[membership] = i == 3 ? -1 : S / 10;
    f.phase_ns[fencing] = 2 * S;
    f.phase_ns[scheduling] = S / 100;
    f.phase_ns[stop_start] = S / 2 * (i + 1);
    f.total_ns = f.phase_ns[detection] + std::max<std::int64_t>(0, f.phase_ns[membership]) + 2 * S + S / 100 + f.phase_ns[stop_start];
    r.failovers.push_back(f);
  }
  r.graphs.push_back({"n2", "8", 5 * S, "digraph \"g\" {\n\"web_start_0 n2\" [ style=bold color=\"green\"]\n}\n"});
  r.graphs.push_back({"n2", "9", 6 * S, "this is not DOT {"});
  const RunRecord back = run_record_from_json(Json::parse(to_json(r).dump(), "x"));
  ASSERT_EQ(back.failovers.size(), 4u);
  EXPECT_EQ(back.failovers[3].phase_ns[membership], -1);
  EXPECT_EQ(back.graphs.size(), 2u);

  const FailoverFigures f = failover_figures({back});
  EXPECT_EQ(f.count, 4u);
  EXPECT_EQ(f.by_cause.at("fenced"), 1u);
  EXPECT_EQ(f.phases[membership].count, 3u);
  EXPECT_DOUBLE_EQ(f.phases[stop_start].mean_s, 1.25);
  EXPECT_DOUBLE_EQ(f.phases[stop_start].max_s, 2.0);
  const std::string html = failover_html({back});
  EXPECT_NE(html.find("4 failover(s) measured"), std::string::npos);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  const std::string graphs = graphs_html({back});
  EXPECT_NE(graphs.find("<figure class=\"graph\"><svg"), std::string::npos);
  EXPECT_NE(graphs.find("web_start_0 n2"), std::string::npos);
  EXPECT_NE(graphs.find("graphviz: cannot parse"), std::string::npos);  // a bad graph is shown as an error, not a crash
  EXPECT_NE(failovers_csv({back}).find("1,n1,fenced,30.000000,1.000000,,2.000000"), std::string::npos);
  EXPECT_TRUE(graphs_html({}).empty());
}

}  // namespace
}  // namespace halab::lab
