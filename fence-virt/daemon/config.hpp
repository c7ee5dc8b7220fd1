#pragma once
// fence_virt.conf: brace-nested blocks of `name = "value";` lines with `#` comments
// (fence_virtd's format). parse_conf_text builds a tree that keeps line numbers;
// load_daemon_config turns it into typed settings and names file:line for every problem.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fence-virt/host/static_map.hpp"
#include "fence-virt/protocol/hash.hpp"

namespace halab::fv {

struct ConfNode {
  std::string name;
  std::optional<std::string> value;  // set for `name = value;`, empty for blocks
  int line = 0;
  std::vector<ConfNode> children;
  const ConfNode* child(std::string_view n) const;  // first child with that name
};

struct ConfError {
  std::string file;
  int line = 0;
  std::string message;
  std::string text() const { return file + ":" + std::to_string(line) + ": " + message; }
};

// Parses the text; on error returns false and fills `err` (line of the offending token).
bool parse_conf_text(const std::string& text, const std::string& file, ConfNode& root, ConfError& err);

enum class ListenerKind { multicast, tcp, vsock };
const char* to_string(ListenerKind k);

struct ListenerConfig {
  ListenerKind kind = ListenerKind::multicast;
  std::string key_file = "/etc/cluster/fence_xvm.key";
  HashType hash = HashType::sha256;  // minimum accepted request hash
  HashType auth = HashType::sha256;  // challenge-response algorithm
  bool ipv6 = false;
  std::string address;               // defaults depend on kind and family
  std::uint16_t port = 1229;
  std::string interface;             // multicast only
};

struct DaemonConfig {
  std::string file;
  ListenerConfig listener;
  std::string backend = "libvirt";
  std::string module_path;  // accepted for compatibility; halab links its plugins in
  std::vector<std::string> uris{"qemu:///system"};
  bool foreground = false;
  int debug = 0;
  std::vector<StaticGroup> groups;  // static maps; empty: everyone may fence everything
  std::vector<std::string> warnings;  // unknown keys etc., as file:line: text
};

// Reads and validates `path`. Returns false with `err` on the first error.
bool load_daemon_config(const std::string& path, DaemonConfig& out, ConfError& err);
bool daemon_config_from_tree(const ConfNode& root, const std::string& file, DaemonConfig& out, ConfError& err);

}  // namespace halab::fv
