// CPG's state machine: local requests go out only while the ring is in
// sync and carry the ring they were sent in; what the ring delivers is
// applied in agreed order, the same way on every node of the ring.
//
//   ring change      transitional: members of nodes that did not move with
//                    us leave (node_down); requests on the way are resent
//                    later (their copies arrive stale). regular: joinlist
//                    exchange starts, requests are held.
//   exchange done    every node's members become the union of the lists
//                    (node_up for the other side of a merge); held requests
//                    go out.
//   delivered        Join / Leave / ProcDown / Mcast of the current ring are
//                    applied; anything older, or from a non-member, is stale.
#include "stack/cpg/cpg.hpp"

#include <algorithm>
#include <deque>
#include <map>

#include "stack/core/assert.hpp"
#include "stack/cpg/group_table.hpp"
#include "stack/cpg/joinlist_sync.hpp"
#include "stack/cpg/wire.hpp"

namespace halab::cpg {

static_assert(Cpg::kMaxGroupName == wire::kMaxGroupName);
static_assert(Cpg::kMaxMessage == wire::kMaxPayload);

const char* to_string(Reason r) {
  switch (r) {
    case Reason::join: return "join";
    case Reason::leave: return "leave";
    case Reason::node_down: return "node_down";
    case Reason::node_up: return "node_up";
    case Reason::proc_down: return "proc_down";
  }
  return "?";
}

const char* to_string(Result r) {
  switch (r) {
    case Result::ok: return "ok";
    case Result::try_again: return "try_again";
    case Result::not_exist: return "not_exist";
    case Result::exist: return "exist";
    case Result::too_big: return "too_big";
    case Result::invalid: return "invalid";
  }
  return "?";
}

namespace {

// Local requests held beyond what the ring accepted: past these, try_again.
constexpr std::size_t kMaxOutbox = 4096;
constexpr std::size_t kMaxOutboxBytes = 16u << 20;

std::string printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7f && c != '\\') out += char(c);
    else out += fmt::format("\\x{:02X}", c);
  }
  return out;
}

std::string list(const std::vector<MemberChange>& v) {
  std::string s;
  for (const auto& m : v) s += fmt::format(" {}/{}({})", m.who.node, m.who.pid, to_string(m.reason));
  return s;
}

}  // namespace

struct Cpg::Impl {
  struct Local {
    GroupCallbacks cb;
    bool joined = true;  // the process's intent: false after leave()
    int leaves = 0;      // its leave() requests not yet delivered: kept until the last one is
    bool done() const { return !joined && leaves == 0; }
  };
  struct Request {
    wire::Message msg;  // ring filled in when sent
    core::Bytes sent;   // the bytes as sent (empty while unsent)
    std::size_t size = 0;
  };

  Impl(core::Logger& logger, NodeId local, Callbacks c) : log(logger, "CPG"), me(local), cb(std::move(c)) {}

  core::Log log;
  NodeId me;
  Callbacks cb;
  Observer observer;
  GroupTable table;
  JoinListSync sync;
  CpgStats stats;

  bool have_ring = false, synced = false, transitional_seen = false;
  totem::RingId ring;
  std::vector<NodeId> ring_members;

  std::map<std::pair<std::string, std::uint32_t>, Local> locals;
  // Requests in order; the first `in_flight` were sent in the current ring.
  std::deque<Request> outbox;
  std::size_t in_flight = 0, outbox_bytes = 0;
  std::vector<wire::JoinListMsg> joinlist;
  std::size_t joinlist_sent = 0;

  bool valid_name(const std::string& g) const { return !g.empty() && g.size() <= kMaxGroupName; }
  bool outbox_full(std::size_t more) const {
    return outbox.size() >= kMaxOutbox || outbox_bytes + more > kMaxOutboxBytes;
  }
  void push(wire::Message m, std::size_t size) {
    outbox.push_back({std::move(m), {}, size});
    outbox_bytes += size;
  }

