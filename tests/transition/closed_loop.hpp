#pragma once
// The closed loop the controller runs, without a cluster: schedule a CIB,
// execute its graph through the engine with a simulated sink, record every
// result into the CIB's status with StatusUpdate, and hand back the new CIB.
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "stack/cib/cib.hpp"
#include "stack/cib/xml.hpp"
#include "stack/scheduler/scheduler.hpp"
#include "stack/transition/engine.hpp"
#include "stack/transition/status_update.hpp"
#include "support.hpp"

namespace halab::transition::testing {

struct LoopRun {
  std::string graph_text;
  Graph graph;
  TransitionResult outcome;
  std::string cib_after;
  int dispatched = 0;
  std::vector<std::string> order_violations;  // "synapse S fired before input I was confirmed"
};

// Answers every action with its expected result (rc = CRM_meta_op_target_rc)
// after a per-action delay; `override_result` may change any answer.
class SimulatedSink : public ActionSink {
 public:
  SimulatedSink(ManualClock& clock, long long now) : clock_(clock), now_(now) {}
  std::function<std::optional<ActionResult>(const GraphAction&)> override_result;
  std::function<core::Duration(const GraphAction&)> delay = [](const GraphAction&) {
    return std::chrono::milliseconds(100);
  };
  int dispatched = 0;
  void execute_rsc_op(const std::string&, const GraphAction& op, ActionDone done) override { answer(op, done); }
  void fence(const std::string&, const std::string&, const GraphAction& ev, ActionDone done) override {
    answer(ev, done);
  }
  void shutdown(const std::string&, const GraphAction& ev, ActionDone done) override { answer(ev, done); }
  void clear_failcount(const std::string&, const GraphAction& ev, ActionDone done) override { answer(ev, done); }

 private:
  void answer(const GraphAction& a, ActionDone done) {
    ++dispatched;
    ActionResult r;
    r.rc = a.type == ActionType::rsc_op ? a.target_rc() : 0;
    r.last_rc_change = core::WallTime(std::chrono::seconds(now_));
    r.exec_time = delay(a);
    if (override_result)
      if (auto o = override_result(a)) r = *o;
    clock_.schedule(delay(a), [done, r] { done(r); });
  }
  ManualClock& clock_;
  long long now_;
};

// Executes `graph_text`; with a CIB, records the results into it (clean
// shutdowns as the node leaving, as crm_simulate shows them). Checks that no
// action fired before its inputs were confirmed.
inline LoopRun execute(const std::string* cib_xml, const std::string& graph_text, long long now,
                       const std::function<void(SimulatedSink&)>& configure = {}) {
  LoopRun run;
  run.graph_text = graph_text;
  run.graph = parse_graph(graph_text, "graph");
  ManualClock clock;
  core::Logger logger(clock, "dc");
  SimulatedSink sink(clock, now);
  if (configure) configure(sink);
  TransitionEngine te(clock, sink, core::Log(logger, "te"));
  StatusUpdate update({.te_uuid = "c0ffee00-0000-4000-8000-000000000001", .now = now});
  std::map<int, long> fired_at, confirmed_at;
  long seq = 0;
  bool finished = false;
  const Graph& g = run.graph;
  te.start(g, {.on_fire =
                   [&](const GraphAction& a) {
                     fired_at[a.id] = ++seq;
                     for (int input : g.synapses[size_t(a.synapse)].inputs)
                       if (!confirmed_at.count(input))
                         run.order_violations.push_back("action " + std::to_string(a.id) + " fired before input " +
                                                        std::to_string(input) + " was confirmed");
                     if (a.type == ActionType::pseudo_event) confirmed_at[a.id] = ++seq;
                   },
               .on_action =
                   [&](const GraphAction& a, const ActionResult& r, bool ok) {
                     if (ok || a.can_fail()) confirmed_at[a.id] = ++seq;
                     update.record(g, a, r);
                     if (a.operation == "do_shutdown" && ok) update.node_down(a.on_node_uuid, a.on_node, false);
                   },
               .on_finished =
                   [&](const TransitionResult& r) {
                     run.outcome = r;
                     finished = true;
                   }});
  for (int i = 0; i < 1000 && !finished; ++i) clock.advance(std::chrono::seconds(10));
  if (!finished) throw std::runtime_error("transition did not finish");
  run.dispatched = sink.dispatched;
  if (cib_xml) {
    cib::Cib cib = cib::Cib::parse(*cib_xml, "cib");
    // The DC stamps its feature set on the CIB (fail-count-RSC#OP_INTERVAL needs >= 3.0.13).
    for (const auto& c : update.changes())
      if (c.kind == StatusChange::Kind::set_failcount) cib::set_attr(cib.root(), "crm_feature_set", "3.16.1");
    update.apply(cib);
    run.cib_after = cib.to_xml();
  }
  return run;
}

}  // namespace halab::transition::testing
