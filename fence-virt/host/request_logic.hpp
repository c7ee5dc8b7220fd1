#pragma once
// The host daemon's request handling without I/O: admission (length, decode, hash minimum,
// signature, call-back address, duplicate window) and execution (static map, backend
// operation, the result bytes the stream carries). halab-fence-virtd (fence-virt/daemon, OS
// sockets) and the modelled host in simnet (fence-virt/sim, core::Network) both run this; the
// challenge-response digests are protocol/hash.hpp's. Time comes in as milliseconds.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "fence-virt/host/backend.hpp"
#include "fence-virt/host/static_map.hpp"
#include "fence-virt/protocol/hash.hpp"
#include "fence-virt/protocol/history.hpp"

namespace halab::fv {

enum class Admission { accepted, refused, duplicate };

struct AdmitResult {
  Admission verdict = Admission::refused;
  std::string reason;            // refused / duplicate: the logged reason (bad_signature, replayed, ...)
  std::optional<Request> shown;  // what could be decoded of a refused request, for the log
};

struct Reply {
  Result result = Result::failure;  // the outcome (success for a host list)
  std::vector<std::uint8_t> bytes;  // what the stream carries after authentication
  std::size_t hosts = 0;            // host records sent
  bool denied = false;              // the static map refused the requester
};

class RequestLogic {
 public:
  RequestLogic(HashType min_hash, Key key, StaticMap map = {});

  // `size` is the request's real size (a datagram may be larger than the bytes received);
  // `multicast` adds the call-back address check. A duplicate is a request identical in
  // (op, seqno, domain) to one completed within the window (a retransmission or a replay).
  AdmitResult admit(std::span<const std::uint8_t> bytes, std::size_t size, bool multicast, std::int64_t now_ms,
                    Request& out);
  // Runs the operation (after authentication). `requester` is what the static map checks:
  // the call-back address (multicast), the peer address (tcp) or "cid:N" (vsock).
  Reply execute(const Request& req, Backend& backend, const std::string& requester) const;
  // The action happened (whether or not its result could be delivered): later copies are duplicates.
  void completed(const Request& req, std::int64_t now_ms) { history_.record(req, now_ms); }

  const Key& key() const { return key_; }
  HashType min_hash() const { return min_hash_; }

 private:
  HashType min_hash_;
  Key key_;
  StaticMap map_;
  ReplayHistory history_;
};

// The fence-agent side of the result bytes: the result code, then for a host list
// (code 253) records up to the all-empty terminator (a trailing result byte is optional).
// Returns false while `bytes` is incomplete (a host list cut short).
struct ParsedReply {
  std::uint8_t code = 1;
  bool hostlist = false;
  std::vector<HostRecord> hosts;
};
bool parse_reply(std::span<const std::uint8_t> bytes, ParsedReply& out);

}  // namespace halab::fv
