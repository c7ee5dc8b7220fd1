#include "fence-virt/agent/options.hpp"

#include <charconv>

namespace halab::fv {

namespace {
struct ActionName { std::string_view n; AgentAction a; };
constexpr ActionName kActions[] = {
    {"null", AgentAction::null},         {"off", AgentAction::off},
    {"on", AgentAction::on},             {"reboot", AgentAction::reboot},
    {"status", AgentAction::status},     {"monitor", AgentAction::monitor},
    {"list", AgentAction::list},         {"list-status", AgentAction::list_status},
    {"metadata", AgentAction::metadata}, {"validate-all", AgentAction::validate_all},
};

bool to_int(std::string_view s, long lo, long hi, long& out) {
  long v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < lo || v > hi) return false;
  out = v;
  return true;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t' || s[b] == '\r' || s[b] == '\n')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t' || s[e - 1] == '\r' || s[e - 1] == '\n')) --e;
  return std::string(s.substr(b, e - b));
}

// One option by its stdin name; `flag` names it in messages ("-o" or "action").
bool apply(AgentOptions& o, std::string_view name, const std::string& v, const std::string& flag, OptionsResult& r,
           int& targets) {
  auto bad = [&](const std::string& what) {
    r.ok = false;
    r.error = flag + ": " + what;
    return false;
  };
  long n = 0;
  if (name == "action" || name == "option") {
    if (!parse_agent_action(v, o.action)) return bad("unknown action '" + v + "'");
  } else if (name == "plug" || name == "port" || name == "domain") {
    if (++targets > 1) return bad("the target was given twice (plug, port and domain are the same option)");
    if (!domain_fits(v)) return bad("domain '" + v + "' is longer than 63 characters");
    o.domain = v;
  } else if (name == "use_uuid") {
    o.use_uuid = v.empty() || v == "1" || v == "yes" || v == "true" || v == "on";
  } else if (name == "key_file") {
    o.key_file = v;
  } else if (name == "hash") {
    if (!parse_hash(v, o.hash)) return bad("unknown hash '" + v + "' (none, sha1, sha256, sha512)");
  } else if (name == "auth") {
    if (!parse_hash(v, o.auth)) return bad("unknown authentication '" + v + "' (none, sha1, sha256, sha512)");
  } else if (name == "multicast_address") {
    o.multicast_address = v;
  } else if (name == "ipport") {
    if (!to_int(v, 1, 65535, n)) return bad("'" + v + "' is not a port number");
    o.port = static_cast<std::uint16_t>(n);
  } else if (name == "ip_family") {
    if (v == "auto") o.family = IpFamily::automatic;
    else if (v == "ipv4") o.family = IpFamily::ipv4;
    else if (v == "ipv6") o.family = IpFamily::ipv6;
    else return bad("'" + v + "' is not auto, ipv4 or ipv6");
  } else if (name == "retrans") {
    if (!to_int(v, 1, 600, n)) return bad("'" + v + "' is not a retransmit time in tenths of a second (1-600)");
    o.retrans_tenths = static_cast<int>(n);
  } else if (name == "timeout") {
    if (!to_int(v, 1, 86400, n)) return bad("'" + v + "' is not a timeout in seconds");
    o.timeout_s = static_cast<int>(n);
  } else if (name == "delay") {
    if (!to_int(v, 0, 86400, n)) return bad("'" + v + "' is not a delay in seconds");
    o.delay_s = static_cast<int>(n);
  } else if (name == "debug") {
    o.debug = (v.empty() || !to_int(v, 0, 100, n)) ? o.debug + 1 : static_cast<int>(n);
  } else if (name == "ipaddr") {
    o.transport = Transport::tcp;
    o.tcp_address = v;
  } else if (name == "vsock") {
    if (!to_int(v, 0, 0xffffffffL, n)) return bad("'" + v + "' is not a vsock CID");
    o.transport = Transport::vsock;
    o.vsock_cid = static_cast<std::uint32_t>(n);
  } else if (name == "nodename" || name == "agent" || name == "self") {
    // sent by pacemaker / stonith tools; nothing to do with them
  } else {
    r.warnings.push_back("ignoring unknown option '" + std::string(name) + "=" + v + "'");
  }
  return true;
}
}  // namespace

bool parse_agent_action(std::string_view s, AgentAction& out) {
  for (const auto& a : kActions)
    if (a.n == s) { out = a.a; return true; }
  return false;
}

const char* to_string(AgentAction a) {
  for (const auto& x : kActions)
    if (x.a == a) return x.n.data();
  return "unknown";
}

bool needs_target(AgentAction a) {
  return a == AgentAction::off || a == AgentAction::on || a == AgentAction::reboot || a == AgentAction::status;
}

OptionsResult parse_command_line(const std::vector<std::string>& args, AgentOptions& o) {
  OptionsResult r;
  int targets = 0;
  struct Flag { char c; const char* name; bool arg; };
  static constexpr Flag kFlags[] = {
      {'i', "ip_family", true}, {'a', "multicast_address", true}, {'p', "ipport", true}, {'r', "retrans", true},
      {'C', "auth", true},      {'c', "hash", true},              {'k', "key_file", true}, {'n', "plug", true},
      {'H', "port", true},      {'o', "action", true},            {'t', "timeout", true},  {'w', "delay", true},
      {'T', "ipaddr", true},    {'S', "vsock", true},
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.size() < 2 || a[0] != '-') {
      r.ok = false;
      r.error = "unexpected argument '" + a + "'";
      return r;
    }
    for (std::size_t j = 1; j < a.size(); ++j) {  // bundled flags: -dd, -ooff
      char c = a[j];
      if (c == 'd') { ++o.debug; continue; }
      if (c == 'u') { o.use_uuid = true; continue; }
      if (c == 'h' || c == '?') { o.help = true; continue; }
      if (c == 'V') { o.version = true; continue; }
      const Flag* f = nullptr;
      for (const auto& x : kFlags)
        if (x.c == c) f = &x;
      if (!f) {
        r.ok = false;
        r.error = std::string("unknown option -") + c;
        return r;
      }
      std::string value;
      if (j + 1 < a.size()) value = a.substr(j + 1);
      else if (i + 1 < args.size()) value = args[++i];
      else {
        r.ok = false;
        r.error = std::string("option -") + c + " needs a value";
        return r;
      }
      if (!apply(o, f->name, value, std::string("-") + c, r, targets)) return r;
      break;
    }
  }
  return r;
}

OptionsResult parse_stdin_text(const std::string& text, AgentOptions& o) {
  OptionsResult r;
  int targets = 0;
  std::size_t pos = 0;
  int lineno = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    std::string line = trim(std::string_view(text).substr(pos, nl == std::string::npos ? std::string::npos : nl - pos));
    pos = nl == std::string::npos ? text.size() + 1 : nl + 1;
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    auto eq = line.find('=');
    if (eq == std::string::npos) {
      r.warnings.push_back("line " + std::to_string(lineno) + ": '" + line + "' is not name=value; ignored");
      continue;
    }
    std::string name = trim(std::string_view(line).substr(0, eq));
    std::string value = trim(std::string_view(line).substr(eq + 1));
    if (!apply(o, name, value, name, r, targets)) {
      r.error = "line " + std::to_string(lineno) + ": " + r.error;
      return r;
    }
  }
  return r;
}

}  // namespace halab::fv
