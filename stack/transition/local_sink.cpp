// The local node's ActionSink: graph actions to the executor and the fencer.
#include "stack/transition/local_sink.hpp"

#include <cstdlib>

namespace halab::transition {

LocalSink::LocalSink(core::Clock& clock, std::string node, executor::Executor& executor, fencer::Fencer* fencer,
                     LocalSinkHooks hooks)
    : clock_(clock), node_(std::move(node)), executor_(executor), fencer_(fencer), hooks_(std::move(hooks)) {}

LocalSink::~LocalSink() = default;

void LocalSink::later(std::function<void()> fn) {
  std::weak_ptr<int> alive = alive_;
  clock_.schedule(core::Duration::zero(), [alive, fn = std::move(fn)] {
    if (!alive.expired()) fn();
  });
}

executor::ResourceDef LocalSink::resource_of(const GraphAction& op) {
  executor::ResourceDef r;
  r.id = op.rsc_id;
  r.standard = op.rsc_class;
  r.provider = op.rsc_provider;
  r.type = op.rsc_type;
  r.params = op.params();
  return r;
}

executor::OpRequest LocalSink::request_of(const GraphAction& op) {
  executor::OpRequest req;
  req.action = op.operation;
  req.interval = std::chrono::milliseconds(op.interval_ms());
  if (auto t = op.timeout()) req.timeout = *t;
  req.meta = op.metas();
  // The executor adds these itself, from the request.
  req.meta.erase("timeout");
  req.meta.erase("interval");
  return req;
}

ActionResult LocalSink::result_of(const executor::OpResult& r) {
  ActionResult a;
  a.rc = r.rc;
  a.status = r.status;
  a.exit_reason = r.exit_reason;
  a.call_id = int(r.call_id);
  a.last_rc_change = r.last_run;
  a.exec_time = r.exec_time;
  a.queue_time = r.queue_time;
  return a;
}

void LocalSink::cancel_recurring(const std::string& rsc, const std::string& action, long interval_ms) {
  executor_.cancel(rsc, action, std::chrono::milliseconds(interval_ms));
  recurring_.erase(Key{rsc, action, interval_ms});
}

std::vector<std::tuple<std::string, std::string, long>> LocalSink::recurring() const {
  std::vector<Key> out;
  for (const auto& [k, v] : recurring_) out.push_back(k);
  return out;
}

void LocalSink::execute_rsc_op(const std::string& node, const GraphAction& op, ActionDone done) {
  if (node != node_) {
    later([done, node, me = node_] {
      done(ActionResult::error("rsc_op for node " + node + " reached the local sink of " + me,
                               executor::ExecStatus::invalid));
    });
    return;
  }
  if (op.operation == "cancel") {
    cancel_recurring(op.rsc_id, op.meta("operation", "monitor"), op.interval_ms());
    later([done] {
      ActionResult r;
      r.status = executor::ExecStatus::cancelled;
      done(r);
    });
    return;
  }
  if (op.operation == "stop" || op.operation == "demote" || op.operation == "migrate_to") {
    // Monitors of the old state would report failures that are not.
    for (const auto& rec : executor_.recurring())
      if (rec.rsc_id == op.rsc_id)
        cancel_recurring(rec.rsc_id, rec.action, long(core::to_ms(rec.interval)));
  }
  const executor::ResourceDef rsc = resource_of(op);
  const executor::OpRequest req = request_of(op);
  std::weak_ptr<int> alive = alive_;
  if (req.interval > core::Duration::zero()) {
    const Key key{op.rsc_id, op.operation, op.interval_ms()};
    auto state = std::make_shared<Recurring>();
    state->action = op;
    // A monitor started again replaces the old one.
    if (recurring_.count(key)) cancel_recurring(op.rsc_id, op.operation, op.interval_ms());
    recurring_[key] = state;
    executor_.execute(rsc, req, [this, alive, state, done](const executor::OpResult& r) {
      if (alive.expired() || r.status == executor::ExecStatus::cancelled) return;
      const ActionResult res = result_of(r);
      const bool changed = res.rc != state->last_rc || int(res.status) != state->last_status;
      state->last_rc = res.rc;
      state->last_status = int(res.status);
      if (!state->reported) {
        state->reported = true;
        done(res);
      } else if (changed && hooks_.on_recurring) {
        hooks_.on_recurring(state->action, res);
      }
    });
    return;
  }
  executor_.execute(rsc, req, [alive, done](const executor::OpResult& r) {
    if (alive.expired()) return;
    done(result_of(r));
  });
}

void LocalSink::fence(const std::string& node, const std::string& action, const GraphAction&, ActionDone done) {
  if (!fencer_) {
    later([done] { done(ActionResult::error("no fencer on this node", executor::ExecStatus::no_fence_device)); });
    return;
  }
  std::weak_ptr<int> alive = alive_;
  fencer_->fence(node, action, node_, [alive, done](const fencer::FenceResult& r) {
    if (alive.expired()) return;
    if (r.ok) return done(ActionResult::ok());
    done(ActionResult::error(r.reason.empty() ? "fencing failed" : r.reason,
                             r.no_device ? executor::ExecStatus::no_fence_device : executor::ExecStatus::error));
  });
}

void LocalSink::shutdown(const std::string& node, const GraphAction& event, ActionDone done) {
  if (node != node_ || !hooks_.shutdown) {
    later([done, node] {
      done(ActionResult::error("no shutdown handler for node " + node, executor::ExecStatus::not_supported));
    });
    return;
  }
  hooks_.shutdown(event, std::move(done));
}

void LocalSink::clear_failcount(const std::string&, const GraphAction&, ActionDone done) {
  later([done] { done(ActionResult::ok()); });
}

}  // namespace halab::transition
