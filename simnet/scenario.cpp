// The scenario parser: lines of words, blocks in braces, second pass for names.
#include "simnet/scenario.hpp"
#include "simnet/scenario_parser.hpp"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>

namespace halab::simnet {

namespace detail {

std::vector<std::string> Parser::split(const std::string& line, int lineno) const {
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < line.size()) {
    const char c = line[i];
    if (c == ' ' || c == '\t' || c == '\r') {
      ++i;
    } else if (c == '#') {
      break;
    } else if (c == '"') {
      auto end = line.find('"', i + 1);
      if (end == std::string::npos) fail(lineno, "unterminated string");
      out.push_back(line.substr(i + 1, end - i - 1));
      i = end + 1;
    } else if (c == '{' || c == '}' || c == ';') {
      out.emplace_back(1, c);
      ++i;
    } else {
      std::size_t j = i;
      while (j < line.size() && !std::strchr(" \t\r#\"{};", line[j])) ++j;
      out.push_back(line.substr(i, j - i));
      i = j;
    }
  }
  return out;
}

std::vector<Statement> Parser::read_statements() {
  std::vector<Statement> top;
  Statement* open = nullptr;  // the block being filled (blocks do not nest)
  int open_line = 0;
  std::istringstream in{std::string(text_)};
  std::string line;
  int n = 0;
  Scenario::TextBlock* raw = nullptr;  // inside configure/totem/quorum: lines kept as written
  int raw_depth = 0;
  while (std::getline(in, line)) {
    ++n;
    if (raw) {
      std::string t = line;
      while (!t.empty() && (t.back() == ' ' || t.back() == '\t' || t.back() == '\r')) t.pop_back();
      std::size_t b = t.find_first_not_of(" \t");
      const std::string trimmed = b == std::string::npos ? "" : t.substr(b);
      if (raw == &sc_.configure) {
        if (trimmed == "}") {
          raw = nullptr;
          continue;
        }
      } else {  // corosync.conf sections nest: count braces outside comments
        const std::string code = trimmed.substr(0, trimmed.find('#'));
        for (char c : code) raw_depth += c == '{' ? 1 : c == '}' ? -1 : 0;
        if (raw_depth < 0) {
          if (code != "}") fail(n, "put the '}' that closes the block at line " + std::to_string(raw->line) + " on a line of its own");
          raw = nullptr;
          continue;
        }
      }
      raw->lines.emplace_back(n, t);
      continue;
    }
    auto words = split(line, n);
    if (!open && !words.empty() && (words[0] == "configure" || words[0] == "totem" || words[0] == "quorum")) {
      if (words.size() != 2 || words[1] != "{")
        fail(n, "'" + words[0] + "' opens a block: '" + words[0] + " {' alone on its line, its text, then '}' on a line of its own");
      Scenario::TextBlock& b = words[0] == "configure" ? sc_.configure : words[0] == "totem" ? sc_.totem : sc_.quorum;
      if (b.present()) fail(n, "a second '" + words[0] + "' block (the first is at line " + std::to_string(b.line) + ")");
      b.line = n;
      raw = &b;
      raw_depth = 0;
      continue;
    }
    // ";" separates statements on one line: "link a -> b { loss 1%; latency fixed 2ms }"
    std::vector<std::vector<std::string>> parts(1);
    for (auto& w : words) {
      if (w == ";") parts.emplace_back();
      else if (w == "{" || w == "}") {
        parts.back().push_back(w);
        if (w == "{") parts.emplace_back();
        else parts.emplace_back();
      } else parts.back().push_back(w);
    }
    for (auto& p : parts) {
      if (p.empty()) continue;
      if (p.size() == 1 && p[0] == "}") {
        if (!open) fail(n, "'}' without an open block");
        open = nullptr;
        continue;
      }
      bool closes = false;
      if (p.back() == "}") {
        p.pop_back();
        closes = true;
      }
      const bool opens = !p.empty() && p.back() == "{";
      if (opens) p.pop_back();
      for (auto& w : p)
        if (w == "{" || w == "}") fail(n, "misplaced '" + w + "'");
      if (opens) {
        if (open) fail(n, "blocks do not nest (block opened at line " + std::to_string(open_line) + ")");
        if (p.empty()) fail(n, "'{' without a statement");
        top.push_back(Statement{n, p, {}, true});
        open = &top.back();
        open_line = n;
      } else if (!p.empty()) {
        if (open) open->body.push_back(Statement{n, p, {}, false});
        else top.push_back(Statement{n, p, {}, false});
      }
      if (closes) {
        if (!open) fail(n, "'}' without an open block");
        open = nullptr;
      }
    }
  }
  if (open) fail(open_line, "block is never closed with '}'");
  if (raw) fail(raw->line, "block is never closed with '}'");
  return top;
}

core::Duration Parser::duration(const std::string& w, int line) const {
  core::Duration d;
  if (w == "0") return core::Duration::zero();
  const bool has_unit = !w.empty() && std::isalpha(static_cast<unsigned char>(w.back()));
  if (!has_unit || !core::parse_duration(w, d))
    fail(line, "bad duration '" + w + "' (want a number with a unit: 250ms, 1.5s, 2m, 1h, 3d)");
  return d;
}

double Parser::number(const std::string& w, int line) const {
  char* end = nullptr;
  const double v = std::strtod(w.c_str(), &end);
  if (w.empty() || *end != '\0' || !std::isfinite(v)) fail(line, "bad number '" + w + "'");
  return v;
}

double Parser::probability(const std::string& w, int line) const {
  double v;
  if (!w.empty() && w.back() == '%') v = number(w.substr(0, w.size() - 1), line) / 100.0;
  else v = number(w, line);
  if (v < 0 || v > 1) fail(line, "probability '" + w + "' is not within 0..1 (or 0%..100%)");
  return v;
}

Dist Parser::dist(const std::vector<std::string>& w, std::size_t& i, int line) const {
  const std::string& kind = word(w, i++, line, "distribution (fixed, uniform, normal, exponential)");
  auto d = [&](const char* what) { return duration(word(w, i++, line, what), line); };
  if (kind == "fixed") return Dist::fixed(d("value"));
  if (kind == "uniform") {
    auto lo = d("minimum"), hi = d("maximum");
    if (hi < lo) fail(line, "uniform: maximum below minimum");
    return Dist::uniform(lo, hi);
  }
  if (kind == "normal") {
    auto mean = d("mean");
    return Dist::normal(mean, d("standard deviation"));
  }
  if (kind == "exponential") return Dist::exponential(d("mean"));
  if (kind == "weibull") {
    auto mean = d("mean");
    const double shape = number(word(w, i++, line, "shape"), line);
    if (!(shape > 0)) fail(line, "weibull shape must be positive");
    return Dist::weibull_mean(mean, shape);
  }
  if (kind == "lognormal") {
    auto mean = d("mean");
    const double sigma = number(word(w, i++, line, "sigma"), line);
    if (!(sigma > 0)) fail(line, "lognormal sigma must be positive");
    return Dist::lognormal_mean(mean, sigma);
  }
  // A bare duration means fixed.
  --i;
  return Dist::fixed(d("latency"));
}

static bool parse_rate(const std::string& w, double& bps) {  // 100Mbit, 1Gbit, 64kbit, 1000000 (bit/s)
  char* end = nullptr;
  const double v = std::strtod(w.c_str(), &end);
  if (end == w.c_str() || !(v > 0)) return false;
  const std::string unit(end);
  double mult;
  if (unit.empty() || unit == "bit" || unit == "bps") mult = 1;
  else if (unit == "kbit" || unit == "Kbit") mult = 1e3;
  else if (unit == "Mbit") mult = 1e6;
  else if (unit == "Gbit") mult = 1e9;
  else return false;
  bps = v * mult;
  return true;
}

static bool parse_size(const std::string& w, std::uint64_t& bytes) {  // 1500, 64KB, 1MB
  char* end = nullptr;
  const double v = std::strtod(w.c_str(), &end);
  if (end == w.c_str() || !(v > 0)) return false;
  const std::string unit(end);
  double mult;
  if (unit.empty() || unit == "B") mult = 1;
  else if (unit == "KB" || unit == "kB") mult = 1024;
  else if (unit == "MB") mult = 1024 * 1024;
  else return false;
  bytes = static_cast<std::uint64_t>(v * mult);
  return true;
}

void Parser::link_attrs(const std::vector<std::string>& w, std::size_t i, int line, LinkPatch& p) const {
  while (i < w.size()) {
    const std::string& key = w[i++];
    if (key == "latency") {
      p.latency = dist(w, i, line);
    } else if (key == "jitter") {
      p.jitter_ns = double(duration(word(w, i++, line, "jitter"), line).count());
    } else if (key == "loss") {
      p.loss = probability(word(w, i++, line, "loss probability"), line);
    } else if (key == "duplicate") {
      p.duplicate = probability(word(w, i++, line, "duplication probability"), line);
    } else if (key == "reorder") {
      p.reorder = probability(word(w, i++, line, "reorder probability"), line);
      if (i < w.size() && !w[i].empty() && std::isdigit(static_cast<unsigned char>(w[i][0])))
        p.reorder_delay_ns = double(duration(w[i++], line).count());
    } else if (key == "bandwidth") {
      double bps;
      const std::string& v = word(w, i++, line, "bandwidth");
      if (!parse_rate(v, bps)) fail(line, "bad bandwidth '" + v + "' (want e.g. 100Mbit, 1Gbit)");
      p.bandwidth_bps = bps;
    } else if (key == "queue") {
      std::uint64_t b;
      const std::string& v = word(w, i++, line, "queue size");
      if (!parse_size(v, b)) fail(line, "bad queue size '" + v + "' (want e.g. 64KB)");
      p.queue_bytes = b;
    } else {
      fail(line, "unknown link setting '" + key + "' (latency, jitter, loss, duplicate, reorder, bandwidth, queue)");
    }
  }
}

std::vector<std::string> Parser::node_list(const std::vector<std::string>& w, std::size_t& i, int line,
                                           std::initializer_list<const char*> stop) const {
  std::vector<std::string> out;
  for (; i < w.size(); ++i) {
    bool is_stop = false;
    for (const char* s : stop) is_stop = is_stop || w[i] == s;
    if (is_stop) break;
    std::string item = w[i];
    std::size_t start = 0;
    while (start <= item.size()) {  // commas separate names too
      auto comma = item.find(',', start);
      std::string name = item.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      start = comma == std::string::npos ? item.size() + 1 : comma + 1;
      if (name.empty()) continue;
      auto dots = name.find("..");
      if (dots != std::string::npos) {  // n1..n5
        std::string a = name.substr(0, dots), b = name.substr(dots + 2);
        auto digits = [](const std::string& s) {
          std::size_t k = s.size();
          while (k > 0 && std::isdigit(static_cast<unsigned char>(s[k - 1]))) --k;
          return k;
        };
        const std::size_t ka = digits(a), kb = digits(b);
        if (ka == a.size() || kb == b.size() || a.substr(0, ka) != b.substr(0, kb))
          fail(line, "bad node range '" + name + "' (want e.g. n1..n5)");
        const long lo = std::stol(a.substr(ka)), hi = std::stol(b.substr(kb));
        if (hi < lo || hi - lo > 10000) fail(line, "bad node range '" + name + "'");
        for (long k = lo; k <= hi; ++k) out.push_back(a.substr(0, ka) + std::to_string(k));
      } else {
        out.push_back(name);
      }
    }
  }
  return out;
}

void Parser::window(const std::vector<std::string>& w, std::size_t& i, int line, Scenario::Expect& e) const {
  if (i >= w.size()) return;
  if (w[i] != "during") fail(line, "unexpected '" + w[i] + "' (want: during START..END)");
  const std::string& span = word(w, ++i, line, "time window START..END");
  ++i;
  auto dots = span.find("..");
  if (dots == std::string::npos) fail(line, "bad time window '" + span + "' (want START..END, e.g. 10s..30s)");
  e.t1 = duration(span.substr(0, dots), line);
  const std::string end = span.substr(dots + 2);
  e.t2 = end == "end" ? core::Duration(-1) : duration(end, line);
  if (e.t2.count() >= 0 && e.t2 < e.t1) fail(line, "time window ends before it starts");
}

// ---------------------------------------------------------------- statements

void Parser::top(const Statement& s) {
  const auto& w = s.words;
  const std::string& k = w[0];
  auto no_block = [&] {
    if (s.block) fail(s.line, "'" + k + "' takes no block");
  };
  if (k == "name") {
    no_block();
    if (w.size() != 2) fail(s.line, "name takes one word or a quoted string");
    sc_.name = w[1];
  } else if (k == "seed") {
    no_block();
    if (w.size() != 2) fail(s.line, "seed takes one number");
    char* end = nullptr;
    errno = 0;
    const unsigned long long v = std::strtoull(w[1].c_str(), &end, 0);
    if (*end || errno || w[1][0] == '-') fail(s.line, "bad seed '" + w[1] + "'");
    sc_.seed = v;
  } else if (k == "duration") {
    no_block();
    if (w.size() != 2) fail(s.line, "duration takes one value");
    sc_.duration = duration(w[1], s.line);
    if (sc_.duration <= core::Duration::zero()) fail(s.line, "duration must be positive");
  } else if (k == "log-level") {
    no_block();
    if (w.size() != 2 || !core::parse_level(w[1], sc_.log_level))
      fail(s.line, "log-level takes one of crit, error, warning, notice, info, debug, trace");
  } else if (k == "network") {
    network(s);
  } else if (k == "node" || k == "nodes") {
    no_block();
    node(s, k == "nodes");
  } else if (k == "link") {
    link(s);
  } else if (k == "service") {
    no_block();
    service(s);
  } else if (k == "agent") {
    agent(s);
  } else if (k == "at") {
    no_block();
    fault(s);
  } else if (k == "failures") {
    no_block();
    failures(s);
  } else if (k == "expect") {
    no_block();
    expect(s);
  } else if (k == "audit") {
    no_block();
    audit(s);
  } else if (k == "cts") {
    no_block();
    cts(s);
  } else {
    fail(s.line, "unknown statement '" + k +
                     "' (known: name, seed, duration, log-level, network, node, nodes, link, service, agent, at, "
                     "failures, expect, audit, cts, configure, totem, quorum)");
  }
}

void Parser::network(const Statement& s) {
  const auto& w = s.words;
  if (w.size() < 3) fail(s.line, "network takes a name and a subnet: network lan 10.0.0.0/24");
  Scenario::Network n;
  n.name = w[1];
  n.line = s.line;
  auto sub = core::Subnet::parse(w[2]);
  if (!sub) fail(s.line, "bad subnet '" + w[2] + "' (want e.g. 10.0.0.0/24)");
  if (sub->prefix < 16 || sub->prefix > 30) fail(s.line, "subnet " + w[2] + " must be /16 to /30");
  n.subnet = *sub;
  for (auto& o : sc_.networks)
    if (o.name == n.name) fail(s.line, "network '" + n.name + "' already defined at line " + std::to_string(o.line));
  link_attrs(w, 3, s.line, n.model);
  for (auto& b : s.body) link_attrs(b.words, 0, b.line, n.model);
  sc_.networks.push_back(std::move(n));
}

void Parser::node(const Statement& s, bool many) {
  const auto& w = s.words;
  if (w.size() < 2) fail(s.line, many ? "nodes takes names: nodes n1..n5" : "node takes a name: node n1 [ADDRESS...]");
  std::vector<std::string> names;
  std::vector<core::Ipv4> addrs;
  if (many) {
    std::size_t i = 1;
    names = node_list(w, i, s.line, {});
  } else {
    names.push_back(w[1]);
    for (std::size_t i = 2; i < w.size(); ++i) {
      auto a = core::Ipv4::parse(w[i]);
      if (!a) fail(s.line, "bad address '" + w[i] + "'");
      addrs.push_back(*a);
    }
  }
  for (auto& nm : names) {
    for (char c : nm)
      if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.')
        fail(s.line, "bad node name '" + nm + "' (letters, digits, '-', '_', '.')");
    if (nm == "any" || nm == "all") fail(s.line, "'" + nm + "' is reserved, not a node name");
    for (auto& o : sc_.nodes)
      if (o.name == nm) fail(s.line, "node '" + nm + "' already defined at line " + std::to_string(o.line));
    sc_.nodes.push_back(Scenario::Node{nm, addrs, s.line});
  }
}

void Parser::link(const Statement& s) {
  const auto& w = s.words;
  Scenario::Link l;
  l.line = s.line;
  std::size_t i = 1;
  l.from = node_list(w, i, s.line, {"->", "<->"});
  if (i >= w.size()) fail(s.line, "link wants: link A -> B [on NETWORK] [SETTINGS] (or A <-> B)");
  l.both = w[i++] == "<->";
  l.to = node_list(w, i, s.line, {"on", "latency", "jitter", "loss", "duplicate", "reorder", "bandwidth", "queue"});
  if (l.from.empty() || l.to.empty()) fail(s.line, "link needs nodes on both sides");
  if (i < w.size() && w[i] == "on") l.network = word(w, ++i, s.line, "network name"), ++i;
  link_attrs(w, i, s.line, l.model);
  for (auto& b : s.body) link_attrs(b.words, 0, b.line, l.model);
  if (l.model.empty()) fail(s.line, "link changes nothing (give latency, loss, ...)");
  for (auto& n : l.from) node_refs_.emplace_back(s.line, n);
  for (auto& n : l.to) node_refs_.emplace_back(s.line, n);
  sc_.links.push_back(std::move(l));
}

void Parser::service(const Statement& s) {
  const auto& w = s.words;
  if (w.size() < 2) fail(s.line, "service takes a name: service heartbeat [key=value ...] [on NODES]");
  Scenario::Service sv;
  sv.name = w[1];
  sv.line = s.line;
  std::size_t i = 2;
  for (; i < w.size() && w[i] != "on"; ++i) {
    auto eq = w[i].find('=');
    if (eq == std::string::npos || eq == 0) fail(s.line, "service parameter '" + w[i] + "' is not key=value");
    sv.params[w[i].substr(0, eq)] = w[i].substr(eq + 1);
  }
  if (i < w.size()) {
    ++i;
    sv.nodes = node_list(w, i, s.line, {});
    if (sv.nodes.empty()) fail(s.line, "'on' wants node names");
    for (auto& n : sv.nodes) node_refs_.emplace_back(s.line, n);
  }
  sc_.services.push_back(std::move(sv));
}

void Parser::agent(const Statement& s) {
  if (s.words.size() != 2 || !s.block) fail(s.line, "agent wants: agent NAME { action ACTION SETTINGS... }");
  Scenario::Agent a;
  a.model.name = s.words[1];
  a.line = s.line;
  for (auto& b : s.body) {
    const auto& w = b.words;
    ActionModel* m = nullptr;
    std::size_t i;
    if (w[0] == "ocf-resource" && w.size() == 1) {  // a stateful resource agent (docs/scenario-format.md)
      a.model.ocf_resource = true;
      continue;
    }
    if (w[0] == "action" && w.size() >= 2) {
      m = &a.model.actions[w[1]];
      i = 2;
    } else if (w[0] == "default") {
      m = &a.model.default_action;
      i = 1;
    } else {
      fail(b.line, "in agent: want 'action NAME SETTINGS', 'default SETTINGS' or 'ocf-resource'");
    }
    while (i < w.size()) {
      const std::string& key = w[i++];
      if (key == "duration") m->duration = dist(w, i, b.line);
      else if (key == "fail") m->fail_probability = probability(word(w, i++, b.line, "failure probability"), b.line);
      else if (key == "rc") m->fail_code = static_cast<int>(number(word(w, i++, b.line, "exit code"), b.line));
      else if (key == "output") m->out = word(w, i++, b.line, "output text");
      else fail(b.line, "unknown agent setting '" + key + "' (duration, fail, rc, output)");
    }
  }
  sc_.agents.push_back(std::move(a));
}

void Parser::resolve() {
  if (sc_.nodes.empty()) fail(1, "the scenario defines no nodes");
  if (sc_.networks.empty()) fail(sc_.nodes.front().line, "the scenario defines no network");
  for (auto& [line, name] : node_refs_)
    if (sc_.node_index(name) < 0) fail(line, "unknown node '" + name + "'");
  for (auto& l : sc_.links) {
    if (l.network.empty()) continue;
    bool found = false;
    for (auto& n : sc_.networks) found = found || n.name == l.network;
    if (!found) fail(l.line, "unknown network '" + l.network + "'");
  }
  for (auto& n : sc_.nodes)
    for (auto a : n.addresses) {
      bool on = false;
      for (auto& nw : sc_.networks) on = on || nw.subnet.contains(a);
      if (!on) fail(n.line, "address " + a.to_string() + " of node " + n.name + " is on no network");
    }
  for (auto& f : sc_.faults)
    if (f.at > sc_.duration)
      fail(f.line, "fault at " + core::format_duration(f.at) + " is after the end of the run (" +
                       core::format_duration(sc_.duration) + ")");
  for (const Scenario::TextBlock* b : {&sc_.configure, &sc_.totem, &sc_.quorum}) {
    if (!b->present()) continue;
    bool halabd = false;
    for (auto& sv : sc_.services) halabd = halabd || sv.name == "halabd";
    if (!halabd)
      fail(b->line, std::string(b == &sc_.configure ? "configure" : b == &sc_.totem ? "totem" : "quorum") +
                        " configures halabd: add 'service halabd'");
  }
  for (auto& a : sc_.audits) check_audit(sc_, a);
  for (auto& c : sc_.cts) check_cts(sc_, c);
}

Scenario Parser::parse() {
  sc_.file = file_;
  for (auto& s : read_statements()) top(s);
  resolve();
  return std::move(sc_);
}

}  // namespace detail

