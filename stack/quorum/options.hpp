#pragma once
// Votequorum's settings, resolved from corosync.conf for one node: its own
// votes, the expected votes, the feature switches and the tie-breaker.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "stack/config/corosync_conf.hpp"
#include "stack/core/time.hpp"
#include "stack/totem/wire.hpp"

namespace halab::quorum {

using NodeId = totem::NodeId;

// auto_tie_breaker_node: lowest | highest | a list of node ids.
//
// The tie-breaker is resolved once, from the configuration, to one node:
// the lowest or highest node id of the nodelist, or the FIRST node of the
// list. corosync falls through its list to later nodes when the earlier
// ones were missing from the previous membership, and for lowest/highest it
// uses the lowest/highest id of the last quorate membership; both can
// disagree between two halves after a few quick partitions (a half cannot
// tell a dead node from one in the other half), so both halves may claim
// the tie. A fixed node cannot be in two halves at once.
struct TieBreaker {
  enum class Mode { lowest, highest, list };
  Mode mode = Mode::lowest;
  std::vector<NodeId> list;
};
// "lowest", "highest" or node ids separated by blanks; false on anything else.
bool parse_tie_breaker(std::string_view text, TieBreaker& out);

struct VotequorumOptions {
  NodeId node_id = 0;
  std::uint32_t votes = 1;           // this node's quorum_votes
  std::uint32_t expected_votes = 1;  // quorum.expected_votes, else the nodelist's votes; plus device votes
  bool two_node = false;
  bool wait_for_all = false;
  bool last_man_standing = false;
  core::Duration last_man_standing_window = std::chrono::milliseconds(10000);
  bool auto_tie_breaker = false;
  NodeId tie_breaker = 0;            // the node whose half wins an even split (0: none resolved)
  std::uint32_t device_votes = 0;    // quorum.device.votes when a device is configured
  std::string device_name;           // the device model ("ping", "disk")
};

struct OptionsResult {
  VotequorumOptions options;
  std::vector<std::string> warnings;
  std::string error;  // non-empty: votequorum cannot run with this configuration
  bool ok() const { return error.empty(); }
};

// `atb_setting` is quorum.auto_tie_breaker_node (config::QuorumConf::auto_tie_breaker_node).
OptionsResult votequorum_options(const config::CorosyncConf& conf, NodeId local, std::string_view atb_setting = "lowest");

// quorum.auto_tie_breaker_node straight from a file's syntax tree ("lowest"
// when absent), for callers holding only the text; the parsed
// config::QuorumConf carries the same value.
std::string auto_tie_breaker_node_setting(std::string_view conf_text);

}  // namespace halab::quorum
