#include "stack/totem/crypto.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstring>
#include <memory>
#include <string_view>

#include "stack/core/assert.hpp"
#include "stack/core/error.hpp"

namespace halab::totem {

namespace {

constexpr std::uint8_t kVersion = 1;

const EVP_MD* md_of(config::Hash h) {
  switch (h) {
    case config::Hash::none: return nullptr;
    case config::Hash::md5: return EVP_md5();
    case config::Hash::sha1: return EVP_sha1();
    case config::Hash::sha256: return EVP_sha256();
    case config::Hash::sha384: return EVP_sha384();
    case config::Hash::sha512: return EVP_sha512();
  }
  return nullptr;
}

const EVP_CIPHER* cipher_of(config::Cipher c) {
  switch (c) {
    case config::Cipher::none: return nullptr;
    case config::Cipher::aes128: return EVP_aes_128_ctr();
    case config::Cipher::aes192: return EVP_aes_192_ctr();
    case config::Cipher::aes256: return EVP_aes_256_ctr();
  }
  return nullptr;
}

void put32(std::uint8_t* p, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = std::uint8_t(v >> (24 - 8 * i));
}
void put64(std::uint8_t* p, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) p[i] = std::uint8_t(v >> (56 - 8 * i));
}
std::uint32_t get32(const std::uint8_t* p) {
  return (std::uint32_t(p[0]) << 24) | (std::uint32_t(p[1]) << 16) | (std::uint32_t(p[2]) << 8) | p[3];
}
std::uint64_t get64(const std::uint8_t* p) { return (std::uint64_t(get32(p)) << 32) | get32(p + 4); }

void derive(core::ByteView key, std::string_view label, std::array<std::uint8_t, 32>& out) {
  unsigned len = 0;
  std::uint8_t buf[EVP_MAX_MD_SIZE];
  HALAB_ASSERT(HMAC(EVP_sha256(), key.data(), int(key.size()), reinterpret_cast<const unsigned char*>(label.data()),
                    label.size(), buf, &len) != nullptr);
  HALAB_ASSERT(len == 32);
  std::memcpy(out.data(), buf, 32);
}

}  // namespace

PacketCrypto::PacketCrypto(config::Cipher cipher, config::Hash hash, core::ByteView key, std::uint32_t node_id,
                           std::uint32_t boot_epoch)
    : cipher_(cipher), hash_(hash), node_id_(node_id), epoch_(boot_epoch) {
  if (cipher != config::Cipher::none && hash == config::Hash::none)
    throw core::Error("crypto_cipher " + std::string(config::to_string(cipher)) +
                      " needs a crypto_hash: encryption without authentication is refused");
  if (hash != config::Hash::none && key.size() < 16)
    throw core::Error("authkey is " + std::to_string(key.size()) + " bytes; at least 16 are needed");
  if (const EVP_MD* md = md_of(hash)) mac_len_ = std::size_t(EVP_MD_get_size(md));
  if (hash != config::Hash::none) {
    derive(key, "halab totem cipher key v1", cipher_key_);
    derive(key, "halab totem mac key v1", mac_key_);
  }
}

void PacketCrypto::ctr_xor(const std::uint8_t* iv, std::uint8_t* data, std::size_t len) const {
  const EVP_CIPHER* c = cipher_of(cipher_);
  HALAB_ASSERT(c != nullptr);
  std::unique_ptr<EVP_CIPHER_CTX, decltype(&EVP_CIPHER_CTX_free)> ctx(EVP_CIPHER_CTX_new(), EVP_CIPHER_CTX_free);
  HALAB_ASSERT(ctx != nullptr);
  HALAB_ASSERT(EVP_EncryptInit_ex(ctx.get(), c, nullptr, cipher_key_.data(), iv) == 1);
  int out = 0;
  // CTR is a stream: encryption and decryption are the same XOR, in place.
  if (len > 0) HALAB_ASSERT(EVP_EncryptUpdate(ctx.get(), data, &out, data, int(len)) == 1);
  HALAB_ASSERT(std::size_t(out) == len);
}

