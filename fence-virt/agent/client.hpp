#pragma once
// The client side of the protocol: send the signed request (multicast with a TCP call-back,
// or directly over TCP / vsock), authenticate both ways, read the result.
#include <string>
#include <vector>

#include "fence-virt/agent/answer.hpp"
#include "fence-virt/agent/options.hpp"
#include "fence-virt/protocol/hash.hpp"
#include "fence-virt/protocol/wire.hpp"

namespace halab::fv {

CallOutcome call_daemon(const AgentOptions& o, const Key& key, Op op);

}  // namespace halab::fv
