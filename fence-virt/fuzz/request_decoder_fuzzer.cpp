// libFuzzer target: the daemon's whole acceptance path for untrusted bytes (decode, hash
// policy, signature) and the host-record decoder. Must never crash or trip an assertion;
// whatever decodes must re-encode to the same bytes.
#include <cstdint>
#include <cstring>

#include "fence-virt/protocol/hash.hpp"
#include "fence-virt/protocol/wire.hpp"
#include "stack/core/assert.hpp"

using namespace halab::fv;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Key key = [] {
    std::uint8_t k[32];
    for (int i = 0; i < 32; ++i) k[i] = static_cast<std::uint8_t>(i * 7 + 1);
    return Key::from_contents(k);
  }();
  std::span<const std::uint8_t> in(data, size);
  Request r;
  if (decode(in, r) == Error::ok) {
    // Bytes after the domain's NUL are not kept; everything else must survive the round trip.
    RequestBytes expect;
    std::memcpy(expect.data(), data, kRequestSize);
    std::memset(expect.data() + 4 + r.domain.size(), 0, kDomainSize - r.domain.size());
    auto again = encode(r);
    HALAB_ASSERT_MSG(again == expect, "decode/encode round trip");
    (void)check_callback_address(r);
  }
  for (auto h : {HashType::none, HashType::sha1, HashType::sha256, HashType::sha512}) {
    Request v;
    (void)verify_request(in, AcceptPolicy{h, &key}, v);
    (void)verify_request(in, AcceptPolicy{h, nullptr}, v);
  }
  if (size >= kHostRecordSize) {
    HostRecord h = decode_host(std::span<const std::uint8_t, kHostRecordSize>(data, kHostRecordSize));
    HALAB_ASSERT(h.domain.size() <= kDomainSize && h.uuid.size() <= kDomainSize);
  }
  return 0;
}
