// pacemaker's CTS test catalog as fault generators. A `cts NAME k=v...`
// statement expands, for a run's seed, into timed faults and administrative
// actions; the run schedules them where the statement stands in the file.
// Facts about what each CTS test does come from pacemaker's CTS; the code is
// ours (docs/scenario-format.md, "CTS tests").
#include <algorithm>
#include <cmath>

#include "simnet/scenario.hpp"
#include "stack/core/random.hpp"

namespace halab::simnet {

namespace {

using Fault = Scenario::Fault;
using K = Fault::Kind;
using core::Duration;

const std::vector<std::string> kTests = {
    "Flip",          "Restart",      "StartOnebyOne",   "SimulStart",    "SimulStop",     "StopOnebyOne",
    "RestartOnebyOne", "PartialStart", "Standby",       "MaintenanceMode", "ResourceRecover", "ComponentFail",
    "SplitBrain",    "Reattach",     "ResyncCIB",       "NearQuorumPoint", "Stonithd"};

// The daemons CTS's ComponentFail picks from (all hosted by halabd here).
const std::vector<std::string> kComponents = {"corosync", "pacemaker-based", "pacemaker-controld",
                                              "pacemaker-execd", "pacemaker-fenced", "pacemaker-schedulerd"};

struct Params {
  int count = 1;
  Duration start = std::chrono::seconds(10), interval = std::chrono::seconds(30);
  Duration down = std::chrono::seconds(10), gap = std::chrono::seconds(5);
  Duration heal = std::chrono::seconds(15), partial = std::chrono::seconds(2);
  std::vector<std::string> nodes;
  std::string rsc, component;
  int rc = 7;
  bool restore = true;
};

Params read_params(const Scenario& sc, const Scenario::Cts& c) {
  auto fail = [&](const std::string& m) { throw ScenarioError(sc.file, c.line, "cts " + c.name + ": " + m); };
  Params p;
  for (auto& [k, v] : c.params) {
    auto dur = [&](Duration& d) {
      if (!core::parse_duration(v, d) || v.empty() || !std::isalpha(static_cast<unsigned char>(v.back())))
        fail("bad duration " + k + "=" + v + " (want e.g. 10s)");
    };
    if (k == "count") {
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (*end || n < 1 || n > 10000) fail("count must be 1..10000, not '" + v + "'");
      p.count = static_cast<int>(n);
    } else if (k == "start") dur(p.start);
    else if (k == "interval") dur(p.interval);
    else if (k == "down") dur(p.down);
    else if (k == "gap") dur(p.gap);
    else if (k == "heal") dur(p.heal);
    else if (k == "partial") dur(p.partial);
    else if (k == "nodes") {
      std::size_t s = 0;
      while (s <= v.size()) {
        auto comma = v.find(',', s);
        std::string n = v.substr(s, comma == std::string::npos ? std::string::npos : comma - s);
        s = comma == std::string::npos ? v.size() + 1 : comma + 1;
        if (n.empty()) continue;
        if (sc.node_index(n) < 0) fail("unknown node '" + n + "'");
        p.nodes.push_back(n);
      }
      if (p.nodes.empty()) fail("nodes= names no node");
    } else if (k == "rsc") p.rsc = v;
    else if (k == "component") p.component = v;
    else if (k == "rc") {
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (*end || n < 0 || n > 255) fail("rc must be 0..255");
      p.rc = static_cast<int>(n);
    } else if (k == "restore") {
      if (v != "yes" && v != "no") fail("restore is yes or no");
      p.restore = v == "yes";
    } else {
      fail("unknown parameter '" + k + "' (count, start, interval, down, gap, heal, partial, nodes, rsc, rc, component, restore)");
    }
  }
  if (p.nodes.empty())
    for (auto& n : sc.nodes) p.nodes.push_back(n.name);
  if (c.name == "ResourceRecover" && p.rsc.empty()) fail("needs rsc=RESOURCE");
  if (c.name == "SplitBrain" && p.nodes.size() < 2) fail("needs at least two nodes");
  if (c.name == "Stonithd" && p.nodes.size() < 2) fail("needs at least two nodes (one fences the other)");
  return p;
}

// Builds one test's schedule, tracking which nodes it has stopped.
class Gen {
 public:
  Gen(const Params& p, core::Rng rng, int line) : p_(p), rng_(std::move(rng)), line_(line) {
    for (auto& n : p.nodes) up_[n] = true;
  }
  std::vector<Fault> out;

