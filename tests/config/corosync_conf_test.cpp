#include "stack/config/corosync_conf.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

using namespace halab::config;
using namespace std::chrono_literals;

namespace {

const Diagnostic* find(const ParseResult& r, Diagnostic::Severity sev, std::string_view key) {
  for (const auto& d : r.diagnostics)
    if (d.severity == sev && d.key == key) return &d;
  return nullptr;
}

std::string shared_dir() {
  if (const char* e = std::getenv("HALAB_SHARED_DIR")) return e;
  return std::string(HALAB_SOURCE_DIR) + "/../shared";
}

// The seed document embeds corosync.conf in prose. Take the first run of
// lines that starts at a bare "totem {" and continues while braces balance
// over consecutive top-level sections.
std::string seed_config() {
  namespace fs = std::filesystem;
  for (const auto& e : fs::directory_iterator(shared_dir() + "/seed")) {
    std::ifstream in(e.path());
    std::string line, out;
    bool inside = false;
    int depth = 0;
    while (std::getline(in, line)) {
      auto b = line.find_first_not_of(" \t");
      std::string t = b == std::string::npos ? "" : line.substr(b);
      while (!t.empty() && (t.back() == ' ' || t.back() == '\r')) t.pop_back();
      if (!inside && t == "totem {") inside = true;
      if (!inside) continue;
      if (depth == 0 && !t.empty() && t.back() != '{') break;  // prose after the last section
      out += line + "\n";
      for (char c : t) depth += c == '{' ? 1 : c == '}' ? -1 : 0;
    }
    if (!out.empty()) return out;
  }
  return {};
}

}  // namespace

TEST(CorosyncConf, SeedExampleParsesAndItsDuplicateRing0AddrIsAnError) {
  const std::string text = seed_config();
  ASSERT_FALSE(text.empty()) << "no corosync.conf example found in " << shared_dir() << "/seed";
  auto r = parse_corosync_conf(text, "seed.conf");
  // Everything in it is understood: no syntax errors, no unknown keys.
  for (const auto& d : r.diagnostics) EXPECT_EQ(d.key, "nodelist.node.ring0_addr") << d.to_string();
  ASSERT_EQ(r.error_count(), 1u) << r.report();
  const auto* dup = find(r, Diagnostic::Severity::error, "nodelist.node.ring0_addr");
  ASSERT_NE(dup, nullptr);
  EXPECT_NE(dup->message.find("node1.liu2lin.com"), std::string::npos) << dup->message;
  EXPECT_EQ(dup->file, "seed.conf");
  // The error points at the second node's line, in the extracted text.
  int line = 0, nodes = 0;
  std::istringstream in(text);
  std::string l;
  for (int n = 1; std::getline(in, l); ++n)
    if (l.find("node {") != std::string::npos && ++nodes == 2) line = n;
  EXPECT_EQ(dup->line, line);

  const auto& c = r.conf;
  EXPECT_EQ(c.totem.version, 2);
  EXPECT_EQ(c.totem.crypto_cipher, Cipher::aes128);
  EXPECT_EQ(c.totem.crypto_hash, Hash::md5);
  ASSERT_EQ(c.totem.interfaces.size(), 1u);
  EXPECT_EQ(c.totem.interfaces[0].bindnetaddr->to_string(), "172.16.0.0");
  EXPECT_EQ(c.totem.interfaces[0].mcastaddr->to_string(), "239.255.101.11");
  EXPECT_EQ(c.totem.interfaces[0].mcastport, 5405);
  EXPECT_EQ(c.totem.interfaces[0].ttl, 1);
  EXPECT_TRUE(c.logging.to_logfile);
  EXPECT_FALSE(c.logging.to_stderr);
  EXPECT_TRUE(c.logging.timestamp);
  EXPECT_EQ(c.logging.logfile, "/var/log/cluster/corosync.log");
  ASSERT_EQ(c.logging.logger_subsys.size(), 1u);
  EXPECT_EQ(c.logging.logger_subsys[0].subsys, "QUORUM");
  EXPECT_EQ(c.quorum.provider, "corosync_votequorum");
  ASSERT_EQ(c.nodelist.size(), 2u);
  EXPECT_EQ(*c.nodelist[1].nodeid, 2u);
}

