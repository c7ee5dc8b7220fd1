#pragma once
// The fence_xvm / fence_virtd wire format (see ../shared/fence-virt/PROTOCOL.md):
// the 176-byte request, the one-byte result and the 130-byte host-list record.
// Pure functions over bytes: no sockets, no clocks, no files.
#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace halab::fv {

inline constexpr std::size_t kRequestSize = 176;
inline constexpr std::size_t kHostRecordSize = 130;
inline constexpr std::size_t kDomainSize = 64;  // NUL-terminated, so at most 63 chars
inline constexpr std::size_t kAddressSize = 28;
inline constexpr std::size_t kRandomSize = 6;
inline constexpr std::size_t kHashSize = 64;     // digest zero-padded to this
inline constexpr std::size_t kHashOffset = 112;  // hash field is the tail of the request

enum class Op : std::uint8_t { null = 0, off = 1, reboot = 2, on = 3, status = 4, devstatus = 5, hostlist = 6 };
const char* to_string(Op op);
bool parse_op(std::string_view name, Op& out);  // off/on/reboot/status/monitor/list/list-status/null

// The result byte; the client exits with it.
enum class Result : std::uint8_t { success = 0, failure = 1, off = 2, denied = 3, hostlist = 253 };
const char* to_string(Result r);

inline constexpr std::uint8_t kFlagUseUuid = 1;
inline constexpr std::uint32_t kFamilyInet = 2;    // Linux AF_INET, as sent on the wire
inline constexpr std::uint32_t kFamilyInet6 = 10;  // Linux AF_INET6

struct Request {
  Op op = Op::null;
  std::uint8_t hashtype = 0;
  std::uint8_t addrlen = 0;
  std::uint8_t flags = 0;
  std::string domain;  // without the NUL
  std::array<std::uint8_t, kAddressSize> address{};
  std::uint16_t port = 0;
  std::array<std::uint8_t, kRandomSize> random{};
  std::uint32_t seqno = 0;
  std::uint32_t family = 0;
  std::array<std::uint8_t, kHashSize> hash{};
};

using RequestBytes = std::array<std::uint8_t, kRequestSize>;

// Every way a request can be malformed or refused. Stable names: they appear in logs and tests.
enum class Error : std::uint8_t {
  ok = 0,
  bad_length,        // not exactly 176 bytes
  unknown_op,        // request byte > 6 (7 metadata / 8 validate-all are client-only)
  unknown_hashtype,  // > 3
  hash_too_weak,     // below the configured minimum (includes unsigned when a hash is required)
  no_key,            // signed request but we have no key
  bad_signature,     // digest mismatch (wrong key, tampering)
  domain_unterminated,
  bad_domain_char,   // control characters in the domain name
  bad_address,       // addrlen/family inconsistent (multicast call-back)
  replayed,          // same (op, seqno, domain) completed within the history window
};
const char* to_string(Error e);

// Encode never fails for a domain of at most 63 bytes; longer ones are an invariant violation
// (callers check with domain_fits first).
bool domain_fits(std::string_view domain);
RequestBytes encode(const Request& r);
// Structural decode only (length, op, hashtype, domain); signature checks live in hash.hpp.
Error decode(std::span<const std::uint8_t> bytes, Request& out);
// The call-back address of a multicast request: needs family/addrlen to agree (4/AF_INET, 16/AF_INET6).
Error check_callback_address(const Request& r);

struct HostRecord {
  std::string domain;
  std::string uuid;
  std::uint8_t state = 0;  // virDomainState: 1 running ... 5 shut off
};
using HostRecordBytes = std::array<std::uint8_t, kHostRecordSize>;
HostRecordBytes encode(const HostRecord& h);  // strings truncated to 63 bytes, zero-filled
HostRecord decode_host(std::span<const std::uint8_t, kHostRecordSize> bytes);
bool is_terminator(const HostRecord& h);  // both strings empty

}  // namespace halab::fv
