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
// At every view change the DC asks each member for its executor state
// (Query -> Report, as pacemaker's DC re-reads every node's LRM at join): a
// node keeps the history of every operation it ran (recorded as the DC
// would) and answers once its own operations in flight are done; the DC
// replaces that node's lrm section with it, and schedules only after every
// member answered (or kReportWait passed). So a result the old DC never
// recorded (it died first) is not lost, and the new DC does not start a
// resource that already runs.
//
// Clean shutdown (pacemaker's do_shutdown): request_shutdown() marks this
// node as leaving; its report then carries the `shutdown` node attribute,
// which the DC writes; the scheduler moves the node's resources away and
// orders do_shutdown after their stops; the DC records expected="down" and
// tells the node to go (message S), and the node calls the `leave` callback
// given to request_shutdown (halabd stops its event loop, simnet halts the
// node). The DC itself goes the same way. The do_shutdown action completes
// when the node has left the group.
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
#include "stack/fencer/watchdog.hpp"
#include "stack/transition/engine.hpp"
#include "stack/transition/local_sink.hpp"
#include "stack/transition/status_update.hpp"

namespace halab::daemon {

class SplitChannel;

struct CrmStats {
  std::uint64_t transitions = 0, complete = 0, aborted = 0, failed = 0, empty_schedules = 0;
  std::uint64_t remote_sent = 0, remote_run = 0, updates_sent = 0, updates_refused = 0, schedule_errors = 0;
  std::uint64_t recurring_reports = 0, bad_messages = 0;
  std::uint64_t queries = 0, reports_recorded = 0, reports_missing = 0;
  std::uint64_t rechecks = 0, fencing_given_up = 0;
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

  // Clean shutdown: ask the DC to move this node's resources away; `leave`
  // runs once the DC allows the node to go (its resources are stopped), or
  // after shutdown-escalation (crm_config, 20 min by default) without that.
  void request_shutdown(std::function<void()> leave);
  // simnet's `stop`: request_shutdown, unless this node never joined a
  // cluster (nothing to hand over; it may go at once: false).
  bool begin_clean_stop(std::function<void()> done) override;
  bool shutting_down() const { return shutdown_requested_ != 0; }
  // Watchdog self-fencing (sbd's role, watchdog.hpp). With a watchdog and
  // stonith-watchdog-timeout (S) set in the CIB, this node arms it (timeout
  // S/2) once it has quorum and feeds it while it has quorum; when quorum is
  // lost it stops feeding until its resources are stopped (its partition's
  // DC stops them: no-quorum-policy=stop), and with no-quorum-policy=suicide
  // it lets the watchdog reset the node. The DC writes have-watchdog=true,
  // so the scheduler fences without a device: the fencer waits S.
  void set_watchdog(std::unique_ptr<fencer::Watchdog> watchdog);
  const fencer::SelfFencing* self_fencing() const { return self_fencing_.get(); }
  // Failed fencings of `target` counted towards stonith-max-attempts (DC).
  int fence_failures(const std::string& target) const {
    auto it = fence_failures_.find(target);
    return it == fence_failures_.end() ? 0 : it->second;
  }
  // This node's executor history (the <lrm> element it reports at joins).
  std::string history_xml() const;

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
  void record(std::function<void(transition::StatusUpdate&)> change, std::function<void()> committed = {});
  // Executor history (this node).
  // `dc_incarnation`: the DC the result went to (a new DC counts the
  // failures of other DCs the CIB lacks).
  void remember(const transition::GraphAction& a, int transition_id, const std::string& dc_id,
                const transition::ActionResult& r, const std::string& dc_incarnation);
  void local_op_done();
  void send_report();
  // DC: the executor-state query of the current view.
  void start_query();
  void ingest_reports();
  bool reports_complete();
  // DC: the controller's join is over and every member's executor state is in.
  bool join_complete() const;
  void leave_now(const std::string& why);
  // A cluster option (crm_config nvpair) of the local CIB, or "".
  std::string crm_option(const std::string& name) const;
  void arm_recheck(long long when);
  void update_watchdog();
  void stop_for_self_fencing(std::function<void(bool)> done);
  void check_stopped();
  bool resources_active() const;
  bool write_have_watchdog();
  void flush_records();
  void fail_remote(const std::function<bool(const Remote&)>& which, const std::string& why);
  void send(const std::string& text);
  long long wall_seconds() const;
  std::optional<Response> control(const Request& r);
  bool control_async(const Request& r, const Node::Reply& reply);

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
  ListenerId quorum_listener_ = 0, control_handler_ = 0, async_handler_ = 0;

