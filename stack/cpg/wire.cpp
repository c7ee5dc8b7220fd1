#include "stack/cpg/wire.hpp"

#include <fmt/format.h>

namespace halab::cpg::wire {

namespace {

constexpr std::uint8_t kMagic = 0x43;  // 'C'PG
constexpr std::uint8_t kVersion = 1;
enum Type : std::uint8_t { kJoin = 1, kLeave = 2, kProcDown = 3, kMcast = 4, kJoinList = 5 };

void put8(core::Bytes& b, std::uint8_t v) { b.push_back(v); }
void put16(core::Bytes& b, std::uint16_t v) {
  b.push_back(std::uint8_t(v >> 8));
  b.push_back(std::uint8_t(v));
}
void put32(core::Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(std::uint8_t(v >> s));
}
void put64(core::Bytes& b, std::uint64_t v) {
  put32(b, std::uint32_t(v >> 32));
  put32(b, std::uint32_t(v));
}
void put_name(core::Bytes& b, const std::string& s) {
  put8(b, std::uint8_t(s.size()));
  b.insert(b.end(), s.begin(), s.end());
}
void header(core::Bytes& b, Type t, const RingId& r) {
  put8(b, kMagic);
  put8(b, kVersion);
  put8(b, t);
  put32(b, r.rep);
  put64(b, r.seq);
}

class Reader {
 public:
  explicit Reader(core::ByteView d) : d_(d) {}
  bool ok() const { return ok_ && error_.empty(); }
  const std::string& error() const { return error_; }
  std::size_t left() const { return d_.size() - pos_; }
  std::uint8_t u8() {
    if (!ok_ || pos_ >= d_.size()) return ok_ = false, 0;
    return d_[pos_++];
  }
  std::uint16_t u16() {
    std::uint16_t hi = u8();
    return std::uint16_t((hi << 8) | u8());
  }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | u8();
    return v;
  }
  std::uint64_t u64() {
    std::uint64_t hi = u32();
    return (hi << 32) | u32();
  }
  RingId ring() {
    RingId r;
    r.rep = u32();
    r.seq = u64();
    return r;
  }
  std::string name() {
    const std::size_t n = u8();
    if (!ok_) return {};
    if (n == 0 || n > kMaxGroupName) {
      if (error_.empty()) error_ = fmt::format("group name of {} bytes", n);
      return {};
    }
    if (left() < n) return ok_ = false, std::string();
    std::string s(d_.begin() + std::ptrdiff_t(pos_), d_.begin() + std::ptrdiff_t(pos_ + n));
    pos_ += n;
    return s;
  }
  core::Bytes bytes(std::size_t n) {
    if (!ok_ || left() < n) return ok_ = false, core::Bytes();
    core::Bytes b(d_.begin() + std::ptrdiff_t(pos_), d_.begin() + std::ptrdiff_t(pos_ + n));
    pos_ += n;
    return b;
  }

 private:
  core::ByteView d_;
  std::size_t pos_ = 0;
  bool ok_ = true;
  std::string error_;
};

Decoded fail(std::string why) { return Decoded{std::nullopt, std::move(why)}; }

// The end of every decode: truncation, a bad field, or stray bytes.
Decoded finish(Reader& r, const char* what, Message m) {
  if (!r.error().empty()) return fail(fmt::format("{}: {}", what, r.error()));
  if (!r.ok()) return fail(fmt::format("truncated {}", what));
  if (r.left() != 0) return fail(fmt::format("{} followed by {} stray bytes", what, r.left()));
  return Decoded{std::move(m), {}};
}

std::size_t entry_size(const JoinListEntry& e) { return 1 + e.group.size() + 4; }

}  // namespace

core::Bytes encode(const Message& m) {
  core::Bytes b;
  std::visit(
      [&b](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, JoinMsg> || std::is_same_v<T, LeaveMsg>) {
          header(b, std::is_same_v<T, JoinMsg> ? kJoin : kLeave, x.ring);
          put_name(b, x.group);
          put32(b, x.pid);
        } else if constexpr (std::is_same_v<T, ProcDownMsg>) {
          header(b, kProcDown, x.ring);
          put32(b, x.pid);
        } else if constexpr (std::is_same_v<T, McastMsg>) {
          header(b, kMcast, x.ring);
          put_name(b, x.group);
          put32(b, x.pid);
          put32(b, std::uint32_t(x.data.size()));
          b.insert(b.end(), x.data.begin(), x.data.end());
        } else {
          header(b, kJoinList, x.ring);
          put8(b, x.last ? 1 : 0);
          put16(b, std::uint16_t(x.entries.size()));
          for (const auto& e : x.entries) {
            put_name(b, e.group);
            put32(b, e.pid);
          }
        }
      },
      m);
  return b;
}

const RingId& ring_of(const Message& m) {
  return std::visit([](const auto& x) -> const RingId& { return x.ring; }, m);
}

Decoded decode(core::ByteView data) {
  Reader r(data);
  const auto magic = r.u8(), version = r.u8(), type = r.u8();
  const RingId ring = r.ring();
  if (!r.ok()) return fail(fmt::format("truncated header ({} bytes)", data.size()));
  if (magic != kMagic) return fail(fmt::format("bad magic 0x{:02x}", magic));
  if (version != kVersion) return fail(fmt::format("unsupported version {}", version));
  switch (type) {
    case kJoin:
    case kLeave: {
      std::string group = r.name();
      const auto pid = r.u32();
      if (type == kJoin) return finish(r, "Join", JoinMsg{ring, std::move(group), pid});
      return finish(r, "Leave", LeaveMsg{ring, std::move(group), pid});
    }
    case kProcDown: {
      const auto pid = r.u32();
      return finish(r, "ProcDown", ProcDownMsg{ring, pid});
    }
    case kMcast: {
      McastMsg m;
      m.ring = ring;
      m.group = r.name();
      m.pid = r.u32();
      const std::size_t n = r.u32();
      if (r.ok() && n > kMaxPayload) return fail(fmt::format("Mcast payload of {} bytes (limit {})", n, kMaxPayload));
      m.data = r.bytes(n);
      return finish(r, "Mcast", std::move(m));
    }
    case kJoinList: {
      JoinListMsg m;
      m.ring = ring;
      const auto last = r.u8();
      const std::size_t n = r.u16();
      if (r.ok() && last > 1) return fail(fmt::format("JoinList last flag {}", last));
      m.last = last == 1;
      // Each entry takes at least 6 bytes: a count beyond what is left is a lie.
      if (r.ok() && n * 6 > r.left()) return fail(fmt::format("JoinList of {} entries in {} bytes", n, r.left()));
      for (std::size_t i = 0; i < n && r.ok(); ++i) {
        JoinListEntry e;
        e.group = r.name();
        e.pid = r.u32();
        m.entries.push_back(std::move(e));
      }
      return finish(r, "JoinList", std::move(m));
    }
    default:
      return fail(fmt::format("unknown message type {}", type));
  }
}

std::vector<JoinListMsg> split_joinlist(const RingId& ring, std::vector<JoinListEntry> entries) {
  std::vector<JoinListMsg> parts(1);
  parts.back().ring = ring;
  std::size_t bytes = 0;
  for (auto& e : entries) {
    if (bytes + entry_size(e) > kMaxJoinListBytes || parts.back().entries.size() == 0xffff) {
      parts.emplace_back().ring = ring;
      bytes = 0;
    }
    bytes += entry_size(e);
    parts.back().entries.push_back(std::move(e));
  }
  for (auto& p : parts) p.last = false;
  parts.back().last = true;
  return parts;
}

}  // namespace halab::cpg::wire