TEST(CorosyncConf, EveryKeyOfEverySection) {
  auto r = parse_corosync_conf(R"(# a full config
totem {
  version: 2
  cluster_name: lab
  token: 1000
  token_coefficient: 500
  token_retransmits_before_loss_const: 5
  consensus: 1800
  join: 60
  max_messages: 20
  window_size: 40
  transport: udpu
  crypto_cipher: aes256
  crypto_hash: sha512
  interface {
    ringnumber: 0
    bindnetaddr: 10.0.0.0
    mcastport: 5500
    ttl: 2
  }
  interface {
    ringnumber: 1
    bindnetaddr: 10.1.0.0
    broadcast: yes
  }
}
logging {
  to_logfile: yes
  logfile: /tmp/x.log
  to_stderr: no
  to_syslog: off
  timestamp: on
  debug: trace
  fileline: on
  logger_subsys {
    subsys: TOTEM
    debug: on
  }
}
quorum {
  provider: corosync_votequorum
  expected_votes: 3
  wait_for_all: 1
  last_man_standing: 1
  last_man_standing_window: 20000
  auto_tie_breaker: yes
  device {
    model: ping
    votes: 1
    ping {
      host: 10.0.0.254
    }
  }
}
nodelist {
  node {
    ring0_addr: 10.0.0.1
    ring1_addr: 10.1.0.1
    nodeid: 1
    name: a
  }
  node {
    ring0_addr: 10.0.0.2
    ring1_addr: 10.1.0.2
    nodeid: 2
    name: b
  }
  node {
    ring0_addr: 10.0.0.3
    ring1_addr: 10.1.0.3
    nodeid: 3
    name: c
  }
}
qb {
  ipc_type: socket
}
)");
  EXPECT_TRUE(r.diagnostics.empty()) << r.report();
  const auto& c = r.conf;
  EXPECT_EQ(c.totem.cluster_name, "lab");
  EXPECT_EQ(c.totem.token, 1000ms);
  EXPECT_EQ(c.effective_token(), 1500ms);  // 3 nodes: token + 1 * coefficient
  EXPECT_EQ(c.effective_consensus(), 1800ms);
  EXPECT_EQ(c.totem.join, 60ms);
  EXPECT_EQ(c.totem.max_messages, 20);
  EXPECT_EQ(c.totem.window_size, 40);
  EXPECT_EQ(c.totem.transport, Transport::udpu);
  EXPECT_EQ(c.totem.crypto_cipher, Cipher::aes256);
  EXPECT_EQ(c.totem.crypto_hash, Hash::sha512);
  ASSERT_EQ(c.totem.interfaces.size(), 2u);
  EXPECT_EQ(c.totem.interfaces[0].mcastport, 5500);
  EXPECT_TRUE(c.totem.interfaces[1].broadcast);
  EXPECT_EQ(c.logging.debug, "trace");
  EXPECT_FALSE(c.logging.to_syslog);
  EXPECT_EQ(*c.logging.logger_subsys[0].debug, "on");
  EXPECT_EQ(*c.quorum.expected_votes, 3);
  EXPECT_TRUE(*c.quorum.wait_for_all);
  EXPECT_TRUE(c.quorum.last_man_standing);
  EXPECT_EQ(c.quorum.last_man_standing_window, 20000ms);
  EXPECT_TRUE(c.quorum.auto_tie_breaker);
  ASSERT_TRUE(c.quorum.device);
  EXPECT_EQ(c.quorum.device->model, "ping");
  EXPECT_EQ(c.quorum.device->model_options.at("host"), "10.0.0.254");
  EXPECT_EQ(c.nodelist[2].name, "c");
  EXPECT_EQ(c.nodelist[2].ring1_addr, "10.1.0.3");
  EXPECT_EQ(c.qb.ipc_type, "socket");
}

