#include "stack/daemon/crm_service.hpp"

#include <algorithm>

#include "stack/cib/patchset.hpp"
#include "stack/cib/xml.hpp"
#include "stack/controller/request.hpp"
#include "stack/core/error.hpp"
#include "stack/fencer/device.hpp"
#include "stack/core/assert.hpp"
#include "stack/scheduler/scheduler.hpp"
#include "stack/scheduler/unpack.hpp"
#include "stack/scheduler/xml_reader.hpp"
#include "stack/transition/wire.hpp"

namespace halab::daemon {

using controller::Member;
using transition::ActionDone;
using transition::ActionResult;
using transition::GraphAction;

namespace {

constexpr const char* kGroup = "halab-controller";
constexpr std::uint8_t kControllerTag = 0, kCrmTag = 1;
constexpr int kMaxUpdateAttempts = 8;
// A node that just started and sees nobody, without quorum, waits this long
// before it schedules as its own DC (pacemaker's dc-deadtime, shorter: CPG's
// membership already tells who is there). Without it a node booting back
// into a running cluster would act on its stale CIB for the few ms before
// Totem merges it with the others.
constexpr core::Duration kStartupGrace = std::chrono::seconds(5);
constexpr core::Duration kQuorumWait = std::chrono::seconds(5);
// How long the DC waits for every member's executor state before it
// schedules without the missing ones (a member answers once its own
// operations in flight are done; their timeouts bound that).
constexpr core::Duration kReportWait = std::chrono::seconds(30);
// A do_shutdown whose node has not left by then fails (the node did not ask).
constexpr core::Duration kShutdownWait = std::chrono::seconds(60);
constexpr core::Duration kDefaultEscalation = std::chrono::minutes(20);

// Fields as "LEN:BYTES", back to back: XML and result text may hold anything.
std::string pack(const std::vector<std::string>& fields) {
  std::string out;
  for (const auto& f : fields) out += std::to_string(f.size()) + ":" + f;
  return out;
}
std::optional<std::vector<std::string>> unpack(std::string_view s) {
  std::vector<std::string> out;
  while (!s.empty()) {
    auto colon = s.find(':');
    if (colon == std::string_view::npos || colon == 0 || colon > 9) return std::nullopt;
    std::size_t n = 0;
    for (char c : s.substr(0, colon)) {
      if (c < '0' || c > '9') return std::nullopt;
      n = n * 10 + std::size_t(c - '0');
    }
    s.remove_prefix(colon + 1);
    if (n > s.size()) return std::nullopt;
    out.emplace_back(s.substr(0, n));
    s.remove_prefix(n);
  }
  return out;
}
int to_int(const std::string& s) {
  try {
    return std::stoi(s);
  } catch (...) {
    return -1;
  }
}

}  // namespace

// One CPG group, two users: the controller (tag 0) and the CRM driver (tag 1).
// Both see every view; the controller opens the group.
class SplitChannel final : public controller::Channel {
 public:
  SplitChannel(controller::Channel& base, std::function<void(const Member&, core::ByteView)> side,
               std::function<void(const controller::View&)> side_view)
      : base_(base), side_(std::move(side)), side_view_(std::move(side_view)) {}
  bool open(Handler h) override {
    ctl_ = std::move(h);
    return base_.open({.deliver =
                           [this](const Member& from, core::ByteView msg) {
                             if (msg.empty()) return;
                             if (msg[0] == kControllerTag) ctl_.deliver(from, msg.subspan(1));
                             else if (msg[0] == kCrmTag) side_(from, msg.subspan(1));
                           },
                       .view =
                           [this](const controller::View& v) {
                             ctl_.view(v);
                             side_view_(v);
                           }});
  }
  void close() override { base_.close(); }
  Member self() const override { return base_.self(); }
  bool send(core::ByteView msg) override { return send_tagged(kControllerTag, msg); }
  std::size_t max_message() const override { return base_.max_message() - 1; }
  bool send_tagged(std::uint8_t tag, core::ByteView msg) {
    core::Bytes b;
    b.reserve(msg.size() + 1);
    b.push_back(tag);
    b.insert(b.end(), msg.begin(), msg.end());
    return base_.send(b);
  }

