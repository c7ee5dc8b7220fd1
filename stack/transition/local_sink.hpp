#pragma once
// An ActionSink for the actions a node runs itself: rsc_op through its
// executor, stonith through its fencer. The controller uses it for its own
// node and forwards actions for other nodes to their controllers (which use
// it in turn).
//
//  - rsc_op: the primitive's class/provider/type, the action's instance
//    parameters (attributes without CRM_meta_*) and its CRM_meta_* (passed to
//    the agent as OCF_RESKEY_CRM_meta_*); CRM_meta_timeout is the timeout.
//  - A recurring monitor (interval > 0) is started in the executor; its first
//    result completes the action; later results that differ from the last one
//    reported go to on_recurring (a monitor failure the controller records
//    and reacts to). `cancel` cancels it; `stop` first cancels the resource's
//    recurring operations, as pacemaker does before changing its state.
//  - stonith: Fencer::fence(target, action, this node).
//  - clear_failcount: nothing to run here; the result is recorded by
//    StatusUpdate, which removes the attributes.
//  - do_shutdown: the `shutdown` hook (the controller's own leave sequence);
//    without one the action fails.
// Results always arrive later, from the event loop.
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <tuple>

#include "stack/core/clock.hpp"
#include "stack/executor/executor.hpp"
#include "stack/fencer/fencer.hpp"
#include "stack/transition/action_sink.hpp"

namespace halab::transition {

struct LocalSinkHooks {
  std::function<void(const GraphAction&, const ActionResult&)> on_recurring;
  std::function<void(const GraphAction&, ActionDone)> shutdown;
};

class LocalSink final : public ActionSink {
 public:
  // `fencer` may be null (stonith then fails: no fencer on this node).
  LocalSink(core::Clock& clock, std::string node, executor::Executor& executor, fencer::Fencer* fencer,
            LocalSinkHooks hooks = {});
  ~LocalSink() override;

  void execute_rsc_op(const std::string& node, const GraphAction& op, ActionDone done) override;
  void fence(const std::string& node, const std::string& action, const GraphAction& event,
             ActionDone done) override;
  void shutdown(const std::string& node, const GraphAction& event, ActionDone done) override;
  void clear_failcount(const std::string& node, const GraphAction& event, ActionDone done) override;

  // Recurring operations this sink started and has not cancelled: (rsc, action, interval ms).
  std::vector<std::tuple<std::string, std::string, long>> recurring() const;

  static executor::ResourceDef resource_of(const GraphAction& op);
  static executor::OpRequest request_of(const GraphAction& op);
  static ActionResult result_of(const executor::OpResult& r);

 private:
  struct Recurring {
    GraphAction action;
    bool reported = false;  // the first result went to the engine
    int last_rc = -1;
    int last_status = -1;
  };
  using Key = std::tuple<std::string, std::string, long>;
  void later(std::function<void()> fn);
  void cancel_recurring(const std::string& rsc, const std::string& action, long interval_ms);

  core::Clock& clock_;
  std::string node_;
  executor::Executor& executor_;
  fencer::Fencer* fencer_;
  LocalSinkHooks hooks_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  std::map<Key, std::shared_ptr<Recurring>> recurring_;
};

}  // namespace halab::transition