TEST(CorosyncConf, DefaultsFollowCorosync) {
  auto r = parse_corosync_conf("totem {\n version: 2\n interface {\n  mcastaddr: 239.1.1.1\n }\n}\n");
  EXPECT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.conf.totem.token, 3000ms);
  EXPECT_EQ(r.conf.effective_token(), 3000ms);
  EXPECT_EQ(r.conf.effective_consensus(), 3600ms);
  // corosync's hold: token_retransmit (3000 / 4.2 = 714.285 ms) * 0.8 - 10 ms.
  EXPECT_EQ(std::chrono::duration_cast<std::chrono::microseconds>(r.conf.effective_hold()).count(), 561428);
  EXPECT_EQ(r.conf.totem.window_size, 50);
  EXPECT_EQ(r.conf.totem.max_messages, 17);
  EXPECT_FALSE(*r.conf.quorum.wait_for_all);
}

TEST(CorosyncConf, TwoNodeImpliesWaitForAllUnlessSaidOtherwise) {
  auto r = parse_corosync_conf("quorum {\n provider: corosync_votequorum\n two_node: 1\n expected_votes: 2\n}\n");
  EXPECT_TRUE(r.ok()) << r.report();
  EXPECT_TRUE(*r.conf.quorum.wait_for_all);
  r = parse_corosync_conf("quorum {\n provider: corosync_votequorum\n two_node: 1\n wait_for_all: 0\n expected_votes: 2\n}\n");
  EXPECT_FALSE(*r.conf.quorum.wait_for_all);
}

TEST(CorosyncConf, ErrorsNameFileLineAndKey) {
  auto r = parse_corosync_conf("totem {\n  token: soon\n  transport: knet\n}\n", "/etc/halab/corosync.conf");
  ASSERT_EQ(r.error_count(), 2u) << r.report();
  EXPECT_EQ(r.diagnostics[0].to_string(), "/etc/halab/corosync.conf:2: error: totem.token: 'soon' is not a number");
  EXPECT_EQ(r.diagnostics[1].to_string(),
            "/etc/halab/corosync.conf:3: error: totem.transport: 'knet' is not one of udp|udpu");
}

TEST(CorosyncConf, UnknownKeysAndSectionsAreReported) {
  auto r = parse_corosync_conf("totem {\n  tokken: 10\n  interface {\n mcastaddr: 239.0.0.1\n colour: red\n }\n}\nfoo {\n}\n");
  EXPECT_TRUE(r.ok()) << r.report();
  ASSERT_NE(find(r, Diagnostic::Severity::warning, "totem.tokken"), nullptr) << r.report();
  EXPECT_EQ(find(r, Diagnostic::Severity::warning, "totem.tokken")->line, 2);
  ASSERT_NE(find(r, Diagnostic::Severity::warning, "totem.interface.colour"), nullptr);
  ASSERT_NE(find(r, Diagnostic::Severity::warning, "foo"), nullptr);
}

TEST(CorosyncConf, SyntaxErrors) {
  auto r = parse_corosync_conf("totem {\n  version 2\n");
  EXPECT_EQ(r.error_count(), 2u) << r.report();  // the bad line, and the unclosed section
  EXPECT_EQ(r.diagnostics[0].line, 2);
  EXPECT_EQ(r.diagnostics[1].line, 1);
  EXPECT_NE(r.diagnostics[1].message.find("not closed"), std::string::npos);
  r = parse_corosync_conf("}\n");
  EXPECT_EQ(r.error_count(), 1u);
  r = parse_corosync_conf("version: 2\n");
  EXPECT_EQ(r.error_count(), 1u);
}

TEST(CorosyncConf, CrossChecks) {
  auto r = parse_corosync_conf(
      "totem {\n transport: udpu\n crypto_cipher: aes128\n}\nnodelist {\n node {\n ring0_addr: 10.0.0.1\n nodeid: 1\n }\n"
      " node {\n ring0_addr: 10.0.0.2\n nodeid: 1\n }\n node {\n nodeid: 3\n }\n}\n");
  EXPECT_NE(find(r, Diagnostic::Severity::error, "totem.crypto_cipher"), nullptr) << r.report();
  EXPECT_NE(find(r, Diagnostic::Severity::error, "nodelist.node.nodeid"), nullptr) << r.report();
  EXPECT_EQ(find(r, Diagnostic::Severity::error, "nodelist.node.nodeid")->line, 10);
  EXPECT_NE(find(r, Diagnostic::Severity::error, "nodelist.node.ring0_addr"), nullptr) << r.report();
  r = parse_corosync_conf("totem {\n transport: udpu\n}\n");
  EXPECT_NE(find(r, Diagnostic::Severity::error, "totem.transport"), nullptr) << r.report();
  r = parse_corosync_conf("totem {\n interface {\n  mcastaddr: 10.0.0.1\n }\n}\n");
  EXPECT_NE(find(r, Diagnostic::Severity::error, "totem.interface.mcastaddr"), nullptr) << r.report();
  r = parse_corosync_conf("totem {\n interface {\n  ringnumber: 0\n  broadcast: yes\n }\n interface {\n  ringnumber: 0\n  broadcast: yes\n }\n}\n");
  EXPECT_NE(find(r, Diagnostic::Severity::error, "totem.interface.ringnumber"), nullptr) << r.report();
}