  // Sends what may go now: our joinlist during the exchange, requests after.
  // `send` must only queue (Srp::mcast does): a delivery from inside it
  // would be applied before the request it answers is marked as sent.
  bool flushing = false;
  void flush() {
    if (!have_ring || !cb.send || flushing) return;
    flushing = true;
    struct Done {
      bool& f;
      ~Done() { f = false; }
    } done{flushing};
    while (!synced && joinlist_sent < joinlist.size()) {
      if (!cb.send(wire::encode(joinlist[joinlist_sent]))) return;
      ++joinlist_sent;
    }
    if (!synced) return;
    while (in_flight < outbox.size()) {
      auto& r = outbox[in_flight];
      std::visit([this](auto& x) { x.ring = ring; }, r.msg);
      r.sent = wire::encode(r.msg);
      if (!cb.send(r.sent)) {
        r.sent.clear();
        return;
      }
      ++in_flight;
    }
  }

  // Delivers one change to the local processes concerned: the members after
  // it, and a local process that left by cpg_leave (it learns it is out).
  void emit(const GroupConfig& gc) {
    ++stats.confchgs;
    log.debug("group {}: members {} left:{} joined:{}", printable(gc.group), gc.members.size(), list(gc.left),
              list(gc.joined));
    if (observer.confchg) observer.confchg(gc);
    std::vector<std::pair<std::uint32_t, std::function<void(const GroupConfig&)>>> to;
    for (const auto& m : gc.members)
      if (m.node == me)
        if (auto it = locals.find({gc.group, m.pid}); it != locals.end()) to.emplace_back(m.pid, it->second.cb.confchg);
    std::vector<std::uint32_t> gone;
    for (const auto& l : gc.left)
      if (l.who.node == me && l.reason == Reason::leave)
        if (auto it = locals.find({gc.group, l.who.pid}); it != locals.end()) {
          to.emplace_back(l.who.pid, it->second.cb.confchg);
          if (it->second.leaves > 0) --it->second.leaves;
          if (it->second.done()) gone.push_back(l.who.pid);
        }
    // Before the callbacks, which may join again with the same pid.
    for (auto pid : gone) locals.erase({gc.group, pid});
    for (auto& [pid, fn] : to)
      if (fn) fn(gc);
  }
  void emit_all(const std::vector<GroupConfig>& v) {
    for (const auto& gc : v) emit(gc);
  }

  void begin_change(const std::vector<NodeId>& moving_on) {
    sync.abort();
    synced = false;
    transitional_seen = true;
    // What was sent in the old ring and not delivered arrives stale (or not
    // at all): it goes out again after the next exchange.
    for (std::size_t i = 0; i < in_flight; ++i) outbox[i].sent.clear();
    in_flight = 0;
    joinlist.clear();
    joinlist_sent = 0;
    auto keep = moving_on;
    keep.push_back(me);
    emit_all(table.remove_nodes_not_in(keep));
  }

  void on_config_change(const totem::ConfigChange& cc) {
    if (cc.kind == totem::ConfigChange::Kind::transitional) {
      log.debug("transitional configuration {}: {} members", cc.ring.to_string(), cc.members.size());
      begin_change(cc.members);
      return;
    }
    if (!transitional_seen) {
      std::vector<NodeId> kept;
      for (NodeId n : cc.members)
        if (std::find(cc.joined.begin(), cc.joined.end(), n) == cc.joined.end()) kept.push_back(n);
      begin_change(kept);
    }
    transitional_seen = false;
    have_ring = true;
    ring = cc.ring;
    ring_members = cc.members;
    std::sort(ring_members.begin(), ring_members.end());
    if (std::find(ring_members.begin(), ring_members.end(), me) == ring_members.end()) ring_members.push_back(me);
    std::sort(ring_members.begin(), ring_members.end());
    sync.start(ring, ring_members);
    joinlist = wire::split_joinlist(ring, table.entries_of(me));
    joinlist_sent = 0;
    log.debug("ring {}: joinlist exchange with {} nodes ({} local memberships)", ring.to_string(),
              ring_members.size(), table.entries_of(me).size());
    const RingChange rc{ring, ring_members};
    if (observer.totem_confchg) observer.totem_confchg(rc);
    std::vector<std::function<void(const RingChange&)>> to;
    for (const auto& [key, l] : locals)
      if (l.cb.totem_confchg) to.push_back(l.cb.totem_confchg);
    for (auto& fn : to) fn(rc);
  }

