#include "stack/controller/messages.hpp"

#include "stack/core/error.hpp"

namespace halab::controller {

namespace {

constexpr std::uint8_t kVersion = 1;
constexpr std::uint32_t kMaxString = 64u << 20;
constexpr std::uint32_t kMaxList = 1u << 16;

class Writer {
 public:
  void u8(std::uint8_t v) { out.push_back(v); }
  void u32(std::uint32_t v) {
    for (int i = 3; i >= 0; --i) out.push_back(std::uint8_t(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    for (int i = 7; i >= 0; --i) out.push_back(std::uint8_t(v >> (8 * i)));
  }
  void i64(long v) { u64(std::uint64_t(std::int64_t(v))); }
  void str(const std::string& s) {
    u32(std::uint32_t(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  }
  void member(const Member& m) {
    u32(m.node);
    u32(m.pid);
  }
  void version(const cib::Version& v) {
    i64(v.admin_epoch);
    i64(v.epoch);
    i64(v.num_updates);
  }
  void key(const RequestKey& k) {
    member(k.origin);
    u64(k.incarnation);
    u64(k.seq);
  }
  core::Bytes out;
};

class Reader {
 public:
  explicit Reader(core::ByteView d) : d_(d) {}
  void need(std::size_t n, const char* what) {
    if (d_.size() - pos_ < n)
      throw core::Error("controller message: truncated at byte " + std::to_string(pos_) + " (reading " + what + ")");
  }
  std::uint8_t u8(const char* what) {
    need(1, what);
    return d_[pos_++];
  }
  std::uint32_t u32(const char* what) {
    need(4, what);
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v = (v << 8) | d_[pos_++];
    return v;
  }
  std::uint64_t u64(const char* what) {
    need(8, what);
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v = (v << 8) | d_[pos_++];
    return v;
  }
  long i64(const char* what) {
    auto v = std::int64_t(u64(what));
    if (v < 0) throw core::Error(std::string("controller message: negative ") + what);
    return long(v);
  }
  std::string str(const char* what) {
    std::uint32_t n = u32(what);
    if (n > kMaxString) throw core::Error(std::string("controller message: ") + what + " too long");
    need(n, what);
    std::string s(reinterpret_cast<const char*>(d_.data() + pos_), n);
    pos_ += n;
    return s;
  }
  Member member() {
    Member m;
    m.node = u32("member node");
    m.pid = u32("member pid");
    return m;
  }
  cib::Version version() {
    cib::Version v;
    v.admin_epoch = i64("admin_epoch");
    v.epoch = i64("epoch");
    v.num_updates = i64("num_updates");
    return v;
  }
  RequestKey key() {
    RequestKey k;
    k.origin = member();
    k.incarnation = u64("incarnation");
    k.seq = u64("seq");
    return k;
  }
  std::uint32_t count(const char* what) {
    std::uint32_t n = u32(what);
    if (n > kMaxList) throw core::Error(std::string("controller message: too many ") + what);
    return n;
  }
  void end() {
    if (pos_ != d_.size())
      throw core::Error("controller message: " + std::to_string(d_.size() - pos_) + " trailing bytes");
  }

 private:
  core::ByteView d_;
  std::size_t pos_ = 0;
};

struct Encoder {
  Writer& w;
  void operator()(const JoinOffer& m) {
    w.u64(m.join_id);
    w.u32(std::uint32_t(m.order.size()));
    for (auto& o : m.order) w.member(o);
    w.u32(std::uint32_t(m.done.size()));
    for (auto& d : m.done) {
      w.member(d.origin);
      w.u64(d.incarnation);
      w.u64(d.floor);
      w.u32(std::uint32_t(d.seqs.size()));
      for (auto q : d.seqs) w.u64(q);
    }
  }
  void operator()(const JoinReply& m) {
    w.u64(m.join_id);
    w.version(m.version);
    w.str(m.digest);
    w.str(m.uname);
  }
  void operator()(const SyncRequest& m) {
    w.u64(m.join_id);
    w.member(m.target);
  }
  void operator()(const CibFull& m) {
    w.u64(m.join_id);
    w.member(m.target);
    w.str(m.xml);
  }
  void operator()(const JoinConfirm& m) {
    w.u64(m.join_id);
    w.version(m.version);
    w.str(m.digest);
    w.u32(std::uint32_t(m.included.size()));
    for (auto& i : m.included) w.member(i);
  }
  void operator()(const UpdateMsg& m) {
    w.key(m.key);
    w.u64(m.floor);
    w.u8(std::uint8_t(m.request.op));
    w.str(m.request.section);
    w.str(m.request.xml);
    w.u8(m.request.even_without_quorum ? 1 : 0);
  }
  void operator()(const CommitMsg& m) {
    w.key(m.key);
    w.str(m.patch);
  }
  void operator()(const RefusedMsg& m) {
    w.key(m.key);
    w.u8(m.code);
    w.str(m.error);
  }
  void operator()(const ResyncRequest& m) { w.version(m.have); }
  void operator()(const AppliedMsg& m) { w.version(m.version); }
  void operator()(const ClaimMsg& m) {
    w.u8(std::uint8_t((m.seniority.quorate_dc ? 1 : 0) | (m.seniority.dc ? 2 : 0)));
    w.u64(m.seniority.dc_ms);
    w.u64(m.seniority.uptime_ms);
  }
};

}  // namespace

core::Bytes encode(const Message& m) {
  Writer w;
  w.u8(kVersion);
  w.u8(std::uint8_t(m.index() + 1));
  std::visit(Encoder{w}, m);
  return std::move(w.out);
}

Message decode(core::ByteView data) {
  Reader r(data);
  const auto ver = r.u8("version");
  if (ver != kVersion) throw core::Error("controller message: unknown version " + std::to_string(ver));
  const auto type = r.u8("type");
  Message out;
  switch (type) {
    case 1: {
      JoinOffer m;
      m.join_id = r.u64("join id");
      for (auto n = r.count("order"); n > 0; --n) m.order.push_back(r.member());
      for (auto n = r.count("done entries"); n > 0; --n) {
        DoneEntry d;
        d.origin = r.member();
        d.incarnation = r.u64("incarnation");
        d.floor = r.u64("floor");
        for (auto k = r.count("decided seqs"); k > 0; --k) d.seqs.push_back(r.u64("decided seq"));
        m.done.push_back(std::move(d));
      }
      out = std::move(m);
      break;
    }
    case 2: {
      JoinReply m;
      m.join_id = r.u64("join id");
      m.version = r.version();
      m.digest = r.str("digest");
      m.uname = r.str("uname");
      out = std::move(m);
      break;
    }
    case 3: {
      SyncRequest m;
      m.join_id = r.u64("join id");
      m.target = r.member();
      out = m;
      break;
    }
    case 4: {
      CibFull m;
      m.join_id = r.u64("join id");
      m.target = r.member();
      m.xml = r.str("cib");
      out = std::move(m);
      break;
    }
    case 5: {
      JoinConfirm m;
      m.join_id = r.u64("join id");
      m.version = r.version();
      m.digest = r.str("digest");
      for (auto n = r.count("included members"); n > 0; --n) m.included.push_back(r.member());
      out = std::move(m);
      break;
    }
    case 6: {
      UpdateMsg m;
      m.key = r.key();
      m.floor = r.u64("floor");
      const auto op = r.u8("request op");
      if (op < 1 || op > 5) throw core::Error("controller message: unknown request op " + std::to_string(op));
      m.request.op = RequestOp(op);
      m.request.section = r.str("section");
      m.request.xml = r.str("request xml");
      const auto flag = r.u8("quorum flag");
      if (flag > 1) throw core::Error("controller message: bad quorum flag " + std::to_string(flag));
      m.request.even_without_quorum = flag == 1;
      out = std::move(m);
      break;
    }
    case 7: {
      CommitMsg m;
      m.key = r.key();
      m.patch = r.str("patch");
      out = std::move(m);
      break;
    }
    case 8: {
      RefusedMsg m;
      m.key = r.key();
      m.code = r.u8("code");
      m.error = r.str("error");
      out = std::move(m);
      break;
    }
    case 9: out = ResyncRequest{r.version()}; break;
    case 10: out = AppliedMsg{r.version()}; break;
    case 11: {
      ClaimMsg m;
      const auto flags = r.u8("claim flags");
      if (flags > 3) throw core::Error("controller message: bad claim flags " + std::to_string(flags));
      m.seniority.quorate_dc = flags & 1;
      m.seniority.dc = flags & 2;
      m.seniority.dc_ms = r.u64("DC tenure");
      m.seniority.uptime_ms = r.u64("uptime");
      out = m;
      break;
    }
    default: throw core::Error("controller message: unknown type " + std::to_string(type));
  }
  r.end();
  return out;
}

const char* message_name(const Message& m) {
  static const char* names[] = {"JoinOffer", "JoinReply",  "SyncRequest",   "CibFull",   "JoinConfirm",
                                "Update",    "Commit",     "Refused",       "ResyncRequest", "Applied", "Claim"};
  return names[m.index()];
}

}  // namespace halab::controller
