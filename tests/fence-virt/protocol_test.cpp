#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstring>

#include "fence-virt/protocol/hash.hpp"
#include "fence-virt/protocol/history.hpp"
#include "fence-virt/protocol/wire.hpp"

namespace halab::fv {
namespace {

Key key_of(const std::string& s) {
  return Key::from_contents(std::span(reinterpret_cast<const std::uint8_t*>(s.data()), s.size()));
}

Request sample(Op op = Op::off, HashType h = HashType::sha256) {
  Request r;
  r.op = op;
  r.hashtype = static_cast<std::uint8_t>(h);
  r.addrlen = 4;
  r.domain = "vm1";
  r.address = {127, 0, 0, 1};
  r.port = 1229;
  r.random = {1, 2, 3, 4, 5, 6};
  r.seqno = 0x01020304;
  r.family = kFamilyInet;
  return r;
}

TEST(FvWire, LayoutIsThePackedCStruct) {
  auto b = encode(sample());
  EXPECT_EQ(b.size(), 176u);
  EXPECT_EQ(b[0], 1);            // request
  EXPECT_EQ(b[1], 2);            // hashtype sha256
  EXPECT_EQ(b[2], 4);            // addrlen
  EXPECT_EQ(std::memcmp(&b[4], "vm1", 4), 0);
  EXPECT_EQ(b[68], 127);         // address
  EXPECT_EQ(b[96], 1229 & 0xff); // port, little-endian
  EXPECT_EQ(b[97], 1229 >> 8);
  EXPECT_EQ(b[98], 1);           // random
  EXPECT_EQ(b[104], 0x04);       // seqno, little-endian
  EXPECT_EQ(b[107], 0x01);
  EXPECT_EQ(b[108], 2);          // family AF_INET
}

TEST(FvWire, DecodeRejectsMalformedInput) {
  auto b = encode(sample());
  Request r;
  EXPECT_EQ(decode(std::span(b).first(175), r), Error::bad_length);
  std::vector<std::uint8_t> longer(b.begin(), b.end());
  longer.push_back(0);
  EXPECT_EQ(decode(longer, r), Error::bad_length);
  EXPECT_EQ(decode({}, r), Error::bad_length);
  auto bad_op = b;
  bad_op[0] = 7;  // metadata: client-only
  EXPECT_EQ(decode(bad_op, r), Error::unknown_op);
  auto bad_hash = b;
  bad_hash[1] = 4;
  EXPECT_EQ(decode(bad_hash, r), Error::unknown_hashtype);
  auto unterminated = b;
  std::memset(&unterminated[4], 'a', 64);
  EXPECT_EQ(decode(unterminated, r), Error::domain_unterminated);
  auto ctrl = b;
  ctrl[5] = '\n';
  EXPECT_EQ(decode(ctrl, r), Error::bad_domain_char);
  EXPECT_EQ(decode(b, r), Error::ok);
  EXPECT_EQ(r.domain, "vm1");
}

TEST(FvWire, CallbackAddressNeedsMatchingFamilyAndLength) {
  Request r = sample();
  EXPECT_EQ(check_callback_address(r), Error::ok);
  r.addrlen = 16;
  EXPECT_EQ(check_callback_address(r), Error::bad_address);
  r.family = kFamilyInet6;
  EXPECT_EQ(check_callback_address(r), Error::ok);
  r.addrlen = 0;  // tcp-style request sent to the multicast listener
  EXPECT_EQ(check_callback_address(r), Error::bad_address);
}

RC_GTEST_PROP(FvWire, EncodeDecodeRoundTrips, (std::uint8_t op, std::uint8_t ht, std::uint32_t seq, std::uint16_t port)) {
  Request r = sample(static_cast<Op>(op % 7), static_cast<HashType>(ht % 4));
  r.seqno = seq;
  r.port = port;
  r.domain = *rc::gen::container<std::string>(*rc::gen::inRange(0, 63), rc::gen::inRange<char>(0x20, 0x7f));
  Request back;
  RC_ASSERT(decode(encode(r), back) == Error::ok);
  RC_ASSERT(back.domain == r.domain);
  RC_ASSERT(back.seqno == seq && back.port == port && back.op == r.op && back.hashtype == r.hashtype);
  RC_ASSERT(encode(back) == encode(r));
}

TEST(FvHash, KnownAnswersAndKeyDataOrder) {
  // SHA-256("abc") (FIPS 180-2 example): H(key || data) with key "ab", data "c" must equal it.
  const std::uint8_t c = 'c';
  Digest d = digest(HashType::sha256, key_of("ab"), std::span(&c, 1));
  const std::uint8_t want[] = {0xba, 0x78, 0x16, 0xbf, 0x8f, 0x01, 0xcf, 0xea, 0x41, 0x41, 0x40, 0xde, 0x5d, 0xae, 0x22, 0x23,
                               0xb0, 0x03, 0x61, 0xa3, 0x96, 0x17, 0x7a, 0x9c, 0xb4, 0x10, 0xff, 0x61, 0xf2, 0x00, 0x15, 0xad};
  EXPECT_EQ(std::memcmp(d.data(), want, 32), 0);
  for (std::size_t i = 32; i < 64; ++i) EXPECT_EQ(d[i], 0) << "sha256 zero-padded to 64 bytes";
  // SHA-1("abc") = a9993e36...
  Digest s1 = digest(HashType::sha1, key_of("a"), std::span(reinterpret_cast<const std::uint8_t*>("bc"), 2));
  EXPECT_EQ(s1[0], 0xa9);
  EXPECT_EQ(s1[19], 0x9d);
  for (std::size_t i = 20; i < 64; ++i) EXPECT_EQ(s1[i], 0);
  // SHA-512("abc") = ddaf35a1...a54ca49f: all 64 bytes used.
  Digest s5 = digest(HashType::sha512, key_of(""), std::span(reinterpret_cast<const std::uint8_t*>("abc"), 3));
  EXPECT_EQ(s5[0], 0xdd);
  EXPECT_EQ(s5[63], 0x9f);
  EXPECT_EQ(digest(HashType::none, key_of("k"), std::span(&c, 1)), Digest{});
}

TEST(FvHash, KeyIsTruncatedTo4096Bytes) {
  std::string big(5000, 'k');
  EXPECT_EQ(key_of(big).bytes.size(), 4096u);
}

TEST(FvHash, VerifyAppliesTheMinimumAndTheKey) {
  Key key = key_of("secret-key");
  Key other = key_of("other-key");
  for (int req = 0; req <= 3; ++req) {
    for (int min = 0; min <= 3; ++min) {
      Request r = sample(Op::status, static_cast<HashType>(req));
      sign(r, key);
      auto b = encode(r);
      Request out;
      Error e = verify_request(b, AcceptPolicy{static_cast<HashType>(min), &key}, out);
      if (req < min) EXPECT_EQ(e, Error::hash_too_weak) << req << " " << min;
      else EXPECT_EQ(e, Error::ok) << req << " " << min;
      if (req > 0 && req >= min) {
        EXPECT_EQ(verify_request(b, AcceptPolicy{static_cast<HashType>(min), &other}, out), Error::bad_signature);
        EXPECT_EQ(verify_request(b, AcceptPolicy{static_cast<HashType>(min), nullptr}, out), Error::no_key);
      }
    }
  }
}

RC_GTEST_PROP(FvHash, AnyFlippedBitBreaksTheSignature, (std::uint8_t ht)) {
  Key key = key_of("k3y");
  auto h = static_cast<HashType>(1 + ht % 3);
  Request r = sample(Op::off, h);
  sign(r, key);
  auto b = encode(r);
  auto pos = *rc::gen::inRange<std::size_t>(0, kRequestSize);
  auto bit = *rc::gen::inRange(0, 8);
  b[pos] ^= static_cast<std::uint8_t>(1u << bit);
  Request out;
  Error e = verify_request(b, AcceptPolicy{HashType::sha1, &key}, out);
  RC_ASSERT(e != Error::ok);
}

TEST(FvHash, ChallengeAnswer) {
  Key key = key_of("k");
  Challenge c{};
  c[0] = 42;
  Digest a = challenge_answer(HashType::sha256, key, c);
  EXPECT_TRUE(challenge_answer_valid(HashType::sha256, key, c, a));
  EXPECT_FALSE(challenge_answer_valid(HashType::sha256, key_of("x"), c, a));
  EXPECT_FALSE(challenge_answer_valid(HashType::sha512, key, c, a));
  c[63] = 1;
  EXPECT_FALSE(challenge_answer_valid(HashType::sha256, key, c, a));
}

TEST(FvHistory, SuppressesDuplicatesWithinTheWindowOnly) {
  ReplayHistory h(10'000, 3);
  Request a = sample(Op::off);
  EXPECT_FALSE(h.seen(a, 0));
  h.record(a, 0);
  EXPECT_TRUE(h.seen(a, 9'999));
  EXPECT_FALSE(h.seen(a, 10'000)) << "expired after the window";
  h.record(a, 20'000);
  Request b = a;
  b.seqno++;
  EXPECT_FALSE(h.seen(b, 20'001));
  Request c = a;
  c.op = Op::on;
  EXPECT_FALSE(h.seen(c, 20'001));
  Request d = a;
  d.domain = "vm2";
  EXPECT_FALSE(h.seen(d, 20'001));
  h.record(b, 20'001);
  h.record(c, 20'002);
  h.record(d, 20'003);  // capacity 3: evicts the oldest (a)
  EXPECT_EQ(h.size(), 3u);
  EXPECT_FALSE(h.seen(a, 20'004));
  EXPECT_TRUE(h.seen(d, 20'004));
}

TEST(FvHostList, RecordsAreZeroFilledAndTruncated) {
  HostRecord h{"vm1", "11111111-1111-1111-1111-111111111111", 1};
  auto b = encode(h);
  EXPECT_EQ(b.size(), 130u);
  EXPECT_EQ(b[3], 0);
  EXPECT_EQ(b[63], 0);
  EXPECT_EQ(b[128], 1);
  EXPECT_EQ(b[129], 0);
  HostRecord back = decode_host(b);
  EXPECT_EQ(back.domain, "vm1");
  EXPECT_EQ(back.uuid, h.uuid);
  EXPECT_EQ(back.state, 1);
  HostRecord longname{std::string(100, 'n'), "", 5};
  EXPECT_EQ(decode_host(encode(longname)).domain.size(), 63u);
  EXPECT_TRUE(is_terminator(decode_host(HostRecordBytes{})));
  EXPECT_FALSE(is_terminator(back));
}

TEST(FvWire, OpNames) {
  Op op;
  EXPECT_TRUE(parse_op("monitor", op));
  EXPECT_EQ(op, Op::devstatus);
  EXPECT_TRUE(parse_op("list-status", op));
  EXPECT_EQ(op, Op::hostlist);
  EXPECT_FALSE(parse_op("metadata", op)) << "metadata never goes on the wire";
}

}  // namespace
}  // namespace halab::fv
