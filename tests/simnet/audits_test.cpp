// The audits, fed synthetic traces: each must fire on the trace that breaks
// its property and stay quiet on the one that keeps it.
#include <gtest/gtest.h>

#include <deque>

#include "simnet/audit.hpp"

namespace halab::simnet {
namespace {

constexpr std::int64_t S = 1'000'000'000;

std::string base_scenario() {
  return "duration 10m\nnetwork lan 10.0.0.0/24\nnodes n1 n2 n3\n";
}

// A trace built by hand, fed to the audits of a scenario.
class Feed {
 public:
  explicit Feed(const std::string& audits, const MandatoryConstraints& c = {}, const ResourceLimits& limits = {})
      : sc_(parse_scenario(base_scenario() + audits, "test.scn")), audits_(make_audits(sc_, limits, c)) {}
  Feed& res(double t, std::uint32_t node, const std::string& inst, ResourceState s,
            ResourceCause c = ResourceCause::agent) {
    texts_.push_back(inst);
    return rec(TraceRecord{TraceKind::resource, ns(t), node, std::uint64_t(s) | (std::uint64_t(c) << 8), 0, 0, texts_.back()});
  }
  Feed& ev(double t, std::uint32_t node, const std::string& text) {
    texts_.push_back(text);
    return rec(TraceRecord{TraceKind::event, ns(t), node, 0, 0, 0, texts_.back()});
  }
  Feed& kind(double t, TraceKind k, std::uint32_t node, std::uint64_t a = 0) {
    return rec(TraceRecord{k, ns(t), node, a, 0, 0, {}});
  }
  Feed& end(double t) {
    for (auto& a : audits_) a->at_end(ns(t));
    return *this;
  }
  const Audit& audit(std::size_t i = 0) const { return *audits_.at(i); }
  bool ok(std::size_t i = 0) const { return !audits_.at(i)->violation(); }

 private:
  static std::int64_t ns(double t) { return static_cast<std::int64_t>(t * S); }
  Feed& rec(const TraceRecord& r) {
    for (auto& a : audits_) a->on_record(r);
    return *this;
  }
  Scenario sc_;
  std::vector<std::unique_ptr<Audit>> audits_;
  std::deque<std::string> texts_;
};

using RS = ResourceState;
using RC = ResourceCause;

TEST(Audits, StackEventWords) {
  const StackEvent e("quorum quorate=1 members=n1,n2 ring=7");
  EXPECT_EQ(e.kind, "quorum");
  EXPECT_EQ(e.get("quorate"), "1");
  EXPECT_EQ(e.get("ring"), "7");
  EXPECT_EQ(e.get("quorum"), "");
  EXPECT_EQ(e.get("member"), "");
  ASSERT_EQ(e.list("members").size(), 2u);
  EXPECT_EQ(e.list("members")[1], "n2");
}

TEST(Audits, MaxActivePrimitive) {
  Feed f("audit max-active\n");
  f.res(1, 0, "web", RS::active).res(2, 0, "web", RS::inactive).res(3, 1, "web", RS::active);
  EXPECT_TRUE(f.ok());
  f.res(4, 2, "web", RS::failed);  // a failed copy may still hold the service: it counts
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.audit().violation()->t, 4 * S);
  EXPECT_NE(f.audit().violation()->detail.find("web@n2"), std::string::npos);
  EXPECT_NE(f.audit().violation()->detail.find("web@n3 (failed)"), std::string::npos);
}

TEST(Audits, MaxActiveClonesAndPromoted) {
  Feed f("audit max-active\naudit max-active rsc=db clone-max=2 promoted-max=1\n");
  f.res(1, 0, "db:0", RS::active).res(1, 1, "db:1", RS::promoted).res(1, 0, "web", RS::active);
  EXPECT_TRUE(f.ok(0));  // the default audit leaves db to its own statement
  EXPECT_TRUE(f.ok(1));
  f.res(2, 0, "db:0", RS::promoted);
  EXPECT_TRUE(f.ok(0));
  ASSERT_FALSE(f.ok(1));
  EXPECT_NE(f.audit(1).violation()->detail.find("2 promoted"), std::string::npos);

  Feed g("audit max-active rsc=db clone-max=2\n");
  g.res(1, 0, "db:0", RS::active).res(1, 1, "db:1", RS::active).res(1, 0, "other", RS::active);
  EXPECT_TRUE(g.ok());
  g.res(2, 2, "db:2", RS::active);
  EXPECT_FALSE(g.ok());
}

TEST(Audits, QuorumStopWithGrace) {
  Feed f("audit quorum grace=5s\n");
  f.res(1, 0, "web", RS::active).ev(10, 0, "quorum quorate=0 members=n1");
  f.kind(14.9, TraceKind::timer, 1);
  EXPECT_TRUE(f.ok());
  f.kind(15.1, TraceKind::timer, 1);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.audit().violation()->t, 15 * S);