 private:
  controller::Channel& base_;
  Handler ctl_;
  std::function<void(const Member&, core::ByteView)> side_;
  std::function<void(const controller::View&)> side_view_;
};

CrmService::CrmService(Node& node, std::string state_dir)
    : node_(node),
      env_(node.env()),
      log_(env_.log("CRM")),
      events_(env_.log("event")),
      fencer_(env_, {}),
      stonith_ops_(fencer_),
      executor_(env_, {.state_dir = std::move(state_dir)}, &stonith_ops_),
      local_(env_.clock, env_.node, executor_, &fencer_,
             {.on_recurring = [this](const GraphAction& a, const ActionResult& r) { on_recurring(a, r); },
              .shutdown = {}}),
      engine_(env_.clock, *this, env_.log("TE")),
      kick_timer_(env_.clock),
      started_(env_.clock.now()),
      history_(cib::Cib::empty()),
      escalation_timer_(env_.clock),
      recheck_timer_(env_.clock),
      stop_check_timer_(env_.clock),
      rng_(env_.rng("crm")) {
  incarnation_ = std::to_string(rng_.next() ^ std::uint64_t(env_.clock.wall_now().time_since_epoch().count()));
  cpg_channel_ = std::make_unique<controller::CpgChannel>(env_.clock, env_.logger, node.cpg(), kGroup,
                                                          node.new_local_pid(), node.node_id());
  channel_ = std::make_unique<SplitChannel>(
      *cpg_channel_, [this](const Member& from, core::ByteView m) { on_message(from, m); },
      [this](const controller::View& v) { on_view(v); });
  controller::Hooks hooks;
  hooks.changed = [this](const controller::ClusterChange& c) { on_changed(c); };
  controller_ = std::make_unique<controller::Controller>(env_, *channel_, controller::ControllerOptions{},
                                                         std::move(hooks));
  controller_->start();
  if (node.last_quorum()) controller_->on_quorum(*node.last_quorum());
  quorum_listener_ = node.on_quorum([this](const quorum::QuorumNotification& q) {
    controller_->on_quorum(q);
    update_watchdog();
  });
  control_handler_ = node.add_control_handler([this](const Request& r) { return control(r); });
  async_handler_ =
      node.add_async_control_handler([this](const Request& r, const Node::Reply& reply) { return control_async(r, reply); });
}

CrmService::~CrmService() {
  node_.remove_listener(quorum_listener_);
  node_.remove_control_handler(control_handler_);
  node_.remove_control_handler(async_handler_);
  controller_->stop();
}

bool CrmService::idle() const {
  return !engine_.busy() && !want_schedule_ && records_.empty() && !update_in_flight_ && remote_.empty() &&
         reports_.empty();
}

long long CrmService::wall_seconds() const {
  return std::chrono::duration_cast<std::chrono::seconds>(env_.clock.wall_now().time_since_epoch()).count();
}

void CrmService::send(const std::string& text) {
  core::Bytes b(text.begin(), text.end());
  if (!channel_->send_tagged(kCrmTag, b)) {
    // CPG's queue is full: try again shortly (results must not be lost while
    // the node lives; the DC's timeout covers a node that dies meanwhile).
    std::weak_ptr<int> alive = alive_;
    env_.clock.schedule(std::chrono::milliseconds(10), [this, alive, text] {
      if (alive.lock()) send(text);
    });
  }
}

// ---- the DC's trigger -------------------------------------------------------

void CrmService::on_changed(const controller::ClusterChange& c) {
  if (c.cib) {
    update_watchdog();
    prune_failures();
    // The lab's CIB audit compares what the members hold after a heal.
    if (events_.enabled(core::Level::info))
      events_.info("cib version={} digest={}", c.version.str(), controller_->cib().digest());
  }
  if (!c.is_dc) {
    if (engine_.busy()) {
      engine_.abort("this node is no longer DC");
      // Their results would come to the DC: nobody waits for them here.
      fail_remote([](const Remote&) { return true; }, "this node is no longer DC");
    }
    auto waiting = std::move(shutdowns_);
    shutdowns_.clear();
    for (auto& [n, done] : waiting) done(ActionResult::error("this node is no longer DC"));
    reports_.clear();
    return;
  }
  if (query_due_) start_query();  // we became DC after the view (a merge's ranking)
  const cib::Version v = c.version;
  const bool config_changed = !config_seen_ || v.admin_epoch != config_seen_->admin_epoch ||
                              v.epoch != config_seen_->epoch;
  const bool relevant = c.membership || c.quorum || c.dc || c.joined || config_changed;
  if (!relevant) return;  // our own status records: no new transition
  want_schedule_ = true;
  if (engine_.busy()) {
    engine_.abort(c.membership ? "membership changed" : c.quorum ? "quorum changed" : c.dc ? "DC changed"
                                                                                       : "configuration changed");
    return;
  }
  kick();
}

void CrmService::kick(core::Duration delay) {
  kick_timer_.arm(delay, [this] { maybe_schedule(); });
}

bool CrmService::join_complete() const {
  if (!controller_->join_complete() || query_due_) return false;
  for (auto id : controller::view_nodes(controller_->view()))
    if (!reported_.count(id)) return false;
  return true;
}

void CrmService::maybe_schedule() {
  auto& ctl = *controller_;
  // Pacemaker's DC runs the scheduler only once the join is over: the
  // cluster's CIB synced (never a rebooted DC's stale one) and every
  // member's executor state re-read.
  if (!ctl.join_complete()) return;
  ingest_reports();
  if (!want_schedule_ || engine_.busy()) return;
  if (update_in_flight_ || !records_.empty()) return;  // flush_records kicks again
  if (!reports_complete()) {
    kick(std::chrono::milliseconds(100));
    return;
  }
  // Quorum is known only when votequorum's latest word covers exactly the
  // group's view (the controller's rule): around a membership change one of
  // them speaks first, and the controller then reports "no quorum" for a
  // moment. Scheduling on that moment would stop every resource
  // (no-quorum-policy=stop), so wait for both to agree (a bounded wait).
  const auto& q = node_.last_quorum();
  const bool quorum_known = q && q->members == controller::view_nodes(ctl.view());
  if (!quorum_known) {
    if (!unknown_since_) unknown_since_ = env_.clock.now();
    if (env_.clock.now() - *unknown_since_ < kQuorumWait) {
      kick(std::chrono::milliseconds(100));
      return;
    }
    log_.warning("votequorum and the group's view still disagree after {} ms; scheduling anyway",
                 std::chrono::duration_cast<std::chrono::milliseconds>(kQuorumWait).count());
  }
  unknown_since_.reset();
  const auto since_start = env_.clock.now() - started_;
  if (!ctl.quorate() && ctl.view().members.size() <= 1 && since_start < kStartupGrace) {
    kick(kStartupGrace - since_start);
    return;
  }
  // A whole cluster starting: nodes come up a little apart, and a node not
  // yet seen would be fenced (startup-fencing) for being slower to boot. A
  // DC that just started, and has not yet seen every nodelist node, waits
  // the same grace for them (pacemaker waits dc-deadtime); a view change
  // ends the wait early.
  if (!seen_whole_cluster_ && since_start < kStartupGrace) {
    kick(std::min<core::Duration>(kStartupGrace - since_start, std::chrono::milliseconds(200)));
    return;
  }
  if (write_have_watchdog()) return;  // the commit brings us back here
  HALAB_ASSERT(join_complete());
  want_schedule_ = false;
  cib::Cib cib = ctl.scheduler_input();
  config_seen_ = cib.version();
  transition::Graph g;
  std::string dot;
  try {
    auto doc = scheduler::XmlDocument::parse_string(cib.to_xml(), "cib");
    auto cluster = scheduler::schedule(doc.root(), {.now = wall_seconds()});
    arm_recheck(cluster->recheck_by);
    g = transition::parse_graph(scheduler::graph_xml(*cluster), "pe-input-" + std::to_string(next_transition_));
    if (!g.empty() && events_.enabled(core::Level::info)) dot = scheduler::graph_dot(*cluster);
  } catch (const std::exception& e) {
    ++stats_.schedule_errors;
    log_.error("scheduler failed on CIB {}: {}", cib.version().str(), e.what());
    return;
  }
  if (g.empty()) {
    ++stats_.empty_schedules;
    log_.info("transition: nothing to do (CIB {})", cib.version().str());
    return;
  }
  g.transition_id = next_transition_++;
  remote_.clear();  // left over from actions the previous graph timed out: their results are stale
  ++stats_.transitions;
  graph_ = std::make_shared<const transition::Graph>(g);
  log_.notice("transition {}: {} actions (CIB {})", g.transition_id, g.actions.size(), cib.version().str());
  events_.info("transition-start id={}", g.transition_id);
  if (!dot.empty()) events_.info("transition-graph id={}\n{}", g.transition_id, dot);
  auto graph = graph_;
  // A graph of pseudo-events only (what the partition cannot do: resources
  // of unclean nodes it may not fence) changes nothing: once complete, the
  // same input would give it again. Like pacemaker, wait for a change then.
  const bool only_pseudo = std::all_of(g.actions.begin(), g.actions.end(), [](const GraphAction& a) {
    return a.type == transition::ActionType::pseudo_event;
  });
  engine_.start(g, {.on_fire =
                        [this, graph](const GraphAction& a) {
                          if (a.type == transition::ActionType::pseudo_event) return;
                          events_.info("action-dispatch id={}.{} transition={} node={} rsc={} op={}", graph->transition_id,
                                       a.id, graph->transition_id, a.on_node, a.rsc_id.empty() ? "-" : a.rsc_id,
                                       a.operation);
                        },
                    .on_action =
                        [this, graph](const GraphAction& a, const ActionResult& r, bool ok) {
                          if (a.type != transition::ActionType::pseudo_event)
                            events_.info("action-result id={}.{} rc={}", graph->transition_id, a.id, r.rc);
                          log_.info("transition {}: {} {}", graph->transition_id, a.describe(),
                                    ok ? "done" : "failed");
                          if (a.type == transition::ActionType::crm_event && a.operation == "stonith") {
                            if (ok) fence_failures_.erase(a.on_node);
                            else ++fence_failures_[a.on_node];
                          }
                          // The node's executor forgets what the CIB forgets.
                          if (a.operation == "probe_again" && ok) send(pack({"F", a.on_node}));
                          record([graph, a, r](transition::StatusUpdate& u) { u.record(*graph, a, r); });
                        },
                    .on_finished =
                        [this, only_pseudo](const transition::TransitionResult& t) {
                          log_.notice("transition {} {}{}{}", t.transition_id, transition::to_string(t.outcome),
                                      t.reason.empty() ? "" : ": ", t.reason);
                          events_.info("transition-{} id={}",
                                       t.outcome == transition::Outcome::aborted ? "abort" : "end", t.transition_id);
                          if (t.outcome == transition::Outcome::complete) ++stats_.complete;
                          else if (t.outcome == transition::Outcome::aborted) ++stats_.aborted;
                          else ++stats_.failed;
                          // Schedule again: a complete graph must leave nothing to do
                          // (the next schedule is then empty); a failed one is retried
                          // after a breath so a failing agent does not spin.
                          if (t.outcome == transition::Outcome::failed) {
                            const int max = std::max(1, to_int(crm_option("stonith-max-attempts")) > 0
                                                            ? to_int(crm_option("stonith-max-attempts"))
                                                            : 10);
                            for (const auto& [target, n] : fence_failures_)
                              if (n >= max) {
                                ++stats_.fencing_given_up;
                                log_.error("too many failures ({}) to fence {}: giving up until something changes",
                                           n, target);
                                return;
                              }
                          }
                          if (only_pseudo && t.outcome == transition::Outcome::complete && !want_schedule_) return;
                          want_schedule_ = true;
                          kick(t.outcome == transition::Outcome::failed ? std::chrono::milliseconds(200)
                                                                        : core::Duration::zero());
                        }});
}

std::vector<std::string> CrmService::register_stonith_devices(const cib::Cib& cib) {
  std::vector<std::string> added;
  xmlNode* cfg = cib::first_child(cib.root(), "configuration");
  xmlNode* resources = cfg ? cib::first_child(cfg, "resources") : nullptr;
  if (!resources) return added;
  for (xmlNode* p : cib::children(resources, "primitive")) {
    if (cib::attr_or(p, "class", "") != "stonith") continue;
    const std::string id = cib::attr_or(p, "id", "");
    if (fencer_.devices().count(id)) continue;  // started here by the executor
    std::map<std::string, std::string> params;
    for (xmlNode* ia : cib::children(p, "instance_attributes"))
      for (xmlNode* nv : cib::children(ia, "nvpair"))
        params[cib::attr_or(nv, "name", "")] = cib::attr_or(nv, "value", "");
    std::string err;
    auto dev = fencer::device_from_params(id, cib::attr_or(p, "type", ""), params, err);
    if (!dev) {
      log_.error("stonith primitive {}: {}", id, err);
      continue;
    }
    fencer_.register_device(std::move(*dev));
    added.push_back(id);
  }
  return added;
}

// ---- recording results ------------------------------------------------------

void CrmService::record(std::function<void(transition::StatusUpdate&)> change, std::function<void()> committed) {
  records_.push_back(std::move(change));
  if (committed) records_committed_.push_back(std::move(committed));
  flush_records();
}

void CrmService::flush_records() {
  if (update_in_flight_ || records_.empty()) return;
  auto& ctl = *controller_;
  if (!ctl.is_dc()) {  // a new DC asks every node for its executor state
    records_.clear();
    records_committed_.clear();
    return;
  }
  in_flight_records_.assign(records_.begin(), records_.end());
  records_.clear();
  in_flight_committed_ = std::move(records_committed_);
  records_committed_.clear();
  transition::StatusUpdate u({.te_uuid = "halab-" + std::to_string(node_.node_id()), .now = wall_seconds()});
  for (auto& fn : in_flight_records_) fn(u);
  const cib::Cib& before = ctl.cib();
  cib::Cib after = before;
  u.apply(after);
  controller::Request req = controller::patch_request(before, after);
  req.even_without_quorum = true;  // the status of what this partition did
  update_in_flight_ = true;
  ++stats_.updates_sent;
  std::weak_ptr<int> alive = alive_;
  ctl.submit(std::move(req), [this, alive](const controller::UpdateResult& r) {
    if (!alive.lock()) return;
    update_in_flight_ = false;
    if (r.ok()) {
      update_attempts_ = 0;
      in_flight_records_.clear();
      auto committed = std::move(in_flight_committed_);
      in_flight_committed_.clear();
      for (auto& fn : committed) fn();
    } else {
      ++stats_.updates_refused;
      // A patch made against a CIB that moved on meanwhile: redo it on the new one.
      if (++update_attempts_ < kMaxUpdateAttempts && r.code != controller::UpdateCode::stopped) {
        log_.info("status update refused ({}), again", r.error);
        records_.insert(records_.begin(), in_flight_records_.begin(), in_flight_records_.end());
        records_committed_.insert(records_committed_.begin(), in_flight_committed_.begin(),
                                  in_flight_committed_.end());
      } else {
        log_.error("status update lost after {} attempts: {}", update_attempts_, r.error);
        update_attempts_ = 0;
      }
      in_flight_records_.clear();
      in_flight_committed_.clear();
    }
    flush_records();
    kick();
  });
}

// ---- the sink: where each action runs ---------------------------------------

void CrmService::execute_rsc_op(const std::string& node, const GraphAction& op, ActionDone done) {
  const int tid = graph_ ? graph_->transition_id : 0;
  if (node == env_.node) {
    ++local_ops_;
    std::weak_ptr<int> alive = alive_;
    const std::string dc = std::to_string(node_.node_id());
    return local_.execute_rsc_op(node, op, [this, alive, op, tid, dc, done = std::move(done)](ActionResult r) {
      if (alive.lock()) {
        remember(op, tid, dc, r, incarnation_);
        local_op_done();
      }
      done(std::move(r));
    });
  }
  // A node outside this partition's view never answers (the scheduler may
  // still place a stop there when the partition cannot fence it): fail the
  // action now, as one whose node left, instead of leaving it open forever.
  bool present = false;
  for (auto id : controller::view_nodes(controller_->view())) present = present || node_.node_name(id) == node;
  if (!present) {
    std::weak_ptr<int> alive = alive_;
    env_.clock.schedule(core::Duration::zero(), [alive, node, done = std::move(done)] {
      if (alive.lock()) done(ActionResult::error(node + " is not in the cluster"));
    });
    return;
  }
  remote_[{tid, op.id}] = Remote{node, std::move(done)};
  ++stats_.remote_sent;
  send(pack({"A", node, std::to_string(node_.node_id()), transition::encode_action(op, tid), incarnation_}));
}

void CrmService::fence(const std::string& node, const std::string& action, const GraphAction& event,
                       ActionDone done) {
  // The DC's fencer, with every stonith primitive of the CIB: the device may
  // have been started on another node (even on the target). Devices added
  // for this fencing go again afterwards, so that probes of the stonith
  // resources on this node keep telling whether the executor started them.
  auto added = register_stonith_devices(controller_->cib());
  // No device: fenced by its watchdog. A target still in the group is told
  // to reset itself now (pacemaker's fencer does the same); one that is not
  // does so on its own within the wait.
  if (fencer_.devices().empty() && fencer_.watchdog_timeout() > core::Duration::zero() && action != "on")
    send(pack({"W", node}));
  std::weak_ptr<int> alive = alive_;
  events_.info("fence-request target={} action={}", node, action);
  local_.fence(node, action, event, [this, alive, added, node, done = std::move(done)](ActionResult r) {
    if (alive.lock()) {
      for (const auto& id : added) fencer_.remove_device(id);
      events_.info("fence-result target={} rc={}", node, r.rc);
    }
    done(std::move(r));
  });
}

void CrmService::shutdown(const std::string& node, const GraphAction& event, ActionDone done) {
  // Its resources are stopped (the graph ordered that): record that the node
  // is expected down, then let it go. The action completes when the node has
  // left the group (on_view), as pacemaker confirms do_shutdown on the
  // node's departure.
  log_.notice("{} may shut down now", node);
  shutdowns_[node] = std::move(done);
  const std::string uuid = event.on_node_uuid, uname = node;
  std::weak_ptr<int> alive = alive_;
  record([uuid, uname](transition::StatusUpdate& u) { u.set_node_field(uuid, uname, "expected", "down"); },
         [this, alive, node] {
           if (!alive.lock()) return;
           if (node == env_.node) leave_now("this DC's resources are stopped");
           else send(pack({"S", node}));
         });
  env_.clock.schedule(kShutdownWait, [this, alive, node] {
    if (!alive.lock()) return;
    auto it = shutdowns_.find(node);
    if (it == shutdowns_.end()) return;
    auto d = std::move(it->second);
    shutdowns_.erase(it);
    d(ActionResult::error(node + " did not leave after it was allowed to shut down"));
  });
}

void CrmService::clear_failcount(const std::string& node, const GraphAction& event, ActionDone done) {
  local_.clear_failcount(node, event, std::move(done));
}

void CrmService::fail_remote(const std::function<bool(const Remote&)>& which, const std::string& why) {
  std::vector<ActionDone> dones;
  for (auto it = remote_.begin(); it != remote_.end();) {
    if (which(it->second)) {
      dones.push_back(std::move(it->second.done));
      it = remote_.erase(it);
    } else {
      ++it;
    }
  }
  for (auto& d : dones) d(ActionResult::error(why));
}

void CrmService::on_view(const controller::View& v) {
  if (controller::view_nodes(v).size() >= node_.conf().nodelist.size()) seen_whole_cluster_ = true;
  std::set<std::string> present;
  for (auto id : controller::view_nodes(v)) present.insert(node_.node_name(id));
  // An action sent to a node that left will never be answered.
  fail_remote([&](const Remote& r) { return !present.count(r.target); }, "the node left the cluster");
  // A node allowed to shut down has gone: its do_shutdown is done.
  for (auto it = shutdowns_.begin(); it != shutdowns_.end();) {
    if (present.count(it->first)) {
      ++it;
      continue;
    }
    auto d = std::move(it->second);
    it = shutdowns_.erase(it);
    d(ActionResult::ok());
  }
  for (const auto& name : present) fence_failures_.erase(name);  // it is back: fencing it may work again
  query_.reset();  // a query of the last view: the new view's DC asks again
  report_due_ = false;
  // The new view's DC re-reads every member's executor state. After a merge
  // the DC is known only once every member's claim is in (on_changed).
  query_due_ = true;
  reported_.clear();
  if (controller_->is_dc()) start_query();
}

void CrmService::on_message(const Member& from, core::ByteView msg) {
  auto f = unpack(std::string_view(reinterpret_cast<const char*>(msg.data()), msg.size()));
  if (!f || f->empty()) {
    ++stats_.bad_messages;
    log_.warning("bad CRM message from {}", from.str());
    return;
  }
  const auto& kind = (*f)[0];
  try {
    if (kind == "A" && f->size() == 5) {  // target, dc node id, action, dc incarnation
      if ((*f)[1] != env_.node) return;
      int tid = 0;
      GraphAction a = transition::decode_action((*f)[3], "action from " + from.str(), tid);
      const std::string dc = (*f)[2], dc_inc = (*f)[4];
      ++stats_.remote_run;
      ++local_ops_;
      std::weak_ptr<int> alive = alive_;
      local_.execute_rsc_op(env_.node, a, [this, alive, dc, dc_inc, tid, a](ActionResult r) {
        if (!alive.lock()) return;
        remember(a, tid, dc, r, dc_inc);
        send(pack({"R", dc, std::to_string(tid), std::to_string(a.id), transition::encode_result(r)}));
        local_op_done();
      });
    } else if (kind == "R" && f->size() == 5) {  // dc node id, transition, action, result
      if ((*f)[1] != std::to_string(node_.node_id())) return;
      auto it = remote_.find({to_int((*f)[2]), to_int((*f)[3])});
      if (it == remote_.end()) return;  // timed out, or from an older DC's time
      auto done = std::move(it->second.done);
      remote_.erase(it);
      done(transition::decode_result((*f)[4], "result from " + from.str()));
    } else if (kind == "Q" && f->size() == 4) {  // dc node id, query id, dc incarnation: our executor state?
      if (controller_->dc() != from) return;
      query_ = {from, std::stoull((*f)[2])};
      dc_incarnation_ = (*f)[3];
      send_report();
    } else if (kind == "L" && f->size() == 8) {  // dc, query, node id, uname, shutdown, lrm, failures
      if (!controller_->is_dc() || (*f)[1] != std::to_string(node_.node_id()) ||
          (*f)[2] != std::to_string(query_id_))
        return;
      const auto id = controller::NodeId(std::stoul((*f)[3]));
      Report rep{(*f)[4], (*f)[6], std::stoll((*f)[5]), {}};
      auto fails = unpack((*f)[7]);
      for (const auto& one : fails ? *fails : std::vector<std::string>{}) {
        auto parts = unpack(one);
        if (!parts || parts->size() != 3) continue;
        if ((*parts)[2] == incarnation_) continue;  // sent to this DC: recorded (or being recorded) here
        int tid = 0;
        rep.failures.emplace_back(transition::decode_action((*parts)[0], "failure from " + from.str(), tid),
                                  transition::decode_result((*parts)[1], "failure from " + from.str()));
      }
      reports_[id] = std::move(rep);
      ingest_reports();
    } else if (kind == "S" && f->size() == 2) {  // node: the DC lets it go
      if ((*f)[1] != env_.node) return;
      if (!shutdown_requested_) {
        log_.warning("the DC let this node shut down, which it did not ask for: staying");
        return;
      }
      leave_now("the DC moved its resources away");
    } else if (kind == "W" && f->size() == 2) {  // node: the DC fences it through its watchdog
      if ((*f)[1] != env_.node) return;
      if (!watchdog_) {
        log_.error("the DC fences this node through its watchdog, but it has none");
        return;
      }
      log_.crit("the DC fences this node through its watchdog: resetting now");
      if (self_fencing_) self_fencing_->shutdown();
      self_fencing_.reset();
      watchdog_->arm(std::chrono::milliseconds(1));
    } else if (kind == "K" && f->size() == 1) {  // an administrator changed the CIB
      if (!controller_->is_dc()) return;
      want_schedule_ = true;
      if (engine_.busy()) engine_.abort("the CIB was changed by an administrator");
      else kick();
    } else if (kind == "F" && (f->size() == 2 || f->size() == 3)) {  // node [rsc]: forget executor history
      if ((*f)[1] != env_.node) return;
      if (f->size() == 2) {  // probe_again: everything
        history_ = cib::Cib::empty();
        failures_.clear();
        return;
      }
      xmlNode* status = history_.status();
      for (xmlNode* ns : status ? cib::children(status, "node_state") : std::vector<xmlNode*>{})
        if (xmlNode* lrs = cib::first_child(cib::first_child(ns, "lrm"), "lrm_resources"))
          for (xmlNode* r : cib::children(lrs, "lrm_resource"))
            if (cib::attr_or(r, "id", "") == (*f)[2]) cib::remove_node(r);
      std::erase_if(failures_, [&](const Failure& x) { return x.rsc == (*f)[2]; });
    } else if (kind == "M" && f->size() == 3) {  // a recurring result changed: action, result
      if (!controller_->is_dc()) return;
      int tid = 0;
      GraphAction a = transition::decode_action((*f)[1], "monitor from " + from.str(), tid);
      on_recurring(a, transition::decode_result((*f)[2], "monitor from " + from.str()));
    } else {
      ++stats_.bad_messages;
      log_.warning("unknown CRM message '{}' from {}", kind, from.str());
    }
  } catch (const std::exception& e) {
    ++stats_.bad_messages;
    log_.warning("bad CRM message from {}: {}", from.str(), e.what());
  }
}

void CrmService::on_recurring(const GraphAction& a, const ActionResult& r) {
  // A monitor that no longer finds what it expects (emitted where it ran).
  // (The local sink may report one change twice in the same instant: once is enough.)
  if (a.on_node == env_.node && r.rc != a.target_rc() && !(a.target_rc() == 0 && r.rc == 8)) {
    const auto key = std::make_pair(a.rsc_id + " " + std::to_string(r.rc), env_.clock.now());
    if (key != last_failure_event_) events_.info("failure-detected node={} rsc={} rc={}", a.on_node, a.rsc_id, r.rc);
    last_failure_event_ = key;
  }
  if (a.on_node == env_.node || a.on_node.empty())
    remember(a, 0, std::to_string(controller_->dc() ? controller_->dc()->node : node_.node_id()), r,
             controller_->is_dc() ? incarnation_ : dc_incarnation_);
  if (!controller_->is_dc()) {
    // Tell the DC: it records the result and reacts.
    send(pack({"M", transition::encode_action(a, graph_ ? graph_->transition_id : 0), transition::encode_result(r)}));
    return;
  }
  ++stats_.recurring_reports;
  log_.notice("{} on {}: rc {} (was different)", a.operation_key, a.on_node, r.rc);
  auto g = std::make_shared<transition::Graph>();
  record([g, a, r](transition::StatusUpdate& u) { u.record(*g, a, r); });
  want_schedule_ = true;
  if (engine_.busy()) engine_.abort("monitor result changed: " + a.operation_key);
  else kick();
}

// ---- executor state at joins -------------------------------------------------

void CrmService::remember(const GraphAction& a, int transition_id, const std::string& dc_id, const ActionResult& r,
                          const std::string& dc_incarnation) {
  if (a.type != transition::ActionType::rsc_op) return;
  transition::Graph g;
  g.transition_id = transition_id;
  transition::StatusUpdate u({.te_uuid = "halab-" + dc_id, .now = wall_seconds()});
  u.record(g, a, r);
  if (!transition::result_ok(a, r) && r.call_id > 0) {
    failures_.push_back({a.rsc_id, r.call_id,
                         pack({transition::encode_action(a, transition_id), transition::encode_result(r),
                               dc_incarnation})});
    while (failures_.size() > 64) failures_.pop_front();
  }
  try {
    u.apply(history_);
  } catch (const std::exception& e) {
    log_.error("executor history: cannot record {}: {}", a.describe(), e.what());
  }
}

std::string CrmService::history_xml() const {
  xmlNode* status = history_.status();
  for (xmlNode* ns : status ? cib::children(status, "node_state") : std::vector<xmlNode*>{})
    if (xmlNode* lrm = cib::first_child(ns, "lrm")) return cib::serialize(lrm, false);
  return "<lrm><lrm_resources/></lrm>";
}

void CrmService::local_op_done() {
  HALAB_ASSERT(local_ops_ > 0);
  if (--local_ops_ == 0 && report_due_) send_report();
  check_stopped();
}

void CrmService::send_report() {
  if (!query_) return;
  if (local_ops_ > 0) {  // answer with their results: they may never reach a DC that died
    report_due_ = true;
    return;
  }
  report_due_ = false;
  send(pack({"L", std::to_string(query_->first.node), std::to_string(query_->second),
             std::to_string(node_.node_id()), env_.node, std::to_string(shutdown_requested_), history_xml(),
             [&] {
               std::vector<std::string> v;
               for (const auto& f : failures_) v.push_back(f.packed);
               return pack(v);
             }()}));
}

void CrmService::start_query() {
  query_due_ = false;
  do query_id_ = rng_.next() & 0x7fffffffffffffffull;
  while (query_id_ == 0);
  reports_.clear();
  reported_.clear();
  query_started_ = env_.clock.now();
  ++stats_.queries;
  send(pack({"Q", std::to_string(node_.node_id()), std::to_string(query_id_), incarnation_}));
}

namespace {

// Whether `cib` holds the result of executor call `call_id` of `rsc` on `uname`.
bool recorded(const cib::Cib& cib, const std::string& uname, const std::string& rsc, int call_id) {
  xmlNode* status = cib.status();
  for (xmlNode* ns : status ? cib::children(status, "node_state") : std::vector<xmlNode*>{}) {
    if (cib::attr_or(ns, "uname", "") != uname) continue;
    xmlNode* lrs = cib::first_child(cib::first_child(ns, "lrm"), "lrm_resources");
    for (xmlNode* r : lrs ? cib::children(lrs, "lrm_resource") : std::vector<xmlNode*>{})
      if (cib::attr_or(r, "id", "") == rsc)
        for (xmlNode* op : cib::children(r, "lrm_rsc_op"))
          if (cib::attr_or(op, "call-id", "") == std::to_string(call_id)) return true;
  }
  return false;
}

}  // namespace

void CrmService::prune_failures() {
  std::erase_if(failures_, [&](const Failure& f) { return recorded(controller_->cib(), env_.node, f.rsc, f.call_id); });
}

void CrmService::ingest_reports() {
  auto& ctl = *controller_;
  if (reports_.empty() || !ctl.is_dc() || !ctl.synced() || ctl.round_active()) return;
  for (auto& [id, rep] : reports_) {
    const std::string uuid = std::to_string(id), uname = rep.uname, lrm = rep.lrm;
    const std::string shutdown = rep.shutdown ? std::to_string(rep.shutdown) : "";
    // Failures the CIB does not have (no op of that call id): their results
    // never reached a DC, so their fail counts are counted now.
    std::vector<transition::StatusChange> counts;
    for (const auto& [a, r] : rep.failures) {
      if (recorded(ctl.cib(), uname, a.rsc_id, r.call_id)) continue;
      transition::StatusUpdate one({.now = wall_seconds()});
      one.record(transition::Graph{}, a, r);
      for (const auto& c : one.changes())
        if (c.kind == transition::StatusChange::Kind::set_failcount) counts.push_back(c);
      log_.notice("{} on {} failed under the previous DC, which did not record it: counted now", a.describe(),
                  uname);
    }
    record([uuid, uname, lrm, shutdown, counts](transition::StatusUpdate& u) {
      u.replace_lrm(uuid, uname, lrm);
      u.set_attribute(uuid, uname, "shutdown", shutdown);
      for (const auto& c : counts) u.add(c);
    });
    if (rep.shutdown) log_.notice("{} asks to shut down", uname);
    reported_.insert(id);
    ++stats_.reports_recorded;
  }
  reports_.clear();
  want_schedule_ = true;
  if (engine_.busy()) engine_.abort("a node reported its executor state");
  else kick();
}

bool CrmService::reports_complete() {
  if (query_due_) return false;
  std::string missing;
  for (auto id : controller::view_nodes(controller_->view()))
    if (!reported_.count(id)) missing += " " + node_.node_name(id);
  if (missing.empty()) return true;
  if (env_.clock.now() - query_started_ < kReportWait) return false;
  ++stats_.reports_missing;
  log_.warning("no executor state from{} after {} s: scheduling without it", missing,
               std::chrono::duration_cast<std::chrono::seconds>(kReportWait).count());
  for (auto id : controller::view_nodes(controller_->view())) reported_.insert(id);
  return true;
}

bool CrmService::begin_clean_stop(std::function<void()> done) {
  if (left_ || !controller_->synced()) return false;  // gone already, or never joined
  request_shutdown(std::move(done));
  return true;
}

void CrmService::request_shutdown(std::function<void()> leave) {
  leave_ = std::move(leave);
  if (shutdown_requested_) return;
  shutdown_requested_ = std::max(1LL, wall_seconds());
  core::Duration escalation = kDefaultEscalation;
  if (const long ms = scheduler::parse_interval_ms(crm_option("shutdown-escalation")); ms > 0)
    escalation = std::chrono::milliseconds(ms);
  log_.notice("shutting down: asking the DC to move this node's resources away (escalation after {} s)",
              std::chrono::duration_cast<std::chrono::seconds>(escalation).count());
  escalation_timer_.arm(escalation, [this] { leave_now("shutdown-escalation passed; leaving anyway"); });
  send_report();
}

std::string CrmService::crm_option(const std::string& name) const {
  if (xmlNode* cfg = controller_->cib().section("crm_config"))
    for (xmlNode* set : cib::children(cfg, "cluster_property_set"))
      for (xmlNode* nv : cib::children(set, "nvpair"))
        if (cib::attr_or(nv, "name", "") == name) return cib::attr_or(nv, "value", "");
  return "";
}

void CrmService::arm_recheck(long long when) {
  if (when <= 0) {
    recheck_timer_.cancel();
    return;
  }
  // A little after the second the failure expires in (the scheduler compares whole seconds).
  const auto at = core::WallTime(std::chrono::seconds(when)) + std::chrono::milliseconds(100);
  const auto delay = std::max(core::Duration::zero(),
                              std::chrono::duration_cast<core::Duration>(at - env_.clock.wall_now()));
  log_.info("a failure expires in {} ms: scheduling again then",
            std::chrono::duration_cast<std::chrono::milliseconds>(delay).count());
  recheck_timer_.arm(delay, [this] {
    ++stats_.rechecks;
    want_schedule_ = true;
    if (engine_.busy()) engine_.abort("a failure expired");
    else kick();
  });
}

// ---- watchdog self-fencing --------------------------------------------------

void CrmService::set_watchdog(std::unique_ptr<fencer::Watchdog> watchdog) {
  if (self_fencing_) self_fencing_->shutdown();
  self_fencing_.reset();
  watchdog_ = std::move(watchdog);
  update_watchdog();
  want_schedule_ = true;  // the DC may have have-watchdog to write
  kick();
}

void CrmService::update_watchdog() {
  const std::string v = crm_option("stonith-watchdog-timeout");
  const long ms = v.empty() || v[0] == '-' ? 0 : scheduler::parse_interval_ms(v);
  const core::Duration swt = std::chrono::milliseconds(std::max(0L, ms));
  fencer_.set_watchdog_timeout(swt);  // what the survivors wait when fencing without a device
  if (!watchdog_ || swt == core::Duration::zero()) {
    if (self_fencing_) {
      log_.notice("watchdog self-fencing off");
      self_fencing_->shutdown();
      self_fencing_.reset();
    }
    return;
  }
  const bool quorate = node_.last_quorum() && node_.last_quorum()->quorate;
  if (!self_fencing_) {
    // Armed once the node has quorum: a node that never had it runs nothing
    // (and suicide at boot would only keep it from ever joining).
    if (!quorate) return;
    fencer::SelfFencingOptions o{.watchdog_timeout = swt / 2, .stonith_watchdog_timeout = swt};
    std::weak_ptr<int> alive = alive_;
    self_fencing_ = std::make_unique<fencer::SelfFencing>(env_, *watchdog_, o, [this, alive](std::function<void(bool)> d) {
      if (alive.lock()) stop_for_self_fencing(std::move(d));
    });
    self_quorate_ = true;
    self_fencing_->start();
    return;
  }
  if (quorate == self_quorate_) return;
  self_quorate_ = quorate;
  if (!quorate) {
    self_fencing_->quorum_lost();
    return;
  }
  self_fencing_->quorum_regained();
  // Quorum came back before the resources stopped (a membership that
  // reformed in steps): nobody fences a member of the quorate partition, so
  // feed again. (Were this node being fenced, the DC's self-fence request
  // below resets it.)
  stop_check_timer_.cancel();
  if (auto d = std::move(stop_done_)) {
    stop_done_ = nullptr;
    d(true);
  }
}

void CrmService::stop_for_self_fencing(std::function<void(bool)> done) {
  const std::string policy = crm_option("no-quorum-policy");
  if (policy == "suicide") {
    // No feeding while without quorum: the watchdog resets the node unless
    // quorum comes back first.
    log_.crit("no-quorum-policy=suicide: the watchdog resets this node unless quorum comes back");
    stop_done_ = std::move(done);
    return;
  }
  // This partition's DC stops them (no-quorum-policy=stop): wait for the
  // executor's word. Under freeze or ignore they keep running, so the
  // watchdog resets the node: the survivors count it fenced after
  // stonith-watchdog-timeout and start its resources, which must not run
  // here any more (the real-node test cuts a node off under ignore).
  stop_done_ = std::move(done);
  check_stopped();
}

void CrmService::check_stopped() {
  if (!stop_done_ || crm_option("no-quorum-policy") == "suicide") return;
  if (local_ops_ == 0 && !resources_active()) {
    stop_check_timer_.cancel();
    auto d = std::move(stop_done_);
    stop_done_ = nullptr;
    d(true);
    return;
  }
  if (!stop_check_timer_.armed()) stop_check_timer_.arm(std::chrono::milliseconds(100), [this] { check_stopped(); });
}

bool CrmService::resources_active() const {
  xmlNode* status = history_.status();
  for (xmlNode* ns : status ? cib::children(status, "node_state") : std::vector<xmlNode*>{}) {
    xmlNode* lrs = cib::first_child(cib::first_child(ns, "lrm"), "lrm_resources");
    for (xmlNode* r : lrs ? cib::children(lrs, "lrm_resource") : std::vector<xmlNode*>{}) {
      if (cib::attr_or(r, "class", "") == "stonith") continue;  // a fence device runs no service
      const std::string id = cib::attr_or(r, "id", "");
      for (xmlNode* op : cib::children(r, "lrm_rsc_op")) {
        if (cib::attr_or(op, "id", "") != id + "_last_0") continue;
        const std::string operation = cib::attr_or(op, "operation", "");
        const std::string rc = cib::attr_or(op, "rc-code", "");
        const bool stopped = (operation == "stop" && rc == "0") || rc == "7";
        if (!stopped) return true;
      }
    }
  }
  return false;
}

bool CrmService::write_have_watchdog() {
  auto& ctl = *controller_;
  const std::string now = crm_option("have-watchdog");
  const bool want = watchdog_ && self_fencing_;
  if (have_watchdog_pending_ || !ctl.quorate() || want == (now == "true") || (!want && now.empty())) return false;
  cib::Cib after = ctl.cib();
  xmlNode* cfg = after.ensure_section("crm_config");
  xmlNode* set = cib::first_child(cfg, "cluster_property_set");
  if (!set) {
    set = cib::add_child(cfg, "cluster_property_set");
    cib::set_attr(set, "id", "cib-bootstrap-options");
  }
  xmlNode* nv = nullptr;
  for (xmlNode* s : cib::children(cfg, "cluster_property_set"))
    for (xmlNode* n : cib::children(s, "nvpair"))
      if (cib::attr_or(n, "name", "") == "have-watchdog") nv = n;
  if (!nv) {
    nv = cib::add_child(set, "nvpair");
    cib::set_attr(nv, "id", cib::attr_or(set, "id", "cib-bootstrap-options") + "-have-watchdog");
    cib::set_attr(nv, "name", "have-watchdog");
  }
  cib::set_attr(nv, "value", want ? "true" : "false");
  have_watchdog_pending_ = true;
  std::weak_ptr<int> alive = alive_;
  log_.notice("have-watchdog={}", want ? "true" : "false");
  ctl.submit(controller::patch_request(ctl.cib(), after), [this, alive](const controller::UpdateResult& r) {
    if (!alive.lock()) return;
    have_watchdog_pending_ = false;
    if (!r.ok()) log_.warning("could not write have-watchdog: {}", r.error);
    want_schedule_ = true;
    kick();
  });
  return true;
}

void CrmService::leave_now(const std::string& why) {
  escalation_timer_.cancel();
  if (!leave_) return;
  if (self_fencing_) self_fencing_->shutdown();  // a clean exit: no reset
  log_.notice("leaving the cluster: {}", why);
  left_ = true;
  auto fn = std::move(leave_);
  leave_ = nullptr;
  std::weak_ptr<int> alive = alive_;
  env_.clock.schedule(core::Duration::zero(), [alive, fn] {
    if (alive.lock()) fn();
  });
}

// ---- control socket ---------------------------------------------------------

namespace {

// (node uname, resource) whose whole history `after` no longer has: an
// administrator's cleanup, which the nodes' executors must forget too.
std::vector<std::pair<std::string, std::string>> erased_histories(const cib::Cib& before, const cib::Cib& after) {
  auto histories = [](const cib::Cib& c) {
    std::set<std::pair<std::string, std::string>> out;
    xmlNode* status = c.status();
    for (xmlNode* ns : status ? cib::children(status, "node_state") : std::vector<xmlNode*>{})
      if (xmlNode* lrs = cib::first_child(cib::first_child(ns, "lrm"), "lrm_resources"))
        for (xmlNode* r : cib::children(lrs, "lrm_resource"))
          out.emplace(cib::attr_or(ns, "uname", ""), cib::attr_or(r, "id", ""));
    return out;
  };
  const auto now = histories(after);
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& h : histories(before))
    if (!now.count(h)) out.push_back(h);
  return out;
}

}  // namespace

