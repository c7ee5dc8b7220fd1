#include "stack/totem/crypto.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "stack/core/error.hpp"
#include "stack/totem/authkey_file.hpp"
#include "tests/totem/fake_world.hpp"

using namespace halab;
using config::Cipher;
using config::Hash;
using totem::PacketCrypto;

namespace {
core::Bytes key_of(char c, std::size_t n = 256) { return core::Bytes(n, std::uint8_t(c)); }
core::Bytes text(std::string_view s) { return core::Bytes(s.begin(), s.end()); }
bool contains(const core::Bytes& hay, const core::Bytes& needle) {
  return std::search(hay.begin(), hay.end(), needle.begin(), needle.end()) != hay.end();
}
}  // namespace

class CryptoAll : public ::testing::TestWithParam<std::tuple<Cipher, Hash>> {};

TEST_P(CryptoAll, RoundTripsAndRejectsTampering) {
  auto [cipher, hash] = GetParam();
  auto key = key_of('k');
  PacketCrypto a(cipher, hash, key, 1, 1), b(cipher, hash, key, 2, 1);
  const auto msg = text("the token carries seq 42 and aru 40");
  auto p1 = a.seal(msg);
  auto p2 = a.seal(msg);
  EXPECT_EQ(p1.size(), msg.size() + a.overhead());
  EXPECT_EQ(contains(p1, msg), cipher == Cipher::none) << "ciphertext must hide the payload";
  if (cipher != Cipher::none) {
    EXPECT_NE(core::Bytes(p1.begin() + 24, p1.end()), core::Bytes(p2.begin() + 24, p2.end()));
  }

  auto o = b.open(p1);
  ASSERT_TRUE(o);
  EXPECT_EQ(o->sender, 1u);
  EXPECT_EQ(o->payload, msg);
  if (hash == Hash::none) return;  // nothing below is detectable without a MAC

  // Replayed.
  EXPECT_FALSE(b.open(p1));
  EXPECT_EQ(b.stats().dropped_replay, 1u);
  // Every single flipped bit anywhere is caught.
  for (std::size_t i = 0; i < p2.size(); ++i) {
    auto f = p2;
    f[i] ^= 0x01;
    EXPECT_FALSE(b.open(f)) << "flipped byte " << i;
  }
  // Truncated at every length.
  for (std::size_t n = 0; n < p2.size(); ++n) EXPECT_FALSE(b.open(core::ByteView(p2.data(), n))) << n;
  EXPECT_GT(b.stats().dropped_truncated, 0u);
  EXPECT_GT(b.stats().dropped_auth, 0u);
  // The untouched original still opens after all that.
  EXPECT_TRUE(b.open(p2));
  // Wrong key.
  PacketCrypto c(cipher, hash, key_of('x'), 3, 1);
  auto before = b.stats().dropped_auth;
  EXPECT_FALSE(b.open(c.seal(msg)));
  EXPECT_EQ(b.stats().dropped_auth, before + 1);
}

// Every combination the config accepts (a cipher without a hash is refused,
// see CipherWithoutHashOrShortKeyIsRefused).
std::vector<std::tuple<Cipher, Hash>> accepted_combinations() {
  std::vector<std::tuple<Cipher, Hash>> v;
  for (auto c : {Cipher::none, Cipher::aes128, Cipher::aes192, Cipher::aes256})
    for (auto h : {Hash::none, Hash::md5, Hash::sha1, Hash::sha256, Hash::sha384, Hash::sha512})
      if (c == Cipher::none || h != Hash::none) v.emplace_back(c, h);
  return v;
}
INSTANTIATE_TEST_SUITE_P(, CryptoAll, ::testing::ValuesIn(accepted_combinations()),
                         [](const auto& info) {
                           return std::string(config::to_string(std::get<0>(info.param))) + "_" +
                                  config::to_string(std::get<1>(info.param));
                         });

TEST(Crypto, MismatchedSettingsAreDroppedNotMisread) {
  auto key = key_of('k');
  PacketCrypto a(Cipher::aes256, Hash::sha256, key, 1, 1), b(Cipher::aes128, Hash::sha256, key, 2, 1);
  EXPECT_FALSE(b.open(a.seal(text("hello"))));
  EXPECT_EQ(b.stats().dropped_malformed, 1u);
}

