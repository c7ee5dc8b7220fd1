#include "simnet/scenario_run.hpp"

#include <algorithm>
#include <cinttypes>
#include <deque>

namespace halab::simnet {

std::string format_time(SimTime t) {
  char buf[48];
  const std::int64_t s = t / 1000000000, ms = (t / 1000000) % 1000;
  if (s < 3600) std::snprintf(buf, sizeof buf, "%9" PRId64 ".%03" PRId64 "s", s, ms);
  else  // long runs: days and a clock
    std::snprintf(buf, sizeof buf, "%3" PRId64 "d%02" PRId64 ":%02" PRId64 ":%02" PRId64 ".%03" PRId64, s / 86400,
                  s % 86400 / 3600, s % 3600 / 60, s % 60, ms);
  return buf;
}

namespace {

struct LogLine {
  SimTime t;
  int node;
  core::Level level;
  std::string message;
};

// Keeps every log line (for expectations) and prints the notable ones.
class RecordingSink final : public core::LogSink {
 public:
  RecordingSink(const World& w, std::FILE* out) : w_(w), out_(out) {}
  void write(const core::LogRecord& r) override {
    const int node = w_.node_index(r.node);
    lines.push_back(LogLine{w_.now(), node, r.level, std::string(r.message)});
    if (out_ && r.level <= core::Level::notice)
      std::fprintf(out_, "%s  %.*s\n", format_time(w_.now()).c_str(), int(r.message.size()), r.message.data());
  }
  std::vector<LogLine> lines;

 private:
  const World& w_;
  std::FILE* out_;
};

class TimelineObserver final : public Observer {
 public:
  TimelineObserver(std::FILE* out, Observer* also) : out_(out), also_(also) {}
  void on_fault(SimTime t, const std::string& what) override {
    if (also_) also_->on_fault(t, what);
    if (!out_) return;
    if (t == 0 && what.rfind("boot ", 0) == 0) return;  // the initial boots are no news
    std::fprintf(out_, "%s  == %s\n", format_time(t).c_str(), what.c_str());
  }

 private:
  std::FILE* out_;
  Observer* also_;
};

// Feeds every trace record to the audits; at the first violation schedules
// the end of the run and keeps the trace around it.
class AuditHub final : public TraceListener {
 public:
  AuditHub(World& w, std::vector<std::unique_ptr<Audit>> audits, const RunOptions& opt)
      : w_(w), audits_(std::move(audits)), opt_(opt) {}
  void on_record(const TraceRecord& r) override {
    if (opt_.trace_window) keep(r);
    // Datagrams, timers, processes and log lines are no audit's business
    // (the stack's beliefs come as `event` records): most records stop here.
    switch (r.kind) {
      case TraceKind::send:
      case TraceKind::deliver:
      case TraceKind::drop:
      case TraceKind::timer:
      case TraceKind::spawn:
      case TraceKind::process_end:
      case TraceKind::log:
        if (opt_.listener) opt_.listener->on_record(r);
        return;
      default:
        break;
    }
    for (auto& a : audits_) {
      const bool was = a->violation().has_value();
      a->on_record(r);
      if (!was && a->violation() && !violated_) {
        violated_ = true;
        const SimTime stop_at = std::max<SimTime>(r.t, w_.now()) + opt_.after_violation.count();
        w_.at(stop_at, [this] { w_.request_stop(); });
      }
    }
    if (opt_.listener) opt_.listener->on_record(r);
  }
  void at_end(SimTime end) {
    for (auto& a : audits_) a->at_end(end);
  }
  const std::vector<std::unique_ptr<Audit>>& audits() const { return audits_; }
  std::vector<std::string> window() const {
    std::vector<std::string> out;
    for (std::size_t i = 0; i < ring_count_; ++i) {
      const Kept& k = ring_[(ring_head_ + i) % ring_.size()];
      out.push_back(w_.trace().format_json(TraceRecord{k.kind, k.t, k.node, k.a, k.b, k.c, k.text}));
    }
    for (auto& k : after_) out.push_back(w_.trace().format_json(TraceRecord{k.kind, k.t, k.node, k.a, k.b, k.c, k.text}));
    return out;
  }

