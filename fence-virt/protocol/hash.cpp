#include "fence-virt/protocol/hash.hpp"

#include <openssl/evp.h>

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
  const EVP_MD* md = nullptr;
  switch (h) {
    case HashType::none: return out;
    case HashType::sha1: md = EVP_sha1(); break;
    case HashType::sha256: md = EVP_sha256(); break;
    case HashType::sha512: md = EVP_sha512(); break;
  }
  HALAB_ASSERT(md != nullptr);
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  HALAB_ASSERT_MSG(ctx != nullptr, "EVP_MD_CTX_new failed (out of memory)");
  unsigned int len = 0;
  bool ok = EVP_DigestInit_ex(ctx, md, nullptr) == 1 &&
            EVP_DigestUpdate(ctx, key.bytes.data(), key.bytes.size()) == 1 &&
            EVP_DigestUpdate(ctx, data.data(), data.size()) == 1 &&
            EVP_DigestFinal_ex(ctx, out.data(), &len) == 1;
  EVP_MD_CTX_free(ctx);
  HALAB_ASSERT_MSG(ok && len <= kHashSize, "libcrypto digest failed");
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
