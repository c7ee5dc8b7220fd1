// The transition engine's state machine: dependency order, batch-limit,
// migration-limit, timeouts, failures and external aborts, pseudo-events,
// and when the controller hears about it all.
#include <gtest/gtest.h>

#include <algorithm>

#include "stack/transition/engine.hpp"
#include "support.hpp"

namespace halab::transition {
namespace {

using namespace std::chrono_literals;
using testing::A;
using testing::graph_xml;
using testing::ManualClock;
using testing::RecordingSink;

struct Rig {
  ManualClock clock;
  core::Logger logger{clock, "node1"};
  RecordingSink sink{clock};
  TransitionEngine te{clock, sink, core::Log(logger, "te")};
  std::vector<TransitionResult> finished;
  std::vector<std::pair<int, bool>> results;  // (action id, ok)
  void start(const std::vector<A>& actions, const std::string& root_attrs = "") {
    te.start(parse_graph(graph_xml(actions, root_attrs), "test.graph"),
             {.on_action = [this](const GraphAction& a, const ActionResult&, bool ok) { results.emplace_back(a.id, ok); },
              .on_finished = [this](const TransitionResult& r) { finished.push_back(r); }});
  }
  void succeed_all() {
    sink.policy = [](const GraphAction&) { return ActionResult::ok(); };
  }
  std::size_t pos(int id) const {
    return size_t(std::find(sink.order.begin(), sink.order.end(), id) - sink.order.begin());
  }
};

ActionResult failed_rc(int rc) {
  ActionResult r;
  r.rc = rc;
  return r;
}

TEST(TransitionEngine, RunsInDependencyOrderAndFiresPseudoEventsLocally) {
  Rig t;
  t.sink.policy = [](const GraphAction& a) { return a.id == 5 ? failed_rc(7) : ActionResult::ok(); };
  // stop(1) -> stopped(2, pseudo) -> start(3) on node2 -> monitor(4); probe(5) before start.
  t.start({{1, "rsc_op", "stop", "node1"},
           {2, "pseudo_event", "stopped", "", {1}},
           {3, "rsc_op", "start", "node2", {2, 5}},
           {4, "rsc_op", "monitor", "node2", {3}, 0, {{"CRM_meta_interval", "10000"}}},
           {5, "rsc_op", "monitor", "node2", {}, 0, {{"CRM_meta_op_target_rc", "7"}}}});
  EXPECT_EQ(t.te.state(), EngineState::running);
  // Both roots are dispatched at once; nothing else yet.
  EXPECT_EQ(t.sink.order, (std::vector<int>{1, 5}));
  t.clock.advance(1s);
  EXPECT_EQ(t.sink.order, (std::vector<int>{1, 5, 3, 4}));
  EXPECT_EQ(t.te.fired(), (std::vector<int>{1, 5, 2, 3, 4}));  // the pseudo-event was fired, not dispatched
  ASSERT_EQ(t.finished.size(), 1u);
  EXPECT_EQ(t.finished[0].outcome, Outcome::complete);
  EXPECT_EQ(t.finished[0].confirmed, 5);
  EXPECT_EQ(t.te.state(), EngineState::finished);
  EXPECT_EQ(t.sink.log[2].node, "node2");
  EXPECT_EQ(t.results.size(), 4u);  // dispatched actions only
}

TEST(TransitionEngine, EmptyGraphCompletesLaterNotInsideStart) {
  Rig t;
  t.te.start(parse_graph("<transition_graph/>", "empty"),
             {.on_finished = [&](const TransitionResult& r) { t.finished.push_back(r); }});
  EXPECT_TRUE(t.finished.empty()) << "on_finished must not run inside start()";
  t.clock.advance(0s);
  ASSERT_EQ(t.finished.size(), 1u);
  EXPECT_EQ(t.finished[0].outcome, Outcome::complete);
}

TEST(TransitionEngine, BatchLimitBoundsActionsInFlight) {
  Rig t;
  t.succeed_all();
  std::vector<A> actions;
  for (int i = 1; i <= 9; ++i) actions.push_back({i, "rsc_op", "start", "node1", {}, 0, {}, "r" + std::to_string(i)});
  actions.push_back({10, "pseudo_event", "running", "", {1, 2, 3, 4, 5, 6, 7, 8, 9}});
  t.start(actions, "batch-limit=\"2\"");
  EXPECT_EQ(t.sink.order.size(), 2u);
  t.clock.advance(1s);
  EXPECT_EQ(t.sink.max_in_flight, 2);
  EXPECT_EQ(t.sink.order.size(), 9u);
  ASSERT_EQ(t.finished.size(), 1u);
  EXPECT_EQ(t.finished[0].outcome, Outcome::complete);

  Rig u;  // without a limit all nine go at once
  u.succeed_all();
  u.start(actions);
  EXPECT_EQ(u.sink.order.size(), 9u);
}

TEST(TransitionEngine, MigrationLimitPerNode) {
  Rig t;
  t.succeed_all();
  t.start({{1, "rsc_op", "migrate_to", "node1", {}, 0, {}, "a"},
           {2, "rsc_op", "migrate_to", "node1", {}, 0, {}, "b"},
           {3, "rsc_op", "migrate_to", "node2", {}, 0, {}, "c"},
           {4, "rsc_op", "start", "node1", {}, 0, {}, "d"}},
          "migration-limit=\"1\"");
  EXPECT_EQ(t.sink.order, (std::vector<int>{1, 3, 4}));
  t.clock.advance(1s);
  EXPECT_EQ(t.sink.order, (std::vector<int>{1, 3, 4, 2}));
  ASSERT_EQ(t.finished.size(), 1u);
}

TEST(TransitionEngine, TimeoutIsTheActionsTimeoutPlusClusterDelayAndFailsIt) {
  Rig t;  // no policy: nobody answers
  t.start({{1, "rsc_op", "start", "node1", {}, 0, {{"CRM_meta_timeout", "20000"}}},
           {2, "rsc_op", "monitor", "node1", {1}, 0, {{"CRM_meta_interval", "10000"}}}},
          "cluster-delay=\"5s\"");
  t.clock.advance(24s);
  EXPECT_EQ(t.te.action_state(1), ActionState::in_flight);
  t.clock.advance(1s + 1ms);
  EXPECT_EQ(t.te.action_state(1), ActionState::failed);
  EXPECT_EQ(t.te.action_state(2), ActionState::pending);
  ASSERT_EQ(t.finished.size(), 1u);
  EXPECT_EQ(t.finished[0].outcome, Outcome::failed);
  EXPECT_EQ(t.finished[0].failed_action, 1);
  EXPECT_EQ(t.finished[0].skipped, 1);
  ASSERT_EQ(t.results.size(), 1u);
  EXPECT_FALSE(t.results[0].second);
  // The agent's late answer changes nothing.
  t.sink.answer(1, ActionResult::ok());
  EXPECT_EQ(t.results.size(), 1u);
  EXPECT_EQ(t.te.action_state(1), ActionState::failed);
  EXPECT_EQ(t.sink.order, std::vector<int>{1});
}

TEST(TransitionEngine, StonithTimeoutUsesStonithTimeout) {
  Rig t;
  t.start({{1, "crm_event", "stonith", "node2"}}, "cluster-delay=\"1s\"");
  EXPECT_EQ(t.sink.log.at(0).kind, "fence");
  t.clock.advance(60s);
  EXPECT_EQ(t.te.action_state(1), ActionState::in_flight);
  t.clock.advance(1s + 1ms);
  EXPECT_EQ(t.te.action_state(1), ActionState::failed);
}

TEST(TransitionEngine, FailureAbortsNoNewActionsInFlightAwaited) {
  Rig t;
  // 1 and 2 run in parallel; 3 waits for 1; 4 waits for 2.
  t.start({{1, "rsc_op", "start", "node1", {}, 0, {}, "a"},
           {2, "rsc_op", "start", "node2", {}, 0, {}, "b"},
           {3, "rsc_op", "monitor", "node1", {1}, 0, {{"CRM_meta_interval", "5000"}}, "a"},
           {4, "rsc_op", "monitor", "node2", {2}, 0, {{"CRM_meta_interval", "5000"}}, "b"}});
  ASSERT_EQ(t.sink.pending.size(), 2u);
  t.sink.answer(1, failed_rc(1));
  EXPECT_EQ(t.te.state(), EngineState::draining);
  EXPECT_TRUE(t.finished.empty());
  t.sink.answer(2, ActionResult::ok());  // in flight: awaited, and its success does not start 4
  EXPECT_EQ(t.sink.order, (std::vector<int>{1, 2}));
  EXPECT_EQ(t.te.state(), EngineState::finished);
  t.clock.advance(0s);
  ASSERT_EQ(t.finished.size(), 1u);
  EXPECT_EQ(t.finished[0].outcome, Outcome::failed);
  EXPECT_EQ(t.finished[0].failed_action, 1);
  EXPECT_NE(t.finished[0].reason.find("a_start_0"), std::string::npos) << t.finished[0].reason;
  EXPECT_EQ(t.finished[0].confirmed, 1);
  EXPECT_EQ(t.finished[0].failed, 1);
  EXPECT_EQ(t.finished[0].skipped, 2);
}

TEST(TransitionEngine, TwoFailuresInFlightFinishOnce) {
  Rig t;
  t.start({{1, "rsc_op", "start", "node1", {}, 0, {}, "a"}, {2, "rsc_op", "start", "node2", {}, 0, {}, "b"},
           {3, "pseudo_event", "running", "", {1, 2}}});
  t.sink.answer(2, failed_rc(1));
  t.sink.answer(1, failed_rc(1));
  EXPECT_EQ(t.te.state(), EngineState::finished);
  t.clock.advance(0s);
  ASSERT_EQ(t.finished.size(), 1u);
  EXPECT_EQ(t.finished[0].outcome, Outcome::failed);
  EXPECT_EQ(t.finished[0].failed_action, 2) << "the first failure is the one reported";
  EXPECT_EQ(t.finished[0].failed, 2);
}

TEST(TransitionEngine, ProbeExpectsNotRunningAndIgnoredFailuresDoNotAbort) {
  Rig t;
  t.start({{1, "rsc_op", "monitor", "node1", {}, 0, {{"CRM_meta_op_target_rc", "7"}}},
           {2, "rsc_op", "monitor", "node2", {}, 0, {{"CRM_meta_op_target_rc", "7"}}},
           {3, "rsc_op", "start", "node1", {1, 2}, 0, {{"CRM_meta_on_fail", "ignore"}}},
           {4, "pseudo_event", "running", "", {3}}});
  t.sink.answer(1, failed_rc(7));
  t.sink.answer(2, failed_rc(7));
  EXPECT_EQ(t.results, (std::vector<std::pair<int, bool>>{{1, true}, {2, true}}));
  t.sink.answer(3, failed_rc(1));  // on-fail=ignore: reported as failed, but the graph goes on
  EXPECT_EQ(t.results.back(), (std::pair<int, bool>{3, false}));
  EXPECT_EQ(t.te.action_state(4), ActionState::confirmed);
  t.clock.advance(0s);
  ASSERT_EQ(t.finished.size(), 1u);
  EXPECT_EQ(t.finished[0].outcome, Outcome::complete);

  Rig u;  // a probe finding the resource running is unexpected: the graph is stale
  u.start({{1, "rsc_op", "monitor", "node1", {}, 0, {{"CRM_meta_op_target_rc", "7"}}},
           {2, "rsc_op", "start", "node1", {1}}});
  u.sink.answer(1, failed_rc(0));
  u.clock.advance(0s);
  ASSERT_EQ(u.finished.size(), 1u);
  EXPECT_EQ(u.finished[0].outcome, Outcome::failed);
  EXPECT_EQ(u.sink.order, std::vector<int>{1});
}

TEST(TransitionEngine, ExternalAbortAwaitsInFlightAndOnlyInfinityPriorityFires) {
  Rig t;
  t.start({{1, "rsc_op", "stop", "node1", {}, 0, {}, "a"},
           {2, "rsc_op", "start", "node2", {1}, 0, {}, "a"},
           {3, "rsc_op", "stop", "node1", {}, 0, {}, "b"},
           {4, "pseudo_event", "stopped", "", {3}, kInfinity, {}, "b"},
           {5, "rsc_op", "stop", "node2", {4}, 0, {}, "c"}});
  t.te.abort("node3 joined");
  EXPECT_EQ(t.te.state(), EngineState::draining);
  t.te.abort("a lesser event", 10);  // the first (stricter) abort stays
  t.sink.answer(1, ActionResult::ok());
  EXPECT_EQ(t.te.action_state(2), ActionState::pending) << "no new action after an abort";
  t.sink.answer(3, ActionResult::ok());
  EXPECT_EQ(t.te.action_state(4), ActionState::confirmed) << "INFINITY priority still fires";
  EXPECT_EQ(t.te.action_state(5), ActionState::pending);
  t.clock.advance(0s);
  ASSERT_EQ(t.finished.size(), 1u);
  EXPECT_EQ(t.finished[0].outcome, Outcome::aborted);
  EXPECT_EQ(t.finished[0].reason, "node3 joined");
  t.te.abort("too late");  // ignored once finished
  EXPECT_EQ(t.te.state(), EngineState::finished);
}

TEST(TransitionEngine, AbortWithLowerPriorityLetsHigherSynapsesRun) {
  Rig t;
  t.start({{1, "rsc_op", "stop", "node1", {}, 0, {}, "a"},
           {2, "rsc_op", "start", "node2", {1}, 50, {}, "a"},
           {3, "rsc_op", "start", "node2", {1}, 0, {}, "b"}});
  t.te.abort("config changed", 20);
  t.sink.answer(1, ActionResult::ok());
  EXPECT_EQ(t.te.action_state(2), ActionState::in_flight);
  EXPECT_EQ(t.te.action_state(3), ActionState::pending);
  t.sink.answer(2, ActionResult::ok());
  t.clock.advance(0s);
  ASSERT_EQ(t.finished.size(), 1u);
  EXPECT_EQ(t.finished[0].outcome, Outcome::aborted);
}

TEST(TransitionEngine, SynchronousSinkAndRestartWithStaleResultsIgnored) {
  Rig t;
  // A sink that answers inside the call.
  struct Sync : RecordingSink {
    using RecordingSink::RecordingSink;
    void execute_rsc_op(const std::string& n, const GraphAction& op, ActionDone done) override {
      order.push_back(op.id);
      (void)n;
      done(ActionResult::ok());
    }
  } sync(t.clock);
  TransitionEngine te(t.clock, sync, core::Log(t.logger, "te"));
  std::vector<TransitionResult> fin;
  te.start(parse_graph(graph_xml({{1}, {2, "rsc_op", "start", "node1", {1}, 0, {}, "r2"},
                                  {3, "pseudo_event", "running", "", {2}}}),
                       "g"),
           {.on_finished = [&](const TransitionResult& r) { fin.push_back(r); }});
  EXPECT_EQ(sync.order, (std::vector<int>{1, 2}));
  t.clock.advance(0s);
  ASSERT_EQ(fin.size(), 1u);
  EXPECT_EQ(fin[0].outcome, Outcome::complete);

  // Abort with one action in flight, then start the next graph: the old answer is stale.
  t.start({{1, "rsc_op", "start", "node1"}});
  t.te.abort("new event");
  ASSERT_EQ(t.sink.pending.size(), 1u);
  t.sink.answer(1, ActionResult::ok());
  t.clock.advance(0s);
  ASSERT_EQ(t.finished.size(), 1u);
  t.start({{1, "rsc_op", "start", "node1"}});
  EXPECT_EQ(t.te.action_state(1), ActionState::in_flight);
  t.clock.advance(0s);
  EXPECT_EQ(t.finished.size(), 1u);
}

TEST(TransitionEngine, CrmEventsGoToTheirSinkCalls) {
  Rig t;
  t.succeed_all();
  t.start({{1, "crm_event", "stonith", "node2"},
           {2, "crm_event", "clear_failcount", "node1"},
           {3, "rsc_op", "stop", "node3", {}, 0, {}, "x"},
           {4, "crm_event", "do_shutdown", "node3", {3}}});
  t.clock.advance(1s);
  std::vector<std::string> kinds;
  for (auto& d : t.sink.log) kinds.push_back(d.kind + "@" + d.node);
  EXPECT_EQ(kinds, (std::vector<std::string>{"fence@node2", "clear_failcount@node1", "rsc_op@node3", "shutdown@node3"}));
  ASSERT_EQ(t.finished.size(), 1u);
  EXPECT_EQ(t.finished[0].outcome, Outcome::complete);
}

}  // namespace
}  // namespace halab::transition
