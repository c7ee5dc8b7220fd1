#include "fence-virt/protocol/hash.hpp"

// The one-shot SHA-1/SHA-2 functions, not EVP: in OpenSSL 3 the first EVP digest fetch
// initialises the provider machinery and reads openssl.cnf (about 0.5 ms), which is a sixth
// of the agent's whole fencing round trip. The low-level functions are deprecated but
// compute the same digests with no global set-up.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>

#include <algorithm>

#include "stack/core/assert.hpp"

namespace halab::fv {

const char* to_string(HashType h) {
  switch (h) {
    case HashType::none: return "none";
    case HashType::sha1: return "sha1";
    case HashType::sha256: return "sha256";
    case HashType::sha512: return "sha512";
  }
  return "unknown";
}

bool parse_hash(std::string_view name, HashType& out) {
  if (name == "none") out = HashType::none;
  else if (name == "sha1") out = HashType::sha1;
  else if (name == "sha256") out = HashType::sha256;
  else if (name == "sha512") out = HashType::sha512;
  else return false;
  return true;
}

Key Key::from_contents(std::span<const std::uint8_t> contents) {
  Key k;
  auto n = std::min(contents.size(), kMaxKeySize);
  k.bytes.assign(contents.begin(), contents.begin() + static_cast<std::ptrdiff_t>(n));
  return k;
}

Digest digest(HashType h, const Key& key, std::span<const std::uint8_t> data) {
  Digest out{};
  bool ok = true;
  switch (h) {
    case HashType::none:
      return out;
    case HashType::sha1: {
      SHA_CTX c;
      ok = SHA1_Init(&c) && SHA1_Update(&c, key.bytes.data(), key.bytes.size()) &&
           SHA1_Update(&c, data.data(), data.size()) && SHA1_Final(out.data(), &c);
      break;
    }
    case HashType::sha256: {
      SHA256_CTX c;
      ok = SHA256_Init(&c) && SHA256_Update(&c, key.bytes.data(), key.bytes.size()) &&
           SHA256_Update(&c, data.data(), data.size()) && SHA256_Final(out.data(), &c);
      break;
    }
    case HashType::sha512: {
      SHA512_CTX c;
      ok = SHA512_Init(&c) && SHA512_Update(&c, key.bytes.data(), key.bytes.size()) &&
           SHA512_Update(&c, data.data(), data.size()) && SHA512_Final(out.data(), &c);
      break;
    }
  }
  HALAB_ASSERT_MSG(ok, "libcrypto digest failed");
  return out;
}

bool equal_digest(const Digest& a, const Digest& b) {
  std::uint8_t diff = 0;
  for (std::size_t i = 0; i < kHashSize; ++i) diff |= a[i] ^ b[i];
  return diff == 0;
}

void sign(Request& r, const Key& key) {
  r.hash.fill(0);
  auto bytes = encode(r);
  r.hash = digest(static_cast<HashType>(r.hashtype), key, bytes);
}

bool signature_valid(std::span<const std::uint8_t, kRequestSize> bytes, HashType h, const Key& key) {
  RequestBytes zeroed;
  std::copy(bytes.begin(), bytes.end(), zeroed.begin());
  std::fill(zeroed.begin() + kHashOffset, zeroed.end(), 0);
  Digest claimed;
  std::copy(bytes.begin() + kHashOffset, bytes.end(), claimed.begin());
  return equal_digest(digest(h, key, zeroed), claimed);
}

Error verify_request(std::span<const std::uint8_t> bytes, const AcceptPolicy& policy, Request& out) {
  Request r;
  if (Error e = decode(bytes, r); e != Error::ok) return e;
  auto h = static_cast<HashType>(r.hashtype);
  if (h < policy.min_hash) return Error::hash_too_weak;
  if (h != HashType::none) {
    if (policy.key == nullptr || policy.key->empty()) return Error::no_key;
    if (!signature_valid(bytes.first<kRequestSize>(), h, *policy.key)) return Error::bad_signature;
  }
  out = std::move(r);
  return Error::ok;
}

Digest challenge_answer(HashType h, const Key& key, const Challenge& challenge) {
  return digest(h, key, challenge);
}

bool challenge_answer_valid(HashType h, const Key& key, const Challenge& challenge, const Digest& answer) {
  return equal_digest(challenge_answer(h, key, challenge), answer);
}

}  // namespace halab::fv