  void stale(NodeId sender, const char* what) {
    ++stats.stale_messages;
    log.debug("stale {} from node {} dropped", what, sender);
  }

  void on_message(NodeId sender, core::ByteView payload) {
    auto d = wire::decode(payload);
    if (!d.ok()) {
      ++stats.bad_messages;
      log.warning("bad message from node {} ({} bytes): {}", sender, payload.size(), d.error);
      return;
    }
    const auto& m = *d.message;
    if (!have_ring || wire::ring_of(m) != ring ||
        !std::binary_search(ring_members.begin(), ring_members.end(), sender))
      return stale(sender, "message of another ring");
    if (const auto* jl = std::get_if<wire::JoinListMsg>(&m)) {
      switch (sync.add(sender, *jl)) {
        case JoinListSync::Added::unexpected: return stale(sender, "joinlist");
        case JoinListSync::Added::more: return;
        case JoinListSync::Added::complete: return complete_sync();
      }
    }
    if (!synced) return stale(sender, "request before the joinlist exchange ended");
    if (sender == me) {
      if (in_flight > 0 && outbox.front().sent.size() == payload.size() &&
          std::equal(payload.begin(), payload.end(), outbox.front().sent.begin())) {
        outbox_bytes -= outbox.front().size;
        outbox.pop_front();
        --in_flight;
      } else {
        log.warning("own message delivered out of the expected order (in flight: {})", in_flight);
      }
    }
    std::visit([&](const auto& x) { apply(sender, x); }, m);
  }

  void apply(NodeId sender, const wire::JoinMsg& m) {
    if (auto gc = table.add(m.group, {sender, m.pid}, Reason::join)) return emit(*gc);
    stale(sender, "join of a member");
  }
  void apply(NodeId sender, const wire::LeaveMsg& m) {
    if (auto gc = table.remove(m.group, {sender, m.pid}, Reason::leave)) return emit(*gc);
    stale(sender, "leave of a non-member");
    if (sender == me)
      if (auto it = locals.find({m.group, m.pid}); it != locals.end()) {
        if (it->second.leaves > 0) --it->second.leaves;
        if (it->second.done()) locals.erase(it);
      }
  }
  void apply(NodeId sender, const wire::ProcDownMsg& m) { emit_all(table.remove_process({sender, m.pid}, Reason::proc_down)); }
  void apply(NodeId sender, const wire::McastMsg& m) {
    const Address from{sender, m.pid};
    if (!table.is_member(m.group, from)) return stale(sender, "message from a non-member");
    ++stats.delivered;
    const auto members = table.members(m.group);
    if (observer.deliver) observer.deliver(m.group, from, m.data, members);
    std::vector<std::function<void(const Address&, core::ByteView)>> to;
    for (const auto& a : members)
      if (a.node == me)
        if (auto it = locals.find({m.group, a.pid}); it != locals.end() && it->second.cb.deliver)
          to.push_back(it->second.cb.deliver);
    for (auto& fn : to) fn(from, m.data);
  }
  void apply(NodeId, const wire::JoinListMsg&) { HALAB_ASSERT(false); }

  void complete_sync() {
    HALAB_ASSERT(!synced);
    synced = true;
    log.debug("ring {}: joinlist exchange complete", ring.to_string());
    emit_all(table.reconcile(sync.lists()));
    flush();
  }
};

Cpg::Cpg(core::Logger& logger, NodeId local_node, Callbacks cb)
    : impl_(std::make_unique<Impl>(logger, local_node, std::move(cb))) {
  HALAB_ASSERT(local_node != 0);
}
Cpg::~Cpg() = default;