  void run(const std::string& test) {
    for (int i = 0; i < p_.count; ++i) {
      const Duration t = p_.start + p_.interval * i;
      iteration(test, t);
    }
    if (p_.restore) {  // leave the cluster as it found it
      const Duration t = p_.start + p_.interval * p_.count;
      std::vector<std::string> down;
      for (auto& n : p_.nodes)
        if (!up_[n]) down.push_back(n);
      if (!down.empty()) start(t, down);
    }
  }

 private:
  void iteration(const std::string& test, Duration t) {
    const auto& all = p_.nodes;
    if (test == "Flip") {
      const std::string n = pick(all);
      if (up_[n]) stop(t, {n});
      else start(t, {n});
    } else if (test == "Restart") {
      const std::string n = pick(all);
      if (!up_[n]) {
        start(t, {n});
        t += p_.down;
      }
      stop(t, {n});
      start(t + p_.down, {n});
    } else if (test == "StartOnebyOne") {
      stop(t, ups());
      auto order = shuffled(all);
      for (std::size_t k = 0; k < order.size(); ++k) start(t + p_.down + p_.gap * static_cast<int>(k), {order[k]});
    } else if (test == "SimulStart") {
      stop(t, ups());
      start(t + p_.down, all);
    } else if (test == "SimulStop") {
      start(t, downs());
      stop(t + p_.gap, all);
    } else if (test == "StopOnebyOne") {
      start(t, downs());
      auto order = shuffled(all);
      for (std::size_t k = 0; k < order.size(); ++k) stop(t + p_.gap * static_cast<int>(k + 1), {order[k]});
    } else if (test == "RestartOnebyOne") {
      start(t, downs());
      auto order = shuffled(all);
      for (std::size_t k = 0; k < order.size(); ++k) {
        const Duration s = t + (p_.down + p_.gap) * static_cast<int>(k) + p_.gap;
        stop(s, {order[k]});
        start(s + p_.down, {order[k]});
      }
    } else if (test == "PartialStart") {
      // Stop a node, start it, and stop it again while it is still starting up.
      const std::string n = pick(all);
      if (up_[n]) stop(t, {n});
      start(t + p_.down, {n});
      const auto during = Duration(static_cast<std::int64_t>(rng_.uniform01() * double(p_.partial.count())));
      stop(t + p_.down + ms(during), {n});
    } else if (test == "Standby") {
      const std::string n = pick(all);
      admin(t, "standby " + n, n);
      admin(t + p_.down, "online " + n, n);
    } else if (test == "MaintenanceMode") {
      admin(t, "maintenance on", {});
      admin(t + p_.down, "maintenance off", {});
    } else if (test == "ResourceRecover") {
      Fault f = make(t, K::fail_resource);
      f.rsc = p_.rsc;
      f.rc = p_.rc;
      out.push_back(f);
    } else if (test == "ComponentFail") {
      const std::string n = pick(all);
      Fault f = make(t, K::kill_component);
      f.nodes = {n};
      f.text = p_.component.empty() ? kComponents[rng_.below(kComponents.size())] : p_.component;
      out.push_back(f);
      up_[n] = false;
      start(t + p_.down, {n});  // the node rejoins (fenced and rebooted, or respawned)
    } else if (test == "SplitBrain") {
      auto order = shuffled(all);
      const std::size_t cut = 1 + rng_.below(order.size() - 1);
      Fault f = make(t, K::partition);
      f.groups = {std::vector<std::string>(order.begin(), order.begin() + static_cast<long>(cut)),
                  std::vector<std::string>(order.begin() + static_cast<long>(cut), order.end())};
      std::sort(f.groups[0].begin(), f.groups[0].end(), [&](auto& a, auto& b) { return pos(a) < pos(b); });
      std::sort(f.groups[1].begin(), f.groups[1].end(), [&](auto& a, auto& b) { return pos(a) < pos(b); });
      f.nodes = f.groups[0];
      out.push_back(f);
      out.push_back(make(t + p_.heal, K::heal));
    } else if (test == "Reattach") {
      // Resources keep running unmanaged while the stack restarts under them.
      admin(t, "maintenance on", {});
      stop(t + p_.gap, ups());
      start(t + p_.gap + p_.down, all);
      admin(t + p_.gap * 2 + p_.down, "maintenance off", {});
    } else if (test == "ResyncCIB") {
      stop(t, ups());
      const std::string n = pick(all);
      admin(t + p_.gap, "wipe-cib " + n, n);
      start(t + p_.down, all);
    } else if (test == "NearQuorumPoint") {
      // Around the quorum point: just enough nodes up for quorum, or one fewer.
      auto order = shuffled(all);
      const std::size_t majority = all.size() / 2 + 1;
      const std::size_t keep = rng_.chance(0.5) ? majority : majority - 1;
      std::vector<std::string> on(order.begin(), order.begin() + static_cast<long>(std::min(keep, order.size())));
      std::vector<std::string> off(order.begin() + static_cast<long>(on.size()), order.end());
      std::vector<std::string> to_start, to_stop;
      for (auto& n : on)
        if (!up_[n]) to_start.push_back(n);
      for (auto& n : off)
        if (up_[n]) to_stop.push_back(n);
      start(t, to_start);
      stop(t, to_stop);
    } else if (test == "Stonithd") {
      const std::string target = pick(all);
      Fault f = make(t, K::fence);
      f.nodes = {target};
      f.reboot = true;
      // (the fencer is the world: who asked is the stack's business, and describe_fault round-trips)
      out.push_back(f);
      up_[target] = true;  // a reboot brings it back
    }
  }

