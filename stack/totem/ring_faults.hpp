#pragma once
// Redundant ring fault marking, as corosync's rrp does it: every packet goes
// out on every ring, so a peer heard on one ring should be heard on the
// others too. Every check interval (token_retransmit), a ring that missed a
// peer the other rings heard gets a problem point; a ring that heard them
// all loses one. At the threshold (corosync's rrp_problem_count_threshold,
// 10) the ring is marked FAULTY: nothing but a probe per interval is sent on
// it and traffic goes on over the others. A FAULTY ring that hears every
// peer for `recovery_checks` intervals in a row is used again (corosync's
// rrp autorecovery), at once when the working rings miss peers it hears; an
// administrator can reset every ring at any time (corosync-cfgtool -r). The
// last working ring is never marked: with every ring silent, the problem is
// the network or the peers, and membership handles it.
//
// Pure: the caller reports what it heard and ticks the checks.
#include <cstdint>
#include <set>
#include <string>
#include <vector>

#include "stack/core/address.hpp"
#include "stack/totem/wire.hpp"

namespace halab::totem {

struct RingFaultOptions {
  int problem_threshold = 10;
  int recovery_checks = 3;  // 0: a FAULTY ring waits for reset()
};

struct RingStatus {
  int ring = 0;
  bool faulty = false;
  int problem_count = 0;
  std::uint64_t packets_received = 0;
  core::Ipv4 local_addr;  // filled in by whoever knows it (TotemService)
};

class RingFaultDetector {
 public:
  RingFaultDetector(int rings, RingFaultOptions opt);
  void heard(int ring, NodeId from);
  // One check interval is over: which rings it marked and which came back.
  struct Changes {
    std::vector<int> marked, recovered;
  };
  Changes check();
  void reset();  // every ring active again, problem counts cleared
  bool faulty(int ring) const { return rings_.at(std::size_t(ring)).faulty; }
  std::vector<RingStatus> status() const;

 private:
  struct Ring {
    bool faulty = false;
    int problems = 0;
    int good_checks = 0;  // while FAULTY: intervals in a row that heard every peer
    std::uint64_t received = 0;
    std::set<NodeId> heard;  // this interval
  };
  RingFaultOptions opt_;
  std::vector<Ring> rings_;
};

// corosync-cfgtool -s's status line for a ring:
//   "ring 0 active with no faults" / "Marking ringid 1 interface 10.1.0.1 FAULTY"
std::string ring_status_text(const RingStatus& s);
// corosync-cfgtool -s: "Printing ring status.", "Local node ID N", then per
// ring "RING ID r", "\tid\t= ADDR", "\tstatus\t= TEXT".
std::string format_cfgtool_status(NodeId local, const std::vector<RingStatus>& rings);

}  // namespace halab::totem
