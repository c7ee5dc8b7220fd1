#include "fence-virt/protocol/wire.hpp"

#include <algorithm>
#include <cstring>

#include "stack/core/assert.hpp"

namespace halab::fv {

const char* to_string(Op op) {
  switch (op) {
    case Op::null: return "null";
    case Op::off: return "off";
    case Op::reboot: return "reboot";
    case Op::on: return "on";
    case Op::status: return "status";
    case Op::devstatus: return "monitor";
    case Op::hostlist: return "list";
  }
  return "unknown";
}

bool parse_op(std::string_view name, Op& out) {
  struct N { std::string_view n; Op op; };
  static constexpr N names[] = {{"null", Op::null},       {"off", Op::off},         {"reboot", Op::reboot},
                                {"on", Op::on},           {"status", Op::status},   {"monitor", Op::devstatus},
                                {"list", Op::hostlist},   {"list-status", Op::hostlist}};
  for (const auto& n : names)
    if (n.n == name) { out = n.op; return true; }
  return false;
}

const char* to_string(Result r) {
  switch (r) {
    case Result::success: return "success";
    case Result::failure: return "failure";
    case Result::off: return "off";
    case Result::denied: return "denied";
    case Result::hostlist: return "hostlist";
  }
  return "unknown";
}

const char* to_string(Error e) {
  switch (e) {
    case Error::ok: return "ok";
    case Error::bad_length: return "bad_length";
    case Error::unknown_op: return "unknown_op";
    case Error::unknown_hashtype: return "unknown_hashtype";
    case Error::hash_too_weak: return "hash_too_weak";
    case Error::no_key: return "no_key";
    case Error::bad_signature: return "bad_signature";
    case Error::domain_unterminated: return "domain_unterminated";
    case Error::bad_domain_char: return "bad_domain_char";
    case Error::bad_address: return "bad_address";
    case Error::replayed: return "replayed";
  }
  return "unknown";
}

namespace {
// Integer fields are little-endian on the wire (the original wrote host order on x86).
void put16(std::uint8_t* p, std::uint16_t v) { p[0] = v & 0xff; p[1] = v >> 8; }
void put32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = (v >> (8 * i)) & 0xff;
}
std::uint16_t get16(const std::uint8_t* p) { return std::uint16_t(p[0] | (p[1] << 8)); }
std::uint32_t get32(const std::uint8_t* p) {
  return std::uint32_t(p[0]) | std::uint32_t(p[1]) << 8 | std::uint32_t(p[2]) << 16 | std::uint32_t(p[3]) << 24;
}
// Offsets of the packed C struct.
constexpr std::size_t kOffDomain = 4, kOffAddress = 68, kOffPort = 96, kOffRandom = 98, kOffSeqno = 104,
                      kOffFamily = 108;
static_assert(kOffFamily + 4 == kHashOffset && kHashOffset + kHashSize == kRequestSize);
}  // namespace

bool domain_fits(std::string_view domain) { return domain.size() < kDomainSize; }

RequestBytes encode(const Request& r) {
  HALAB_ASSERT_MSG(domain_fits(r.domain), "domain longer than 63 bytes");
  RequestBytes b{};
  b[0] = static_cast<std::uint8_t>(r.op);
  b[1] = r.hashtype;
  b[2] = r.addrlen;
  b[3] = r.flags;
  std::memcpy(&b[kOffDomain], r.domain.data(), r.domain.size());
  std::copy(r.address.begin(), r.address.end(), &b[kOffAddress]);
  put16(&b[kOffPort], r.port);
  std::copy(r.random.begin(), r.random.end(), &b[kOffRandom]);
  put32(&b[kOffSeqno], r.seqno);
  put32(&b[kOffFamily], r.family);
  std::copy(r.hash.begin(), r.hash.end(), &b[kHashOffset]);
  return b;
}

Error decode(std::span<const std::uint8_t> bytes, Request& out) {
  if (bytes.size() != kRequestSize) return Error::bad_length;
  const std::uint8_t* b = bytes.data();
  if (b[0] > static_cast<std::uint8_t>(Op::hostlist)) return Error::unknown_op;
  if (b[1] > 3) return Error::unknown_hashtype;
  const std::uint8_t* dom = b + kOffDomain;
  const void* nul = std::memchr(dom, 0, kDomainSize);
  if (nul == nullptr) return Error::domain_unterminated;
  std::size_t len = static_cast<const std::uint8_t*>(nul) - dom;
  for (std::size_t i = 0; i < len; ++i)
    if (dom[i] < 0x20 || dom[i] == 0x7f) return Error::bad_domain_char;
  Request r;
  r.op = static_cast<Op>(b[0]);
  r.hashtype = b[1];
  r.addrlen = b[2];
  r.flags = b[3];
  r.domain.assign(reinterpret_cast<const char*>(dom), len);
  std::copy_n(b + kOffAddress, kAddressSize, r.address.begin());
  r.port = get16(b + kOffPort);
  std::copy_n(b + kOffRandom, kRandomSize, r.random.begin());
  r.seqno = get32(b + kOffSeqno);
  r.family = get32(b + kOffFamily);
  std::copy_n(b + kHashOffset, kHashSize, r.hash.begin());
  out = std::move(r);
  return Error::ok;
}

Error check_callback_address(const Request& r) {
  if (r.family == kFamilyInet && r.addrlen == 4) return Error::ok;
  if (r.family == kFamilyInet6 && r.addrlen == 16) return Error::ok;
  return Error::bad_address;
}

namespace {
void put_cstr(std::uint8_t* dst, std::string_view s) {
  std::size_t n = std::min(s.size(), kDomainSize - 1);
  std::memcpy(dst, s.data(), n);
}
std::string get_cstr(const std::uint8_t* src) {
  const void* nul = std::memchr(src, 0, kDomainSize);
  std::size_t n = nul ? static_cast<const std::uint8_t*>(nul) - src : kDomainSize;
  return std::string(reinterpret_cast<const char*>(src), n);
}
}  // namespace

HostRecordBytes encode(const HostRecord& h) {
  HostRecordBytes b{};
  put_cstr(&b[0], h.domain);
  put_cstr(&b[kDomainSize], h.uuid);
  b[2 * kDomainSize] = h.state;
  return b;
}

HostRecord decode_host(std::span<const std::uint8_t, kHostRecordSize> bytes) {
  HostRecord h;
  h.domain = get_cstr(bytes.data());
  h.uuid = get_cstr(bytes.data() + kDomainSize);
  h.state = bytes[2 * kDomainSize];
  return h;
}

bool is_terminator(const HostRecord& h) { return h.domain.empty() && h.uuid.empty(); }

}  // namespace halab::fv