 private:
  struct Kept {
    TraceKind kind;
    SimTime t;
    std::uint32_t node;
    std::uint64_t a, b, c;
    std::string text;
  };
  // The last trace_window records in a ring whose slots are reused (no
  // allocation per record once warm), then, after a violation, every record.
  void keep(const TraceRecord& r) {
    Kept* k;
    if (violated_) {
      if (after_.size() >= 100000) return;  // bounded after the violation too
      k = &after_.emplace_back();
    } else {
      if (ring_.size() < opt_.trace_window) ring_.emplace_back();
      const std::size_t slot = (ring_head_ + ring_count_) % ring_.size();
      if (ring_count_ == ring_.size()) ring_head_ = (ring_head_ + 1) % ring_.size();
      else ++ring_count_;
      k = &ring_[slot];
    }
    k->kind = r.kind;
    k->t = r.t;
    k->node = r.node;
    k->a = r.a;
    k->b = r.b;
    k->c = r.c;
    k->text.assign(r.text);
  }
  World& w_;
  std::vector<std::unique_ptr<Audit>> audits_;
  const RunOptions& opt_;
  bool violated_ = false;
  std::vector<Kept> ring_;  // capacity trace_window
  std::size_t ring_head_ = 0, ring_count_ = 0;
  std::vector<Kept> after_;
};

// Composes several services into the one a node runs.
class Composite final : public core::Service {
 public:
  void on_clean_stop() override {
    for (auto& p : parts) p->on_clean_stop();
  }
  // Done when every part that has a graceful stop is done.
  bool begin_clean_stop(std::function<void()> done) override {
    auto left = std::make_shared<int>(1);
    auto one = [left, done] {
      if (--*left == 0) done();
    };
    bool any = false;
    for (auto& p : parts)
      if (p->begin_clean_stop([one]() mutable { one(); })) {
        ++*left;
        any = true;
      }
    one();  // the guard: done only after every part was asked
    return any;
  }
  std::vector<std::unique_ptr<core::Service>> parts;
};

}  // namespace

RunResult run_scenario(const Scenario& sc, const ServiceRegistry& registry, const RunOptions& opt) {
  RunResult result;
  result.seed = opt.seed ? *opt.seed : sc.seed.value_or(1);
  result.schedule = fault_schedule(sc, result.seed);
  std::vector<AdminHandler> admin_handlers;
  std::vector<std::function<void(World&)>> world_setup;
  ResourceLimits limits;  // outlives the audits (they keep a reference)
  MandatoryConstraints constraints;
  World world(result.seed);
  if (!opt.trace_path.empty()) world.trace().open_json(opt.trace_path);
  world.set_log_level(sc.log_level);
  std::FILE* out = opt.timeline;

  for (auto& n : sc.networks) {
    LinkModel m;
    n.model.apply(m);
    world.add_network(n.name, n.subnet, m);
  }
  // Addresses: explicit, or the node's position as host part on every network.
  std::vector<std::vector<core::Ipv4>> addrs(sc.nodes.size());
  std::map<std::string, core::Ipv4> first_addr;
  for (std::size_t i = 0; i < sc.nodes.size(); ++i) {
    const auto& n = sc.nodes[i];
    if (!n.addresses.empty()) addrs[i] = n.addresses;
    else
      for (auto& nw : sc.networks) {
        const std::uint32_t host = static_cast<std::uint32_t>(i + 1);
        if (host >= (~nw.subnet.mask())) throw ScenarioError(sc.file, n.line, "network " + nw.name + " is too small for node " + n.name);
        addrs[i].push_back(core::Ipv4{(nw.subnet.network.value & nw.subnet.mask()) | host});
      }
    for (auto a : addrs[i])
      if (sc.networks.front().subnet.contains(a)) first_addr[n.name] = a;
  }

  // Service factories per node.
  std::vector<std::vector<ServiceFactory>> factories(sc.nodes.size());
  for (auto& sv : sc.services) {
    auto it = registry.find(sv.name);
    if (it == registry.end()) {
      std::string known;
      for (auto& [k, _] : registry) known += (known.empty() ? "" : ", ") + k;
      throw ScenarioError(sc.file, sv.line, "unknown service '" + sv.name + "' (known: " + known + ")");
    }
    ServiceContext ctx{sc, sv, sv.nodes, first_addr, &admin_handlers, &limits, &world_setup, &constraints};
    if (ctx.nodes.empty())
      for (auto& n : sc.nodes) ctx.nodes.push_back(n.name);
    ServiceFactory f = it->second(ctx);
    for (auto& n : ctx.nodes) factories[sc.node_index(n)].push_back(f);
  }
  for (std::size_t i = 0; i < sc.nodes.size(); ++i) {
    ServiceFactory f;
    if (factories[i].size() == 1) f = factories[i][0];
    else if (!factories[i].empty())
      f = [parts = factories[i]](core::Env& env) {
        auto c = std::make_unique<Composite>();
        for (auto& p : parts) c->parts.push_back(p(env));
        return c;
      };
    try {
      world.add_node(sc.nodes[i].name, addrs[i], f);
    } catch (const core::Error& e) {
      throw ScenarioError(sc.file, sc.nodes[i].line, e.what());
    }
  }
  auto idx = [&](const std::string& name) { return world.node_index(name); };
  auto net_index = [&](const std::string& name) {
    for (std::size_t i = 0; i < sc.networks.size(); ++i)
      if (sc.networks[i].name == name) return static_cast<int>(i);
    return -1;
  };
  for (auto& l : sc.links) {
    for (std::size_t net = 0; net < sc.networks.size(); ++net) {
      if (!l.network.empty() && net_index(l.network) != static_cast<int>(net)) continue;
      LinkModel base;
      sc.networks[net].model.apply(base);
      l.model.apply(base);
      for (auto& a : l.from)
        for (auto& b : l.to) {
          if (a == b) continue;
          world.set_link(idx(a), idx(b), base, static_cast<int>(net));
          if (l.both) world.set_link(idx(b), idx(a), base, static_cast<int>(net));
        }
    }
  }
  for (auto& step : world_setup) step(world);
  for (auto& a : sc.agents) world.define_agent(a.model);

  auto recorder = std::make_shared<RecordingSink>(world, out);
  world.add_log_sink(recorder);
  if (opt.log_sink) world.add_log_sink(opt.log_sink);
  TimelineObserver observer(out, opt.observer);
  if (out || opt.observer) world.set_observer(&observer);

  // Faults.
  using K = Scenario::Fault::Kind;
  for (auto& f : result.schedule) {
    const Scenario::Fault* fp = &f;
    world.at(at(f.at), [&world, fp, idx, &admin_handlers] {
      const auto& f = *fp;
      switch (f.kind) {
        case K::stop: for (auto& n : f.nodes) world.halt(idx(n)); break;
        case K::start: for (auto& n : f.nodes) world.power_on(idx(n)); break;
        case K::fail_resource:
          world.admin("fail-resource " + f.rsc + (f.nodes.empty() ? "" : " on " + f.nodes[0]) + " rc " + std::to_string(f.rc));
          world.fail_resource(f.rsc, f.nodes.empty() ? -1 : idx(f.nodes[0]), f.rc);
          break;
        case K::fence: world.fence(idx(f.nodes[0]), f.text.empty() ? "scenario" : f.text, f.reboot); break;
        case K::admin: {
          world.admin(f.text);
          for (auto& h : admin_handlers)
            if (h(world, f)) break;
          break;
        }
        case K::kill_component:  // halabd hosts every component: today its death is the node's crash
          world.admin("kill-component " + f.nodes[0] + " " + f.text);
          world.crash(idx(f.nodes[0]));
          break;
        case K::crash: for (auto& n : f.nodes) world.crash(idx(n)); break;
        case K::restart: for (auto& n : f.nodes) world.restart(idx(n)); break;
        case K::power_off: for (auto& n : f.nodes) world.power_off(idx(n)); break;
        case K::power_on: for (auto& n : f.nodes) world.power_on(idx(n)); break;
        case K::resume: for (auto& n : f.nodes) world.resume(idx(n)); break;
        case K::pause:
          for (auto& n : f.nodes) {
            world.pause(idx(n));
            if (f.delta.count() > 0) {
              const int i = idx(n);
              world.at(world.now() + f.delta.count(), [&world, i] { world.resume(i); });
            }
          }
          break;
        case K::drift: world.set_drift(idx(f.nodes[0]), f.rate); break;
        case K::step: world.step_clock(idx(f.nodes[0]), f.delta); break;
        case K::partition: {
          auto ids = [&](const std::vector<std::string>& g) {
            std::vector<int> v;
            for (auto& n : g) v.push_back(idx(n));
            return v;
          };
          if (f.one_way) world.partition(ids(f.groups[0]), ids(f.groups[1]), true);
          else
            for (std::size_t a = 0; a < f.groups.size(); ++a)
              for (std::size_t b = a + 1; b < f.groups.size(); ++b) world.partition(ids(f.groups[a]), ids(f.groups[b]), false);
          break;
        }
        case K::heal: world.heal(); break;
        case K::degrade:
          for (auto& a : f.nodes)
            for (auto& b : f.to) {
              for (int net = 0; net < world.network_count(); ++net) {
                LinkModel m = world.link_model(idx(a), idx(b), net);
                f.patch.apply(m);
                world.degrade(idx(a), idx(b), m, net);
                if (!f.one_way) {
                  LinkModel r = world.link_model(idx(b), idx(a), net);
                  f.patch.apply(r);
                  world.degrade(idx(b), idx(a), r, net);
                }
              }
            }
          break;
      }
    });
  }
  for (auto& f : sc.failures) {
    if (f.link) world.add_link_failures(idx(f.a), idx(f.b), f.process);
    else world.add_failures(idx(f.a), f.process);
  }

  // Expectations that need snapshots during the run.
  const SimTime end = at(sc.duration);
  const std::size_t n = sc.nodes.size();
  struct Snap {
    std::vector<std::uint64_t> at1, at2;
    std::string state;
  };
  std::vector<Snap> snaps(sc.expects.size());
  for (std::size_t e = 0; e < sc.expects.size(); ++e) {
    const auto& x = sc.expects[e];
    Snap* s = &snaps[e];
    auto take = [&world, n](std::vector<std::uint64_t>& v) {
      v.resize(n * n);
      for (std::size_t a = 0; a < n; ++a)
        for (std::size_t b = 0; b < n; ++b) v[a * n + b] = world.delivered(int(a), int(b));
    };
    if (x.kind == Scenario::Expect::Kind::reach || x.kind == Scenario::Expect::Kind::no_reach) {
      const SimTime t2 = x.t2.count() < 0 ? end : at(x.t2);
      world.at(at(x.t1), [s, take] { take(s->at1); });
      world.at(std::min(t2, end), [s, take] { take(s->at2); });
    } else if (x.kind == Scenario::Expect::Kind::state) {
      const int i = idx(x.from[0]);
      world.at(at(x.t1), [s, &world, i] { s->state = !world.is_up(i) ? "down" : world.is_paused(i) ? "paused" : "up"; });
    } else if (x.kind == Scenario::Expect::Kind::resource) {
      const int i = idx(x.from[0]);
      const std::string rsc = x.rsc;
      world.at(at(x.t1), [s, &world, i, rsc] { s->state = to_string(world.resource_state(rsc, i)); });
    }
  }

  if (out)
    std::fprintf(out, "halab sim: %s — %zu nodes, %zu networks, seed %" PRIu64 ", %s simulated\n",
                 sc.name.empty() ? sc.file.c_str() : sc.name.c_str(), sc.nodes.size(), sc.networks.size(), result.seed,
                 core::format_duration(sc.duration).c_str());
  // Who heard whom during the last second: the summary's view of connectivity.
  std::vector<std::uint64_t> last_second(n * n);
  const SimTime probe = end > 1'000'000'000 ? end - 1'000'000'000 : 0;
  world.at(probe, [&] {
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = 0; b < n; ++b) last_second[a * n + b] = world.delivered(int(a), int(b));
  });
  std::unique_ptr<AuditHub> hub;
  if (!sc.audits.empty() || opt.listener) {
    hub = std::make_unique<AuditHub>(world, make_audits(sc, limits, constraints), opt);
    world.trace().set_listener(hub.get());
  }
  world.start();
  if (opt.progress) {
    const SimTime slice = std::max<SimTime>(end / 1000, 1'000'000);
    for (SimTime t = 0; t < end && !world.stop_requested();) {
      t = std::min(end, t + slice);
      world.run_until(t);
      opt.progress(world.now(), end, world.events());
    }
  } else {
    world.run_until(end);
  }
  result.stopped = world.stop_requested();
  result.end = world.now();
  if (hub) {
    if (!result.stopped) hub->at_end(end);
    for (auto& a : hub->audits()) {
      AuditResult ar{&a->decl(), !a->violation(), 0, "held"};
      if (a->violation()) {
        ar.t = a->violation()->t;
        ar.detail = "at " + core::format_duration(core::Duration(ar.t)) + ": " + a->violation()->detail;
      }
      result.ok = result.ok && ar.ok;
      result.audits.push_back(std::move(ar));
    }
    if (opt.trace_window) result.trace_window = hub->window();
  }

