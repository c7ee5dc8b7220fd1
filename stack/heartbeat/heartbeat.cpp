#include "stack/heartbeat/heartbeat.hpp"

#include <cstring>

namespace halab::heartbeat {

namespace {
// Wire format: "HB1" | name length (1 byte) | name | sequence (8 bytes, little endian).
constexpr std::uint8_t kMagic[3] = {'H', 'B', '1'};
}  // namespace

std::string_view parse_heartbeat(core::ByteView d, std::uint64_t* seq) {
  if (d.size() < 4 || d[0] != kMagic[0] || d[1] != kMagic[1] || d[2] != kMagic[2]) return {};
  const std::size_t len = d[3];
  if (len == 0 || d.size() != 4 + len + 8) return {};
  if (seq) {
    std::uint64_t s = 0;
    for (int i = 7; i >= 0; --i) s = (s << 8) | d[4 + len + i];
    *seq = s;
  }
  return {reinterpret_cast<const char*>(d.data() + 4), len};
}

Heartbeat::Heartbeat(core::Env& env, Config config)
    : env_(env), config_(std::move(config)), log_(env.log("heartbeat")), timer_(env.clock) {
  for (auto& p : config_.peers)
    if (p.name != env_.node) peers_.push_back(Tracked{p});
  const std::size_t len = std::min<std::size_t>(env_.node.size(), 255);
  message_.assign(kMagic, kMagic + 3);
  message_.push_back(static_cast<std::uint8_t>(len));
  message_.insert(message_.end(), env_.node.begin(), env_.node.begin() + len);
  seq_offset_ = message_.size();
  message_.resize(seq_offset_ + 8);

  core::BindOptions opts;
  opts.local = {config_.bind_addr, config_.port};
  opts.broadcast = config_.transport == Config::Transport::broadcast;
  opts.reuse_address = config_.transport == Config::Transport::multicast;
  socket_ = env_.network.bind(opts, [this](const core::Endpoint& from, core::ByteView data) { on_datagram(from, data); });
  if (config_.transport == Config::Transport::multicast) {
    if (auto ec = socket_->join_multicast(config_.group, config_.bind_addr, 1, false))
      log_.error("node {}: cannot join {}: {}", env_.node, config_.group.to_string(), ec.message());
  }
  started_ = env_.clock.now();
  // A random phase, so that nodes booted together do not send in lockstep.
  auto rng = env_.rng("heartbeat");
  const auto phase = core::Duration(static_cast<std::int64_t>(rng.below(std::uint64_t(config_.period.count()))));
  timer_.arm(phase, [this] { tick(); });
}

Heartbeat::~Heartbeat() = default;

Heartbeat::PeerState Heartbeat::state(const std::string& peer) const {
  for (auto& t : peers_)
    if (t.peer.name == peer) return t.state;
  return PeerState::unknown;
}

void Heartbeat::tick() {
  timer_.arm(config_.period, [this] { tick(); });
  ++seq_;
  for (int i = 0; i < 8; ++i) message_[seq_offset_ + i] = static_cast<std::uint8_t>(seq_ >> (8 * i));
  const core::ByteView msg(message_.data(), message_.size());
  switch (config_.transport) {
    case Config::Transport::unicast:
      for (auto& t : peers_)
        if (!socket_->send_to(t.peer.endpoint, msg)) ++sent_;
      break;
    case Config::Transport::multicast:
      if (!socket_->send_to({config_.group, config_.port}, msg)) ++sent_;
      break;
    case Config::Transport::broadcast:
      if (!socket_->send_to({config_.broadcast, config_.port}, msg)) ++sent_;
      break;
  }
  const core::Instant now = env_.clock.now();
  for (auto& t : peers_) {
    const core::Instant since = t.state == PeerState::unknown ? started_ : t.last_heard;
    if (t.state != PeerState::lost && now - since > config_.timeout) {
      t.state = PeerState::lost;
      log_.notice("node {}: peer {} lost", env_.node, t.peer.name);
    }
  }
}

void Heartbeat::on_datagram(const core::Endpoint& from, core::ByteView data) {
  const std::string_view name = parse_heartbeat(data);
  if (name.empty()) return;
  // Match by source address first (cheap), then make sure the name agrees.
  Tracked* t = nullptr;
  for (auto& p : peers_)
    if (p.peer.endpoint.addr == from.addr) {
      t = &p;
      break;
    }
  if (!t || t->peer.name != name) {
    t = nullptr;
    for (auto& p : peers_)
      if (p.peer.name == name) t = &p;
  }
  if (!t) return;  // ourselves, or a stranger
  ++received_;
  t->last_heard = env_.clock.now();
  if (t->state == PeerState::alive) return;
  if (t->state == PeerState::lost) log_.notice("node {}: peer {} back", env_.node, t->peer.name);
  else log_.info("node {}: peer {} seen", env_.node, t->peer.name);
  t->state = PeerState::alive;
}

}  // namespace halab::heartbeat
