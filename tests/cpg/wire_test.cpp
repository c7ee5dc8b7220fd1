// CPG's messages: round trips, and bad bytes give an error, never a crash.
#include "stack/cpg/wire.hpp"

#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

using namespace halab;
using namespace halab::cpg::wire;

namespace {
core::Bytes bytes(const std::string& s) { return core::Bytes(s.begin(), s.end()); }
std::vector<Message> samples() {
  const RingId r{3, 0x1234567890ull};
  return {JoinMsg{r, "crmd", 42},
          LeaveMsg{r, std::string(128, 'x'), 7},
          ProcDownMsg{r, 0xfffffffe},
          McastMsg{r, "g\x01\\", 9, bytes("hello")},
          McastMsg{r, "g", 9, core::Bytes(kMaxPayload, 0xab)},
          JoinListMsg{r, true, {}},
          JoinListMsg{r, false, {{"a", 1}, {"pacemakerd", 2}}}};
}
}  // namespace

TEST(CpgWire, EveryKindRoundTrips) {
  for (const auto& m : samples()) {
    auto d = decode(encode(m));
    ASSERT_TRUE(d.ok()) << d.error;
    EXPECT_TRUE(*d.message == m);
    EXPECT_EQ(ring_of(*d.message), (RingId{3, 0x1234567890ull}));
  }
}

TEST(CpgWire, EveryTruncationAndEveryExtensionIsRefusedWithAReason) {
  for (const auto& m : samples()) {
    const auto full = encode(m);
    for (std::size_t n = 0; n < full.size(); n += (full.size() > 1000 ? 997 : 1)) {
      auto d = decode(core::ByteView(full.data(), n));
      EXPECT_FALSE(d.ok()) << n;
      EXPECT_FALSE(d.error.empty());
    }
    auto longer = full;
    longer.push_back(0);
    auto d = decode(longer);
    EXPECT_FALSE(d.ok());
    EXPECT_NE(d.error.find("stray"), std::string::npos) << d.error;
  }
}

TEST(CpgWire, BadFieldsAreNamed) {
  auto expect = [](core::Bytes b, const std::string& what) {
    auto d = decode(b);
    EXPECT_FALSE(d.ok());
    EXPECT_NE(d.error.find(what), std::string::npos) << d.error << " (wanted " << what << ")";
  };
  auto join = encode(JoinMsg{{1, 1}, "g", 1});
  auto b = join;
  b[0] = 0x56;
  expect(b, "bad magic");
  b = join;
  b[1] = 2;
  expect(b, "unsupported version 2");
  b = join;
  b[2] = 9;
  expect(b, "unknown message type 9");
  b = join;
  b[15] = 0;  // name length
  expect(b, "group name of 0 bytes");
  b = join;
  b[15] = 200;
  expect(b, "group name of 200 bytes");
  // A payload length beyond the limit, and a joinlist count beyond the bytes.
  auto mc = encode(McastMsg{{1, 1}, "g", 1, bytes("x")});
  mc[21] = 0xff;
  expect(mc, "Mcast payload of");
  auto jl = encode(JoinListMsg{{1, 1}, true, {{"g", 1}}});
  jl[16] = 0x10;
  expect(jl, "JoinList of 4097 entries");
  jl = encode(JoinListMsg{{1, 1}, true, {}});
  jl[15] = 2;
  expect(jl, "last flag 2");
}

TEST(CpgWire, LongJoinListsAreSplitIntoPartsThatFit) {
  std::vector<JoinListEntry> entries;
  for (std::uint32_t i = 0; i < 1000; ++i) entries.push_back({std::string(120, char('a' + i % 26)), i});
  auto parts = split_joinlist({2, 5}, entries);
  ASSERT_GT(parts.size(), 1u);
  std::vector<JoinListEntry> back;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    EXPECT_EQ(parts[i].last, i + 1 == parts.size());
    const auto enc = encode(parts[i]);
    EXPECT_LE(enc.size(), kMaxJoinListBytes + 64);
    auto d = decode(enc);
    ASSERT_TRUE(d.ok()) << d.error;
    const auto& p = std::get<JoinListMsg>(*d.message);
    back.insert(back.end(), p.entries.begin(), p.entries.end());
  }
  EXPECT_EQ(back, entries);
  auto none = split_joinlist({2, 5}, {});
  ASSERT_EQ(none.size(), 1u);
  EXPECT_TRUE(none[0].last);
}

RC_GTEST_PROP(CpgWire, ArbitraryBytesNeverCrashAndOnlyValidOnesDecode, (std::vector<std::uint8_t> raw)) {
  auto d = decode(raw);
  if (d.ok()) {
    RC_ASSERT(encode(*d.message) == raw);  // one encoding per message
  } else {
    RC_ASSERT(!d.error.empty());
  }
}

RC_GTEST_PROP(CpgWire, MutatedMessagesNeverCrash, (std::uint8_t pos, std::uint8_t value)) {
  for (const auto& m : samples()) {
    auto b = encode(m);
    b[pos % b.size()] = value;
    auto d = decode(b);
    if (d.ok()) RC_ASSERT(encode(*d.message) == b);
  }
}
