// corosync.conf meaning: each section's keys, their values, cross-checks.
#include "stack/config/corosync_conf.hpp"

#include <algorithm>
#include <charconv>
#include <limits>
#include <functional>
#include <set>
#include <sstream>

namespace halab::config {

const char* to_string(Transport t) { return t == Transport::udp ? "udp" : "udpu"; }
const char* to_string(Cipher c) {
  switch (c) {
    case Cipher::none: return "none";
    case Cipher::aes128: return "aes128";
    case Cipher::aes192: return "aes192";
    case Cipher::aes256: return "aes256";
  }
  return "?";
}
const char* to_string(Hash h) {
  switch (h) {
    case Hash::none: return "none";
    case Hash::md5: return "md5";
    case Hash::sha1: return "sha1";
    case Hash::sha256: return "sha256";
    case Hash::sha384: return "sha384";
    case Hash::sha512: return "sha512";
  }
  return "?";
}

core::Duration CorosyncConf::effective_token() const {
  auto t = totem.token;
  if (nodelist.size() > 2) t += (static_cast<long>(nodelist.size()) - 2) * totem.token_coefficient;
  return t;
}
core::Duration CorosyncConf::effective_token_retransmit() const {
  if (totem.token_retransmit) return *totem.token_retransmit;
  const double n = totem.token_retransmits_before_loss_const + 0.2;
  return std::chrono::duration_cast<core::Duration>(effective_token() / n);
}
core::Duration CorosyncConf::effective_hold() const {
  if (totem.hold) return *totem.hold;
  // corosync: token_retransmit * 0.8 - 1000/HZ ms (HZ 100), at least 1 ms.
  const auto d = std::chrono::duration_cast<core::Duration>(effective_token_retransmit() * 0.8) -
                 std::chrono::milliseconds(10);
  return std::max<core::Duration>(d, std::chrono::milliseconds(1));
}
core::Duration CorosyncConf::effective_consensus() const {
  if (totem.consensus) return *totem.consensus;
  return std::chrono::duration_cast<core::Duration>(effective_token() * 1.2);
}

bool ParseResult::ok() const { return error_count() == 0; }
std::size_t ParseResult::error_count() const {
  std::size_t n = 0;
  for (const auto& d : diagnostics) n += d.severity == Diagnostic::Severity::error;
  return n;
}
std::string ParseResult::report() const {
  std::string s;
  for (const auto& d : diagnostics) s += d.to_string() + "\n";
  return s;
}

namespace {

using Severity = Diagnostic::Severity;

// Reads typed values out of items, reporting what is wrong with them.
class Reader {
 public:
  Reader(std::string_view file, std::vector<Diagnostic>& d) : file_(file), d_(d) {}

  void error(int line, std::string key, std::string msg) {
    d_.push_back({Severity::error, file_, line, std::move(key), std::move(msg)});
  }
  void warning(int line, std::string key, std::string msg) {
    d_.push_back({Severity::warning, file_, line, std::move(key), std::move(msg)});
  }

  bool boolean(const ConfItem& it, const std::string& path, bool& out) {
    const auto& v = it.value;
    if (v == "yes" || v == "on" || v == "true" || v == "1") return out = true, true;
    if (v == "no" || v == "off" || v == "false" || v == "0") return out = false, true;
    error(it.line, path, "'" + v + "' is not yes/no (or on/off)");
    return false;
  }
  template <class Int>
  bool integer(const ConfItem& it, const std::string& path, long long lo, long long hi, Int& out) {
    long long v = 0;
    const auto& s = it.value;
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
    if (s.empty() || ec != std::errc() || p != s.data() + s.size()) {
      error(it.line, path, "'" + s + "' is not a number");
      return false;
    }
    if (v < lo || v > hi) {
      error(it.line, path, s + " is out of range [" + std::to_string(lo) + ", " + std::to_string(hi) + "]");
      return false;
    }
    out = static_cast<Int>(v);
    return true;
  }
  // corosync's timeouts are plain milliseconds.
  bool millis(const ConfItem& it, const std::string& path, long long lo, long long hi, core::Duration& out) {
    long long ms = 0;
    if (!integer(it, path, lo, hi, ms)) return false;
    out = std::chrono::milliseconds(ms);
    return true;
  }
  bool ipv4(const ConfItem& it, const std::string& path, std::optional<core::Ipv4>& out) {
    auto a = core::Ipv4::parse(it.value);
    if (!a) {
      error(it.line, path, "'" + it.value + "' is not an IPv4 address");
      return false;
    }
    out = *a;
    return true;
  }
  template <class E>
  bool choice(const ConfItem& it, const std::string& path, std::initializer_list<std::pair<const char*, E>> options,
              E& out) {
    std::string names;
    for (const auto& [n, e] : options) {
      if (it.value == n) return out = e, true;
      names += names.empty() ? "" : "|";
      names += n;
    }
    error(it.line, path, "'" + it.value + "' is not one of " + names);
    return false;
  }
  const std::string& file() const { return file_; }