std::optional<Response> CrmService::control(const Request& r) {
  if (r.verb == "cib-patch") {
    // A v2 patchset against the CIB the client read: applied by the DC only
    // while the CIB is still at its source version. Answered at once with a
    // ticket; `cib-result TICKET` tells the outcome.
    if (r.args.size() != 1) return Response::fail("CS_ERR_INVALID_PARAM", "cib-patch wants one patchset\n");
    std::vector<std::pair<std::string, std::string>> forget;
    try {
      cib::Cib after = controller_->cib();
      auto p = cib::parse_patch(r.args[0], "cib-patch");
      cib::apply(after, p.get(), true);
      forget = erased_histories(controller_->cib(), after);
    } catch (const core::Error&) {
      // The DC decides (and says why it refuses); this node may lag behind.
    }
    const std::uint64_t ticket = ++next_ticket_;
    patches_[ticket] = {};
    while (patches_.size() > 256) patches_.erase(patches_.begin());
    std::weak_ptr<int> alive = alive_;
    controller_->submit(controller::Request{controller::RequestOp::apply_patch, "", r.args[0]},
                        [this, alive, ticket, forget](const controller::UpdateResult& u) {
                          if (!alive.lock()) return;
                          if (auto it = patches_.find(ticket); it != patches_.end()) it->second = {true, u};
                          if (!u.ok()) return;
                          for (const auto& [n, rsc] : forget) send(pack({"F", n, rsc}));
                          // A status change (cleanup, refresh) is no configuration
                          // change: tell the DC to schedule anyway.
                          send(pack({"K"}));
                        });
    Response out;
    out.headers["Ticket"] = std::to_string(ticket);
    return out;
  }
  if (r.verb == "cib-result") {
    if (r.args.size() != 1) return Response::fail("CS_ERR_INVALID_PARAM", "cib-result wants a ticket\n");
    auto it = patches_.find(std::strtoull(r.args[0].c_str(), nullptr, 10));
    if (it == patches_.end()) return Response::fail("CS_ERR_NOT_EXIST", "no such ticket: " + r.args[0] + "\n");
    Response out;
    if (!it->second.done) {
      out.headers["State"] = "pending";
      return out;
    }
    const auto& u = it->second.result;
    out.headers["State"] = u.ok() ? "ok" : controller::to_string(u.code);
    out.headers["Cib-Version"] = u.version.str();
    out.body = u.error;
    return out;
  }
  if (r.verb != "cib-query") return std::nullopt;
  Response out;
  const auto& ctl = *controller_;
  out.body = ctl.cib().to_xml();
  out.headers["Cib-Version"] = ctl.version().str();
  out.headers["Dc"] = ctl.dc() ? node_.node_name(ctl.dc()->node) : "";
  out.headers["Quorate"] = ctl.quorate() ? "yes" : "no";
  out.headers["Synced"] = ctl.synced() ? "yes" : "no";
  return out;
}