TEST(CorosyncConf, HoldIsSetAndMustStayBelowTokenRetransmit) {
  auto r = parse_corosync_conf("totem {\n token: 1000\n hold: 100\n interface {\n  mcastaddr: 239.1.1.1\n }\n}\n");
  EXPECT_TRUE(r.ok()) << r.report();
  EXPECT_EQ(r.conf.effective_hold(), 100ms);
  r = parse_corosync_conf("totem {\n token: 1000\n hold: 300\n interface {\n  mcastaddr: 239.1.1.1\n }\n}\n");
  ASSERT_NE(find(r, Diagnostic::Severity::error, "totem.hold"), nullptr) << r.report();
  EXPECT_EQ(find(r, Diagnostic::Severity::error, "totem.hold")->line, 3);
}

TEST(CorosyncConf, CommentsAndOddSpacing) {
  auto r = parse_corosync_conf("# top\n\ttotem{\n   token :  900   # fast\n # indented comment\n  cluster_name: a#b\n}\n");
  EXPECT_TRUE(r.diagnostics.empty()) << r.report();
  EXPECT_EQ(r.conf.totem.token, 900ms);
  EXPECT_EQ(r.conf.totem.cluster_name, "a#b");
}

// corosync 3.1.7's other totem keys (man corosync.conf): parsed with their
// values; those halab does not honour say so in a warning; knet-only and
// corosync 2 (rrp) keys are recognised and reported as ignored, not unknown.
TEST(CorosyncConf, Corosync3TotemTimersAndSwitches) {
  auto r = parse_corosync_conf(R"(totem {
  transport: udpu
  hold: 90
  token_warning: 50
  send_join: 80
  downcheck: 2000
  miss_count_const: 7
  fail_recv_const: 100
  seqno_unchanged_const: 10
  heartbeat_failures_allowed: 3
  max_network_delay: 40
  block_unlisted_ips: no
  cancel_token_hold_on_retransmit: yes
  clear_node_high_bit: yes
  config_version: 12
  ip_version: ipv4
  knet_ping_interval: 200
  link_mode: passive
  rrp_mode: active
  rrp_problem_count_threshold: 20
}
nodelist {
  node {
    ring0_addr: 10.0.0.1
  }
}
)");
  EXPECT_TRUE(r.ok()) << r.report();
  const auto& t = r.conf.totem;
  EXPECT_EQ(t.hold, std::optional<halab::core::Duration>(90ms));
  EXPECT_EQ(t.token_warning, 50);
  EXPECT_EQ(t.send_join, 80ms);
  EXPECT_EQ(t.downcheck, 2000ms);
  EXPECT_EQ(t.miss_count_const, 7);
  EXPECT_EQ(t.fail_recv_const, 100);
  EXPECT_EQ(t.seqno_unchanged_const, 10);
  EXPECT_EQ(t.heartbeat_failures_allowed, 3);
  EXPECT_EQ(t.max_network_delay, 40ms);
  EXPECT_FALSE(t.block_unlisted_ips);
  EXPECT_TRUE(t.cancel_token_hold_on_retransmit);
  EXPECT_TRUE(t.clear_node_high_bit);
  EXPECT_EQ(t.config_version, 12u);
  EXPECT_EQ(t.ip_version, "ipv4");
  using S = Diagnostic::Severity;
  for (const char* k : {"totem.send_join", "totem.downcheck", "totem.miss_count_const",
                        "totem.heartbeat_failures_allowed", "totem.knet_ping_interval", "totem.link_mode",
                        "totem.rrp_mode", "totem.rrp_problem_count_threshold"})
    EXPECT_NE(find(r, S::warning, k), nullptr) << k << "\n" << r.report();
  EXPECT_NE(find(r, S::warning, "totem.knet_ping_interval")->message.find("knet"), std::string::npos);
  EXPECT_NE(find(r, S::warning, "totem.rrp_mode")->message.find("corosync 2"), std::string::npos);
  for (const char* k : {"totem.hold", "totem.token_warning", "totem.fail_recv_const", "totem.block_unlisted_ips",
                        "totem.clear_node_high_bit", "totem.config_version", "totem.ip_version"})
    EXPECT_EQ(find(r, S::warning, k), nullptr) << k << " is honoured: no warning\n" << r.report();
  for (const auto& d : r.diagnostics) EXPECT_EQ(d.message.find("unknown"), std::string::npos) << d.to_string();

  // Defaults, as corosync 3.
  auto d = parse_corosync_conf("totem {\n}\n").conf.totem;
  EXPECT_EQ(d.token_warning, 75);
  EXPECT_TRUE(d.block_unlisted_ips);
  EXPECT_FALSE(d.clear_node_high_bit);
  EXPECT_EQ(d.miss_count_const, 5);
  EXPECT_EQ(d.downcheck, 1000ms);
  EXPECT_FALSE(d.hold.has_value());

  auto bad = parse_corosync_conf("totem {\n  token_warning: 101\n  ip_version: ipv6\n  hold: soon\n}\n");
  EXPECT_EQ(bad.error_count(), 3u) << bad.report();
  EXPECT_EQ(find(bad, S::error, "totem.token_warning")->line, 2);
  EXPECT_NE(find(bad, S::error, "totem.ip_version")->message.find("IPv4"), std::string::npos);
  EXPECT_EQ(find(bad, S::error, "totem.hold")->line, 4);
}

