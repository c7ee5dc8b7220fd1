// The scenario parser, part two: faults at fixed times, failure processes
// and expectations.
#include <cmath>
#include <functional>

#include "simnet/scenario_parser.hpp"

namespace halab::simnet::detail {

void Parser::fault(const Statement& s) {
  const auto& w = s.words;
  using K = Scenario::Fault::Kind;
  Scenario::Fault f;
  f.line = s.line;
  if (w.size() < 3) fail(s.line, "at wants: at TIME ACTION ...");
  f.at = duration(w[1], s.line);
  const std::string& a = w[2];
  std::size_t i = 3;
  auto subjects = [&] {
    f.nodes = node_list(w, i, s.line, {"for", "rate"});
    if (f.nodes.empty()) fail(s.line, a + " wants node names");
  };
  if (a == "crash") f.kind = K::crash, subjects();
  else if (a == "restart") f.kind = K::restart, subjects();
  else if (a == "power-off") f.kind = K::power_off, subjects();
  else if (a == "power-on") f.kind = K::power_on, subjects();
  else if (a == "resume") f.kind = K::resume, subjects();
  else if (a == "pause") {
    f.kind = K::pause;
    subjects();
    if (i < w.size()) {
      if (w[i] != "for") fail(s.line, "pause wants: pause NODES [for DURATION]");
      f.delta = duration(word(w, ++i, s.line, "pause duration"), s.line);
      ++i;
    }
  } else if (a == "drift") {
    f.kind = K::drift;
    f.nodes.push_back(word(w, i++, s.line, "node"));
    const std::string& r = word(w, i++, s.line, "rate (e.g. +100ppm, -50ppm or 1.0001)");
    if (r.size() > 3 && r.compare(r.size() - 3, 3, "ppm") == 0) f.rate = 1.0 + number(r.substr(0, r.size() - 3), s.line) * 1e-6;
    else f.rate = number(r, s.line);
    if (!(f.rate > 0.5 && f.rate < 2.0)) fail(s.line, "clock rate '" + r + "' out of range (0.5 .. 2)");
  } else if (a == "step") {
    f.kind = K::step;
    f.nodes.push_back(word(w, i++, s.line, "node"));
    std::string d = word(w, i++, s.line, "step (e.g. +2s or -500ms)");
    const bool neg = !d.empty() && d[0] == '-';
    if (!d.empty() && (d[0] == '-' || d[0] == '+')) d = d.substr(1);
    f.delta = neg ? -duration(d, s.line) : duration(d, s.line);
  } else if (a == "partition") {
    f.kind = K::partition;
    f.groups.push_back(node_list(w, i, s.line, {"|", "->"}));
    if (i >= w.size()) fail(s.line, "partition wants: partition A B | C D (or A -> B for one way)");
    f.one_way = w[i] == "->";
    while (i < w.size()) {
      if ((w[i] == "->") != f.one_way) fail(s.line, "partition mixes '|' and '->'");
      ++i;
      f.groups.push_back(node_list(w, i, s.line, {"|", "->"}));
    }
    if (f.one_way && f.groups.size() != 2) fail(s.line, "a one-way partition has exactly two sides: A -> B");
    for (auto& g : f.groups)
      if (g.empty()) fail(s.line, "partition has an empty side");
  } else if (a == "heal") {
    f.kind = K::heal;
    if (w.size() > 3) fail(s.line, "heal takes nothing (it ends every partition and degradation)");
  } else if (a == "degrade") {
    f.kind = K::degrade;
    f.nodes = node_list(w, i, s.line, {"->", "<->"});
    if (i >= w.size()) fail(s.line, "degrade wants: degrade A -> B SETTINGS (or A <-> B)");
    f.one_way = w[i++] == "->";
    f.to = node_list(w, i, s.line, {"latency", "jitter", "loss", "duplicate", "reorder", "bandwidth", "queue"});
    if (f.nodes.empty() || f.to.empty()) fail(s.line, "degrade needs nodes on both sides");
    link_attrs(w, i, s.line, f.patch);
    if (f.patch.empty()) fail(s.line, "degrade changes nothing (give latency, loss, ...)");
  } else if (a == "stop") {
    f.kind = K::stop, subjects();
  } else if (a == "start") {
    f.kind = K::start, subjects();
  } else if (a == "fail-resource") {
    f.kind = K::fail_resource;
    f.rsc = word(w, i++, s.line, "resource name");
    while (i < w.size()) {
      if (w[i] == "on") {
        f.nodes.push_back(word(w, ++i, s.line, "node"));
        ++i;
      } else if (w[i] == "rc") {
        const double rc = number(word(w, ++i, s.line, "exit code"), s.line);
        if (rc < 0 || rc > 255 || rc != std::floor(rc)) fail(s.line, "rc must be an exit code 0..255");
        f.rc = static_cast<int>(rc);
        ++i;
      } else {
        fail(s.line, "fail-resource wants: fail-resource RSC [on NODE] [rc N]");
      }
    }
  } else if (a == "fence") {
    f.kind = K::fence;
    f.nodes.push_back(word(w, i++, s.line, "node to fence"));
    if (i < w.size()) {
      if (w[i] != "off" && w[i] != "reboot") fail(s.line, "fence wants: fence NODE [reboot|off]");
      f.reboot = w[i++] == "reboot";
    }
  } else if (a == "standby" || a == "online" || a == "wipe-cib") {
    f.kind = K::admin;
    f.nodes.push_back(word(w, i++, s.line, "node"));
    f.text = a + " " + f.nodes[0];
  } else if (a == "maintenance") {
    f.kind = K::admin;
    const std::string& v = word(w, i++, s.line, "on or off");
    if (v != "on" && v != "off") fail(s.line, "maintenance wants on or off");
    f.text = "maintenance " + v;
  } else if (a == "kill-component") {
    f.kind = K::kill_component;
    f.nodes.push_back(word(w, i++, s.line, "node"));
    f.text = word(w, i++, s.line, "component name");
  } else {
    fail(s.line, "unknown action '" + a +
                     "' (crash, restart, power-off, power-on, pause, resume, drift, step, partition, heal, degrade, "
                     "stop, start, fail-resource, fence, standby, online, maintenance, wipe-cib, kill-component)");
  }
  if (i < w.size() && f.kind != K::partition && f.kind != K::degrade) fail(s.line, "unexpected '" + w[i] + "'");
  for (auto& n : f.nodes) node_refs_.emplace_back(s.line, n);
  for (auto& n : f.to) node_refs_.emplace_back(s.line, n);
  for (auto& g : f.groups)
    for (auto& n : g) node_refs_.emplace_back(s.line, n);
  sc_.faults.push_back(std::move(f));
}

void Parser::failures(const Statement& s) {
  const auto& w = s.words;
  Scenario::Failures f;
  f.line = s.line;
  std::size_t i = 1;
  const std::string& what = word(w, i++, s.line, "'node' or 'link'");
  if (what == "node") {
    f.a = word(w, i++, s.line, "node");
  } else if (what == "link") {
    f.link = true;
    f.a = word(w, i++, s.line, "first node");
    f.b = word(w, i++, s.line, "second node");
  } else {
    fail(s.line, "failures wants: failures node N mtbf D mttr D [DIST] or failures link A B mtbf D mttr D [DIST]");
  }
  std::optional<core::Duration> mtbf, mttr;
  std::string kind = "exponential";
  double param = 0;
  while (i < w.size()) {
    const std::string& k = w[i++];
    if (k == "mtbf") mtbf = duration(word(w, i++, s.line, "MTBF"), s.line);
    else if (k == "mttr") mttr = duration(word(w, i++, s.line, "MTTR"), s.line);
    else if (k == "exponential") kind = k;
    else if (k == "weibull" || k == "lognormal") {
      kind = k;
      param = number(word(w, i++, s.line, k == "weibull" ? "shape" : "sigma"), s.line);
      if (!(param > 0)) fail(s.line, kind + " parameter must be positive");
    } else fail(s.line, "unknown failures setting '" + k + "' (mtbf, mttr, exponential, weibull K, lognormal S)");
  }
  if (!mtbf || !mttr) fail(s.line, "failures needs both mtbf and mttr");
  if (*mtbf <= core::Duration::zero() || *mttr <= core::Duration::zero()) fail(s.line, "mtbf and mttr must be positive");
  if (kind == "exponential") f.process = FailureProcess::exponential(*mtbf, *mttr);
  else if (kind == "weibull") f.process = FailureProcess::weibull(*mtbf, *mttr, param);
  else f.process = FailureProcess::lognormal(*mtbf, *mttr, param);
  f.description = "mtbf " + core::format_duration(*mtbf) + " mttr " + core::format_duration(*mttr) + " " + kind;
  node_refs_.emplace_back(s.line, f.a);
  if (f.link) node_refs_.emplace_back(s.line, f.b);
  sc_.failures.push_back(std::move(f));
}

void Parser::expect(const Statement& s) {
  const auto& w = s.words;
  using K = Scenario::Expect::Kind;
  Scenario::Expect e;
  e.line = s.line;
  for (std::size_t k = 1; k < w.size(); ++k) {
    const bool quote = w[k].find(' ') != std::string::npos || (k == 3 && (w[1] == "log" || w[1] == "no-log"));
    e.source += (k > 1 ? " " : "") + (quote ? "\"" + w[k] + "\"" : w[k]);
  }
  std::size_t i = 1;
  const std::string& what = word(w, i++, s.line, "what to expect (reach, no-reach, log, no-log, availability, state, resource)");
  if (what == "reach" || what == "no-reach") {
    e.kind = what == "reach" ? K::reach : K::no_reach;
    e.from = node_list(w, i, s.line, {"->", "<->"});
    if (i >= w.size()) fail(s.line, what + " wants: A -> B (or A <-> B) [during START..END]");
    e.both = w[i++] == "<->";
    e.to = node_list(w, i, s.line, {"during"});
    if (e.from.empty() || e.to.empty()) fail(s.line, what + " needs nodes on both sides");
    window(w, i, s.line, e);
  } else if (what == "log" || what == "no-log") {
    e.kind = what == "log" ? K::log : K::no_log;
    const std::string& who = word(w, i++, s.line, "node (or any)");
    if (who != "any") e.from.push_back(who);
    e.text = word(w, i++, s.line, "quoted text to look for");
    window(w, i, s.line, e);
  } else if (what == "availability") {
    e.kind = K::availability;
    e.from.push_back(word(w, i++, s.line, "node"));
    const std::string& op = word(w, i++, s.line, ">= or <=");
    if (op != ">=" && op != "<=") fail(s.line, "availability wants >= or <=");
    e.at_least = op == ">=";
    e.threshold = probability(word(w, i++, s.line, "threshold (e.g. 99.5%)"), s.line);
  } else if (what == "state") {
    e.kind = K::state;
    e.from.push_back(word(w, i++, s.line, "node"));
    e.text = word(w, i++, s.line, "up, down or paused");
    if (e.text != "up" && e.text != "down" && e.text != "paused") fail(s.line, "state is up, down or paused");
    if (word(w, i++, s.line, "'at TIME'") != "at") fail(s.line, "state wants: state NODE up|down|paused at TIME");
    e.t1 = duration(word(w, i++, s.line, "time"), s.line);
  } else if (what == "resource") {  // resource RSC active|inactive|promoted|failed on NODE at TIME
    e.kind = K::resource;
    e.rsc = word(w, i++, s.line, "resource (instance)");
    e.text = word(w, i++, s.line, "active, inactive, promoted or failed");
    if (e.text != "active" && e.text != "inactive" && e.text != "promoted" && e.text != "failed")
      fail(s.line, "a resource is active, inactive, promoted or failed");
    if (word(w, i++, s.line, "'on NODE'") != "on") fail(s.line, "resource wants: resource RSC STATE on NODE at TIME");
    e.from.push_back(word(w, i++, s.line, "node"));
    if (word(w, i++, s.line, "'at TIME'") != "at") fail(s.line, "resource wants: resource RSC STATE on NODE at TIME");
    e.t1 = duration(word(w, i++, s.line, "time"), s.line);
  } else {
    fail(s.line, "unknown expectation '" + what + "' (reach, no-reach, log, no-log, availability, state, resource)");
  }
  if (i < w.size()) fail(s.line, "unexpected '" + w[i] + "'");
  for (auto& n : e.from) node_refs_.emplace_back(s.line, n);
  for (auto& n : e.to) node_refs_.emplace_back(s.line, n);
  sc_.expects.push_back(std::move(e));
}

namespace {
std::map<std::string, std::string> key_values(const std::vector<std::string>& w, std::size_t from,
                                              const std::function<void(const std::string&)>& fail) {
  std::map<std::string, std::string> out;
  for (std::size_t i = from; i < w.size(); ++i) {
    const auto eq = w[i].find('=');
    if (eq == std::string::npos || eq == 0) fail("parameter '" + w[i] + "' is not key=value");
    if (!out.emplace(w[i].substr(0, eq), w[i].substr(eq + 1)).second) fail("parameter '" + w[i].substr(0, eq) + "' given twice");
  }
  return out;
}
std::string source_of(const std::vector<std::string>& w) {
  std::string s;
  for (std::size_t k = 1; k < w.size(); ++k) s += (k > 1 ? " " : "") + w[k];
  return s;
}
}  // namespace

void Parser::audit(const Statement& s) {
  const auto& w = s.words;
  Scenario::Audit a;
  a.line = s.line;
  a.name = word(w, 1, s.line, "audit name (max-active, quorum, fencing, actions, stable)");
  a.params = key_values(w, 2, [&](const std::string& m) { fail(s.line, "audit: " + m); });
  a.source = "audit " + source_of(w);
  sc_.audits.push_back(std::move(a));
}

void Parser::cts(const Statement& s) {
  const auto& w = s.words;
  Scenario::Cts c;
  c.line = s.line;
  c.name = word(w, 1, s.line, "CTS test name");
  c.params = key_values(w, 2, [&](const std::string& m) { fail(s.line, "cts: " + m); });
  c.source = "cts " + source_of(w);
  sc_.cts.push_back(std::move(c));
}

}  // namespace halab::simnet::detail
