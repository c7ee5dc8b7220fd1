#include "stack/totem/wire.hpp"

#include <algorithm>

namespace halab::totem {

std::string RingId::to_string() const { return std::to_string(rep) + "." + std::to_string(seq); }

namespace {

enum Type : std::uint8_t { kMcast = 1, kToken = 2, kJoin = 3, kCommit = 4, kMergeDetect = 5 };

class Writer {
 public:
  Writer() { b_.reserve(128); }  // a token or a small message fits: one allocation
  void u8(std::uint8_t v) { b_.push_back(v); }
  void u16(std::uint16_t v) { put(v, 2); }
  void u32(std::uint32_t v) { put(v, 4); }
  void u64(std::uint64_t v) { put(v, 8); }
  void ring(const RingId& r) { u32(r.rep), u64(r.seq); }
  void ids(const std::vector<NodeId>& v) {
    u16(std::uint16_t(v.size()));
    for (auto id : v) u32(id);
  }
  void bytes(const core::Bytes& v) {
    u32(std::uint32_t(v.size()));
    b_.insert(b_.end(), v.begin(), v.end());
  }
  core::Bytes take() { return std::move(b_); }

 private:
  // Big-endian, `n` bytes, appended with one resize.
  void put(std::uint64_t v, int n) {
    const std::size_t at = b_.size();
    b_.resize(at + std::size_t(n));
    for (int i = n - 1; i >= 0; --i, v >>= 8) b_[at + std::size_t(i)] = std::uint8_t(v);
  }
  core::Bytes b_;
};

// Every read checks bounds; the first failure sticks and the decode fails.
class Reader {
 public:
  explicit Reader(core::ByteView d) : d_(d) {}
  bool ok() const { return ok_; }
  bool done() const { return ok_ && pos_ == d_.size(); }
  std::uint8_t u8() {
    if (!ok_ || pos_ >= d_.size()) return ok_ = false, 0;
    return d_[pos_++];
  }
  std::uint16_t u16() {
    std::uint16_t hi = u8();
    return std::uint16_t((hi << 8) | u8());
  }
  std::uint32_t u32() {
    std::uint32_t hi = u16();
    return (hi << 16) | u16();
  }
  std::uint64_t u64() {
    std::uint64_t hi = u32();
    return (hi << 32) | u32();
  }
  bool flag() {
    auto v = u8();
    if (v > 1) ok_ = false;
    return v == 1;
  }
  RingId ring() {
    RingId r;
    r.rep = u32();
    r.seq = u64();
    return r;
  }
  // Sorted, unique ids, at most kMaxMembers.
  std::vector<NodeId> ids() {
    std::vector<NodeId> v;
    auto n = u16();
    if (n > kMaxMembers || std::size_t(n) * 4 > d_.size() - std::min(pos_, d_.size())) return ok_ = false, v;
    for (unsigned i = 0; i < n && ok_; ++i) v.push_back(u32());
    if (!std::is_sorted(v.begin(), v.end()) || std::adjacent_find(v.begin(), v.end()) != v.end()) ok_ = false;
    return v;
  }
  core::Bytes bytes() {
    auto n = u32();
    if (!ok_ || n > d_.size() - pos_) return ok_ = false, core::Bytes{};
    core::Bytes v(d_.begin() + pos_, d_.begin() + pos_ + n);
    pos_ += n;
    return v;
  }

 private:
  core::ByteView d_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

struct Encoder {
  Writer& w;
  void operator()(const McastMsg& m) {
    w.u8(kMcast);
    w.ring(m.ring);
    w.u64(m.seq);
    w.u32(m.sender);
    w.u8(m.recovered);
    if (m.recovered) {
      w.ring(m.old_ring);
      w.u64(m.old_seq);
      w.u32(m.old_sender);
    }
    w.bytes(m.payload);
  }
  void operator()(const TokenMsg& t) {
    w.u8(kToken);
    w.ring(t.ring);
    w.u64(t.token_seq);
    w.u64(t.seq);
    w.u64(t.aru);
    w.u32(t.aru_addr);
    w.u32(t.fcc);
    w.u32(t.backlog);
    w.u8(t.retrans_flg);
    w.u8(t.install);
    w.u16(std::uint16_t(t.rtr.size()));
    for (auto s : t.rtr) w.u64(s);
  }
  void operator()(const JoinMsg& j) {
    w.u8(kJoin);
    w.u32(j.sender);
    w.u64(j.ring_seq);
    w.ids(j.proc);
    w.ids(j.failed);
  }
  void operator()(const CommitMsg& c) {
    w.u8(kCommit);
    w.ring(c.ring);
    w.u16(std::uint16_t(c.members.size()));
    for (const auto& e : c.members) {
      w.u32(e.node);
      w.ring(e.old_ring);
      w.u64(e.aru);
      w.u64(e.high_seq);
      w.u64(e.high_delivered);
      w.u8(e.filled);
    }
  }
  void operator()(const MergeDetectMsg& m) {
    w.u8(kMergeDetect);
    w.ring(m.ring);
    w.u32(m.sender);
  }
};

}  // namespace

core::Bytes encode(const Message& m) {
  Writer w;
  std::visit(Encoder{w}, m);
  return w.take();
}

std::optional<Message> decode(core::ByteView data) {
  Reader r(data);
  Message out;
  switch (r.u8()) {
    case kMcast: {
      McastMsg m;
      m.ring = r.ring();
      m.seq = r.u64();
      m.sender = r.u32();
      m.recovered = r.flag();
      if (m.recovered) {
        m.old_ring = r.ring();
        m.old_seq = r.u64();
        m.old_sender = r.u32();
        if (m.old_seq == 0) return std::nullopt;
      }
      m.payload = r.bytes();
      if (m.seq == 0) return std::nullopt;
      out = std::move(m);
      break;
    }
    case kToken: {
      TokenMsg t;
      t.ring = r.ring();
      t.token_seq = r.u64();
      t.seq = r.u64();
      t.aru = r.u64();
      t.aru_addr = r.u32();
      t.fcc = r.u32();
      t.backlog = r.u32();
      t.retrans_flg = r.flag();
      t.install = r.flag();
      auto n = r.u16();
      if (n > kMaxRtr) return std::nullopt;
      for (unsigned i = 0; i < n && r.ok(); ++i) t.rtr.push_back(r.u64());
      if (t.aru > t.seq) return std::nullopt;
      out = std::move(t);
      break;
    }
    case kJoin: {
      JoinMsg j;
      j.sender = r.u32();
      j.ring_seq = r.u64();
      j.proc = r.ids();
      j.failed = r.ids();
      if (j.sender == 0) return std::nullopt;
      out = std::move(j);
      break;
    }
    case kCommit: {
      CommitMsg c;
      c.ring = r.ring();
      auto n = r.u16();
      if (n == 0 || n > kMaxMembers) return std::nullopt;
      for (unsigned i = 0; i < n && r.ok(); ++i) {
        CommitEntry e;
        e.node = r.u32();
        e.old_ring = r.ring();
        e.aru = r.u64();
        e.high_seq = r.u64();
        e.high_delivered = r.u64();
        e.filled = r.flag();
        if (!c.members.empty() && c.members.back().node >= e.node) return std::nullopt;
        c.members.push_back(e);
      }
      out = std::move(c);
      break;
    }
    case kMergeDetect: {
      MergeDetectMsg m;
      m.ring = r.ring();
      m.sender = r.u32();
      out = m;
      break;
    }
    default:
      return std::nullopt;
  }
  if (!r.done()) return std::nullopt;
  return out;
}

}  // namespace halab::totem
