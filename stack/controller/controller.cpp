#include "stack/controller/controller.hpp"

#include <algorithm>
#include <charconv>

#include "stack/cib/patchset.hpp"
#include "stack/controller/node_state.hpp"
#include "stack/core/assert.hpp"
#include "stack/core/error.hpp"

namespace halab::controller {

namespace {

std::optional<cib::Version> patch_version(const xmlDoc* patch, const char* which) {
  xmlNode* root = xmlDocGetRootElement(patch);
  xmlNode* v = root ? cib::first_child(root, "version") : nullptr;
  xmlNode* e = v ? cib::first_child(v, which) : nullptr;
  if (!e) return std::nullopt;
  auto num = [&](const char* a) {
    long out = 0;
    auto s = cib::attr_or(e, a, "0");
    std::from_chars(s.data(), s.data() + s.size(), out);
    return out;
  };
  return cib::Version{num("admin_epoch"), num("epoch"), num("num_updates")};
}

std::vector<NodeId> nodes_of(const View& v) {
  std::vector<NodeId> out;
  for (const auto& m : v.members) out.push_back(m.node);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

}  // namespace

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
  election_.on_view(v);
  view_ = v;
  for (const auto& c : v.left) applied_.erase(c.who);
  if (merge || self_joined) synced_ = false;
  if (self_joined && v.members.size() == 1) synced_ = true;  // alone: our CIB is the cluster's
  log_.info("view: {} member(s), {} joined, {} left; DC {}", v.members.size(), v.joined.size(), v.left.size(),
            election_.dc() ? election_.dc()->str() : std::string("unknown"));

