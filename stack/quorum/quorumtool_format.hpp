#pragma once
// What `halab quorumtool -s` and `-l` print, in corosync-quorumtool's layout
// ("Quorum information", "Votequorum information", "Membership information").
#include <functional>
#include <string>
#include <vector>

#include "stack/core/time.hpp"
#include "stack/quorum/votequorum.hpp"

namespace halab::quorum {

// The node's name as the tools show it (nodelist name, else ring0_addr).
using NodeNameFn = std::function<std::string(NodeId)>;

struct QuorumtoolOptions {
  bool hex_ids = false;  // -H: node ids in hex
};

std::string format_quorum_status(const QuorumStatus& s, const std::vector<NodeView>& nodes, const NodeNameFn& name,
                                 core::WallTime now, QuorumtoolOptions opt = {});
std::string format_quorum_list(const QuorumStatus& s, const std::vector<NodeView>& nodes, const NodeNameFn& name,
                               QuorumtoolOptions opt = {});
// "2Node Quorate WaitForAll LastManStanding AutoTieBreaker Qdevice " (corosync's order; each followed by a blank)
std::string format_flags(const QuorumStatus& s);

}  // namespace halab::quorum
