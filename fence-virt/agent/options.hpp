#pragma once
// fence_halab_virt's options: fence_xvm's command line (plus fence_virt's -T tcp and -S vsock
// modes) and the fence-agents stdin protocol (name=value lines) that pacemaker's fencer uses.
#include <cstdint>
#include <string>
#include <vector>

#include "fence-virt/protocol/hash.hpp"

namespace halab::fv {

enum class AgentAction { null, off, on, reboot, status, monitor, list, list_status, metadata, validate_all };
bool parse_agent_action(std::string_view s, AgentAction& out);
const char* to_string(AgentAction a);
bool needs_target(AgentAction a);  // off/on/reboot/status

enum class Transport { multicast, tcp, vsock };
enum class IpFamily { automatic, ipv4, ipv6 };

struct AgentOptions {
  AgentAction action = AgentAction::reboot;
  std::string domain;
  bool use_uuid = false;
  std::string key_file = "/etc/cluster/fence_xvm.key";
  HashType hash = HashType::sha256;
  HashType auth = HashType::sha256;
  IpFamily family = IpFamily::automatic;
  std::string multicast_address;  // empty: 225.0.0.12 or ff05::3:1 by family
  std::uint16_t port = 1229;
  int retrans_tenths = 20;
  int timeout_s = 30;
  int delay_s = 0;
  int debug = 0;
  Transport transport = Transport::multicast;
  std::string tcp_address;  // -T / ipaddr
  std::uint32_t vsock_cid = 2;
  bool help = false;
  bool version = false;
};

struct OptionsResult {
  bool ok = true;
  std::string error;                  // for exit 1
  std::vector<std::string> warnings;  // unknown stdin names etc.
};

// argv[0] excluded. getopt-style: "-o off -n vm1" and "-ooff".
OptionsResult parse_command_line(const std::vector<std::string>& args, AgentOptions& out);
// The stdin protocol: one name=value per line, '#' comments, blanks trimmed.
OptionsResult parse_stdin_text(const std::string& text, AgentOptions& out);

std::string agent_usage();
std::string agent_metadata_xml();

}  // namespace halab::fv