  offer_.reset();
  confirmed_.clear();
  // A resync asked of the old view's DC may have gone with it; the new
  // view's join round (or its confirm) settles our CIB anyway.
  resync_pending_ = false;
  round_timer_.cancel();
  if (election_.is_dc()) {
    if (!was_dc) {
      working_ = cib_;
      queued_.clear();
      in_flight_.clear();
      log_.notice("this node is now the DC");
    }
    start_round();
  } else {
    // Our commits still on their way are ignored by everyone now (we are
    // not DC): forget them, so that we never answer a copy as "decided".
    working_.reset();
    round_active_ = false;
    queued_.clear();
    in_flight_.clear();
  }
  quorum_wait_over_ = false;
  quorum_wait_timer_.cancel();
  recompute_quorum();
  const auto after = election_.dc();
  if (after != before) resend_outstanding();
  schedule_applied();
  check_acks();
  changed(false, true, false, after != before);
}

bool Controller::quorum_known() const { return quorum_note_ && quorum_note_->members == nodes_of(view_); }

void Controller::recompute_quorum() {
  const bool q = quorum_known() && quorum_note_->quorate;
  if (q != quorate_) {
    quorate_ = q;
    log_.info("quorum {}", q ? "held" : "lost");
    changed(false, false, true, false);
    if (election_.is_dc() && !round_active_) record_membership_now();
  }
  if (quorum_known()) quorum_wait_timer_.cancel();
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

void Controller::handle(const Member& from, const JoinOffer& m) {
  const auto before = election_.dc();
  election_.on_announce(from, m.order);
  if (election_.dc() != from) {
    ++stats_.stale_messages;
    log_.debug("join offer from {} who is not DC: ignored", from.str());
    return;
  }
  offer_ = {from, m.join_id};
  for (const auto& d : m.done) {
    raise_floor(d.origin, d.incarnation, d.floor);
    for (auto q : d.seqs) mark_done(RequestKey{d.origin, d.incarnation, q});
  }
  if (election_.dc() != before) {
    resend_outstanding();
    changed(false, false, false, true);
  }
  send(JoinReply{m.join_id, cib_.version(), cib_.digest(), opt_.node_name});
}

void Controller::handle(const Member& from, const JoinReply& m) {
  if (!m.uname.empty()) names_[from.node] = m.uname;
  if (!election_.is_dc() || !round_active_ || m.join_id != round_.id) return;
  round_.replies[from] = m;
  check_round();
}

void Controller::handle(const Member& from, const SyncRequest& m) {
  if (election_.dc() != from || !offer_ || offer_->second != m.join_id) return;
  if (m.target != self_) return;
  log_.info("sending our CIB (version {}) for join {}", cib_.version().str(), m.join_id);
  send(CibFull{m.join_id, Member{}, cib_.to_xml()});
}

void Controller::handle(const Member& from, const CibFull& m) {
  if (m.join_id != 0) {
    if (!offer_ || offer_->second != m.join_id) {
      ++stats_.stale_messages;
      return;
    }
    adopt(m.xml, "join sync");
    if (election_.is_dc() && round_active_ && round_.id == m.join_id && round_.syncing) {
      working_ = cib_;
      finish_round();
    }
    return;
  }
  if (m.target != self_ || election_.dc() != from) return;
  adopt(m.xml, "resync");
}

void Controller::adopt(const std::string& xml, const char* why) {
  try {
    auto c = cib::Cib::parse(xml, why);
    const bool same = c.version() == cib_.version() && c.digest() == cib_.digest();
    if (!same) {
      log_.info("{}: CIB replaced, {} -> {}", why, cib_.version().str(), c.version().str());
      cib_ = std::move(c);
      persist();
      changed(true, false, false, false);
      // Our commits not yet acknowledged may be missing from the adopted CIB
      // (another partition's lineage won): ask again; a DC that knows them
      // decided drops the copy.
      bool again = false;
      for (auto& [seq, o] : outstanding_)
        if (o.committed) {
          o.committed.reset();
          o.sent_to.reset();
          again = true;
        }
      if (again) resend_outstanding();
    }
    synced_ = true;
    resync_pending_ = false;
    ++stats_.syncs;
    schedule_applied();
  } catch (const core::Error& e) {
    ++stats_.bad_messages;
    log_.error("{}: received CIB unusable: {}", why, e.what());
    synced_ = false;
  }
}

void Controller::handle(const Member& from, const JoinConfirm& m) {
  if (election_.dc() != from) return;
  confirmed_ = m.included;
  std::sort(confirmed_.begin(), confirmed_.end());
  check_acks();
  if (cib_.version() == m.version && cib_.digest() == m.digest) {
    synced_ = true;
    changed(false, false, false, false, true);
    return;
  }
  request_resync("join " + std::to_string(m.join_id) + " ended at " + m.version.str() + " but our CIB is at " +
                 cib_.version().str());
}

void Controller::request_resync(const std::string& why) {
  synced_ = false;
  if (resync_pending_) return;
  resync_pending_ = true;
  ++stats_.resyncs_requested;
  log_.warning("asking the DC for its CIB: {}", why);
  send(ResyncRequest{cib_.version()});
}

void Controller::handle(const Member& from, const ResyncRequest& m) {
  if (!election_.is_dc()) return;
  ++stats_.resyncs_served;
  log_.info("{} (at {}) asked for the CIB: sending {}", from.str(), m.have.str(), working_->version().str());
  send(CibFull{0, from, working_->to_xml()});
}

void Controller::handle(const Member& from, const AppliedMsg& m) {
  applied_[from] = m.version;
  check_acks();
}

// ---------------------------------------------------------------- join round (DC)

void Controller::start_round() {
  HALAB_ASSERT(election_.is_dc());
  round_active_ = true;
  round_ = Round{};
  do round_.id = rng_.next();
  while (round_.id == 0);
  ++stats_.join_rounds;
  JoinOffer offer{round_.id, election_.order(), {}};
  for (const auto& [k, d] : done_)
    offer.done.push_back(DoneEntry{k.first, k.second, d.floor, std::vector<std::uint64_t>(d.seqs.begin(), d.seqs.end())});
  send(offer);
  const auto id = round_.id;
  round_timer_.arm(opt_.join_timeout, [this, id] {
    if (!round_active_ || round_.id != id || round_.syncing || !round_.replies.count(self_)) return;
    std::string missing;
    for (const auto& m : view_.members)
      if (!round_.replies.count(m)) missing += " " + m.str();
    log_.warning("join {}: no answer within {} ms from{}; going on without them", id,
                 std::chrono::duration_cast<std::chrono::milliseconds>(opt_.join_timeout).count(), missing);
    check_round(true);
  });
}

void Controller::check_round(bool timed_out) {
  if (round_.syncing) return;
  if (!timed_out)
    for (const auto& m : view_.members)
      if (!round_.replies.count(m)) return;
  // The best CIB: highest version, then ours, then the lowest member.
  const JoinReply* best = nullptr;
  Member best_member;
  for (const auto& [m, r] : round_.replies) {
    if (!std::binary_search(view_.members.begin(), view_.members.end(), m)) continue;
    if (!best || r.version > best->version || (r.version == best->version && m == self_ && best_member != self_)) {
      best = &r;
      best_member = m;
    }
  }
  HALAB_ASSERT(best);
  bool all_same = true;
  for (const auto& [m, r] : round_.replies)
    if (r.version != best->version || r.digest != best->digest) all_same = false;
  for (const auto& [m, r] : round_.replies)
    if (r.version == best->version && r.digest != best->digest)
      log_.warning("join {}: {} holds a different CIB at the same version {}; {}'s wins", round_.id, m.str(),
                   r.version.str(), best_member.str());
  if (all_same) {
    finish_round();
    return;
  }
  round_.syncing = true;
  log_.info("join {}: the highest CIB is {} at {}", round_.id, best_member.str(), best->version.str());
  if (best_member == self_)
    send(CibFull{round_.id, Member{}, cib_.to_xml()});
  else
    send(SyncRequest{round_.id, best_member});
}

void Controller::finish_round() {
  HALAB_ASSERT(election_.is_dc() && round_active_);
  working_ = cib_;
  round_timer_.cancel();
  record_membership_now();
  JoinConfirm confirm{round_.id, working_->version(), working_->digest(), {}};
  for (const auto& m : view_.members)
    if (round_.replies.count(m)) confirm.included.push_back(m);
  send(confirm);
  round_active_ = false;
  log_.info("join {} done: {} member(s), CIB {}", round_.id, view_.members.size(), working_->version().str());
  drain_queue();
}

void Controller::record_membership_now() {
  // Without quorum nothing is written when updates need quorum: a minority
  // that bumped num_updates could otherwise win the merge's version
  // comparison over the quorate side's acknowledged status updates.
  if (opt_.updates_need_quorum && !quorate_) return;
  MembershipFacts f;
  for (const auto& [id, name] : node_names(*working_)) f.known[id] = name;
  for (const auto& [id, name] : names_) f.known[id] = name;
  for (const auto& m : view_.members) {
    auto it = f.known.find(m.node);
    if (it != f.known.end()) f.members[m.node] = it->second;
  }
  for (const auto& [id, name] : f.members) f.known[id] = name;
  if (round_active_)
    for (const auto& m : view_.members)
      if (!round_.replies.count(m)) f.pending.insert(m.node);
  f.dc = self_.node;
  if (quorum_note_) f.quorate = quorate_;
  f.add_nodes = quorate_ || !opt_.updates_need_quorum;
  commit_internal([&](cib::Cib& c) { record_membership(c, f); });
}

void Controller::commit_internal(const std::function<void(cib::Cib&)>& change) {
  HALAB_ASSERT(election_.is_dc() && working_);
  cib::Cib next = *working_;
  change(next);
  if (!bump_version(*working_, next)) return;
  auto patch = cib::diff_xml(*working_, next);
  working_ = std::move(next);
  ++stats_.commits_sent;
  send(CommitMsg{RequestKey{}, std::move(patch)});
}

// ---------------------------------------------------------------- updates

void Controller::submit(Request request, Done done) {
  const auto seq = ++next_seq_;
  auto& o = outstanding_[seq];
  o.request = std::move(request);
  o.done = std::move(done);
  if (!open_) {
    auto d = std::move(o.done);
    outstanding_.erase(seq);
    d(UpdateResult{UpdateCode::stopped, "the controller is not running", {}});
    return;
  }
  if (auto d = election_.dc()) {
    o.sent_to = *d;
    ++o.copies;
    send(UpdateMsg{RequestKey{self_, incarnation_, seq}, client_floor(), o.request});
  }
}

void Controller::resend_outstanding() {
  auto d = election_.dc();
  if (!d) return;
  for (auto& [seq, o] : outstanding_) {
    if (o.committed || o.sent_to == d) continue;
    if (o.sent_to) ++stats_.resends;
    o.sent_to = *d;
    ++o.copies;
    send(UpdateMsg{RequestKey{self_, incarnation_, seq}, client_floor(), o.request});
  }
}

bool Controller::is_done(const RequestKey& key) const {
  if (in_flight_.count(key)) return true;
  auto it = done_.find({key.origin, key.incarnation});
  return it != done_.end() && (key.seq <= it->second.floor || it->second.seqs.count(key.seq));
}

void Controller::mark_done(const RequestKey& key) {
  if (key.origin.node == 0) return;
  auto& d = done_[{key.origin, key.incarnation}];
  if (key.seq <= d.floor) return;
  d.seqs.insert(key.seq);
  while (!d.seqs.empty() && *d.seqs.begin() == d.floor + 1) {
    d.floor = *d.seqs.begin();
    d.seqs.erase(d.seqs.begin());
  }
}

void Controller::raise_floor(const Member& origin, std::uint64_t incarnation, std::uint64_t floor) {
  auto& d = done_[{origin, incarnation}];
  if (floor <= d.floor) return;
  d.floor = floor;
  d.seqs.erase(d.seqs.begin(), d.seqs.upper_bound(floor));
  while (!d.seqs.empty() && *d.seqs.begin() == d.floor + 1) {
    d.floor = *d.seqs.begin();
    d.seqs.erase(d.seqs.begin());
  }
}

std::uint64_t Controller::client_floor() const {
  return outstanding_.empty() ? next_seq_ : outstanding_.begin()->first - 1;
}

void Controller::handle(const Member& from, const UpdateMsg& m) {
  if (from != m.key.origin) {
    ++stats_.bad_messages;
    log_.warning("update from {} claims origin {}: ignored", from.str(), m.key.origin.str());
    return;
  }
  // Every member sees every request: the origin's floor is replicated for free.
  if (m.floor < m.key.seq) raise_floor(m.key.origin, m.key.incarnation, m.floor);
  // A newer incarnation of the same member: the old one is dead, its table goes.
  for (auto it = done_.begin(); it != done_.end();) {
    if (it->first.first == m.key.origin && it->first.second != m.key.incarnation)
      it = done_.erase(it);
    else
      ++it;
  }
  if (!election_.is_dc()) return;
  queued_.push_back(m);
  drain_queue();
}

void Controller::process(const UpdateMsg& u) {
  if (is_done(u.key)) {
    // Decided before in this DC's lineage. A refusal reaches its origin and
    // is final, so a copy arriving here was committed: answer with an empty
    // commit, which acknowledges without applying anything twice.
    ++stats_.duplicates;
    log_.info("request {}#{} already decided: answering without applying it again", u.key.origin.str(), u.key.seq);
    send(CommitMsg{u.key, ""});
    return;
  }
  if (opt_.updates_need_quorum && !quorate_ && !u.request.even_without_quorum) {
    refuse(u.key, UpdateCode::no_quorum,
           "no quorum: this partition (" + std::to_string(nodes_of(view_).size()) +
               " node(s)) does not accept CIB updates");
    return;
  }
  cib::Cib next = *working_;
  try {
    apply_request(next, u.request);
    if (opt_.validate_schema) {
      auto errors = validator().validate(next);
      if (!errors.empty()) {
        std::string msg = "schema " + next.validate_with() + ":";
        for (std::size_t i = 0; i < errors.size() && i < 3; ++i) msg += " " + errors[i].str() + ";";
        if (errors.size() > 3) msg += " (" + std::to_string(errors.size() - 3) + " more)";
        throw core::Error(msg);
      }
    }
  } catch (const core::Error& e) {
    refuse(u.key, UpdateCode::invalid, e.what());
    return;
  }
  log_.debug("update {}#{} ({} {}) -> commit from {}", u.key.origin.str(), u.key.seq, to_string(u.request.op),
             u.request.section, working_->version().str());
  std::string patch;
  if (bump_version(*working_, next)) {
    patch = cib::diff_xml(*working_, next);
    working_ = std::move(next);
  }
  in_flight_.insert(u.key);
  ++stats_.commits_sent;
  send(CommitMsg{u.key, std::move(patch)});
}

void Controller::refuse(const RequestKey& key, UpdateCode code, const std::string& error) {
  in_flight_.insert(key);
  ++stats_.refused;
  log_.info("refused update {}#{}: {}", key.origin.str(), key.seq, error);
  send(RefusedMsg{key, std::uint8_t(code), error});
}

cib::SchemaValidator& Controller::validator() {
  if (!validator_)
    validator_ = std::make_unique<cib::SchemaValidator>(opt_.schema_dir.empty() ? cib::SchemaValidator::default_dir()
                                                                                 : opt_.schema_dir);
  return *validator_;
}

void Controller::handle(const Member& from, const CommitMsg& m) {
  if (election_.dc() != from) {
    ++stats_.stale_messages;
    log_.debug("commit from {} who is not DC: ignored", from.str());
    return;
  }
  mark_done(m.key);
  in_flight_.erase(m.key);
  std::optional<cib::Version> target;
  if (m.patch.empty()) {
    target = cib_.version();
  } else {
    try {
      auto patch = cib::parse_patch(m.patch, "commit");
      auto source = patch_version(patch.get(), "source");
      target = patch_version(patch.get(), "target");
      if (!source || !target) throw core::Error("patchset has no version block");
      if (*source == cib_.version()) {
        cib::apply(cib_, patch.get(), true);
        ++stats_.commits_applied;
        persist();
        schedule_applied();
        changed(true, false, false, false);
      } else if (cib_.version() >= *target && synced_) {
        // Already in: a resync's CIB included it.
      } else if (synced_) {
        // The DC's own commits follow its working copy in order: a mismatch
        // there is a bug, not a lost message.
        HALAB_ASSERT_MSG(from != self_, "the DC's own commit does not apply to its CIB");
        request_resync("commit " + source->str() + " -> " + target->str() + " does not apply to our " +
                       cib_.version().str());
      }
      // Not synced yet: the join's sync or a pending resync brings it.
    } catch (const core::Error& e) {
      ++stats_.bad_messages;
      request_resync(std::string("commit unusable: ") + e.what());
    }
  }
  if (m.key.origin == self_ && m.key.incarnation == incarnation_) {
    auto it = outstanding_.find(m.key.seq);
    if (it != outstanding_.end() && !it->second.committed) {
      log_.debug("update #{} committed at {}", m.key.seq, target ? target->str() : std::string("?"));
      it->second.committed = target ? *target : cib_.version();
      check_acks();
    }
  }
}

void Controller::handle(const Member& from, const RefusedMsg& m) {
  if (election_.dc() != from) {
    ++stats_.stale_messages;
    return;
  }
  mark_done(m.key);
  in_flight_.erase(m.key);
  if (m.key.origin != self_ || m.key.incarnation != incarnation_) return;
  auto it = outstanding_.find(m.key.seq);
  if (it == outstanding_.end()) return;
  auto done = std::move(it->second.done);
  UpdateCode code = m.code == std::uint8_t(UpdateCode::no_quorum) ? UpdateCode::no_quorum : UpdateCode::invalid;
  std::string error = m.error;
  if (it->second.copies > 1) {
    code = UpdateCode::in_doubt;
    error = "outcome unknown: the DC changed while the update was in flight and the new DC refused it (" + m.error +
            "); the previous DC may have applied it in another partition (it is never applied twice)";
  }
  outstanding_.erase(it);
  if (done) done(UpdateResult{code, error, cib_.version()});
}

std::vector<Member> Controller::ack_members() const {
  if (confirmed_.empty()) return view_.members;
  std::vector<Member> out;
  std::set_intersection(view_.members.begin(), view_.members.end(), confirmed_.begin(), confirmed_.end(),
                        std::back_inserter(out));
  return out;
}

void Controller::check_acks() {
  std::vector<std::uint64_t> ready;
  for (const auto& [seq, o] : outstanding_) {
    if (!o.committed) continue;
    if (!synced_ || cib_.version() < *o.committed) continue;
    bool all = true;
    for (const auto& m : ack_members()) {
      if (m == self_) continue;
      auto it = applied_.find(m);
      if (it == applied_.end() || it->second < *o.committed) all = false;
    }
    if (all) ready.push_back(seq);
  }
  for (auto seq : ready) {
    auto it = outstanding_.find(seq);
    auto done = std::move(it->second.done);
    auto version = *it->second.committed;
    outstanding_.erase(it);
    log_.debug("update #{} acknowledged at {}", seq, version.str());
    if (done) done(UpdateResult{UpdateCode::ok, "", version});
  }
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
