#pragma once
// One node's messaging layer, built from corosync.conf: packet security,
// one transport per configured ring (two rings: both used, see
// RedundantTransport) and the Totem SRP state machine. It runs unchanged in
// simnet and on a real node; halabd and the simnet tests build it.
#include <memory>

#include "stack/config/corosync_conf.hpp"
#include "stack/core/env.hpp"
#include "stack/totem/crypto.hpp"
#include "stack/totem/srp.hpp"
#include "stack/totem/transport.hpp"

namespace halab::totem {

struct TotemServiceOptions {
  config::CorosyncConf conf;
  core::Bytes key;                     // the authkey's bytes (empty with crypto none/none)
  std::vector<core::Ipv4> local_addrs;  // this node's address on ring 0 (and ring 1)
  SrpCallbacks callbacks;
};

// The node id corosync uses: the nodelist's nodeid for the node whose
// ring0_addr is `addr`, else the address itself as a number. 0 when the
// nodelist names `addr` without a nodeid and that is ambiguous (never here).
NodeId node_id_for(const config::CorosyncConf& conf, core::Ipv4 addr);

class TotemService : public core::Service {
 public:
  // Throws core::Error when a ring cannot be set up (bind failure, a
  // nodelist address that is not an IPv4 address with udpu).
  TotemService(core::Env& env, TotemServiceOptions opt);
  Srp& srp() { return *srp_; }
  const CryptoStats& crypto_stats() const { return crypto_->stats(); }
  // Each ring's state with this node's address on it (`halab cfgtool -s`,
  // see format_cfgtool_status); one ring: always active.
  std::vector<RingStatus> ring_status() const;
  // corosync-cfgtool -r: FAULTY rings are used again.
  void reset_rings();

 private:
  std::vector<core::Ipv4> local_addrs_;
  RedundantTransport* redundant_ = nullptr;
  std::unique_ptr<PacketCrypto> crypto_;
  std::unique_ptr<Transport> transport_;
  std::unique_ptr<Srp> srp_;
};

}  // namespace halab::totem
