// The event queue, nodes and their clocks, storage and faults.
#include "simnet/world.hpp"

#include <algorithm>
#include <cmath>

#include "simnet/world_internal.hpp"
#include "stack/core/assert.hpp"
#include "stack/core/error.hpp"

namespace halab::simnet {

namespace {
// Every node's wall clock starts at 2026-01-01T00:00:00Z: no host clock leaks in.
constexpr std::int64_t kWallBaseSeconds = 1767225600;
struct Later {
  bool operator()(const World::Entry& a, const World::Entry& b) const {
    return a.time != b.time ? a.time > b.time : a.seq > b.seq;
  }
};
constexpr Later later{};
// An id that no slot will ever match (gen 0 is never used).
constexpr std::uint64_t kDeadId = 0xfffffffeull;
}  // namespace

World::Node::Node(World& w, std::string nm, std::uint32_t idx)
    : name(std::move(nm)),
      index(idx),
      clock(w, *this),
      network(w, *this),
      processes(w, *this),
      logger(clock, name),
      env{clock, network, processes, storage, logger, name, 0} {}

World::World(std::uint64_t seed) : seed_(seed), rng_(seed) {
  heap_.reserve(1024);
  slots_.reserve(1024);
  AgentModel fence;
  fence.name = kFenceAgent;
  fence.default_action.duration = Dist::fixed(std::chrono::milliseconds(100));
  for (const char* a : {"off", "on", "reboot"}) fence.actions[a].duration = Dist::fixed(std::chrono::seconds(2));
  define_agent(std::move(fence));
  AgentModel ping;
  ping.name = kPingAgent;
  ping.default_action.duration = Dist::fixed(std::chrono::milliseconds(1));
  define_agent(std::move(ping));
  for (const char* name : kOcfAgents) define_agent(ocf_model(name));
}

AgentModel ocf_model(const std::string& name) {
  AgentModel ocf;
  ocf.name = name;
  ocf.ocf_resource = true;
  ocf.default_action.duration = Dist::fixed(std::chrono::milliseconds(50));
  for (const char* a : {"start", "stop", "promote", "demote"}) ocf.actions[a].duration = Dist::fixed(std::chrono::milliseconds(500));
  return ocf;
}

World::~World() {
  // Services may cancel timers and close sockets while they go.
  for (auto& n : nodes_) {
    n->up = false;
    n->service.reset();
  }
}

// ---------------------------------------------------------------- queue

void World::free_slot(std::uint32_t idx) {
  Slot& s = slots_[idx];
  s.fn = nullptr;
  s.live = false;
  if (++s.gen == 0) s.gen = 1;
  free_slots_.push_back(idx);
}

bool World::cancel_slot(std::uint64_t id, std::uint32_t node) {
  const std::uint64_t idx = (id & 0xffffffffu) - 1;
  const auto gen = static_cast<std::uint32_t>(id >> 32);
  if (idx >= slots_.size()) return false;
  Slot& s = slots_[idx];
  if (!s.live || s.gen != gen) return false;
  if (node != kWorldNode && s.node != node) return false;
  if (s.kind == Kind::delivery) free_packets_.push_back(s.packet);
  free_slot(static_cast<std::uint32_t>(idx));
  return true;
}

std::uint64_t World::at(SimTime t, std::function<void()> fn) { return push(t, Kind::world, kWorldNode, std::move(fn)); }
void World::cancel_event(std::uint64_t id) {
  if (id) cancel_slot(id, kWorldNode);
}

void World::dispatch(const Entry& e) {
  Slot& s = slots_[e.slot];
  if (!s.live || s.gen != e.gen) return;  // cancelled
  now_ = e.time;
  switch (s.kind) {
    case Kind::world: {
      auto fn = std::move(s.fn);
      free_slot(e.slot);
      ++events_;
      fn();
      return;
    }
    case Kind::timer:
    case Kind::node_event: {
      Node& n = *nodes_[s.node];
      if (s.epoch != n.epoch || !n.up) {  // an event of a crashed incarnation
        free_slot(e.slot);
        return;
      }
      if (n.paused) {
        n.held.push_back(e);
        return;
      }
      if (s.kind == Kind::timer && local_now(n) < s.local_deadline) {
        // The node's clock was slowed or stepped back since this was queued.
        SimTime t = global_for_local(n, s.local_deadline);
        push_entry(Entry{t > now_ ? t : now_ + 1, e.seq, e.slot, e.gen});
        return;
      }
      auto fn = std::move(s.fn);
      const std::uint32_t node = s.node;
      if (s.kind == Kind::timer) trace_.record(TraceKind::timer, now_, node, (std::uint64_t(e.gen) << 32) | e.slot);
      free_slot(e.slot);
      ++events_;
      fn();
      return;
    }
    case Kind::delivery: {
      Node& n = *nodes_[s.node];
      if (n.up && n.paused) {
        n.held.push_back(e);
        return;
      }
      const std::uint32_t packet = s.packet;
      free_slot(e.slot);
      ++events_;
      deliver(packet);
      return;
    }
  }
}

bool World::step() {
  if (heap_.empty()) return false;
  dispatch(pop_entry());
  return true;
}

void World::run_until(SimTime t) {
  if (!finalized_) finalize();
  while (!stop_ && !heap_.empty() && heap_.front().time <= t) dispatch(pop_entry());
  if (t > now_ && !stop_) now_ = t;
}

// ---------------------------------------------------------------- nodes

int World::add_node(std::string name, std::vector<core::Ipv4> addresses, ServiceFactory factory) {
  HALAB_ASSERT_MSG(!finalized_, "add nodes before start()");
  if (node_index(name) >= 0) throw core::Error("node '" + name + "' defined twice");
  const auto idx = static_cast<std::uint32_t>(nodes_.size());
  auto n = std::make_unique<Node>(*this, name, idx);
  for (auto a : addresses) {
    int net = -1;
    for (int i = 0; i < network_count(); ++i)
      if (networks_[i].subnet.contains(a)) net = i;
    if (net < 0) throw core::Error("node " + name + ": address " + a.to_string() + " is on no network");
    for (auto& [other_net, _] : n->ifaces)
      if (other_net == net) throw core::Error("node " + name + ": two addresses on network " + networks_[net].name);
    for (auto& other : nodes_)
      for (auto& [_, oa] : other->ifaces)
        if (oa == a) throw core::Error("node " + name + ": address " + a.to_string() + " already used by " + other->name);
    n->ifaces.emplace_back(net, a);
  }
  n->factory = std::move(factory);
  n->logger.set_level(log_level_);
  n->logger.set_level("event", core::Level::trace);  // the stack's records for the lab always pass
  n->logger.add_sink(std::make_shared<TraceSink>(*this, idx));
  for (auto& s : extra_sinks_) n->logger.add_sink(s);
  nodes_.push_back(std::move(n));
  return static_cast<int>(idx);
}

void World::add_log_sink(std::shared_ptr<core::LogSink> sink) {
  for (auto& n : nodes_) n->logger.add_sink(sink);
  extra_sinks_.push_back(std::move(sink));
}

int World::node_index(std::string_view name) const {
  for (auto& n : nodes_)
    if (n->name == name) return static_cast<int>(n->index);
  return -1;
}
const std::string& World::node_name(int node) const { return nodes_.at(node)->name; }
std::vector<core::Ipv4> World::node_addresses(int node) const {
  std::vector<core::Ipv4> out;
  for (auto& [_, a] : nodes_.at(node)->ifaces) out.push_back(a);
  return out;
}
bool World::is_up(int node) const { return nodes_.at(node)->up; }
bool World::is_powered_off(int node) const { return nodes_.at(node)->powered_off; }
bool World::is_paused(int node) const { return nodes_.at(node)->paused; }
core::Env& World::env(int node) { return nodes_.at(node)->env; }
core::Service* World::service(int node) { return nodes_.at(node)->service.get(); }

NodeStats World::stats(int node) const {
  const Node& n = *nodes_.at(node);
  NodeStats s = n.stats;
  if (n.up) s.up_time += now_ - n.up_since;
  return s;
}

double World::availability(int node) const { return now_ > 0 ? double(stats(node).up_time) / double(now_) : 1.0; }

void World::start() {
  if (!finalized_) finalize();
  for (auto& n : nodes_) {
    Node* np = n.get();
    at(now_, [this, np] {
      if (!np->up && !np->powered_off) boot(*np, false);
    });
  }
}

void World::boot(Node& n, bool restart) {
  n.up = true;
  n.paused = false;
  n.up_since = now_;
  n.rng = core::Rng(seed_).derive("node").derive(n.name).derive(n.epoch);
  n.env.seed = n.rng.derive("env").seed();
  if (restart) ++n.stats.restarts;
  fault(restart ? TraceKind::restart : TraceKind::boot, n.index, n.epoch,
        (restart ? "restart " : "boot ") + n.name);
  if (n.factory) n.service = n.factory(n.env);
}

void World::take_down(Node& n, int how) {
  if (!n.up) return;
  resources_down(static_cast<int>(n.index), how == 2 ? ResourceCause::halt : ResourceCause::node_down);
  n.stats.up_time += now_ - n.up_since;
  ++n.stats.crashes;
  n.up = false;
  n.paused = false;
  n.stopping = false;
  n.start_after_stop = false;
  ++n.epoch;  // every queued event of the old incarnation is now dead
  for (auto& e : n.held) {
    Slot& s = slots_[e.slot];
    if (s.live && s.gen == e.gen) {
      if (s.kind == Kind::delivery) free_packets_.push_back(s.packet);
      free_slot(e.slot);
    }
  }
  n.held.clear();
  n.running.clear();
  fault(TraceKind::crash, n.index, static_cast<std::uint64_t>(how),
        (how == 1 ? "power off " : how == 2 ? "stop " : "crash ") + n.name);
  auto svc = std::move(n.service);
  svc.reset();
  if (how != 2) n.storage.crash();
}

void World::crash(int node) { take_down(*nodes_.at(node), 0); }

void World::halt(int node) {
  Node& n = *nodes_.at(node);
  if (n.stopping) return;  // already on its way down
  if (n.up && n.service) {
    // A stack that can leave on its own (halabd's CRM) is asked to, and
    // halted when it says it is done; bounded, as an init system's stop timeout.
    const std::uint32_t epoch = n.epoch;
    auto finish = [this, node, epoch] {
      Node& m = *nodes_.at(node);
      if (!m.up || m.epoch != epoch || !m.stopping) return;  // crashed or fenced meanwhile
      m.stopping = false;
      finish_halt(node);
    };
    n.stopping = true;
    if (n.service->begin_clean_stop([this, finish] { at(now_, finish); })) {
      at(now_ + kCleanStopLimit.count(), finish);
      return;
    }
    n.stopping = false;
  }
  finish_halt(node);
}

void World::finish_halt(int node) {
  Node& n = *nodes_.at(node);
  const bool again = n.start_after_stop;
  if (n.up && n.service) n.service->on_clean_stop();  // it may say goodbye while still up
  take_down(n, 2);
  n.powered_off = true;
  if (again) power_on(node);
}

void World::restart(int node) {
  Node& n = *nodes_.at(node);
  if (n.up) take_down(n, 0);
  n.powered_off = false;
  boot(n, true);
}

void World::power_off(int node) {
  Node& n = *nodes_.at(node);
  take_down(n, 1);
  n.powered_off = true;
}

void World::power_on(int node) {
  Node& n = *nodes_.at(node);
  if (n.stopping) {  // still shutting down: it boots again once it is down
    n.start_after_stop = true;
    return;
  }
  n.powered_off = false;
  if (!n.up && !n.failed) boot(n, true);  // a broken node stays down until its repair
}

void World::pause(int node) {
  Node& n = *nodes_.at(node);
  if (!n.up || n.paused) return;
  n.paused = true;
  fault(TraceKind::pause, n.index, 0, "pause " + n.name);
}

void World::resume(int node) {
  Node& n = *nodes_.at(node);
  if (!n.paused) return;
  n.paused = false;
  fault(TraceKind::resume, n.index, n.held.size(), "resume " + n.name);
  // Held events run now, in the order they came due.
  for (auto& e : n.held) push_entry(Entry{now_, seq_++, e.slot, e.gen});
  n.held.clear();
}

SimTime World::local_now(const Node& n) const {
  const SimTime dg = now_ - n.g0;
  if (n.rate == 1.0) return n.l0 + dg;
  return n.l0 + static_cast<SimTime>(std::llround(static_cast<double>(dg) * n.rate));
}

SimTime World::global_for_local(const Node& n, SimTime local) const {
  if (local <= local_now(n)) return now_;
  const SimTime dl = local - n.l0;
  if (n.rate == 1.0) return n.g0 + dl;
  return n.g0 + static_cast<SimTime>(std::ceil(static_cast<double>(dl) / n.rate));
}

void World::reschedule_timers(Node& n) {
  for (auto& e : heap_) {
    const Slot& s = slots_[e.slot];
    if (s.live && s.gen == e.gen && s.kind == Kind::timer && s.node == n.index)
      e.time = global_for_local(n, s.local_deadline);
  }
  std::make_heap(heap_.begin(), heap_.end(), later);
}

void World::set_drift(int node, double rate) {
  Node& n = *nodes_.at(node);
  if (!(rate > 0)) throw core::Error("clock rate must be positive");
  n.l0 = local_now(n);
  n.g0 = now_;
  n.rate = rate;
  reschedule_timers(n);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%+.0fppm", (rate - 1.0) * 1e6);
  fault(TraceKind::drift, n.index, static_cast<std::uint64_t>(std::llround((rate - 1.0) * 1e9)),
        "clock drift " + n.name + " " + buf);
}

void World::step_clock(int node, core::Duration delta) {
  Node& n = *nodes_.at(node);
  n.l0 = local_now(n) + delta.count();
  n.g0 = now_;
  reschedule_timers(n);
  fault(TraceKind::step, n.index, static_cast<std::uint64_t>(delta.count()),
        "clock step " + n.name + " " + (delta.count() >= 0 ? "+" : "") + core::format_duration(delta));
}

void World::fault(TraceKind kind, std::uint32_t node, std::uint64_t a, const std::string& what) {
  trace_.record_text(kind, now_, node, a, what);
  if (observer_) observer_->on_fault(now_, what);
}

// ---------------------------------------------------------------- failure processes

void World::add_failures(int node, const FailureProcess& process) {
  auto st = std::make_shared<FailureState>();
  st->process = process;
  st->rng = rng_.derive("failures").derive(nodes_.at(node)->name);
  st->node = node;
  at(now_ + process.up.sample(st->rng).count(), [this, st] { failure_cycle(st, true); });
}

void World::add_link_failures(int a, int b, const FailureProcess& process) {
  auto st = std::make_shared<FailureState>();
  st->process = process;
  st->rng = rng_.derive("link-failures").derive(nodes_.at(a)->name).derive(nodes_.at(b)->name);
  st->a = a;
  st->b = b;
  at(now_ + process.up.sample(st->rng).count(), [this, st] { failure_cycle(st, true); });
}

void World::failure_cycle(std::shared_ptr<FailureState> st, bool fail_now) {
  if (!finalized_) finalize();
  const std::size_t n = nodes_.size();
  if (st->node >= 0) {
    nodes_[st->node]->failed = fail_now;
    if (fail_now) take_down(*nodes_[st->node], 0);
    else if (!nodes_[st->node]->up && !nodes_[st->node]->powered_off) boot(*nodes_[st->node], true);
  } else {
    const int d = fail_now ? 1 : -1;
    blocked_[st->a * n + st->b] += d;
    blocked_[st->b * n + st->a] += d;
    fault(fail_now ? TraceKind::link_down : TraceKind::link_up, kWorldNode, st->a * n + st->b,
          std::string(fail_now ? "link down " : "link up ") + nodes_[st->a]->name + " <-> " + nodes_[st->b]->name);
  }
  st->failed = fail_now;
  const Dist& next = fail_now ? st->process.down : st->process.up;
  at(now_ + next.sample(st->rng).count(), [this, st, fail_now] { failure_cycle(st, !fail_now); });
}

// ---------------------------------------------------------------- clock

core::Instant SimClock::now() const { return core::Instant(core::Duration(w_->local_now(*n_))); }

core::WallTime SimClock::wall_now() const {
  return core::WallTime(std::chrono::seconds(kWallBaseSeconds) + core::Duration(w_->local_now(*n_)));
}

core::TimerId SimClock::schedule(core::Duration delay, core::Callback fn) {
  if (!n_->up) return kDeadId;
  const SimTime deadline = w_->local_now(*n_) + (delay.count() > 0 ? delay.count() : 0);
  return w_->push(w_->global_for_local(*n_, deadline), World::Kind::timer, n_->index, std::move(fn), deadline);
}

void SimClock::cancel(core::TimerId id) {
  if (id) w_->cancel_slot(id, n_->index);
}

// ---------------------------------------------------------------- storage

void SimStorage::write(std::string_view name, core::ByteView data, core::Sync sync) {
  core::check_storage_name(name);
  core::Bytes bytes(data.begin(), data.end());
  if (sync == core::Sync::durable) durable_.insert_or_assign(std::string(name), bytes);
  visible_.insert_or_assign(std::string(name), std::move(bytes));
}

std::optional<core::Bytes> SimStorage::read(std::string_view name) const {
  auto it = visible_.find(name);
  if (it == visible_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> SimStorage::list(std::string_view dir) const {
  std::string prefix(dir);
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';
  std::vector<std::string> out;
  for (auto it = visible_.lower_bound(prefix); it != visible_.end(); ++it) {
    const std::string& k = it->first;
    if (k.compare(0, prefix.size(), prefix) != 0) break;
    const std::string rest = k.substr(prefix.size());
    if (rest.find('/') == std::string::npos) out.push_back(rest);
  }
  return out;
}

bool SimStorage::remove(std::string_view name, core::Sync sync) {
  core::check_storage_name(name);
  auto it = visible_.find(name);
  const bool existed = it != visible_.end();
  if (existed) visible_.erase(it);
  if (sync == core::Sync::durable) {
    auto d = durable_.find(name);
    if (d != durable_.end()) durable_.erase(d);
  }
  return existed;
}

void TraceSink::write(const core::LogRecord& r) {
  if (r.subsys == "event") {  // a record the stack emits for the lab (docs/lab.md)
    w_->trace().record_text(TraceKind::event, w_->now(), node_, 0, r.message);
    return;
  }
  std::string text;
  text.reserve(r.subsys.size() + r.message.size() + 16);
  text += core::to_string(r.level);
  text += ' ';
  text += r.subsys;
  text += ": ";
  text += r.message;
  w_->trace().record_text(TraceKind::log, w_->now(), node_, static_cast<std::uint64_t>(r.level), text);
}

}  // namespace halab::simnet