  Feed g("audit quorum grace=5s\n");  // stopped within the grace: fine
  g.res(1, 0, "web", RS::active).ev(10, 0, "quorum quorate=0").res(12, 0, "web", RS::inactive).end(60);
  EXPECT_TRUE(g.ok());

  Feed h("audit quorum grace=2s\n");  // a start while inquorate, after the grace
  h.ev(10, 1, "quorum quorate=0").kind(11, TraceKind::timer, 1).res(20, 1, "db", RS::active).end(20.5);
  ASSERT_FALSE(h.ok());
  EXPECT_EQ(h.audit().violation()->t, 20 * S);

  Feed k("audit quorum grace=2s\n");  // regained quorum, or crashed: no longer inquorate
  k.ev(10, 1, "quorum quorate=0").ev(11, 1, "quorum quorate=1").res(12, 1, "db", RS::active);
  k.ev(20, 2, "quorum quorate=0").kind(20.5, TraceKind::crash, 2).res(30, 2, "x", RS::active).end(100);
  EXPECT_TRUE(k.ok());

  Feed fr("audit quorum grace=1s no-quorum-policy=freeze\n");  // freeze: keep what runs, start nothing
  fr.res(1, 0, "web", RS::active).ev(10, 0, "quorum quorate=0").kind(50, TraceKind::timer, 0);
  EXPECT_TRUE(fr.ok());
  fr.res(60, 0, "db", RS::active);
  EXPECT_FALSE(fr.ok());
}

TEST(Audits, FencingBeforeRecovery) {
  // n1 crashes holding web; n2 starts web before n1 is fenced: violation.
  Feed f("audit fencing\n");
  f.res(1, 0, "web", RS::active).res(10, 0, "web", RS::inactive, RC::node_down).kind(10, TraceKind::crash, 0);
  f.res(12, 1, "web", RS::active);
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.audit().violation()->detail.find("neither fenced nor rebooted"), std::string::npos);

  Feed g("audit fencing\n");  // fenced first: fine
  g.res(1, 0, "web", RS::active).res(10, 0, "web", RS::inactive, RC::node_down).kind(10, TraceKind::crash, 0);
  g.kind(11, TraceKind::fence, 0).kind(11, TraceKind::crash, 0, 1).res(12, 1, "web", RS::active);
  EXPECT_TRUE(g.ok());

  Feed h("audit fencing\n");  // lost to fencing itself, rebooted, cleanly stopped: never a claim
  h.res(1, 0, "web", RS::active).kind(10, TraceKind::fence, 0).res(10, 0, "web", RS::inactive, RC::node_down);
  h.res(11, 1, "web", RS::active).res(12, 1, "web", RS::inactive, RC::halt).res(13, 2, "web", RS::active);
  h.res(20, 2, "web", RS::inactive, RC::node_down).kind(25, TraceKind::restart, 2).res(26, 0, "web", RS::active);
  EXPECT_TRUE(h.ok());

  Feed k("audit fencing\n");  // the same node may start it again itself
  k.res(1, 0, "web", RS::active).res(10, 0, "web", RS::inactive, RC::node_down).res(12, 0, "web", RS::active);
  EXPECT_TRUE(k.ok());
  // An anonymous clone (clone-max 3) on every node: a node that comes back
  // starts its own copy while another node's loss is not fenced yet; that is
  // no recovery of the lost copy. With clone-max 2 the same start is one.
  for (int max : {3, 2}) {
    Feed c("audit fencing\n", {}, ResourceLimits{{"ping", ResourceLimit{max, max}}});
    c.res(1, 0, "ping", RS::active).res(1, 2, "ping", RS::active);
    c.res(10, 0, "ping", RS::inactive, RC::node_down).kind(10, TraceKind::crash, 0);
    c.kind(11, TraceKind::boot, 1).res(12, 1, "ping", RS::active);
    EXPECT_EQ(c.ok(), max == 3) << "clone-max " << max;
  }
}

TEST(Audits, ActionsCompleteOrAbort) {
  Feed f("audit actions timeout=30s\n");
  f.ev(1, 0, "action-dispatch id=1.1 transition=1 rsc=web op=start").ev(2, 0, "action-result id=1.1 rc=0");
  f.ev(3, 0, "action-dispatch id=2.1 transition=2 op=stop").ev(4, 0, "transition-abort id=2");
  f.ev(5, 1, "action-dispatch id=1.1 transition=1 op=start").kind(6, TraceKind::crash, 1);  // its dispatcher died
  f.ev(7, 0, "action-dispatch id=3.1 transition=3 op=start").ev(8, 0, "action-abort id=3.1");
  f.ev(100, 2, "action-dispatch id=9.9 transition=9 op=start").end(110);  // still young at the end
  EXPECT_TRUE(f.ok());

  Feed g("audit actions timeout=30s\n");
  g.ev(1, 0, "action-dispatch id=1.1 transition=1 rsc=web op=start").ev(1, 1, "action-result id=1.1 rc=0");  // another node's id
  g.kind(31.5, TraceKind::timer, 0);
  ASSERT_FALSE(g.ok());
  EXPECT_EQ(g.audit().violation()->t, 31 * S);
  EXPECT_NE(g.audit().violation()->detail.find("rsc=web"), std::string::npos);
}

