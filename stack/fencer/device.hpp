#pragma once
// Fence devices and topology, as pacemaker's fencer knows them from the CIB:
// a stonith:<agent> primitive's instance attributes (the agent's own
// parameters plus pacemaker's pcmk_* ones) and fencing_topology levels.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stack/core/time.hpp"

namespace halab::fencer {

enum class HostCheck { automatic, static_list, dynamic_list, status, none };
const char* to_string(HostCheck c);

struct DeviceConfig {
  std::string id;
  std::string agent;  // fence_* program (looked up in PATH); "meatware": a human confirms
  std::map<std::string, std::string> params;  // passed to the agent (pcmk_* ones are not)
  std::vector<std::string> host_list;           // pcmk_host_list
  std::map<std::string, std::string> host_map;  // pcmk_host_map: node -> port
  HostCheck host_check = HostCheck::automatic;  // pcmk_host_check
  std::string host_argument = "port";           // pcmk_host_argument ("none": not passed)
  std::map<std::string, std::string> action_map;  // pcmk_reboot_action=off -> {"reboot","off"}
  std::map<std::string, core::Duration> timeouts;  // pcmk_<action>_timeout
  std::map<std::string, int> retries;               // pcmk_<action>_retries
  core::Duration default_timeout = std::chrono::seconds(60);  // stonith-timeout
  int priority = 0;                                           // higher is tried first
  core::Duration delay = core::Duration::zero();              // pcmk_delay_base

  core::Duration timeout(const std::string& action) const;
  int retry_count(const std::string& action) const;  // default 2, as pacemaker
  std::string agent_action(const std::string& action) const;  // after pcmk_<action>_action
  std::string port_for(const std::string& target) const;      // pcmk_host_map, else the node name
  bool is_meatware() const { return agent == "meatware" || agent == "fence_manual"; }
};

// Builds a device from a stonith primitive's attributes. On bad input
// returns nullopt and says why in `error` ("device X: pcmk_host_check: ...").
std::optional<DeviceConfig> device_from_params(const std::string& id, const std::string& agent,
                                               const std::map<std::string, std::string>& params, std::string& error);

struct TopologyLevel {
  std::string target;  // node name
  int index = 1;       // 1 is tried first
  std::vector<std::string> devices;  // all must succeed
};

// Splits "a,b c;d" style lists (pcmk_host_list, topology devices).
std::vector<std::string> split_list(const std::string& text);

// Targets named by a fence agent's `list` output: "port,alias" lines.
std::vector<std::string> parse_list_output(const std::string& out);

}  // namespace halab::fencer
