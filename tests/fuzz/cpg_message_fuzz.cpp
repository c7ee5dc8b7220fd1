// libFuzzer target: CPG's message decoder, and a Cpg fed what it decodes.
// The input is a sequence of messages (two length bytes, then the bytes);
// each is decoded (a decoded message must re-encode to exactly its bytes),
// then delivered to a Cpg of a synced two-node ring as if node 2 sent it,
// with its ring id patched to the current ring so that the state machine,
// not only the staleness check, sees it. Any input must be counted as bad
// or stale or applied, never crash, hang or leak.
#include <cstddef>
#include <cstdint>

#include "stack/core/assert.hpp"
#include "stack/cpg/cpg.hpp"
#include "stack/cpg/wire.hpp"
#include "tests/totem/fake_world.hpp"

using namespace halab;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fake::FakeClock clock;
  core::Logger logger(clock, "fuzz");
  std::vector<core::Bytes> sent;
  cpg::Cpg::Callbacks cb;
  cb.send = [&sent](core::Bytes b) {
    if (sent.size() > 10'000) return false;
    sent.push_back(std::move(b));
    return true;
  };
  cpg::Cpg c(logger, 1, cb);
  const totem::RingId ring{1, 7};
  c.on_config_change({totem::ConfigChange::Kind::transitional, ring, {1}, {}, {}});
  c.on_config_change({totem::ConfigChange::Kind::regular, ring, {1, 2}, {}, {2}});
  // Node 2's (empty) joinlist and our own end the exchange.
  c.on_message(2, cpg::wire::encode(cpg::wire::JoinListMsg{ring, true, {}}));
  for (const auto& b : std::vector<core::Bytes>(sent)) c.on_message(1, b);
  cpg::GroupCallbacks gcb;
  gcb.deliver = [](const cpg::Address&, core::ByteView) {};
  gcb.confchg = [](const cpg::GroupConfig&) {};
  c.join("g", 10, gcb);

  std::size_t pos = 0;
  for (int n = 0; n < 64 && pos + 2 <= size; ++n) {
    const std::size_t len = std::min<std::size_t>((std::size_t(data[pos]) << 8 | data[pos + 1]), size - pos - 2);
    core::Bytes msg(data + pos + 2, data + pos + 2 + len);
    pos += 2 + len;
    if (auto d = cpg::wire::decode(msg); d.ok()) {
      const auto again = cpg::wire::encode(*d.message);
      HALAB_ASSERT_MSG(again == msg, "decode/encode is not the identity");
    }
    if (msg.size() >= 15) {  // the ring id's place in every message
      for (int i = 0; i < 4; ++i) msg[3 + i] = std::uint8_t(ring.rep >> (24 - 8 * i));
      for (int i = 0; i < 8; ++i) msg[7 + i] = std::uint8_t(ring.seq >> (56 - 8 * i));
    }
    c.on_message(2, msg);
    // Our own requests come back too, in order.
    auto mine = std::move(sent);
    sent.clear();
    for (const auto& b : mine) c.on_message(1, b);
  }
  const auto& st = c.stats();
  HALAB_ASSERT(st.bad_messages + st.stale_messages + st.delivered + st.confchgs > 0 || size < 2);
  for (const auto& g : c.groups()) HALAB_ASSERT(!g.members.empty() && g.name.size() <= cpg::Cpg::kMaxGroupName);
  return 0;
}