TEST(Audits, StableAfterTheLastFault) {
  Feed f("audit stable within=30s\n");
  f.res(1, 0, "web", RS::active).kind(100, TraceKind::crash, 0).kind(110, TraceKind::fence, 0);
  f.kind(110, TraceKind::crash, 0, 1).res(129, 1, "web", RS::active);  // fencing is no fault: 29s after the crash
  EXPECT_TRUE(f.ok());
  f.ev(260, 2, "transition-start id=4");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.audit().violation()->detail.find("last fault (at 1m40s"), std::string::npos);

  Feed g("audit stable within=30s\n");  // an injected failure is a fault; monitors are no activity
  g.res(1, 0, "web", RS::active).res(300, 0, "web", RS::inactive, RC::injected).res(310, 0, "web", RS::active);
  g.ev(400, 0, "action-dispatch id=1 op=monitor");
  EXPECT_TRUE(g.ok());
}

// Mandatory order (db then web): web never starts while db runs nowhere, and
// db's last copy never stops while web runs; a failure of db is not the
// stack's doing. Colocation (web with db): web may run without db on its
// node only within the grace.
TEST(Audits, MandatoryConstraints) {
  using K = MandatoryConstraint::Kind;
  const MandatoryConstraints order = {{K::order, "db-then-web", {"web"}, {"db"}, false, true}};
  EXPECT_TRUE(Feed("audit constraints\n", order).res(1, 0, "db", RS::active).res(2, 0, "web", RS::active)
                  .res(3, 0, "web", RS::inactive).res(4, 0, "db", RS::inactive).end(10).ok());
  Feed early("audit constraints\n", order);
  early.res(1, 1, "web", RS::active);
  EXPECT_FALSE(early.ok());
  EXPECT_NE(early.audit().violation()->detail.find("web started on n2 while db ran nowhere"), std::string::npos)
      << early.audit().violation()->detail;
  Feed late("audit constraints\n", order);
  late.res(1, 0, "db", RS::active).res(2, 1, "web", RS::active).res(3, 0, "db", RS::inactive);
  EXPECT_FALSE(late.ok());
  // A failure (injected) or a node's death is not a stop the stack ordered.
  EXPECT_TRUE(Feed("audit constraints\n", order).res(1, 0, "db", RS::active).res(2, 1, "web", RS::active)
                  .res(3, 0, "db", RS::inactive, RC::injected).res(4, 1, "web", RS::inactive).end(10).ok());
  // Asymmetrical: stopping db first is allowed.
  const MandatoryConstraints asym = {{K::order, "o", {"web"}, {"db"}, false, false}};
  EXPECT_TRUE(Feed("audit constraints\n", asym).res(1, 0, "db", RS::active).res(2, 1, "web", RS::active)
                  .res(3, 0, "db", RS::inactive).end(10).ok());

  const MandatoryConstraints coloc = {{K::colocation, "web-with-db", {"web"}, {"db"}, false, true}};
  EXPECT_TRUE(Feed("audit constraints grace=5s\n", coloc).res(1, 0, "web", RS::active).res(3, 0, "db", RS::active)
                  .res(20, 0, "db", RS::inactive).res(22, 0, "web", RS::inactive).end(60).ok());
  Feed apart("audit constraints grace=5s\n", coloc);
  apart.res(1, 0, "db", RS::active).res(2, 1, "web", RS::active).end(60);
  EXPECT_FALSE(apart.ok());
  EXPECT_EQ(apart.audit().violation()->t, 7 * S);
  // With the promoted role: an unpromoted copy there is not enough.
  const MandatoryConstraints promoted = {{K::colocation, "c", {"web"}, {"st"}, true, true}};
  Feed unpromoted("audit constraints grace=5s\n", promoted);
  unpromoted.res(1, 0, "st:0", RS::active).res(1, 0, "web", RS::active).end(60);
  EXPECT_FALSE(unpromoted.ok());
  EXPECT_TRUE(Feed("audit constraints grace=5s\n", promoted).res(1, 0, "st:0", RS::promoted)
                  .res(1, 0, "web", RS::active).end(60).ok());
}