 private:
  std::string file_;
  std::vector<Diagnostic>& d_;
};

using ItemHandler = std::function<void(const ConfItem&, const std::string& path)>;
using SectionHandler = std::function<void(const ConfSection&, const std::string& path)>;

// Dispatches a section's items and sub-sections to handlers by name;
// reports unknown keys and sections, and keys given twice.
void walk(Reader& r, const ConfSection& s, const std::string& path, const std::map<std::string, ItemHandler>& items,
          const std::map<std::string, SectionHandler>& sections) {
  std::map<std::string, int> seen;
  for (const auto& it : s.items) {
    const std::string p = path + "." + it.key;
    auto h = items.find(it.key);
    if (h == items.end()) {
      r.warning(it.line, p, "unknown key (ignored)");
      continue;
    }
    auto [where, fresh] = seen.emplace(it.key, it.line);
    if (!fresh)
      r.warning(it.line, p, "given twice (first at line " + std::to_string(where->second) + "); the last value wins");
    h->second(it, p);
  }
  for (const auto& sub : s.sections) {
    const std::string p = path + "." + sub.name;
    auto h = sections.find(sub.name);
    if (h == sections.end()) {
      r.warning(sub.line, p, "unknown section (ignored)");
      continue;
    }
    h->second(sub, p);
  }
}

// lowest | highest | positive node ids separated by blanks or commas.
bool valid_tie_breaker(std::string_view v) {
  if (v == "lowest" || v == "highest") return true;
  bool any = false;
  std::size_t i = 0;
  while (i < v.size()) {
    if (v[i] == ' ' || v[i] == '\t' || v[i] == ',') {
      ++i;
      continue;
    }
    std::uint32_t id = 0;
    auto [p, ec] = std::from_chars(v.data() + i, v.data() + v.size(), id);
    if (ec != std::errc() || id == 0) return false;
    i = std::size_t(p - v.data());
    if (i < v.size() && v[i] != ' ' && v[i] != '\t' && v[i] != ',') return false;
    any = true;
  }
  return any;
}

void read_interface(Reader& r, const ConfSection& s, const std::string& path, TotemConf& t) {
  InterfaceConf i;
  i.line = s.line;
  walk(r, s, path,
       {{"ringnumber", [&](auto& it, auto& p) { r.integer(it, p, 0, 1, i.ringnumber); }},
        {"bindnetaddr", [&](auto& it, auto& p) { r.ipv4(it, p, i.bindnetaddr); }},
        {"mcastaddr",
         [&](auto& it, auto& p) {
           if (r.ipv4(it, p, i.mcastaddr) && !i.mcastaddr->is_multicast())
             r.error(it.line, p, it.value + " is not a multicast address (224.0.0.0/4)");
         }},
        {"mcastport", [&](auto& it, auto& p) { r.integer(it, p, 1, 65535, i.mcastport); }},
        {"broadcast", [&](auto& it, auto& p) { r.boolean(it, p, i.broadcast); }},
        {"ttl", [&](auto& it, auto& p) { r.integer(it, p, 0, 255, i.ttl); }}},
       {});
  t.interfaces.push_back(i);
}

void read_totem(Reader& r, const ConfSection& s, const std::string& path, TotemConf& t) {
  auto dur = [&](core::Duration& d) {
    return [&r, &d](const ConfItem& it, const std::string& p) { r.millis(it, p, 1, 3'600'000, d); };
  };
  auto opt_dur = [&](std::optional<core::Duration>& d) {
    return [&r, &d](const ConfItem& it, const std::string& p) {
      core::Duration v{};
      if (r.millis(it, p, 1, 3'600'000, v)) d = v;
    };
  };
  auto knet_only = [&r](const ConfItem& it, const std::string& p) {
    r.warning(it.line, p, "a knet transport setting; halab's udp/udpu transports ignore it");
  };
  auto rrp_gone = [&r](const ConfItem& it, const std::string& p) {
    r.warning(it.line, p, "corosync 2's redundant ring setting, gone in corosync 3 (ignored): halab sends on both "
                          "rings and marks one FAULTY after 10 checks of token_retransmit that miss peers the other "
                          "ring hears, active again after 3 good ones");
  };
  walk(r, s, path,
       {{"version",
         [&](auto& it, auto& p) {
           if (r.integer(it, p, 0, 1000, t.version) && t.version != 2)
             r.error(it.line, p, "only version 2 is supported, not " + it.value);
         }},
        {"cluster_name", [&](auto& it, auto&) { t.cluster_name = it.value; }},
        {"token", dur(t.token)},
        {"token_coefficient",
         [&](auto& it, auto& p) { r.millis(it, p, 0, 3'600'000, t.token_coefficient); }},
        {"token_retransmit", opt_dur(t.token_retransmit)},
        {"token_retransmits_before_loss_const",
         [&](auto& it, auto& p) { r.integer(it, p, 1, 1000, t.token_retransmits_before_loss_const); }},
        {"consensus", opt_dur(t.consensus)},
        {"hold", opt_dur(t.hold)},
        {"join", dur(t.join)},
        {"merge", dur(t.merge)},
        {"fail_recv_const", [&](auto& it, auto& p) { r.integer(it, p, 1, 1'000'000, t.fail_recv_const); }},
        {"seqno_unchanged_const", [&](auto& it, auto& p) { r.integer(it, p, 1, 1'000'000, t.seqno_unchanged_const); }},
        {"max_messages", [&](auto& it, auto& p) { r.integer(it, p, 1, 10'000, t.max_messages); }},
        {"window_size", [&](auto& it, auto& p) { r.integer(it, p, 1, 10'000, t.window_size); }},
        {"netmtu", [&](auto& it, auto& p) { r.integer(it, p, 576, 65'000, t.netmtu); }},
        {"transport",
         [&](auto& it, auto& p) {
           r.choice<Transport>(it, p, {{"udp", Transport::udp}, {"udpu", Transport::udpu}}, t.transport);
         }},
        {"crypto_cipher",
         [&](auto& it, auto& p) {
           r.choice<Cipher>(it, p,
                            {{"none", Cipher::none}, {"aes128", Cipher::aes128}, {"aes192", Cipher::aes192},
                             {"aes256", Cipher::aes256}},
                            t.crypto_cipher);
         }},
        {"crypto_hash",
         [&](auto& it, auto& p) {
           r.choice<Hash>(it, p,
                          {{"none", Hash::none}, {"md5", Hash::md5}, {"sha1", Hash::sha1}, {"sha256", Hash::sha256},
                           {"sha384", Hash::sha384}, {"sha512", Hash::sha512}},
                          t.crypto_hash);
         }},
        {"keyfile", [&](auto& it, auto&) { t.keyfile = it.value; }},
        {"secauth",
         [&](auto& it, auto& p) {
           r.warning(it.line, p, "secauth is obsolete; use crypto_cipher and crypto_hash");
         }},
        {"token_warning", [&](auto& it, auto& p) { r.integer(it, p, 0, 100, t.token_warning); }},
        {"send_join",
         [&](auto& it, auto& p) {
           if (r.millis(it, p, 0, 3'600'000, t.send_join) && t.send_join.count() > 0)
             r.warning(it.line, p, "not honoured: halab sends join messages at once (send_join matters for rings of "
                                   "32 nodes or more)");
         }},
        {"downcheck",
         [&](auto& it, auto& p) {
           if (r.millis(it, p, 1, 3'600'000, t.downcheck))
             r.warning(it.line, p, "no effect: halab does not watch network interfaces going down and up");
         }},
        {"miss_count_const",
         [&](auto& it, auto& p) {
           if (r.integer(it, p, 1, 1'000'000, t.miss_count_const))
             r.warning(it.line, p, "not honoured: halab asks for a missing message on the first token that shows it "
                                   "missing");
         }},
        {"heartbeat_failures_allowed",
         [&](auto& it, auto& p) {
           if (r.integer(it, p, 0, 1'000'000, t.heartbeat_failures_allowed) && t.heartbeat_failures_allowed > 0)
             r.warning(it.line, p, "not honoured: halab has no heartbeat mechanism; token loss detects failures");
         }},
        {"max_network_delay", [&](auto& it, auto& p) { r.millis(it, p, 1, 3'600'000, t.max_network_delay); }},
        {"block_unlisted_ips", [&](auto& it, auto& p) { r.boolean(it, p, t.block_unlisted_ips); }},
        {"cancel_token_hold_on_retransmit",
         [&](auto& it, auto& p) { r.boolean(it, p, t.cancel_token_hold_on_retransmit); }},
        {"clear_node_high_bit", [&](auto& it, auto& p) { r.boolean(it, p, t.clear_node_high_bit); }},
        {"config_version",
         [&](auto& it, auto& p) { r.integer(it, p, 0, std::numeric_limits<long long>::max(), t.config_version); }},
        {"ip_version",
         [&](auto& it, auto& p) {
           if (it.value == "ipv6")
             r.error(it.line, p, "ipv6 is not supported: halab speaks IPv4 (use ipv4, ipv4-6 or ipv6-4)");
           else if (it.value == "ipv4" || it.value == "ipv4-6" || it.value == "ipv6-4")
             t.ip_version = it.value;
           else
             r.error(it.line, p, "'" + it.value + "' is not one of ipv4|ipv6|ipv4-6|ipv6-4");
         }},
        // Known to corosync 3 but only for its knet transport.
        {"knet_ping_interval", knet_only}, {"knet_ping_timeout", knet_only}, {"knet_ping_precision", knet_only},
        {"knet_pong_count", knet_only}, {"knet_transport", knet_only}, {"knet_compression_model", knet_only},
        {"knet_compression_threshold", knet_only}, {"knet_compression_level", knet_only},
        {"knet_pmtud_interval", knet_only}, {"knet_mtu", knet_only}, {"link_mode", knet_only},
        {"crypto_model", knet_only}, {"key", knet_only},
        // corosync 2's redundant ring protocol: gone in corosync 3.
        {"rrp_mode", rrp_gone}, {"rrp_problem_count_timeout", rrp_gone}, {"rrp_problem_count_threshold", rrp_gone},
        {"rrp_problem_count_mcast_threshold", rrp_gone}, {"rrp_token_expired_timeout", rrp_gone},
        {"rrp_autorecovery_check_timeout", rrp_gone}},
       {{"interface", [&](auto& sub, auto& p) { read_interface(r, sub, p, t); }}});
}

void read_logging(Reader& r, const ConfSection& s, const std::string& path, LoggingConf& l) {
  auto flag = [&](bool& b) { return [&r, &b](const ConfItem& it, const std::string& p) { r.boolean(it, p, b); }; };
  auto debug_level = [&r](std::string& out) {
    return [&r, &out](const ConfItem& it, const std::string& p) {
      if (it.value == "on" || it.value == "off" || it.value == "trace")
        out = it.value;
      else
        r.error(it.line, p, "'" + it.value + "' is not one of on|off|trace");
    };
  };
  walk(r, s, path,
       {{"to_logfile", flag(l.to_logfile)},
        {"logfile", [&](auto& it, auto&) { l.logfile = it.value; }},
        {"to_stderr", flag(l.to_stderr)},
        {"to_syslog", flag(l.to_syslog)},
        {"syslog_facility", [&](auto& it, auto&) { l.syslog_facility = it.value; }},
        {"timestamp", flag(l.timestamp)},
        {"debug", debug_level(l.debug)},
        {"fileline", flag(l.fileline)},
        {"function_name", flag(l.function_name)}},
       {{"logger_subsys", [&](const ConfSection& sub, const std::string& p) {
           LoggerSubsysConf ls;
           ls.line = sub.line;
           std::optional<std::string> dbg;
           walk(r, sub, p,
                {{"subsys", [&](auto& it, auto&) { ls.subsys = it.value; }},
                 {"debug",
                  [&](auto& it, auto& q) {
                    std::string v;
                    debug_level(v)(it, q);
                    if (!v.empty()) ls.debug = v;
                  }},
                 {"to_logfile", [&](auto& it, auto&) { ls.other[it.key] = it.value; }},
                 {"to_stderr", [&](auto& it, auto&) { ls.other[it.key] = it.value; }},
                 {"to_syslog", [&](auto& it, auto&) { ls.other[it.key] = it.value; }},
                 {"logfile", [&](auto& it, auto&) { ls.other[it.key] = it.value; }}},
                {});
           if (ls.subsys.empty()) r.error(sub.line, p + ".subsys", "logger_subsys needs a subsys");
           l.logger_subsys.push_back(ls);
         }}});
  if (l.to_logfile && l.logfile.empty())
    r.error(s.line, path + ".logfile", "to_logfile is on but no logfile is given");
}

void read_device(Reader& r, const ConfSection& s, const std::string& path, QuorumConf& q) {
  QuorumDeviceConf d;
  d.line = s.line;
  std::vector<const ConfSection*> model_sections;
  auto model_section = [&](const ConfSection& sub, const std::string&) {
    model_sections.push_back(&sub);
    for (const auto& it : sub.items) {
      d.model_options[it.key] = it.value;  // the device's own code checks them
      d.model_option_lines[it.key] = it.line;
    }
  };
  walk(r, s, path,
       {{"model",
         [&](auto& it, auto& p) {
           if (it.value == "ping" || it.value == "disk")
             d.model = it.value;
           else
             r.error(it.line, p, "'" + it.value + "' is not a known device model (ping|disk)");
         }},
        {"votes", [&](auto& it, auto& p) { r.integer(it, p, 0, 255, d.votes); }},
        {"timeout",
         [&](auto& it, auto& p) {
           core::Duration v{};
           if (r.millis(it, p, 1, 3'600'000, v)) d.timeout = v;
         }}},
       {{"ping", model_section}, {"disk", model_section}});
  for (const auto* sub : model_sections)
    if (!d.model.empty() && sub->name != d.model)
      r.warning(sub->line, path + "." + sub->name, "settings for model '" + sub->name + "' but model is '" + d.model + "'");
  if (d.model.empty()) r.error(s.line, path + ".model", "device needs a model (ping|disk)");
  q.device = d;
}

void read_quorum(Reader& r, const ConfSection& s, const std::string& path, QuorumConf& q) {
  auto flag = [&](bool& b) { return [&r, &b](const ConfItem& it, const std::string& p) { r.boolean(it, p, b); }; };
  walk(r, s, path,
       {{"provider",
         [&](auto& it, auto& p) {
           if (it.value == "corosync_votequorum")
             q.provider = it.value;
           else
             r.error(it.line, p, "'" + it.value + "' is not a quorum provider (corosync_votequorum)");
         }},
        {"expected_votes",
         [&](auto& it, auto& p) {
           int v = 0;
           if (r.integer(it, p, 1, 65535, v)) q.expected_votes = v;
         }},
        {"two_node", flag(q.two_node)},
        {"wait_for_all",
         [&](auto& it, auto& p) {
           bool v = false;
           if (r.boolean(it, p, v)) q.wait_for_all = v;
         }},
        {"last_man_standing", flag(q.last_man_standing)},
        {"last_man_standing_window",
         [&](auto& it, auto& p) { r.millis(it, p, 1, 3'600'000, q.last_man_standing_window); }},
        {"auto_tie_breaker", flag(q.auto_tie_breaker)},
        {"auto_tie_breaker_node",
         [&](auto& it, auto& p) {
           if (valid_tie_breaker(it.value)) q.auto_tie_breaker_node = it.value;
           else
             r.error(it.line, p, "'" + it.value + "' is not lowest, highest or a list of node ids (1 3 5)");
         }}},
       {{"device", [&](auto& sub, auto& p) { read_device(r, sub, p, q); }}});
}

void read_nodelist(Reader& r, const ConfSection& s, const std::string& path, std::vector<NodeConf>& nodes) {
  walk(r, s, path, {},
       {{"node", [&](const ConfSection& sub, const std::string& p) {
          NodeConf n;
          n.line = sub.line;
          walk(r, sub, p,
               {{"ring0_addr", [&](auto& it, auto&) { n.ring0_addr = it.value; }},
                {"ring1_addr", [&](auto& it, auto&) { n.ring1_addr = it.value; }},
                {"nodeid",
                 [&](auto& it, auto& q) {
                   std::uint32_t id = 0;
                   if (r.integer(it, q, 1, 0x7fffffff, id)) n.nodeid = id;
                 }},
                {"name", [&](auto& it, auto&) { n.name = it.value; }},
                {"quorum_votes", [&](auto& it, auto& q) { r.integer(it, q, 0, 255, n.quorum_votes); }}},
               {});
          if (n.ring0_addr.empty()) r.error(sub.line, p + ".ring0_addr", "node has no ring0_addr");
          nodes.push_back(n);
        }}});
}

void read_qb(Reader& r, const ConfSection& s, const std::string& path, QbConf& qb) {
  walk(r, s, path,
       {{"ipc_type",
         [&](auto& it, auto& p) {
           if (it.value == "native" || it.value == "shm" || it.value == "socket")
             qb.ipc_type = it.value;
           else
             r.error(it.line, p, "'" + it.value + "' is not one of native|shm|socket");
         }}},
       {});
}

// Line of a key inside a section, for cross-check messages.
int line_of(const ConfSection& root, std::string_view section, std::string_view key) {
  for (const auto& s : root.sections)
    if (s.name == section)
      for (const auto& it : s.items)
        if (it.key == key) return it.line;
  return 0;
}

void cross_check(Reader& r, const ConfSection& root, CorosyncConf& c) {
  // Node list: addresses and ids name one node each.
  for (int ring = 0; ring < 2; ++ring) {
    std::map<std::string, const NodeConf*> by_addr;
    const char* key = ring == 0 ? "nodelist.node.ring0_addr" : "nodelist.node.ring1_addr";
    for (const auto& n : c.nodelist) {
      const auto& a = ring == 0 ? n.ring0_addr : n.ring1_addr;
      if (a.empty()) continue;
      auto [it, fresh] = by_addr.emplace(a, &n);
      if (!fresh)
        r.error(n.line, key,
                "duplicate address " + a + ": the node at line " + std::to_string(it->second->line) +
                    " has it too; every node needs its own address");
    }
  }
  std::map<std::uint32_t, const NodeConf*> by_id;
  std::map<std::string, const NodeConf*> by_name;
  for (const auto& n : c.nodelist) {
    if (n.nodeid) {
      auto [it, fresh] = by_id.emplace(*n.nodeid, &n);
      if (!fresh)
        r.error(n.line, "nodelist.node.nodeid",
                "duplicate nodeid " + std::to_string(*n.nodeid) + " (also the node at line " +
                    std::to_string(it->second->line) + ")");
    }
    if (!n.name.empty()) {
      auto [it, fresh] = by_name.emplace(n.name, &n);
      if (!fresh)
        r.error(n.line, "nodelist.node.name",
                "duplicate name " + n.name + " (also the node at line " + std::to_string(it->second->line) + ")");
    }
  }
  const bool any_ring1 = std::any_of(c.nodelist.begin(), c.nodelist.end(), [](auto& n) { return !n.ring1_addr.empty(); });
  if (any_ring1)
    for (const auto& n : c.nodelist)
      if (n.ring1_addr.empty())
        r.error(n.line, "nodelist.node.ring1_addr", "some nodes have ring1_addr and this one has none");

  // Interfaces: one per ring number.
  std::set<int> rings;
  for (const auto& i : c.totem.interfaces)
    if (!rings.insert(i.ringnumber).second)
      r.error(i.line, "totem.interface.ringnumber", "ring " + std::to_string(i.ringnumber) + " is configured twice");
  if (c.totem.transport == Transport::udpu && c.nodelist.empty())
    r.error(line_of(root, "totem", "transport"), "totem.transport", "udpu needs a nodelist");
  if (c.totem.transport == Transport::udp)
    for (const auto& i : c.totem.interfaces)
      if (!i.broadcast && !i.mcastaddr)
        r.error(i.line, "totem.interface.mcastaddr", "udp transport needs mcastaddr (or broadcast: yes)");

  if (c.totem.crypto_cipher != Cipher::none && c.totem.crypto_hash == Hash::none)
    r.error(line_of(root, "totem", "crypto_cipher"), "totem.crypto_cipher",
            "a cipher needs a hash too (crypto_hash): encryption without authentication is refused");

  // Timers that cannot work together.
  const auto min_consensus = std::chrono::duration_cast<core::Duration>(c.effective_token() * 1.2);
  if (c.totem.consensus && *c.totem.consensus < min_consensus)
    r.warning(line_of(root, "totem", "consensus"), "totem.consensus",
              "consensus should be at least 1.2 * token (" + core::format_duration(min_consensus) + ")");
  if (c.totem.hold && *c.totem.hold >= c.effective_token_retransmit())
    r.error(line_of(root, "totem", "hold"), "totem.hold",
            "hold must be shorter than token_retransmit (" + core::format_duration(c.effective_token_retransmit()) + ")");
  if (c.totem.token_retransmit && *c.totem.token_retransmit >= c.effective_token())
    r.error(line_of(root, "totem", "token_retransmit"), "totem.token_retransmit",
            "token_retransmit must be shorter than token");

  // Quorum.
  if (c.quorum.two_node && c.nodelist.size() > 2)
    r.error(line_of(root, "quorum", "two_node"), "quorum.two_node",
            "two_node is for exactly two nodes; the nodelist has " + std::to_string(c.nodelist.size()));
  if (!c.quorum.provider.empty() && !c.quorum.expected_votes && c.nodelist.empty())
    r.error(line_of(root, "quorum", "provider"), "quorum.expected_votes",
            "votequorum needs expected_votes or a nodelist");
  if (const int line = line_of(root, "quorum", "auto_tie_breaker_node"); line > 0) {
    const auto& atb = c.quorum.auto_tie_breaker_node;
    if (!c.quorum.auto_tie_breaker)
      r.warning(line, "quorum.auto_tie_breaker_node", "has no effect without auto_tie_breaker: 1");
    if (atb != "lowest" && atb != "highest" && !c.nodelist.empty()) {
      std::set<std::uint32_t> ids;
      for (const auto& n : c.nodelist)
        if (n.nodeid) ids.insert(*n.nodeid);
      std::string v = atb;
      for (char& ch : v)
        if (ch == ',' || ch == '\t') ch = ' ';
      std::istringstream in(v);
      std::uint32_t id;
      while (in >> id)
        if (!ids.count(id))
          r.warning(line, "quorum.auto_tie_breaker_node", "node " + std::to_string(id) + " is not in the nodelist");
    }
  }
}

}  // namespace

ParseResult parse_corosync_conf(std::string_view text, std::string_view file) {
  ParseResult res;
  ConfSection root = parse_tree(text, file, res.diagnostics);
  Reader r(file, res.diagnostics);
  auto& c = res.conf;
  std::map<std::string, int> seen;
  for (const auto& s : root.sections) {
    auto [where, fresh] = seen.emplace(s.name, s.line);
    if (!fresh)
      r.warning(s.line, s.name, "section given twice (first at line " + std::to_string(where->second) + ")");
    if (s.name == "totem")
      read_totem(r, s, "totem", c.totem);
    else if (s.name == "logging")
      read_logging(r, s, "logging", c.logging);
    else if (s.name == "quorum")
      read_quorum(r, s, "quorum", c.quorum);
    else if (s.name == "nodelist")
      read_nodelist(r, s, "nodelist", c.nodelist);
    else if (s.name == "qb")
      read_qb(r, s, "qb", c.qb);
    else if (s.name == "resources" || s.name == "system" || s.name == "nozzle" || s.name == "uidgid")
      r.warning(s.line, s.name, "section not used by halab (ignored)");
    else
      r.warning(s.line, s.name, "unknown section (ignored)");
  }
  if (!c.quorum.wait_for_all) c.quorum.wait_for_all = c.quorum.two_node;  // two_node implies wait_for_all
  cross_check(r, root, c);
  return res;
}

}  // namespace halab::config
