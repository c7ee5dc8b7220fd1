#include "stack/daemon/crm_service.hpp"

#include "stack/cib/xml.hpp"
#include "stack/controller/request.hpp"
#include "stack/core/error.hpp"
#include "stack/fencer/device.hpp"
#include "stack/scheduler/scheduler.hpp"
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
      started_(env_.clock.now()) {
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
  quorum_listener_ = node.on_quorum([this](const quorum::QuorumNotification& q) { controller_->on_quorum(q); });
  control_handler_ = node.add_control_handler([this](const Request& r) { return control(r); });
}

CrmService::~CrmService() {
  node_.remove_listener(quorum_listener_);
  node_.remove_control_handler(control_handler_);
  controller_->stop();
}

bool CrmService::idle() const {
  return !engine_.busy() && !want_schedule_ && records_.empty() && !update_in_flight_ && remote_.empty();
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
  if (!c.is_dc) {
    if (engine_.busy()) {
      engine_.abort("this node is no longer DC");
      // Their results would come to the DC: nobody waits for them here.
      fail_remote([](const Remote&) { return true; }, "this node is no longer DC");
    }
    return;
  }
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

void CrmService::maybe_schedule() {
  auto& ctl = *controller_;
  if (!want_schedule_ || !ctl.is_dc() || !ctl.synced() || ctl.round_active() || engine_.busy()) return;
  if (update_in_flight_ || !records_.empty()) return;  // flush_records kicks again
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
  want_schedule_ = false;
  cib::Cib cib = ctl.cib();
  cib::set_attr(cib.root(), "have-quorum", ctl.quorate() ? "1" : "0");
  config_seen_ = cib.version();
  transition::Graph g;
  std::string dot;
  try {
    auto doc = scheduler::XmlDocument::parse_string(cib.to_xml(), "cib");
    auto cluster = scheduler::schedule(doc.root(), {.now = wall_seconds()});
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
                          record([graph, a, r](transition::StatusUpdate& u) { u.record(*graph, a, r); });
                        },
                    .on_finished =
                        [this](const transition::TransitionResult& t) {
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

void CrmService::record(std::function<void(transition::StatusUpdate&)> change) {
  records_.push_back(std::move(change));
  flush_records();
}

void CrmService::flush_records() {
  if (update_in_flight_ || records_.empty()) return;
  auto& ctl = *controller_;
  if (!ctl.is_dc()) {  // a new DC re-probes what it does not know
    records_.clear();
    return;
  }
  in_flight_records_.assign(records_.begin(), records_.end());
  records_.clear();
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
    } else {
      ++stats_.updates_refused;
      // A patch made against a CIB that moved on meanwhile: redo it on the new one.
      if (++update_attempts_ < kMaxUpdateAttempts && r.code != controller::UpdateCode::stopped) {
        log_.info("status update refused ({}), again", r.error);
        records_.insert(records_.begin(), in_flight_records_.begin(), in_flight_records_.end());
      } else {
        log_.error("status update lost after {} attempts: {}", update_attempts_, r.error);
        update_attempts_ = 0;
      }
      in_flight_records_.clear();
    }
    flush_records();
    kick();
  });
}

// ---- the sink: where each action runs ---------------------------------------

void CrmService::execute_rsc_op(const std::string& node, const GraphAction& op, ActionDone done) {
  if (node == env_.node) return local_.execute_rsc_op(node, op, std::move(done));
  const int tid = graph_ ? graph_->transition_id : 0;
  remote_[{tid, op.id}] = Remote{node, std::move(done)};
  ++stats_.remote_sent;
  send(pack({"A", node, std::to_string(node_.node_id()), transition::encode_action(op, tid)}));
}

void CrmService::fence(const std::string& node, const std::string& action, const GraphAction& event,
                       ActionDone done) {
  // The DC's fencer, with every stonith primitive of the CIB: the device may
  // have been started on another node (even on the target). Devices added
  // for this fencing go again afterwards, so that probes of the stonith
  // resources on this node keep telling whether the executor started them.
  auto added = register_stonith_devices(controller_->cib());
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
  // Clean shutdown through the cluster is not wired yet: the action fails
  // (the graph stays correct: nothing after it runs).
  local_.shutdown(node, event, std::move(done));
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
  std::set<std::string> present;
  for (auto id : controller::view_nodes(v)) present.insert(node_.node_name(id));
  // An action sent to a node that left will never be answered.
  fail_remote([&](const Remote& r) { return !present.count(r.target); }, "the node left the cluster");
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
    if (kind == "A" && f->size() == 4) {  // target, dc node id, action
      if ((*f)[1] != env_.node) return;
      int tid = 0;
      GraphAction a = transition::decode_action((*f)[3], "action from " + from.str(), tid);
      const std::string dc = (*f)[2];
      ++stats_.remote_run;
      std::weak_ptr<int> alive = alive_;
      local_.execute_rsc_op(env_.node, a, [this, alive, dc, tid, id = a.id](ActionResult r) {
        if (!alive.lock()) return;
        send(pack({"R", dc, std::to_string(tid), std::to_string(id), transition::encode_result(r)}));
      });
    } else if (kind == "R" && f->size() == 5) {  // dc node id, transition, action, result
      if ((*f)[1] != std::to_string(node_.node_id())) return;
      auto it = remote_.find({to_int((*f)[2]), to_int((*f)[3])});
      if (it == remote_.end()) return;  // timed out, or from an older DC's time
      auto done = std::move(it->second.done);
      remote_.erase(it);
      done(transition::decode_result((*f)[4], "result from " + from.str()));
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

// ---- control socket ---------------------------------------------------------

std::optional<Response> CrmService::control(const Request& r) {
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

}  // namespace halab::daemon
