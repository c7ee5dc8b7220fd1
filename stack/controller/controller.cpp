// The controller: lifecycle, the channel, membership and quorum, and the
// change notifications; the join is in controller_join.cpp, CIB updates in
// controller_updates.cpp.
#include "stack/controller/controller.hpp"

#include <algorithm>
#include <charconv>

#include "stack/core/assert.hpp"
#include "stack/core/error.hpp"

namespace halab::controller {

std::vector<NodeId> view_nodes(const View& v) {
  std::vector<NodeId> out;
  for (const auto& m : v.members) out.push_back(m.node);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string Member::str() const { return "node " + std::to_string(node) + " pid " + std::to_string(pid); }

const char* to_string(ChangeReason r) {
  switch (r) {
    case ChangeReason::join: return "join";
    case ChangeReason::leave: return "leave";
    case ChangeReason::node_down: return "node_down";
    case ChangeReason::node_up: return "node_up";
    case ChangeReason::proc_down: return "proc_down";
  }
  return "unknown";
}

const char* to_string(UpdateCode c) {
  switch (c) {
    case UpdateCode::ok: return "ok";
    case UpdateCode::invalid: return "invalid";
    case UpdateCode::no_quorum: return "no quorum";
    case UpdateCode::stopped: return "stopped";
    case UpdateCode::in_doubt: return "in doubt";
  }
  return "unknown";
}

Controller::Controller(core::Env& env, Channel& channel, ControllerOptions options, Hooks hooks)
    : env_(env),
      log_(env.log("controller")),
      channel_(channel),
      started_(env.clock.now()),
      opt_(std::move(options)),
      hooks_(std::move(hooks)),
      self_(channel.self()),
      store_(env.storage, opt_.cib_dir),
      cib_(cib::Cib::empty()),
      election_(channel.self()),
      retry_timer_(env.clock),
      applied_timer_(env.clock),
      notify_timer_(env.clock),
      quorum_wait_timer_(env.clock),
      round_timer_(env.clock),
      rng_(env.rng("controller")) {
  if (opt_.node_name.empty()) opt_.node_name = env.node;
}

Controller::~Controller() { stop(); }

// ---------------------------------------------------------------- lifecycle

void Controller::load_cib() {
  try {
    if (auto c = store_.load()) {
      cib_ = std::move(*c);
      log_.info("loaded the CIB at version {}", cib_.version().str());
      return;
    }
    log_.info("no stored CIB: starting from an empty one");
    return;
  } catch (const core::Error& e) {
    log_.error("stored CIB unusable: {}", e.what());
  }
  auto backups = store_.backups();
  for (auto it = backups.rbegin(); it != backups.rend(); ++it) {
    try {
      if (auto c = store_.load_backup(*it)) {
        cib_ = std::move(*c);
        log_.warning("using CIB backup {} at version {}", *it, cib_.version().str());
        return;
      }
    } catch (const core::Error& e) {
      log_.error("CIB backup {} unusable: {}", *it, e.what());
    }
  }
  log_.error("no usable stored CIB: starting from an empty one (the cluster's CIB will be synced at join)");
}

void Controller::start() {
  HALAB_ASSERT(!open_);
  load_cib();
  // A fresh incarnation per start, even when the node's seed and the
  // channel's pid repeat across restarts.
  std::uint64_t boots = 0;
  if (auto t = env_.storage.read_text("controller/boots")) std::from_chars(t->data(), t->data() + t->size(), boots);
  ++boots;
  env_.storage.write("controller/boots", std::to_string(boots), core::Sync::durable);
  incarnation_ = (rng_.derive(boots).next() & ~0xffffull) | (boots & 0xffff);
  if (incarnation_ == 0) incarnation_ = 1;
  Channel::Handler h;
  h.deliver = [this](const Member& from, core::ByteView data) { on_deliver(from, data); };
  h.view = [this](const View& v) { on_view(v); };
  open_ = channel_.open(std::move(h));
  if (!open_) log_.error("could not join the controller group");
}

void Controller::stop() {
  if (open_) channel_.close();
  open_ = false;
  retry_timer_.cancel();
  applied_timer_.cancel();
  notify_timer_.cancel();
  quorum_wait_timer_.cancel();
  round_timer_.cancel();
  outbox_.clear();
  auto pending = std::move(outstanding_);
  outstanding_.clear();
  for (auto& [seq, o] : pending)
    if (o.done) o.done(UpdateResult{UpdateCode::stopped, "the controller stopped before the update's outcome was known", {}});
}

void Controller::persist() {
  try {
    store_.save(cib_);
  } catch (const core::Error& e) {
    ++stats_.persist_errors;
    log_.error("could not persist the CIB at version {}: {}", cib_.version().str(), e.what());
  }
}

// ---------------------------------------------------------------- sending

void Controller::send(const Message& m) {
  auto bytes = encode(m);
  if (bytes.size() > channel_.max_message()) {
    ++stats_.too_big;
    log_.error("{} of {} bytes exceeds the channel's limit of {}: not sent", message_name(m), bytes.size(),
               channel_.max_message());
    return;
  }
  outbox_.push_back(std::move(bytes));
  flush();
}

void Controller::flush() {
  while (open_ && !outbox_.empty()) {
    if (!channel_.send(outbox_.front())) {
      if (!retry_timer_.armed()) retry_timer_.arm(opt_.send_retry, [this] { flush(); });
      return;
    }
    outbox_.pop_front();
  }
}

// ---------------------------------------------------------------- membership

void Controller::on_view(const View& v) {
  const auto before = election_.dc();
  const bool was_dc = election_.is_dc();
  const bool merge = std::any_of(v.joined.begin(), v.joined.end(),
                                 [](const MemberChange& c) { return c.reason == ChangeReason::node_up; });
  const bool self_joined =
      std::any_of(v.joined.begin(), v.joined.end(), [&](const MemberChange& c) { return c.who == self_; });
  // Our claim for the merge's ranking: what we were up to this view (or, when
  // a merge comes while the last one still ranks, what we claimed then).
  const auto ms = [&](core::Instant since) {
    return std::uint64_t(std::chrono::duration_cast<std::chrono::milliseconds>(env_.clock.now() - since).count());
  };
  Seniority claim{was_dc && quorate_dc_, was_dc, was_dc && dc_since_ ? ms(*dc_since_) : 0, ms(started_)};
  if (election_.ranking() && last_claim_) {
    claim = *last_claim_;
    claim.uptime_ms = ms(started_);
  }
  election_.on_view(v);
  view_ = v;
  for (const auto& c : v.left) applied_.erase(c.who);
  if (merge || self_joined) synced_ = false;
  if (self_joined && v.members.size() == 1) synced_ = true;  // alone: our CIB is the cluster's
  log_.info("view: {} member(s), {} joined, {} left; DC {}", v.members.size(), v.joined.size(), v.left.size(),
            election_.dc() ? election_.dc()->str() : election_.ranking() ? std::string("being elected")
                                                                         : std::string("unknown"));
  if (merge) {
    last_claim_ = claim;
    send(ClaimMsg{claim});
  }

  offer_.reset();
  confirmed_.clear();
  // A resync asked of the old view's DC may have gone with it; the new
  // view's join round (or its confirm) settles our CIB anyway.
  resync_pending_ = false;
  round_timer_.cancel();
  if (election_.is_dc()) {
    if (!was_dc) take_over();
    start_round();
  } else {
    step_down();
  }
  quorum_wait_over_ = false;
  quorum_wait_timer_.cancel();
  recompute_quorum();
  const auto after = election_.dc();
  if (!after)
    // Nobody acts on a request while the DC is unknown (a merge ranks): what
    // we sent is lost, even when the same member comes out DC again.
    for (auto& [seq, o] : outstanding_)
      if (!o.committed) o.sent_to.reset();
  if (after != before) resend_outstanding();
  schedule_applied();
  check_acks();
  changed(false, true, false, after != before);
}

void Controller::take_over() {
  if (!dc_since_) dc_since_ = env_.clock.now();
  working_ = cib_;
  queued_.clear();
  in_flight_.clear();
  log_.notice("this node is now the DC");
}

void Controller::step_down() {
  quorate_dc_ = false;
  dc_since_.reset();
  // Our commits still on their way are ignored by everyone now (we are
  // not DC): forget them, so that we never answer a copy as "decided".
  working_.reset();
  round_active_ = false;
  queued_.clear();
  in_flight_.clear();
}

void Controller::handle(const Member& from, const ClaimMsg& m) {
  const auto before = election_.dc();
  election_.on_claim(from, m.seniority);
  const auto after = election_.dc();
  if (after == before) return;
  log_.info("merge ranked: DC {}", after ? after->str() : std::string("unknown"));
  // Nobody was DC while the merge ranked (or the last unranked member was).
  if (election_.is_dc()) {
    if (!before || *before != self_) take_over();
    start_round();
  }
  resend_outstanding();
  changed(false, false, false, true);
}

bool Controller::quorum_known() const { return quorum_note_ && quorum_note_->members == view_nodes(view_); }

void Controller::recompute_quorum() {
  const bool q = quorum_known() && quorum_note_->quorate;
  if (q != quorate_) {
    quorate_ = q;
    log_.info("quorum {}", q ? "held" : "lost");
    changed(false, false, true, false);
    if (election_.is_dc() && !round_active_) record_membership_now();
  }
  if (quorum_known()) {
    quorum_wait_timer_.cancel();
    // Around a view change votequorum's word and the view disagree for a
    // moment: the latch keeps the last settled answer for our merge claim.
    quorate_dc_ = election_.is_dc() && quorate_;
  }
  drain_queue();
}

void Controller::drain_queue() {
  while (!queued_.empty() && election_.is_dc() && !round_active_) {
    if (opt_.updates_need_quorum && !quorum_known() && !quorum_wait_over_ &&
        !queued_.front().request.even_without_quorum) {
      if (!quorum_wait_timer_.armed())
        quorum_wait_timer_.arm(opt_.quorum_wait, [this] {
          log_.warning("no quorum notification for this membership after {} ms: updates are refused",
                       std::chrono::duration_cast<std::chrono::milliseconds>(opt_.quorum_wait).count());
          quorum_wait_over_ = true;
          drain_queue();
        });
      return;
    }
    auto u = std::move(queued_.front());
    queued_.pop_front();
    process(u);
  }
}

void Controller::on_quorum(const quorum::QuorumNotification& q) {
  quorum_note_ = q;
  recompute_quorum();
}

// ---------------------------------------------------------------- delivery

void Controller::on_deliver(const Member& from, core::ByteView data) {
  Message m;
  try {
    m = decode(data);
  } catch (const core::Error& e) {
    ++stats_.bad_messages;
    log_.warning("undecodable message from {}: {}", from.str(), e.what());
    return;
  }
  std::visit([&](const auto& msg) { handle(from, msg); }, m);
}

void Controller::schedule_applied() {
  if (applied_timer_.armed()) return;
  applied_timer_.arm(core::Duration::zero(), [this] {
    if (!open_) return;
    send(AppliedMsg{cib_.version()});
    applied_sent_ = cib_.version();
  });
}

void Controller::report_operation_result(const OperationResult& r) {
  if (hooks_.operation_result) hooks_.operation_result(r);
}

void Controller::changed(bool cib, bool membership, bool quorum, bool dc, bool joined) {
  pending_change_.joined |= joined;
  pending_change_.cib |= cib;
  pending_change_.membership |= membership;
  pending_change_.quorum |= quorum;
  pending_change_.dc |= dc;
  if (!hooks_.changed || notify_timer_.armed()) return;
  notify_timer_.arm(core::Duration::zero(), [this] {
    ClusterChange c = pending_change_;
    pending_change_ = {};
    c.is_dc = election_.is_dc();
    c.synced = synced_;
    c.quorate = quorate_;
    c.version = cib_.version();
    hooks_.changed(c);
  });
}

}  // namespace halab::controller