Result Cpg::join(const std::string& group, std::uint32_t pid, GroupCallbacks cb) {
  auto& s = *impl_;
  if (!s.valid_name(group)) return Result::invalid;
  auto it = s.locals.find({group, pid});
  if (it != s.locals.end() && it->second.joined) return Result::exist;
  if (s.outbox_full(group.size())) return Result::try_again;
  // Joining again before an earlier leave() is delivered: that leave still
  // comes (to these callbacks), then this join.
  auto& l = s.locals[{group, pid}];
  l.cb = std::move(cb);
  l.joined = true;
  s.push(wire::JoinMsg{{}, group, pid}, group.size());
  s.flush();
  return Result::ok;
}

Result Cpg::leave(const std::string& group, std::uint32_t pid) {
  auto& s = *impl_;
  if (!s.valid_name(group)) return Result::invalid;
  auto it = s.locals.find({group, pid});
  if (it == s.locals.end() || !it->second.joined) return Result::not_exist;
  if (s.outbox_full(group.size())) return Result::try_again;
  it->second.joined = false;
  ++it->second.leaves;
  s.push(wire::LeaveMsg{{}, group, pid}, group.size());
  s.flush();
  return Result::ok;
}

void Cpg::proc_down(std::uint32_t pid) {
  auto& s = *impl_;
  bool known = false;
  for (auto it = s.locals.begin(); it != s.locals.end();) {
    if (it->first.second == pid) {
      known = true;
      it = s.locals.erase(it);
    } else {
      ++it;
    }
  }
  // Its requests not yet on the ring go; ProcDown covers those that are.
  for (std::size_t i = s.in_flight; i < s.outbox.size();) {
    const auto p = std::visit(
        [](const auto& x) -> std::uint32_t {
          if constexpr (std::is_same_v<std::decay_t<decltype(x)>, wire::JoinListMsg>) return 0;
          else return x.pid;
        },
        s.outbox[i].msg);
    if (p == pid && !std::holds_alternative<wire::ProcDownMsg>(s.outbox[i].msg)) {
      s.outbox_bytes -= s.outbox[i].size;
      s.outbox.erase(s.outbox.begin() + std::ptrdiff_t(i));
    } else {
      ++i;
    }
  }
  if (!s.table.entries_of(s.me).empty())
    for (const auto& e : s.table.entries_of(s.me)) known |= e.pid == pid;
  for (std::size_t i = 0; i < s.in_flight; ++i)
    known |= std::visit(
        [pid](const auto& x) {
          if constexpr (std::is_same_v<std::decay_t<decltype(x)>, wire::JoinListMsg>) return false;
          else return x.pid == pid;
        },
        s.outbox[i].msg);
  if (!known) return;
  // Never refused: a dead process must leave its groups.
  s.push(wire::ProcDownMsg{{}, pid}, 4);
  s.flush();
}

Result Cpg::mcast(const std::string& group, std::uint32_t pid, core::ByteView msg) {
  auto& s = *impl_;
  if (!s.valid_name(group)) return Result::invalid;
  if (msg.size() > kMaxMessage) return Result::too_big;
  auto it = s.locals.find({group, pid});
  if (it == s.locals.end() || !it->second.joined) return Result::not_exist;
  if (s.outbox_full(msg.size())) return Result::try_again;
  s.push(wire::McastMsg{{}, group, pid, core::Bytes(msg.begin(), msg.end())}, msg.size() + group.size());
  s.flush();
  return Result::ok;
}

void Cpg::on_config_change(const totem::ConfigChange& cc) {
  impl_->on_config_change(cc);
  impl_->flush();
}

void Cpg::on_message(NodeId sender, core::ByteView payload) {
  impl_->on_message(sender, payload);
  impl_->flush();
}

std::vector<GroupInfo> Cpg::groups() const { return impl_->table.groups(); }
const CpgStats& Cpg::stats() const { return impl_->stats; }
void Cpg::set_observer(Observer observer) { impl_->observer = std::move(observer); }
bool Cpg::synced() const { return impl_->synced; }
std::size_t Cpg::pending_requests() const { return impl_->outbox.size(); }

}  // namespace halab::cpg
