#pragma once
// corosync.conf: the cluster's messaging, logging, quorum and node list
// configuration, in corosync's syntax.
//
// This lives in its own layer (stack/config) rather than in stack/totem
// because totem, quorum, the daemon's logging and the tools all read it, and
// quorum must not depend on totem to get at its settings.
//
// Parsing takes text, not a path: reading the file is the caller's job (the
// daemon or a CLI command), so the parser stays pure and fuzzable. Every
// problem is reported as a Diagnostic naming file, line and key; the parser
// never throws on bad input.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stack/core/address.hpp"
#include "stack/core/time.hpp"

namespace halab::config {

struct Diagnostic {
  enum class Severity { error, warning };
  Severity severity = Severity::error;
  std::string file;
  int line = 0;     // 1-based; 0 when the problem has no single line
  std::string key;  // dotted path: "totem.interface.mcastport", "nodelist.node.ring0_addr"
  std::string message;
  // "corosync.conf:12: error: totem.token: 'abc' is not a number"
  std::string to_string() const;
};

// The syntax tree, before meaning is attached: sections hold key/value items
// and nested sections, each remembering its line.
struct ConfItem {
  std::string key;
  std::string value;
  int line = 0;
};
struct ConfSection {
  std::string name;  // "" for the file itself
  int line = 0;
  std::vector<ConfItem> items;
  std::vector<ConfSection> sections;
};

enum class Transport { udp, udpu };
enum class Cipher { none, aes128, aes192, aes256 };
enum class Hash { none, md5, sha1, sha256, sha384, sha512 };
const char* to_string(Transport t);
const char* to_string(Cipher c);
const char* to_string(Hash h);

struct InterfaceConf {
  int ringnumber = 0;
  std::optional<core::Ipv4> bindnetaddr;
  std::optional<core::Ipv4> mcastaddr;
  std::uint16_t mcastport = 5405;
  bool broadcast = false;
  int ttl = 1;
  int line = 0;
};

struct TotemConf {
  int version = 2;
  std::string cluster_name;
  core::Duration token = std::chrono::milliseconds(3000);
  core::Duration token_coefficient = std::chrono::milliseconds(650);
  std::optional<core::Duration> token_retransmit;  // default: token / (retransmits_before_loss + 0.2)
  int token_retransmits_before_loss_const = 4;
  std::optional<core::Duration> consensus;  // default: 1.2 * effective token
  // How long an idle ring's representative holds the token (corosync's
  // `hold`); default: token_retransmit * 0.8 - 10 ms, as corosync computes it.
  std::optional<core::Duration> hold;
  core::Duration join = std::chrono::milliseconds(50);
  core::Duration merge = std::chrono::milliseconds(200);
  int fail_recv_const = 2500;       // honoured: rotations short of messages before a new ring forms
  int seqno_unchanged_const = 30;   // parsed; halab's representative holds an idle token at once
  int token_warning = 75;           // percent of token without a token before a warning; 0: off
  core::Duration send_join{};       // parsed; halab sends joins at once (corosync: for rings of 32+ nodes)
  core::Duration downcheck = std::chrono::milliseconds(1000);  // parsed; halab does not watch interfaces
  int miss_count_const = 5;         // parsed; halab asks for a missing message at the first token showing it
  int heartbeat_failures_allowed = 0;  // parsed; the heartbeat mechanism is not implemented (0 = off)
  core::Duration max_network_delay = std::chrono::milliseconds(50);  // parsed (heartbeat only)
  bool block_unlisted_ips = true;   // honoured by udpu: datagrams from outside the nodelist are dropped
  bool cancel_token_hold_on_retransmit = false;  // halab never holds a token with retransmissions pending
  bool clear_node_high_bit = false;  // honoured: node ids taken from addresses lose bit 31
  std::uint64_t config_version = 0;
  std::string ip_version = "ipv6-4";  // ipv4 | ipv4-6 | ipv6-4 (halab resolves IPv4 only); ipv6 is refused
  int max_messages = 17;
  int window_size = 50;
  int netmtu = 1500;
  Transport transport = Transport::udp;
  Cipher crypto_cipher = Cipher::none;
  Hash crypto_hash = Hash::none;
  std::string keyfile;  // empty: "authkey" beside the config
  std::vector<InterfaceConf> interfaces;
};

struct LoggerSubsysConf {
  std::string subsys;
  std::optional<std::string> debug;  // on | off | trace
  std::map<std::string, std::string> other;
  int line = 0;
};

struct LoggingConf {
  bool to_logfile = false;
  std::string logfile;
  bool to_stderr = true;
  bool to_syslog = true;
  std::string syslog_facility = "daemon";
  bool timestamp = false;
  std::string debug = "off";  // on | off | trace
  bool fileline = false;
  bool function_name = false;
  std::vector<LoggerSubsysConf> logger_subsys;
};

// A quorum device: the seed's ping node ("ping") and quorum disk ("disk").
// Model-specific settings sit in a sub-section named after the model
// (device { model: ping  ping { host: 10.0.0.254 } }), kept as key/values
// for the device's own code to interpret.
struct QuorumDeviceConf {
  std::string model;
  int votes = 1;
  std::optional<core::Duration> timeout;
  std::map<std::string, std::string> model_options;
  int line = 0;
  std::map<std::string, int> model_option_lines;  // where each model option was given
};

struct QuorumConf {
  std::string provider;  // "corosync_votequorum" or empty (no quorum)
  std::optional<int> expected_votes;
  bool two_node = false;
  std::optional<bool> wait_for_all;  // unset: follows two_node
  bool last_man_standing = false;
  core::Duration last_man_standing_window = std::chrono::milliseconds(10000);
  bool auto_tie_breaker = false;
  // lowest | highest | node ids separated by blanks (quorum/options.hpp says how it is used)
  std::string auto_tie_breaker_node = "lowest";
  std::optional<QuorumDeviceConf> device;
};

struct NodeConf {
  std::string ring0_addr;  // an address or a host name, resolved by the transport
  std::string ring1_addr;
  std::optional<std::uint32_t> nodeid;
  std::string name;
  int quorum_votes = 1;
  int line = 0;
};

struct QbConf {
  std::string ipc_type = "native";  // native | shm | socket
};

struct CorosyncConf {
  TotemConf totem;
  LoggingConf logging;
  QuorumConf quorum;
  std::vector<NodeConf> nodelist;
  QbConf qb;

  // The token timeout corosync actually uses: token + (nodes - 2) * token_coefficient
  // when the node list holds three nodes or more.
  core::Duration effective_token() const;
  core::Duration effective_token_retransmit() const;
  core::Duration effective_consensus() const;
  core::Duration effective_hold() const;
};

struct ParseResult {
  CorosyncConf conf;  // best effort even when there are errors
  std::vector<Diagnostic> diagnostics;
  bool ok() const;  // no error (warnings allowed)
  std::size_t error_count() const;
  std::string report() const;  // one diagnostic per line
};

// Syntax only: the tree and syntax errors (unbalanced braces, lines that are
// neither "key: value", "name {" nor "}").
ConfSection parse_tree(std::string_view text, std::string_view file, std::vector<Diagnostic>& diagnostics);

// Syntax and meaning: values checked, unknown keys reported, cross-checks
// (duplicate ring0_addr / nodeid, udpu without a node list, ...).
ParseResult parse_corosync_conf(std::string_view text, std::string_view file = "corosync.conf");

}  // namespace halab::config