void PacketCrypto::mac(const std::uint8_t* data, std::size_t len, std::uint8_t* out) const {
  unsigned n = 0;
  HALAB_ASSERT(HMAC(md_of(hash_), mac_key_.data(), int(mac_key_.size()), data, len, out, &n) != nullptr);
  HALAB_ASSERT(n == mac_len_);
}

core::Bytes PacketCrypto::seal(core::ByteView payload) {
  ++counter_;
  ++stats_.sealed;
  core::Bytes p(kCryptoHeader + payload.size() + mac_len_);
  p[0] = 'H';
  p[1] = 'T';
  p[2] = kVersion;
  p[3] = std::uint8_t(cipher_);
  p[4] = std::uint8_t(hash_);
  put32(&p[8], node_id_);
  put32(&p[12], epoch_);
  put64(&p[16], counter_);
  if (!payload.empty()) std::memcpy(&p[kCryptoHeader], payload.data(), payload.size());
  if (cipher_ != config::Cipher::none) ctr_xor(&p[8], &p[kCryptoHeader], payload.size());
  if (mac_len_ > 0) mac(p.data(), kCryptoHeader + payload.size(), &p[kCryptoHeader + payload.size()]);
  return p;
}

bool PacketCrypto::check_and_record_replay(std::uint32_t sender, std::uint32_t epoch, std::uint64_t counter) {
  auto& r = replay_[sender];
  if (r.any && epoch < r.epoch) return false;
  if (!r.any || epoch > r.epoch) {  // first packet, or the sender restarted
    r = ReplayState{epoch, counter, {}, true};
    r.seen.set(0);
    return true;
  }
  if (counter > r.highest) {
    const std::uint64_t shift = counter - r.highest;
    if (shift >= kReplayWindow)
      r.seen.reset();
    else
      r.seen <<= shift;
    r.seen.set(0);
    r.highest = counter;
    return true;
  }
  const std::uint64_t age = r.highest - counter;
  if (age >= kReplayWindow || r.seen.test(age)) return false;
  r.seen.set(age);
  return true;
}

std::optional<OpenedPacket> PacketCrypto::open(core::ByteView packet) {
  if (packet.size() < kCryptoHeader + mac_len_) {
    ++stats_.dropped_truncated;
    return std::nullopt;
  }
  const std::uint8_t* p = packet.data();
  if (p[0] != 'H' || p[1] != 'T' || p[2] != kVersion || p[3] != std::uint8_t(cipher_) ||
      p[4] != std::uint8_t(hash_) || p[5] != 0 || p[6] != 0 || p[7] != 0) {
    ++stats_.dropped_malformed;
    return std::nullopt;
  }
  const std::size_t body = packet.size() - mac_len_;
  if (mac_len_ > 0) {
    std::uint8_t expect[EVP_MAX_MD_SIZE];
    mac(p, body, expect);
    if (CRYPTO_memcmp(expect, p + body, mac_len_) != 0) {
      ++stats_.dropped_auth;
      return std::nullopt;
    }
  }
  OpenedPacket out;
  out.sender = get32(p + 8);
  if (mac_len_ > 0 && !check_and_record_replay(out.sender, get32(p + 12), get64(p + 16))) {
    ++stats_.dropped_replay;
    return std::nullopt;
  }
  out.payload.assign(p + kCryptoHeader, p + body);
  if (cipher_ != config::Cipher::none) ctr_xor(p + 8, out.payload.data(), out.payload.size());
  ++stats_.accepted;
  return out;
}

std::uint32_t next_boot_epoch(core::Storage& storage) {
  std::uint32_t epoch = 0;
  if (auto text = storage.read_text("totem/boot_epoch")) {
    try {
      epoch = std::uint32_t(std::stoul(*text));
    } catch (const std::exception&) {
      // A torn or hand-edited file cannot happen with atomic writes; if it
      // does, restarting the count would reuse nonces, so refuse.
      throw core::Error("totem/boot_epoch in the state directory is corrupt: '" + *text + "'");
    }
  }
  ++epoch;
  HALAB_ASSERT(epoch != 0);
  storage.write("totem/boot_epoch", std::to_string(epoch), core::Sync::durable);
  return epoch;
}

}  // namespace halab::totem
