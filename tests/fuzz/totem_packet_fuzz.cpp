// libFuzzer target: a datagram as it arrives from the network, through
// PacketCrypto::open and Totem's message decoder. Byte 0 picks the security
// settings so both the authenticated path and the cleartext path (where the
// decoder sees attacker-chosen bytes) are covered; any input must be dropped
// or decoded, never crash, hang or leak; a decoded message re-encodes to
// exactly the bytes it came from.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "stack/core/assert.hpp"
#include "stack/totem/crypto.hpp"
#include "stack/totem/wire.hpp"

using namespace halab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  static const core::Bytes key(256, 0x42);
  const bool authenticated = data[0] & 1;
  totem::PacketCrypto crypto(authenticated ? config::Cipher::aes128 : config::Cipher::none,
                             authenticated ? config::Hash::sha256 : config::Hash::none, key, 99, 1);
  core::ByteView packet(data + 1, size - 1);
  auto opened = crypto.open(packet);
  // The message decoder also sees the raw bytes directly, as if the
  // envelope had been opened.
  for (core::ByteView body : {packet, opened ? core::ByteView(opened->payload) : core::ByteView()}) {
    auto m = totem::decode(body);
    if (!m) continue;
    auto again = totem::encode(*m);
    HALAB_ASSERT_MSG(again.size() == body.size() && std::equal(again.begin(), again.end(), body.begin()),
                     "decode/encode is not the identity");
  }
  return 0;
}