TEST(CorosyncConf, AutoTieBreakerNode) {
  const std::string nodes = "nodelist {\n node {\n  ring0_addr: 10.0.0.1\n  nodeid: 1\n }\n node {\n  ring0_addr: "
                            "10.0.0.2\n  nodeid: 2\n }\n}\n";
  auto conf = [&](const std::string& q) { return parse_corosync_conf("quorum {\n" + q + "}\n" + nodes); };
  using S = Diagnostic::Severity;
  EXPECT_EQ(conf(" auto_tie_breaker: 1\n").conf.quorum.auto_tie_breaker_node, "lowest");
  for (const char* v : {"lowest", "highest", "2 1", "2,1"}) {
    auto r = conf(std::string(" auto_tie_breaker: 1\n auto_tie_breaker_node: ") + v + "\n");
    EXPECT_TRUE(r.ok()) << r.report();
    EXPECT_EQ(r.conf.quorum.auto_tie_breaker_node, v);
    EXPECT_EQ(find(r, S::warning, "quorum.auto_tie_breaker_node"), nullptr) << r.report();
  }
  auto bad = conf(" auto_tie_breaker: 1\n auto_tie_breaker_node: middle\n");
  ASSERT_NE(find(bad, S::error, "quorum.auto_tie_breaker_node"), nullptr) << bad.report();
  EXPECT_EQ(find(bad, S::error, "quorum.auto_tie_breaker_node")->line, 3);
  EXPECT_NE(find(conf(" auto_tie_breaker: 1\n auto_tie_breaker_node: 0\n"), S::error, "quorum.auto_tie_breaker_node"),
            nullptr);
  auto stranger = conf(" auto_tie_breaker: 1\n auto_tie_breaker_node: 7 1\n");
  EXPECT_TRUE(stranger.ok());
  ASSERT_NE(find(stranger, S::warning, "quorum.auto_tie_breaker_node"), nullptr);
  EXPECT_NE(find(stranger, S::warning, "quorum.auto_tie_breaker_node")->message.find("node 7"), std::string::npos);
  auto unused = conf(" auto_tie_breaker_node: 2\n");
  ASSERT_NE(find(unused, S::warning, "quorum.auto_tie_breaker_node"), nullptr);
  EXPECT_NE(find(unused, S::warning, "quorum.auto_tie_breaker_node")->message.find("without auto_tie_breaker"),
            std::string::npos);
}
