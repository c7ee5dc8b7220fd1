#pragma once
// The standard trees, as corosync keeps them:
//   totem.*, logging.*, quorum.*, nodelist.*   from corosync.conf (typed as
//                                              corosync's parser types them)
//   runtime.members.<id>.ip / .status / .join_count / .config_version
//                                              from the ring's membership
//   runtime.votequorum.*                       from votequorum's state
#include <functional>
#include <string>

#include "stack/cmap/cmap.hpp"
#include "stack/config/corosync_conf.hpp"
#include "stack/quorum/votequorum.hpp"
#include "stack/totem/srp.hpp"

namespace halab::cmap {

// Replaces the totem., logging., quorum. and nodelist. trees with the
// config's values. `local_node` (0: unknown) sets nodelist.local_node_pos.
void load_config(Cmap& map, const config::CorosyncConf& conf, std::uint32_t local_node = 0);

// The address text for runtime.members.<id>.ip: "r(0) ip(10.0.0.1) " (note
// the trailing blank, as corosync prints it); empty when unknown.
using MemberAddressFn = std::function<std::string(totem::NodeId)>;
MemberAddressFn addresses_from_nodelist(const config::CorosyncConf& conf);

// Applies a regular configuration: members get status "joined" (join_count
// counts their joins), nodes that left get "left". Transitional ones change
// nothing here.
void apply_membership(Cmap& map, const totem::ConfigChange& cc, const MemberAddressFn& address);

// runtime.votequorum.* from a status snapshot.
void apply_quorum(Cmap& map, const quorum::QuorumStatus& status);

}  // namespace halab::cmap
