#pragma once
// Packet signatures and the challenge-response, over OpenSSL libcrypto.
// Every digest is H(key || data) zero-padded to 64 bytes (PROTOCOL.md §4, §5).
#include <array>
#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "fence-virt/protocol/wire.hpp"

namespace halab::fv {

// Numbering is the wire's (request byte 1, and the auth setting).
enum class HashType : std::uint8_t { none = 0, sha1 = 1, sha256 = 2, sha512 = 3 };
const char* to_string(HashType h);
bool parse_hash(std::string_view name, HashType& out);

using Digest = std::array<std::uint8_t, kHashSize>;

// The shared key: the key file's raw bytes, at most 4096 (longer files are truncated
// by the peers too, so signatures still match).
inline constexpr std::size_t kMaxKeySize = 4096;
struct Key {
  std::vector<std::uint8_t> bytes;
  static Key from_contents(std::span<const std::uint8_t> contents);  // truncates
  bool empty() const { return bytes.empty(); }
};

// H(key || data), zero-padded; all zeros for HashType::none.
Digest digest(HashType h, const Key& key, std::span<const std::uint8_t> data);
bool equal_digest(const Digest& a, const Digest& b);  // constant time, all 64 bytes

// Signs `r` in place with its hashtype (sets r.hash; r.random must already be filled).
void sign(Request& r, const Key& key);
// Recomputes the signature of the raw request bytes (hash field zeroed first).
bool signature_valid(std::span<const std::uint8_t, kRequestSize> bytes, HashType h, const Key& key);

// What a daemon accepts: its configured hash is a minimum; unsigned requests only when the
// minimum is none; a signed request needs a key.
struct AcceptPolicy {
  HashType min_hash = HashType::sha256;
  const Key* key = nullptr;  // null or empty: no key loaded
};
// Decode + policy + signature. On success fills `out` and returns Error::ok.
Error verify_request(std::span<const std::uint8_t> bytes, const AcceptPolicy& policy, Request& out);

// Challenge-response on the connect-back stream: the answer to a 64-byte challenge.
using Challenge = std::array<std::uint8_t, kHashSize>;
Digest challenge_answer(HashType h, const Key& key, const Challenge& challenge);
bool challenge_answer_valid(HashType h, const Key& key, const Challenge& challenge, const Digest& answer);

}  // namespace halab::fv