// `cib-update OP SECTION XML-LINE...`: a client's CIB update (cibadmin's
// --replace, --create, --modify, --delete, --patch), submitted through the
// controller and answered once the outcome is known: OK only when the
// commit is durable on every member of the view (the controller's
// acknowledgement), so an acknowledged update survives any crash.
bool CrmService::control_async(const Request& r, const Node::Reply& reply) {
  if (r.verb != "cib-update") return false;
  if (r.args.size() < 2)
    return reply(Response::fail("CS_ERR_INVALID_PARAM", "cib-update: OP SECTION XML-LINE... expected\n")), true;
  static const std::map<std::string, controller::RequestOp> ops = {
      {"replace", controller::RequestOp::replace_section}, {"create", controller::RequestOp::create},
      {"modify", controller::RequestOp::modify},           {"delete", controller::RequestOp::remove},
      {"patch", controller::RequestOp::apply_patch}};
  auto op = ops.find(r.args[0]);
  if (op == ops.end())
    return reply(Response::fail("CS_ERR_INVALID_PARAM", "cib-update: unknown operation '" + r.args[0] +
                                                            "' (replace, create, modify, delete, patch)\n")),
           true;
  controller::Request req;
  req.op = op->second;
  req.section = r.args[1];
  for (std::size_t i = 2; i < r.args.size(); ++i) req.xml += (i > 2 ? "\n" : "") + r.args[i];
  log_.info("cib-update {} {} from the control socket ({} bytes)", r.args[0], req.section, req.xml.size());
  std::weak_ptr<int> alive = alive_;
  controller_->submit(std::move(req), [this, alive, reply](const controller::UpdateResult& u) {
    Response out;
    out.headers["Update"] = controller::to_string(u.code);
    if (u.ok()) {
      out.headers["Cib-Version"] = u.version.str();
    } else {
      const char* code = u.code == controller::UpdateCode::invalid     ? "CS_ERR_INVALID_PARAM"
                         : u.code == controller::UpdateCode::no_quorum ? "CS_ERR_TRY_AGAIN"
                         : u.code == controller::UpdateCode::in_doubt  ? "CS_ERR_TIMEOUT"
                                                                       : "CS_ERR_LIBRARY";
      out.error = code;
      out.body = u.error + "\n";
    }
    if (alive.lock() && !u.ok()) log_.info("cib-update refused: {}", u.error);
    reply(out);
  });
  return true;
}

}  // namespace halab::daemon
