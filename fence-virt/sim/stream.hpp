#pragma once
// The call-back stream of the fence_virt protocol as simnet datagrams (simulated: simnet
// has no TCP). The multicast request is the real one; the host then "connects back" from a
// per-request socket and the exchange follows the real stream's order (PROTOCOL.md):
//
//   host  -> agent  kConnect                        (the TCP connect; auth none: kResult at once)
//   agent -> host   kChallenge  [agent challenge 64]
//   host  -> agent  kAnswerChallenge [answer 64][host challenge 64]
//   agent -> host   kAnswer     [answer 64]
//   host  -> agent  kResult     [result bytes: code, or 253 + host records + terminator + code]
//   host  -> agent  kClosed                         (authentication failed: connection closed)
//
// Each side resends its last message until the next one arrives (the agent every `retrans`,
// the host when it hears a repeat), as TCP would retransmit a lost segment.
#include <cstdint>

namespace halab::fv::sim {

enum StreamKind : std::uint8_t {
  kConnect = 1,
  kChallenge = 2,
  kAnswerChallenge = 3,
  kAnswer = 4,
  kResult = 5,
  kClosed = 6,
};

}  // namespace halab::fv::sim
