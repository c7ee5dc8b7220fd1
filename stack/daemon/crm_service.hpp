#pragma once
// The cluster resource manager a node hosts (pacemaker's controller, CIB
// manager, executor and fencer in one component): the Controller on the CPG
// group `halab-controller` (fed votequorum's notifications), this node's
// executor and fencer behind a LocalSink, and, on the DC, the transition
// driver:
//
//   changed (is_dc, synced, no join round) -> CIB with have-quorum from the
//   controller's quorum -> scheduler -> graph -> TransitionEngine through
//   ClusterSink (own node: LocalSink; other nodes: an action message to that
//   node's CrmService, which runs it on its LocalSink and answers with the
//   result; fencing: the DC's fencer, devices from the CIB's stonith
//   primitives) -> every result recorded with StatusUpdate as a CIB update
//   through the controller -> on finish (or abort: a membership, quorum, DC
//   or configuration change while running) schedule again.
//
// Remote actions and recurring-monitor reports travel on the same CPG group
// as the controller: the group's messages carry one leading byte, 0 for the
// controller, 1 for this driver (SplitChannel in crm_service.cpp).
//
// Status updates are sent one batch at a time (a v2 patch against the CIB the
// DC has delivered); the next schedule waits until every result is in the
// CIB, so the scheduler never repeats an action whose result is in flight.
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "stack/controller/controller.hpp"
#include "stack/controller/cpg_channel.hpp"
#include "stack/daemon/node.hpp"
#include "stack/executor/executor.hpp"
#include "stack/fencer/executor_bridge.hpp"
#include "stack/fencer/fencer.hpp"
#include "stack/transition/engine.hpp"
#include "stack/transition/local_sink.hpp"
#include "stack/transition/status_update.hpp"

namespace halab::daemon {

class SplitChannel;

struct CrmStats {
  std::uint64_t transitions = 0, complete = 0, aborted = 0, failed = 0, empty_schedules = 0;
  std::uint64_t remote_sent = 0, remote_run = 0, updates_sent = 0, updates_refused = 0, schedule_errors = 0;
  std::uint64_t recurring_reports = 0, bad_messages = 0;
};

class CrmService final : public core::Service, private transition::ActionSink {
 public:
  // `state_dir`: the node's state directory (absolute), for the executor's
  // HA_RSCTMP. Starts the controller at once.
  CrmService(Node& node, std::string state_dir);
  ~CrmService() override;

  controller::Controller& controller() { return *controller_; }
  fencer::Fencer& fencer() { return fencer_; }
  executor::Executor& executor() { return executor_; }
  const transition::TransitionEngine& engine() const { return engine_; }
  const CrmStats& stats() const { return stats_; }
  // Nothing scheduled, running, or waiting to be recorded (DC view).
  bool idle() const;

 private:
  struct Remote {
    std::string target;
    transition::ActionDone done;
  };

  // ActionSink (the DC's view of the cluster).
  void execute_rsc_op(const std::string& node, const transition::GraphAction& op,
                      transition::ActionDone done) override;
  void fence(const std::string& node, const std::string& action, const transition::GraphAction& event,
             transition::ActionDone done) override;
  void shutdown(const std::string& node, const transition::GraphAction& event, transition::ActionDone done) override;
  void clear_failcount(const std::string& node, const transition::GraphAction& event,
                       transition::ActionDone done) override;

  void on_changed(const controller::ClusterChange& c);
  void on_view(const controller::View& v);
  void on_message(const controller::Member& from, core::ByteView msg);
  void on_recurring(const transition::GraphAction& a, const transition::ActionResult& r);
  void kick(core::Duration delay = core::Duration::zero());
  void maybe_schedule();
  // Registers the CIB's stonith primitives the fencer lacks; returns their ids.
  std::vector<std::string> register_stonith_devices(const cib::Cib& cib);
  void record(std::function<void(transition::StatusUpdate&)> change);
  void flush_records();
  void fail_remote(const std::function<bool(const Remote&)>& which, const std::string& why);
  void send(const std::string& text);
  long long wall_seconds() const;
  std::optional<Response> control(const Request& r);

  Node& node_;
  core::Env& env_;
  core::Log log_;
  core::Log events_;  // the lab's records (docs/lab.md): subsystem "event"
  std::pair<std::string, core::Instant> last_failure_event_;
  std::unique_ptr<controller::CpgChannel> cpg_channel_;
  std::unique_ptr<SplitChannel> channel_;
  fencer::Fencer fencer_;
  fencer::FencerStonithOps stonith_ops_;
  executor::Executor executor_;
  transition::LocalSink local_;
  transition::TransitionEngine engine_;
  std::unique_ptr<controller::Controller> controller_;
  ListenerId quorum_listener_ = 0, control_handler_ = 0;

  // DC driver.
  bool want_schedule_ = false;
  int next_transition_ = 1;
  std::shared_ptr<const transition::Graph> graph_;  // the running (or last) graph
  std::optional<cib::Version> config_seen_;  // (admin_epoch, epoch) the last schedule saw
  std::map<std::pair<int, int>, Remote> remote_;  // (transition, action) -> waiting DC-side
  std::deque<std::function<void(transition::StatusUpdate&)>> records_;
  std::vector<std::function<void(transition::StatusUpdate&)>> in_flight_records_;
  bool update_in_flight_ = false;
  int update_attempts_ = 0;
  core::Timer kick_timer_;
  core::Instant started_;
  std::optional<core::Instant> unknown_since_;  // quorum unknown (see maybe_schedule) since
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  CrmStats stats_;
};

}  // namespace halab::daemon
