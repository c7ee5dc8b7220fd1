#pragma once
// The client side of the protocol: send the signed request (multicast with a TCP call-back,
// or directly over TCP / vsock), authenticate both ways, read the result.
#include <string>
#include <vector>

#include "fence-virt/agent/options.hpp"
#include "fence-virt/protocol/hash.hpp"
#include "fence-virt/protocol/wire.hpp"

namespace halab::fv {

struct CallOutcome {
  bool answered = false;  // false: time-out, refused or broken exchange (see error)
  std::string error;
  Result result = Result::failure;
  std::uint8_t raw_result = 1;
  bool got_hostlist = false;      // the daemon answered 253 + records
  std::vector<HostRecord> hosts;  // for list
};

CallOutcome call_daemon(const AgentOptions& o, const Key& key, Op op);

}  // namespace halab::fv