  // DC driver.
  bool want_schedule_ = false;
  int next_transition_ = 1;
  std::shared_ptr<const transition::Graph> graph_;  // the running (or last) graph
  std::optional<cib::Version> config_seen_;  // (admin_epoch, epoch) the last schedule saw
  std::map<std::pair<int, int>, Remote> remote_;  // (transition, action) -> waiting DC-side
  std::deque<std::function<void(transition::StatusUpdate&)>> records_;
  std::vector<std::function<void(transition::StatusUpdate&)>> in_flight_records_;
  std::vector<std::function<void()>> records_committed_, in_flight_committed_;
  bool update_in_flight_ = false;
  int update_attempts_ = 0;
  core::Timer kick_timer_;
  core::Instant started_;
  bool seen_whole_cluster_ = false;  // every nodelist node was in one view since start
  std::optional<core::Instant> unknown_since_;  // quorum unknown (see maybe_schedule) since
  // Executor history of this node, and the query it answers.
  cib::Cib history_;
  int local_ops_ = 0;  // operations running here that the history lacks
  // This node's recent failed operations (encoded action and result): a new
  // DC counts those the CIB lacks (their fail counts died with the old DC).
  // Dropped once the CIB holds them (the DC recorded them).
  struct Failure {
    std::string rsc;
    int call_id = 0;
    std::string packed;
  };
  std::deque<Failure> failures_;
  std::string incarnation_;      // this CrmService's, random: tells DCs apart across restarts
  std::string dc_incarnation_;   // the current DC's (from its query)
  void prune_failures();
  std::optional<std::pair<controller::Member, std::uint64_t>> query_;  // the DC's latest query
  bool report_due_ = false;  // answer query_ once local_ops_ is 0
  long long shutdown_requested_ = 0;  // when (wall seconds); 0: not leaving
  bool left_ = false;                 // it has left after a clean shutdown
  std::function<void()> leave_;
  core::Timer escalation_timer_;

  // DC: the current query and what it learnt.
  struct Report {
    std::string uname, lrm;
    long long shutdown = 0;
    std::vector<std::pair<transition::GraphAction, transition::ActionResult>> failures;
  };
  std::uint64_t query_id_ = 0, queries_ = 0;
  core::Instant query_started_{};
  bool query_due_ = false;  // the current view's query is not sent yet (DC not known at the view)
  std::map<controller::NodeId, Report> reports_;  // received, not yet recorded
  std::set<controller::NodeId> reported_;         // recorded for this query
  std::map<std::string, transition::ActionDone> shutdowns_;  // do_shutdown actions awaiting the node's leave
  // Failed fencings per target since its last success or its return
  // (pacemaker's stonith-max-attempts): at the limit, a failed transition is
  // not retried until something else changes.
  std::map<std::string, int> fence_failures_;
  core::Timer recheck_timer_;  // failure-timeout: schedule again when a failure expires
  std::unique_ptr<fencer::Watchdog> watchdog_;
  std::unique_ptr<fencer::SelfFencing> self_fencing_;
  bool self_quorate_ = true;
  std::function<void(bool)> stop_done_;  // self-fencing waits for this node's resources to stop
  core::Timer stop_check_timer_;
  bool have_watchdog_pending_ = false;

  // Control verbs cib-patch / cib-result: administrators' updates (crm node,
  // crm resource, crm configure against the live cluster), answered by ticket.
  struct PatchResult {
    bool done = false;
    controller::UpdateResult result;
  };
  std::uint64_t next_ticket_ = 0;
  std::map<std::uint64_t, PatchResult> patches_;

  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  core::Rng rng_;
  CrmStats stats_;
};

}  // namespace halab::daemon
