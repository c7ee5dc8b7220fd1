#include "stack/quorum/wire.hpp"

#include <fmt/format.h>

namespace halab::quorum {

namespace {

constexpr std::uint8_t kMagic = 0x56;  // 'V'otequorum
constexpr std::uint8_t kVersion = 1;
enum Type : std::uint8_t { kNodeInfo = 1, kReconfigure = 2 };

void put8(core::Bytes& b, std::uint8_t v) { b.push_back(v); }
void put32(core::Bytes& b, std::uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(std::uint8_t(v >> s));
}
void put64(core::Bytes& b, std::uint64_t v) {
  put32(b, std::uint32_t(v >> 32));
  put32(b, std::uint32_t(v));
}
void put_ring(core::Bytes& b, const RingId& r) {
  put32(b, r.rep);
  put64(b, r.seq);
}

class Reader {
 public:
  explicit Reader(core::ByteView d) : d_(d) {}
  bool ok() const { return ok_; }
  std::size_t left() const { return d_.size() - pos_; }
  std::uint8_t u8() {
    if (!ok_ || pos_ >= d_.size()) return ok_ = false, 0;
    return d_[pos_++];
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

 private:
  core::ByteView d_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

Decoded fail(std::string why) { return Decoded{std::nullopt, std::move(why)}; }

}  // namespace

core::Bytes encode(const Message& m) {
  core::Bytes b;
  put8(b, kMagic);
  put8(b, kVersion);
  if (const auto* n = std::get_if<NodeInfoMsg>(&m)) {
    put8(b, kNodeInfo);
    put32(b, n->node);
    put_ring(b, n->ring);
    put32(b, n->votes);
    put32(b, n->expected_votes);
    put32(b, n->flags);
  } else {
    const auto& r = std::get<ReconfigureMsg>(m);
    put8(b, kReconfigure);
    put32(b, r.node);
    put_ring(b, r.ring);
    put8(b, std::uint8_t(r.param));
    put32(b, r.value);
  }
  return b;
}

Decoded decode(core::ByteView data) {
  Reader r(data);
  const auto magic = r.u8(), version = r.u8(), type = r.u8();
  if (!r.ok()) return fail(fmt::format("truncated header ({} bytes)", data.size()));
  if (magic != kMagic) return fail(fmt::format("bad magic 0x{:02x}", magic));
  if (version != kVersion) return fail(fmt::format("unsupported version {}", version));
  if (type == kNodeInfo) {
    NodeInfoMsg n;
    n.node = r.u32();
    n.ring = r.ring();
    n.votes = r.u32();
    n.expected_votes = r.u32();
    n.flags = r.u32();
    if (!r.ok()) return fail("truncated NodeInfo");
    if (r.left() != 0) return fail(fmt::format("NodeInfo followed by {} stray bytes", r.left()));
    if (n.node == 0) return fail("NodeInfo for node id 0");
    if (n.votes > kMaxVotes) return fail(fmt::format("NodeInfo votes {} out of range", n.votes));
    if (n.expected_votes == 0 || n.expected_votes > kMaxVotes)
      return fail(fmt::format("NodeInfo expected_votes {} out of range", n.expected_votes));
    if (n.flags & ~kKnownFlags) return fail(fmt::format("NodeInfo unknown flags 0x{:x}", n.flags));
    return Decoded{Message{n}, {}};
  }
  if (type == kReconfigure) {
    ReconfigureMsg m;
    m.node = r.u32();
    m.ring = r.ring();
    const auto param = r.u8();
    m.value = r.u32();
    if (!r.ok()) return fail("truncated Reconfigure");
    if (r.left() != 0) return fail(fmt::format("Reconfigure followed by {} stray bytes", r.left()));
    if (param != std::uint8_t(ReconfigureMsg::Param::expected_votes) &&
        param != std::uint8_t(ReconfigureMsg::Param::node_votes))
      return fail(fmt::format("Reconfigure unknown parameter {}", param));
    m.param = ReconfigureMsg::Param(param);
    if (m.node == 0) return fail("Reconfigure for node id 0");
    if (m.value > kMaxVotes || (m.param == ReconfigureMsg::Param::expected_votes && m.value == 0))
      return fail(fmt::format("Reconfigure value {} out of range", m.value));
    return Decoded{Message{m}, {}};
  }
  return fail(fmt::format("unknown message type {}", type));
}

}  // namespace halab::quorum