  // Evaluate.
  for (std::size_t e = 0; e < sc.expects.size(); ++e) {
    const auto& x = sc.expects[e];
    ExpectResult r{&x, true, {}};
    if (result.stopped) {  // an audit ended the run early: what comes later was never run
      r.detail = "not checked: an audit stopped the run at " + core::format_duration(core::Duration(result.end));
      result.expects.push_back(std::move(r));
      continue;
    }
    using EK = Scenario::Expect::Kind;
    switch (x.kind) {
      case EK::reach:
      case EK::no_reach: {
        const auto& s = snaps[e];
        std::vector<std::pair<int, int>> pairs;
        for (auto& a : x.from)
          for (auto& b : x.to) {
            if (a == b) continue;
            pairs.emplace_back(idx(a), idx(b));
            if (x.both) pairs.emplace_back(idx(b), idx(a));
          }
        for (auto [a, b] : pairs) {
          // A window that starts after the run's end has no snapshots: nothing was delivered in it.
          const std::uint64_t count = s.at2.empty() || s.at1.empty() ? 0 : s.at2[a * n + b] - s.at1[a * n + b];
          const bool bad = x.kind == EK::reach ? count == 0 : count > 0;
          if (bad) {
            r.ok = false;
            r.detail += (r.detail.empty() ? "" : "; ") + world.node_name(a) + " -> " + world.node_name(b) + ": " +
                        std::to_string(count) + " datagrams";
          }
        }
        break;
      }
      case EK::log:
      case EK::no_log: {
        const int who = x.from.empty() ? -1 : idx(x.from[0]);
        const SimTime t1 = at(x.t1), t2 = x.t2.count() < 0 ? end : at(x.t2);
        const LogLine* hit = nullptr;
        for (auto& l : recorder->lines)
          if ((who < 0 || l.node == who) && l.t >= t1 && l.t <= t2 && l.message.find(x.text) != std::string::npos) {
            hit = &l;
            break;
          }
        r.ok = (x.kind == EK::log) == (hit != nullptr);
        if (hit) r.detail = "at " + core::format_duration(core::Duration(hit->t)) + ": " + hit->message;
        else r.detail = "no matching line";
        break;
      }
      case EK::availability: {
        const double a = world.availability(idx(x.from[0]));
        r.ok = x.at_least ? a >= x.threshold : a <= x.threshold;
        char buf[64];
        std::snprintf(buf, sizeof buf, "measured %.4f%%", a * 100);
        r.detail = buf;
        break;
      }
      case EK::state:
      case EK::resource:
        r.ok = snaps[e].state == x.text;
        r.detail = "was " + (snaps[e].state.empty() ? std::string("?") : snaps[e].state);
        break;
    }
    result.ok = result.ok && r.ok;
    result.expects.push_back(std::move(r));
  }

