#include "lab/runner.hpp"

#include <map>
#include <set>

#include "simnet/agents.hpp"
#include "simnet/scenario.hpp"

namespace halab::lab {

namespace {

// Turns the world's fault announcements into outage and partition intervals.
class Measure final : public simnet::Observer {
 public:
  explicit Measure(RunRecord& r) : r_(r) {
    for (std::size_t i = 0; i < r.nodes.size(); ++i) index_[r.nodes[i].name] = i;
  }
  void on_fault(simnet::SimTime t, const std::string& what) override {
    if (auto n = subject(what, "crash ")) down(*n, t);
    else if (auto n5 = subject(what, "stop ")) down(*n5, t);
    else if (auto n2 = subject(what, "power off ")) down(*n2, t);
    else if (auto n3 = subject(what, "restart ")) up(*n3, t);
    else if (auto n4 = subject(what, "boot ")) up(*n4, t);
    else if (what.rfind("partition ", 0) == 0) {
      // World numbers partitions 1, 2, ... in the order they are made.
      open_parts_[next_part_++] = r_.partitions.size();
      r_.partitions.push_back({t, 0, true, what.substr(10)});
    } else if (what.rfind("heal partition ", 0) == 0) {
      const int id = std::atoi(what.c_str() + 15);
      if (auto it = open_parts_.find(id); it != open_parts_.end()) {
        close(r_.partitions[it->second], t);
        open_parts_.erase(it);
      }
    } else if (what == "heal") {
      for (auto& [id, i] : open_parts_) close(r_.partitions[i], t);
      open_parts_.clear();
    }
  }

 private:
  std::optional<std::size_t> subject(const std::string& what, const char* prefix) const {
    const std::size_t len = std::char_traits<char>::length(prefix);
    if (what.compare(0, len, prefix) != 0) return std::nullopt;
    auto it = index_.find(what.substr(len));
    if (it == index_.end()) return std::nullopt;
    return it->second;
  }
  void down(std::size_t n, simnet::SimTime t) {
    auto& o = r_.nodes[n].outages;
    if (o.empty() || !o.back().open) o.push_back({t, 0, true, {}});
  }
  void up(std::size_t n, simnet::SimTime t) {
    auto& o = r_.nodes[n].outages;
    if (!o.empty() && o.back().open) close(o.back(), t);
  }
  static void close(Interval& i, simnet::SimTime t) {
    i.end_ns = t;
    i.open = false;
  }
  RunRecord& r_;
  std::map<std::string, std::size_t> index_;
  std::map<int, std::size_t> open_parts_;
  int next_part_ = 1;
};

// Counts the heartbeat's "peer X lost" lines, by the lost peer.
class PeerLossSink final : public core::LogSink {
 public:
  explicit PeerLossSink(RunRecord& r) : r_(r) {}
  void write(const core::LogRecord& rec) override {
    const std::string_view m = rec.message;
    const auto p = m.find("peer ");
    if (p == std::string_view::npos) return;
    const auto l = m.find(" lost", p + 5);
    if (l == std::string_view::npos) return;
    const std::string_view who = m.substr(p + 5, l - p - 5);
    for (auto& n : r_.nodes)
      if (n.name == who) ++n.peer_losses;
  }

 private:
  RunRecord& r_;
};

// Tells two listeners.
class Tee final : public simnet::TraceListener {
 public:
  Tee(simnet::TraceListener* a, simnet::TraceListener* b) : a_(a), b_(b) {}
  void on_record(const simnet::TraceRecord& r) override {
    a_->on_record(r);
    if (b_) b_->on_record(r);
  }

 private:
  simnet::TraceListener *a_, *b_;
};

// Per resource: when no instance of it is active or promoted on any node.
class ResourceMeter final : public simnet::TraceListener {
 public:
  void on_record(const simnet::TraceRecord& r) override {
    if (r.kind != simnet::TraceKind::resource) return;
    const auto state = static_cast<simnet::ResourceState>(r.a & 0xff);
    const bool serving = state == simnet::ResourceState::active || state == simnet::ResourceState::promoted;
    const std::string base = simnet::resource_of(r.text);
    auto it = index_.find(base);
    if (it == index_.end()) {
      it = index_.emplace(base, out.size()).first;
      out.push_back(NodeRecord{base, 0, {Interval{0, 0, true, {}}}, 0, 0, 0});  // down until it first runs
      count_.push_back({});
    }
    auto& serving_on = count_[it->second];
    const std::string key = std::string(r.text) + "@" + std::to_string(r.node);
    const std::size_t before = serving_on.size();
    if (serving) serving_on.insert(key);
    else serving_on.erase(key);
    auto& o = out[it->second].outages;
    if (before == 0 && !serving_on.empty() && !o.empty() && o.back().open) {
      o.back().end_ns = r.t;
      o.back().open = false;
      if (o.back().end_ns == o.back().start_ns) o.pop_back();
    } else if (before > 0 && serving_on.empty()) {
      o.push_back(Interval{r.t, 0, true, {}});
    }
  }
  std::vector<NodeRecord> out;