// The CIB converges after the last fault, and a configuration committed
// with quorum survives the merge.
TEST(Audits, CibConvergesAndKeepsCommittedUpdates) {
  auto quorate = [](Feed& f, double t, std::uint32_t n, const char* members) -> Feed& {
    return f.ev(t, n, std::string("membership members=") + members)
        .ev(t, n, std::string("quorum quorate=1 members=") + members);
  };
  Feed same("audit cib within=10s\n");
  quorate(same, 1, 0, "n1,n2");
  quorate(same, 1, 1, "n1,n2");
  same.ev(2, 0, "cib version=0.5.3 digest=aa").ev(2, 1, "cib version=0.5.3 digest=aa").kind(5, TraceKind::heal, 0).end(60);
  EXPECT_TRUE(same.ok()) << same.audit().violation()->detail;

  Feed apart("audit cib within=10s\n");
  quorate(apart, 1, 0, "n1,n2");
  quorate(apart, 1, 1, "n1,n2");
  apart.ev(2, 0, "cib version=0.5.3 digest=aa").ev(2, 1, "cib version=0.5.3 digest=bb").end(60);
  ASSERT_FALSE(apart.ok());
  EXPECT_NE(apart.audit().violation()->detail.find("did not converge"), std::string::npos);
  // Not settled yet (a fault 5s before the end): nothing is judged.
  Feed unsettled("audit cib within=10s\n");
  quorate(unsettled, 1, 0, "n1,n2");
  quorate(unsettled, 1, 1, "n1,n2");
  unsettled.ev(2, 0, "cib version=0.5.3 digest=aa").ev(2, 1, "cib version=0.5.4 digest=bb").kind(55, TraceKind::heal, 0).end(60);
  EXPECT_TRUE(unsettled.ok());

  // n1 committed epoch 7 with quorum; after the merge everyone is back at 6.
  Feed lost("audit cib within=10s\n");
  quorate(lost, 1, 0, "n1");
  lost.ev(2, 0, "cib version=0.7.0 digest=cc");
  quorate(lost, 10, 0, "n1,n2");
  quorate(lost, 10, 1, "n1,n2");
  lost.ev(11, 0, "cib version=0.6.9 digest=dd").ev(11, 1, "cib version=0.6.9 digest=dd").end(60);
  ASSERT_FALSE(lost.ok());
  EXPECT_NE(lost.audit().violation()->detail.find("committed update was lost"), std::string::npos)
      << lost.audit().violation()->detail;
  // Without quorum it was never committed.
  Feed minority("audit cib within=10s\n");
  minority.ev(1, 0, "membership members=n1").ev(1, 0, "quorum quorate=0 members=n1").ev(2, 0, "cib version=0.7.0 digest=cc");
  quorate(minority, 10, 0, "n1,n2");
  quorate(minority, 10, 1, "n1,n2");
  minority.ev(11, 0, "cib version=0.6.9 digest=dd").ev(11, 1, "cib version=0.6.9 digest=dd").end(60);
  EXPECT_TRUE(minority.ok());
}

TEST(Audits, ScenarioStatementsAreChecked) {
  auto bad = [](const std::string& line) {
    try {
      parse_scenario(base_scenario() + line + "\n", "t.scn");
    } catch (const ScenarioError& e) {
      return std::string(e.what());
    }
    return std::string("parsed");
  };
  EXPECT_EQ(bad("audit quorum grace=5s"), "parsed");
  EXPECT_NE(bad("audit dual-active").find("t.scn:4: unknown audit 'dual-active'"), std::string::npos);
  EXPECT_NE(bad("audit quorum grace=5").find("bad duration grace=5"), std::string::npos);
  EXPECT_NE(bad("audit fencing x=1").find("it takes none"), std::string::npos);
  EXPECT_NE(bad("audit max-active clone-max=2").find("add rsc=NAME"), std::string::npos);
  EXPECT_NE(bad("audit quorum no-quorum-policy=suicide").find("stop, freeze or ignore"), std::string::npos);
  EXPECT_NE(bad("audit quorum grace").find("not key=value"), std::string::npos);
  EXPECT_NE(bad("cts Flipp").find("unknown CTS test 'Flipp'"), std::string::npos);
  EXPECT_NE(bad("cts ResourceRecover").find("needs rsc=RESOURCE"), std::string::npos);
  EXPECT_NE(bad("cts Flip nodes=n9").find("unknown node 'n9'"), std::string::npos);
  EXPECT_NE(bad("cts Flip count=0").find("count must be"), std::string::npos);
  EXPECT_NE(bad("at 1s fail-resource web on n1 rc 300").find("rc must be"), std::string::npos);
  EXPECT_NE(bad("at 1s maintenance maybe").find("on or off"), std::string::npos);
  EXPECT_NE(bad("at 1s fence n1 sideways").find("reboot|off"), std::string::npos);
}

}  // namespace
}  // namespace halab::simnet