TEST(Crypto, ReplayWindowAllowsReorderingButNotRepeats) {
  auto key = key_of('k');
  PacketCrypto a(Cipher::aes128, Hash::sha1, key, 1, 7), b(Cipher::aes128, Hash::sha1, key, 2, 1);
  std::vector<core::Bytes> sent;
  for (int i = 0; i < 10; ++i) sent.push_back(a.seal(text("m" + std::to_string(i))));
  for (int i : {9, 3, 0, 5}) EXPECT_TRUE(b.open(sent[i])) << i;
  for (int i : {9, 3, 0, 5}) EXPECT_FALSE(b.open(sent[i])) << i;
  EXPECT_TRUE(b.open(sent[4]));
  // Far older than the window: dropped even if never seen.
  auto old = a.seal(text("old"));
  for (std::size_t i = 0; i < PacketCrypto::kReplayWindow + 5; ++i) a.seal(text("x"));
  EXPECT_TRUE(b.open(a.seal(text("new"))));
  EXPECT_FALSE(b.open(old));
  EXPECT_EQ(b.stats().dropped_replay, 5u);
}

TEST(Crypto, RestartedSenderIsAcceptedAndItsOldBootIsNot) {
  auto key = key_of('k');
  fake::MemStorage store;
  const auto e1 = totem::next_boot_epoch(store);
  const auto e2 = totem::next_boot_epoch(store);
  EXPECT_EQ(e2, e1 + 1);
  PacketCrypto before(Cipher::aes256, Hash::sha256, key, 1, e1), after(Cipher::aes256, Hash::sha256, key, 1, e2);
  PacketCrypto rx(Cipher::aes256, Hash::sha256, key, 2, 1);
  auto old1 = before.seal(text("a"));
  auto old2 = before.seal(text("b"));
  EXPECT_TRUE(rx.open(old1));
  EXPECT_TRUE(rx.open(after.seal(text("c"))));  // counter restarts at 1 in the new boot
  EXPECT_FALSE(rx.open(old2));                  // an older boot's packet is a replay
  // Same boot epoch and counter means the same IV: impossible across boots.
  auto fresh = after.seal(text("a"));
  EXPECT_NE(core::Bytes(old1.begin() + 8, old1.begin() + 24), core::Bytes(fresh.begin() + 8, fresh.begin() + 24));
}

TEST(Crypto, CipherWithoutHashOrShortKeyIsRefused) {
  auto key = key_of('k');
  EXPECT_THROW(PacketCrypto(Cipher::aes128, Hash::none, key, 1, 1), core::Error);
  EXPECT_THROW(PacketCrypto(Cipher::none, Hash::sha1, key_of('k', 8), 1, 1), core::Error);
}

TEST(AuthkeyFile, WrittenWithMode0400AndReadBack) {
  auto dir = std::filesystem::temp_directory_path() / ("halab-authkey-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "authkey").string();
  auto key = key_of('z', 256);
  totem::write_authkey_file(path, key);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0400u);
  EXPECT_EQ(totem::read_authkey_file(path), key);

  ::chmod(path.c_str(), 0644);
  try {
    totem::read_authkey_file(path);
    ADD_FAILURE() << "a world-readable key was accepted";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("every user"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
  ::chmod(path.c_str(), 0600);
  EXPECT_NO_THROW(totem::read_authkey_file(path));
  totem::write_authkey_file(path, key_of('z', 12));
  EXPECT_THROW(totem::read_authkey_file(path), core::Error);
  EXPECT_THROW(totem::read_authkey_file((dir / "missing").string()), core::Error);
  std::filesystem::remove_all(dir);
}

TEST(Keygen, CliWritesA256ByteKeyWithMode0400) {
  auto dir = std::filesystem::temp_directory_path() / ("halab-keygen-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string path = (dir / "authkey").string();
  const std::string cmd = std::string(HALAB_BIN) + " keygen -l -k " + path + " >/dev/null";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  struct stat st {};
  ASSERT_EQ(::stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 07777, 0400u);
  auto k1 = totem::read_authkey_file(path);
  EXPECT_EQ(k1.size(), 256u);
  ASSERT_EQ(std::system(cmd.c_str()), 0);  // again: replaced, and different
  EXPECT_NE(totem::read_authkey_file(path), k1);
  const std::string bad = std::string(HALAB_BIN) + " keygen -s 5 -k " + path + " 2>/dev/null";
  EXPECT_NE(std::system(bad.c_str()), 0);
  std::filesystem::remove_all(dir);
}
