#pragma once
// Test helpers for the transition engine: a manual clock, a sink that
// records dispatches and lets the test (or a policy) answer them, and a
// compact way to write graphs.
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "stack/core/clock.hpp"
#include "stack/core/log.hpp"
#include "stack/transition/engine.hpp"

namespace halab::transition::testing {

class ManualClock : public core::Clock {
 public:
  core::Instant now() const override { return now_; }
  core::WallTime wall_now() const override { return core::WallTime(now_.time_since_epoch()); }
  core::TimerId schedule(core::Duration delay, core::Callback fn) override {
    const auto id = ++next_;
    timers_.emplace(std::make_pair(now_ + std::max(delay, core::Duration::zero()), id), std::move(fn));
    return id;
  }
  void cancel(core::TimerId id) override {
    for (auto it = timers_.begin(); it != timers_.end(); ++it)
      if (it->first.second == id) return void(timers_.erase(it));
  }
  // Runs due timers in order; bounded.
  void advance(core::Duration d) {
    const auto until = now_ + d;
    for (int n = 0; n < 1'000'000 && !timers_.empty() && timers_.begin()->first.first <= until; ++n) {
      auto it = timers_.begin();
      now_ = it->first.first;
      auto fn = std::move(it->second);
      timers_.erase(it);
      fn();
    }
    now_ = until;
  }
  std::size_t pending() const { return timers_.size(); }

 private:
  core::Instant now_{};
  core::TimerId next_ = 0;
  std::map<std::pair<core::Instant, core::TimerId>, core::Callback> timers_;
};

struct Dispatch {
  int id;
  std::string kind;  // rsc_op, fence, shutdown, clear_failcount
  std::string node;
  std::string key;
  ActionDone done;
};

// Records every dispatch. With a policy, answers each after `delay` on the
// clock; without one the test answers through `pending`.
class RecordingSink : public ActionSink {
 public:
  explicit RecordingSink(ManualClock& clock) : clock_(clock) {}
  std::function<ActionResult(const GraphAction&)> policy;
  core::Duration delay = std::chrono::milliseconds(10);
  std::vector<Dispatch> log;               // every dispatch, in order
  std::vector<Dispatch> pending;           // not answered yet (no policy)
  std::vector<int> order;                  // action ids in dispatch order
  int max_in_flight = 0;
  int in_flight = 0;

  void execute_rsc_op(const std::string& node, const GraphAction& op, ActionDone done) override {
    take(op, "rsc_op", node, std::move(done));
  }
  void fence(const std::string& node, const std::string&, const GraphAction& ev, ActionDone done) override {
    take(ev, "fence", node, std::move(done));
  }
  void shutdown(const std::string& node, const GraphAction& ev, ActionDone done) override {
    take(ev, "shutdown", node, std::move(done));
  }
  void clear_failcount(const std::string& node, const GraphAction& ev, ActionDone done) override {
    take(ev, "clear_failcount", node, std::move(done));
  }
  // Answers the pending dispatch of action `id`.
  void answer(int id, ActionResult r) {
    for (auto it = pending.begin(); it != pending.end(); ++it)
      if (it->id == id) {
        auto done = std::move(it->done);
        pending.erase(it);
        --in_flight;
        done(r);
        return;
      }
    throw std::runtime_error("no pending dispatch of action " + std::to_string(id));
  }

 private:
  void take(const GraphAction& a, std::string kind, const std::string& node, ActionDone done) {
    order.push_back(a.id);
    ++in_flight;
    max_in_flight = std::max(max_in_flight, in_flight);
    log.push_back({a.id, kind, node, a.operation_key, nullptr});
    if (!policy) {
      pending.push_back({a.id, std::move(kind), node, a.operation_key, std::move(done)});
      return;
    }
    ActionResult r = policy(a);
    clock_.schedule(delay, [this, done = std::move(done), r] {
      --in_flight;
      done(r);
    });
  }
  ManualClock& clock_;
};

// "  <rsc_op id=.. operation=.. operation_key=.. on_node=..>...": one action.
struct A {
  int id;
  std::string tag = "rsc_op";  // rsc_op, pseudo_event, crm_event
  std::string op = "start";
  std::string node = "node1";
  std::vector<int> inputs;
  int priority = 0;
  std::map<std::string, std::string> attrs;
  std::string rsc = "rsc1";
};

inline std::string graph_xml(const std::vector<A>& actions, const std::string& root_attrs = "") {
  std::string x = "<transition_graph";
  for (auto [k, v] : {std::pair<const char*, const char*>{"cluster-delay", "60s"}, {"stonith-timeout", "60s"},
                      {"failed-stop-offset", "INFINITY"}, {"failed-start-offset", "INFINITY"}, {"transition_id", "3"}})
    if (root_attrs.find(std::string(k) + "=") == std::string::npos) x += std::string(" ") + k + "=\"" + v + "\"";
  x += " " + root_attrs + ">\n";
  int sid = 0;
  auto head = [](const A& a) {
    std::string key = a.tag == "crm_event" && a.op == "stonith" ? "stonith-" + a.node + "-reboot"
                                                                 : a.rsc + "_" + a.op + "_0";
    std::string s = "<" + a.tag + " id=\"" + std::to_string(a.id) + "\" operation=\"" + a.op +
                    "\" operation_key=\"" + key + "\"";
    if (a.tag != "pseudo_event") s += " on_node=\"" + a.node + "\" on_node_uuid=\"" + a.node + "\"";
    return s;
  };
  for (const auto& a : actions) {
    x += "<synapse id=\"" + std::to_string(sid++) + "\"" +
         (a.priority ? " priority=\"" + std::to_string(a.priority) + "\"" : "") + "><action_set>" + head(a) + ">";
    if (a.tag == "rsc_op")
      x += "<primitive id=\"" + a.rsc + "\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"/>";
    x += "<attributes";
    for (auto& [k, v] : a.attrs) x += " " + k + "=\"" + v + "\"";
    x += "/></" + a.tag + "></action_set><inputs>";
    for (int in : a.inputs) {
      const A* src = nullptr;
      for (auto& b : actions)
        if (b.id == in) src = &b;
      x += "<trigger>" + (src ? head(*src) : "<rsc_op id=\"" + std::to_string(in) + "\"") + "/></trigger>";
    }
    x += "</inputs></synapse>\n";
  }
  return x + "</transition_graph>\n";
}

}  // namespace halab::transition::testing
