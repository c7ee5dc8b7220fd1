#pragma once
// Packet security for Totem: every datagram is authenticated with HMAC
// (crypto_hash) and, with a cipher (crypto_cipher), encrypted with AES-CTR.
//
// Wire format (big-endian):
//   0  'H' 'T' version=1 cipher hash 0 0 0     8 bytes
//   8  sender node id                          4
//  12  sender boot epoch                       4
//  16  packet counter                          8
//  24  payload (ciphertext with a cipher)
//  end HMAC over everything before it (absent with crypto_hash none)
//
// Nonces. AES-CTR needs a nonce that never repeats under one key; it does not
// need an unpredictable one. The IV is bytes 8..24: (node id, boot epoch,
// counter). Node ids are unique (the config parser refuses duplicates), the
// boot epoch is a counter the node persists with Sync::durable before it
// sends anything (see next_boot_epoch), and the counter increments per
// packet, so no IV is ever reused, in simnet or on real nodes, whatever the
// quality of the node's Rng. We deliberately do not draw nonces from
// core::Rng: it is a seeded, reproducible engine, not a CSPRNG.
//
// Replay. The same three fields, authenticated, give replay protection: a
// receiver keeps, per sender, the highest boot epoch seen and a window of
// counters; a packet from an older epoch, or a counter already seen or older
// than the window, is dropped. Without crypto_hash there is no
// authentication and hence no replay protection (as in corosync).
//
// Keys: cipher and MAC keys are derived from the authkey with HMAC-SHA256 and
// distinct labels, so the same bytes never serve two purposes.
#include <array>
#include <bitset>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "stack/config/corosync_conf.hpp"
#include "stack/core/network.hpp"
#include "stack/core/storage.hpp"

namespace halab::totem {

inline constexpr std::size_t kCryptoHeader = 24;

struct CryptoStats {
  std::uint64_t sealed = 0;
  std::uint64_t accepted = 0;
  std::uint64_t dropped_truncated = 0;  // shorter than header + MAC
  std::uint64_t dropped_malformed = 0;  // bad magic/version, or cipher/hash other than ours
  std::uint64_t dropped_auth = 0;       // MAC mismatch: forged, corrupted, or another key
  std::uint64_t dropped_replay = 0;     // counter seen before, too old, or an older boot epoch
  std::uint64_t dropped() const {
    return dropped_truncated + dropped_malformed + dropped_auth + dropped_replay;
  }
};

struct OpenedPacket {
  std::uint32_t sender = 0;
  core::Bytes payload;
};

class PacketCrypto {
 public:
  static constexpr std::size_t kReplayWindow = 1024;

  // `key` is the authkey's content; it must be non-empty unless both cipher
  // and hash are none. Throws core::Error on an unusable key.
  PacketCrypto(config::Cipher cipher, config::Hash hash, core::ByteView key, std::uint32_t node_id,
               std::uint32_t boot_epoch);

  core::Bytes seal(core::ByteView payload);
  // nullopt (and a counted reason) for anything not sealed by a holder of our
  // key, or seen before.
  std::optional<OpenedPacket> open(core::ByteView packet);

  const CryptoStats& stats() const { return stats_; }
  std::size_t overhead() const { return kCryptoHeader + mac_len_; }
  config::Cipher cipher() const { return cipher_; }
  config::Hash hash() const { return hash_; }

 private:
  struct ReplayState {
    std::uint32_t epoch = 0;
    std::uint64_t highest = 0;
    std::bitset<kReplayWindow> seen;  // bit i: counter highest - i was accepted
    bool any = false;
  };
  bool check_and_record_replay(std::uint32_t sender, std::uint32_t epoch, std::uint64_t counter);
  void ctr_xor(const std::uint8_t* iv, std::uint8_t* data, std::size_t len) const;
  void mac(const std::uint8_t* data, std::size_t len, std::uint8_t* out) const;

  config::Cipher cipher_;
  config::Hash hash_;
  std::uint32_t node_id_;
  std::uint32_t epoch_;
  std::uint64_t counter_ = 0;
  std::size_t mac_len_ = 0;
  std::array<std::uint8_t, 32> cipher_key_{};
  std::array<std::uint8_t, 32> mac_key_{};
  std::map<std::uint32_t, ReplayState> replay_;
  CryptoStats stats_;
};

// Increments and durably stores the node's boot epoch (file "totem/boot_epoch")
// and returns the new value. Must run before the first seal() of a boot.
std::uint32_t next_boot_epoch(core::Storage& storage);

}  // namespace halab::totem