  if (out) {
    std::fprintf(out, "\nsummary at %s%s:\n", core::format_duration(core::Duration(result.end)).c_str(),
                 result.stopped ? " (stopped by an audit)" : "");
    for (std::size_t a = 0; a < n; ++a) {
      const NodeStats st = world.stats(int(a));
      std::string hears;
      for (std::size_t b = 0; b < n; ++b)
        if (b != a && world.delivered(int(b), int(a)) > last_second[b * n + a]) hears += " " + world.node_name(int(b));
      std::fprintf(out, "  %-8s %-6s availability %7.3f%%  crashes %u  sent %" PRIu64 "  received %" PRIu64
                        "  hears from:%s\n",
                   world.node_name(int(a)).c_str(), !world.is_up(int(a)) ? "down" : world.is_paused(int(a)) ? "paused" : "up",
                   world.availability(int(a)) * 100, st.crashes, st.sent, st.delivered, hears.empty() ? " (nobody)" : hears.c_str());
    }
    const auto& ns = world.network_stats();
    std::fprintf(out, "  network: %" PRIu64 " sent, %" PRIu64 " delivered, %" PRIu64 " duplicated; dropped:", ns.sent,
                 ns.delivered, ns.duplicated);
    for (int k = 0; k < 6; ++k)
      std::fprintf(out, " %s %" PRIu64, to_string(static_cast<DropReason>(k)), ns.dropped[k]);
    std::fprintf(out, "\n");
    for (auto& r : result.expects)
      std::fprintf(out, "  expect %-50s %s%s%s%s\n", r.expect->source.c_str(), r.ok ? "ok" : "FAILED",
                   r.detail.empty() ? "" : " (", r.detail.c_str(), r.detail.empty() ? "" : ")");
    for (auto& a : result.audits)
      std::fprintf(out, "  %-57s %s (%s)\n", a.audit->source.c_str(), a.ok ? "ok" : "VIOLATED", a.detail.c_str());
    std::fprintf(out, "  %" PRIu64 " events, %" PRIu64 " trace records\n", world.events(), world.trace().count());
  }
  world.trace().set_listener(nullptr);
  result.hash = world.trace().hash();
  result.events = world.events();
  result.trace_records = world.trace().count();
  world.trace().close_json();
  return result;
}

}  // namespace halab::simnet