  static Duration ms(Duration d) { return std::chrono::duration_cast<std::chrono::milliseconds>(d); }
  Fault make(Duration t, K kind) const {
    Fault f;
    f.at = ms(t);
    f.kind = kind;
    f.line = line_;
    return f;
  }
  void stop(Duration t, std::vector<std::string> nodes) {
    if (nodes.empty()) return;
    Fault f = make(t, K::stop);
    for (auto& n : nodes) up_[n] = false;
    f.nodes = std::move(nodes);
    out.push_back(f);
  }
  void start(Duration t, std::vector<std::string> nodes) {
    if (nodes.empty()) return;
    Fault f = make(t, K::start);
    for (auto& n : nodes) up_[n] = true;
    f.nodes = std::move(nodes);
    out.push_back(f);
  }
  void admin(Duration t, const std::string& what, const std::string& node) {
    Fault f = make(t, K::admin);
    f.text = what;
    if (!node.empty()) f.nodes = {node};
    out.push_back(f);
  }
  std::vector<std::string> ups() {
    std::vector<std::string> v;
    for (auto& n : p_.nodes)
      if (up_[n]) v.push_back(n);
    return v;
  }
  std::vector<std::string> downs() {
    std::vector<std::string> v;
    for (auto& n : p_.nodes)
      if (!up_[n]) v.push_back(n);
    return v;
  }
  std::string pick(const std::vector<std::string>& v) { return v[rng_.below(v.size())]; }
  std::vector<std::string> shuffled(std::vector<std::string> v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[rng_.below(i)]);
    return v;
  }
  std::size_t pos(const std::string& n) const {
    return static_cast<std::size_t>(std::find(p_.nodes.begin(), p_.nodes.end(), n) - p_.nodes.begin());
  }