 private:
  std::map<std::string, std::size_t> index_;
  std::vector<std::set<std::string>> count_;  // "instance@node" serving
};

}  // namespace

RunRecord run_one(const std::string& text, const std::string& file, std::uint64_t seed,
                  const simnet::ServiceRegistry& services) {
  return run_one(text, file, seed, services, RunExtras{});
}

RunRecord run_one(const std::string& text, const std::string& file, std::uint64_t seed,
                  const simnet::ServiceRegistry& services, const RunExtras& extras) {
  const simnet::Scenario sc = simnet::parse_scenario(text, file);
  RunRecord r;
  r.scenario = sc.name.empty() ? file : sc.name;
  r.seed = seed;
  r.duration_ns = sc.duration.count();
  for (auto& n : sc.nodes) r.nodes.push_back(NodeRecord{n.name, 0, {}, 0, 0, 0});
  for (auto& f : sc.failures) {
    if (f.link) continue;
    const int i = sc.node_index(f.a);
    if (i < 0) continue;
    r.nodes[i].mtbf_cfg_ns = f.process.up.mean_ns();
    r.nodes[i].mttr_cfg_ns = f.process.down.mean_ns();
  }
  Measure measure(r);
  simnet::RunOptions opt;
  opt.seed = seed;
  opt.observer = &measure;
  opt.log_sink = std::make_shared<PeerLossSink>(r);
  opt.trace_window = extras.trace_window;
  opt.trace_path = extras.trace_path;
  opt.timeline = extras.timeline;
  std::vector<std::string> names;
  for (auto& n : sc.nodes) names.push_back(n.name);
  FailoverMeter failovers(names);
  ResourceMeter resources;
  Tee tee2(&resources, extras.listener);
  Tee tee(&failovers, &tee2);
  opt.listener = &tee;
  if (extras.progress) opt.progress = extras.progress;
  const simnet::RunResult res = simnet::run_scenario(sc, services, opt);
  r.hash = res.hash;
  r.ok = res.ok;
  for (auto& e : res.expects) r.audits.push_back({e.expect->source, e.ok, e.detail});
  for (auto& a : res.audits) r.audits.push_back({a.audit->source, a.ok, a.detail});
  for (auto& f : res.schedule) r.schedule.push_back(simnet::describe_fault(f));
  r.trace_window = res.trace_window;
  r.failovers = std::move(failovers.failovers);
  r.graphs = std::move(failovers.graphs);
  r.stopped = res.stopped;
  r.end_ns = res.end;
  r.events = res.events;
  // Close what is still open at the end (censored intervals keep open=true).
  for (auto& n : r.nodes) {
    std::int64_t down = 0;
    for (auto& o : n.outages) {
      if (o.open) o.end_ns = r.duration_ns;
      down += o.end_ns - o.start_ns;
    }
    n.availability = r.duration_ns > 0 ? 1.0 - double(down) / double(r.duration_ns) : 1.0;
  }
  r.resources = std::move(resources.out);
  for (auto& n : r.resources) {
    std::int64_t down = 0;
    for (auto& o : n.outages) {
      if (o.open) o.end_ns = r.duration_ns;
      down += o.end_ns - o.start_ns;
    }
    n.availability = r.duration_ns > 0 ? 1.0 - double(down) / double(r.duration_ns) : 1.0;
  }
  for (auto& p : r.partitions)
    if (p.open) p.end_ns = r.duration_ns;
  return r;
}

}  // namespace halab::lab

#include <filesystem>
#include <fstream>
#include <sstream>

namespace halab::lab {
void load_scenario_text(const std::string& arg, std::string& text, std::string& file) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(arg, ec)) {
    std::ifstream f(arg);
    std::ostringstream s;
    s << f.rdbuf();
    if (!f) throw core::Error("cannot read " + arg);
    text = s.str();
    file = arg;
    return;
  }
  const auto& builtin = simnet::embedded_scenarios();
  auto it = builtin.find(arg);
  if (it == builtin.end()) {
    std::string known;
    for (auto& [name, _] : builtin) known += " " + name;
    throw core::Error("'" + arg + "' is neither a file nor a built-in scenario (built in:" + known + ")");
  }
  text = std::string(it->second);
  file = "scenarios/" + it->first + ".scn";
}

void add_cts_lines(std::string& text, const std::vector<std::string>& lines) {
  if (lines.empty()) return;
  if (!text.empty() && text.back() != '\n') text += '\n';
  text += "# added on the command line\n";
  for (auto& l : lines) text += "cts " + l + "\n";
}
}  // namespace halab::lab
