// The controller's CIB updates: requests from clients, the DC deciding them,
// commits and refusals applied everywhere, acknowledgements, de-duplication.
#include "stack/controller/controller.hpp"

#include <algorithm>
#include <charconv>

#include "stack/cib/patchset.hpp"
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

}  // namespace

void Controller::handle(const Member& from, const AppliedMsg& m) {
  applied_[from] = m.version;
  check_acks();
}

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
           "no quorum: this partition (" + std::to_string(view_nodes(view_).size()) +
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

}  // namespace halab::controller