  const Params& p_;
  core::Rng rng_;
  int line_;
  std::map<std::string, bool> up_;
};

std::string time_word(Duration d) {
  const std::int64_t ns = d.count();
  if (ns % 1'000'000 == 0) return std::to_string(ns / 1'000'000) + "ms";
  return std::to_string(ns) + "ns";
}

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (auto& x : v) s += (s.empty() ? "" : " ") + x;
  return s;
}

}  // namespace

const std::vector<std::string>& cts_tests() { return kTests; }

void check_cts(const Scenario& sc, const Scenario::Cts& c) {
  if (std::find(kTests.begin(), kTests.end(), c.name) == kTests.end()) {
    std::string known;
    for (auto& t : kTests) known += (known.empty() ? "" : ", ") + t;
    throw ScenarioError(sc.file, c.line, "unknown CTS test '" + c.name + "' (known: " + known + ")");
  }
  read_params(sc, c);
}

std::vector<Scenario::Fault> fault_schedule(const Scenario& sc, std::uint64_t seed) {
  std::vector<Fault> out;
  std::size_t next_cts = 0;
  auto flush_cts_before = [&](int line) {
    while (next_cts < sc.cts.size() && sc.cts[next_cts].line < line) {
      const auto& c = sc.cts[next_cts];
      const Params p = read_params(sc, c);
      // Its own stream: the world's random streams (links, failures) are untouched.
      Gen g(p, core::Rng(seed).derive("cts").derive(c.name).derive(static_cast<std::uint64_t>(next_cts)), c.line);
      g.run(c.name);
      for (auto& f : g.out)
        if (f.at <= sc.duration) out.push_back(std::move(f));
      ++next_cts;
    }
  };
  for (auto& f : sc.faults) {
    flush_cts_before(f.line);
    out.push_back(f);
  }
  flush_cts_before(1 << 30);
  return out;
}

std::string describe_fault(const Scenario::Fault& f) {
  std::string s = "at " + time_word(f.at) + " ";
  switch (f.kind) {
    case K::crash: return s + "crash " + join(f.nodes);
    case K::restart: return s + "restart " + join(f.nodes);
    case K::power_off: return s + "power-off " + join(f.nodes);
    case K::power_on: return s + "power-on " + join(f.nodes);
    case K::pause: return s + "pause " + join(f.nodes) + (f.delta.count() > 0 ? " for " + time_word(f.delta) : "");
    case K::resume: return s + "resume " + join(f.nodes);
    case K::drift: {
      char b[48];
      std::snprintf(b, sizeof b, "%.17g", f.rate);
      return s + "drift " + f.nodes[0] + " " + b;
    }
    case K::step: return s + "step " + f.nodes[0] + " " + (f.delta.count() < 0 ? "-" + time_word(-f.delta) : "+" + time_word(f.delta));
    case K::partition: {
      s += "partition";
      for (std::size_t g = 0; g < f.groups.size(); ++g) s += (g ? (f.one_way ? " ->" : " |") : std::string()) + " " + join(f.groups[g]);
      return s;
    }
    case K::heal: return s + "heal";
    case K::degrade: return s + "degrade " + join(f.nodes) + (f.one_way ? " -> " : " <-> ") + join(f.to) + " (settings as written)";
    case K::stop: return s + "stop " + join(f.nodes);
    case K::start: return s + "start " + join(f.nodes);
    case K::fail_resource:
      return s + "fail-resource " + f.rsc + (f.nodes.empty() ? "" : " on " + f.nodes[0]) +
             (f.rc != 7 ? " rc " + std::to_string(f.rc) : "");
    case K::fence: return s + "fence " + f.nodes[0] + (f.reboot ? " reboot" : " off");
    case K::admin: return s + f.text;
    case K::kill_component: return s + "kill-component " + f.nodes[0] + " " + f.text;
  }
  return s;
}

}  // namespace halab::simnet