void LinkPatch::apply(LinkModel& m) const {
  if (latency) m.latency = *latency;
  if (jitter_ns) m.jitter_ns = *jitter_ns;
  if (loss) m.loss = *loss;
  if (duplicate) m.duplicate = *duplicate;
  if (reorder) m.reorder = *reorder;
  if (reorder_delay_ns) m.reorder_delay_ns = *reorder_delay_ns;
  if (bandwidth_bps) m.bandwidth_bps = *bandwidth_bps;
  if (queue_bytes) m.queue_bytes = *queue_bytes;
}

bool LinkPatch::empty() const {
  return !latency && !jitter_ns && !loss && !duplicate && !reorder && !reorder_delay_ns && !bandwidth_bps &&
         !queue_bytes;
}

std::string Scenario::TextBlock::aligned_text() const {
  std::string out;
  int at = 1;
  for (auto& [n, text] : lines) {
    for (; at < n; ++at) out += '\n';
    out += text;
    out += '\n';
    ++at;
  }
  return out;
}

int Scenario::node_index(const std::string& name) const {
  for (std::size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].name == name) return static_cast<int>(i);
  return -1;
}

Scenario parse_scenario(std::string_view text, const std::string& file) { return detail::Parser(text, file).parse(); }

Scenario load_scenario(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw core::Error("cannot read scenario " + path, std::error_code(errno, std::generic_category()));
  std::stringstream ss;
  ss << in.rdbuf();
  return parse_scenario(ss.str(), path);
}

}  // namespace halab::simnet