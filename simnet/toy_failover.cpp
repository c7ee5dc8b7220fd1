#include "simnet/toy_failover.hpp"

#include <algorithm>

namespace halab::simnet {

namespace {
constexpr char kMagic[] = "TF1 ";
}

ToyFailover::ToyFailover(core::Env& env, ToyFailoverConfig config)
    : env_(env), config_(std::move(config)), events_(env.log("event")), timer_(env.clock), settle_(env.clock) {
  for (std::size_t i = 0; i < config_.nodes.size(); ++i) {
    if (config_.nodes[i].name == env_.node) self_index_ = i;
    else peers_.push_back(Tracked{config_.nodes[i]});
  }
  core::BindOptions opts;
  opts.local = {core::Ipv4{}, config_.port};
  socket_ = env_.network.bind(opts, [this](const core::Endpoint&, core::ByteView data) { on_datagram(data); });
  started_ = env_.clock.now();
  last_change_ = started_;
  membership_changed();
  auto rng = env_.rng("toy-failover");
  timer_.arm(core::Duration(static_cast<std::int64_t>(rng.below(std::uint64_t(config_.period.count())))), [this] { tick(); });
}

ToyFailover::~ToyFailover() = default;

void ToyFailover::on_clean_stop() {
  const std::string msg = kMagic + env_.node + " 0 leave";
  const core::ByteView bytes(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size());
  for (auto& t : peers_) socket_->send_to(t.peer.endpoint, bytes);
}

void ToyFailover::event(const std::string& text) { events_.info("{}", text); }

void ToyFailover::tick() {
  timer_.arm(config_.period, [this] { tick(); });
  const std::string msg = kMagic + env_.node + ((running_ || busy_) ? " 1" : " 0");
  const core::ByteView bytes(reinterpret_cast<const std::uint8_t*>(msg.data()), msg.size());
  for (auto& t : peers_) socket_->send_to(t.peer.endpoint, bytes);
  const core::Instant now = env_.clock.now();
  bool changed = false;  // every peer lost in this tick at once: quorum is judged on all of them
  for (auto& t : peers_) {
    const core::Instant since = t.state == Peer::unknown ? started_ : t.last_heard;
    if ((t.state == Peer::alive || t.state == Peer::unknown) && now - since > config_.timeout) {
      event("node-suspect peer=" + t.peer.name);
      t.state = config_.fencing ? Peer::unclean : Peer::down;
      changed = true;
    }
  }
  if (changed) membership_changed();
}

void ToyFailover::on_datagram(core::ByteView data) {
  const std::string_view s(reinterpret_cast<const char*>(data.data()), data.size());
  if (s.rfind(kMagic, 0) != 0) return;
  std::string_view name = s.substr(4);
  const bool leaving = name.size() > 6 && name.substr(name.size() - 6) == " leave";
  if (leaving) name.remove_suffix(6);
  const bool running = name.size() > 2 && name.substr(name.size() - 2) == " 1";
  name = name.substr(0, name.rfind(' '));
  if (leaving) {  // a clean stop: down, nothing to fence
    for (auto& t : peers_)
      if (t.peer.name == name && t.state != Peer::down) {
        event("node-leave peer=" + t.peer.name);
        t.state = Peer::down;
        t.running = false;
        membership_changed();
      }
    return;
  }
  for (auto& t : peers_)
    if (t.peer.name == name) {
      t.last_heard = env_.clock.now();
      const bool changed = t.running != running;
      t.running = running;
      if (t.state == Peer::fencing) return;  // it is being fenced: it comes back through a reboot
      if (t.state != Peer::alive) {
        t.state = Peer::alive;
        membership_changed();
      } else if (changed) {
        evaluate();
      }
    }
}

void ToyFailover::fence(Tracked& t) {
  event("fence-request target=" + t.peer.name);
  core::ProcessSpec spec;
  spec.argv = {"fence_simnet"};
  spec.stdin_data = "action=reboot\nport=" + t.peer.name + "\n";
  spec.timeout = std::chrono::seconds(60);
  const std::string target = t.peer.name;
  env_.processes.spawn(std::move(spec), [this, target](const core::ProcessResult& r) {
    const bool ok = r.end == core::ProcessResult::End::exited && r.exit_code == 0;
    event("fence-result target=" + target + " rc=" + std::to_string(ok ? 0 : 1));
    for (auto& p : peers_)
      if (p.peer.name == target && p.state == Peer::fencing) {
        if (ok) {
          p.state = Peer::down;
          membership_changed();
        } else {
          fence(p);  // try again
        }
      }
  });
}

void ToyFailover::membership_changed() {
  std::string members;
  std::size_t count = 1;
  for (std::size_t i = 0, p = 0; i < config_.nodes.size(); ++i) {
    if (i == self_index_) {
      members += (members.empty() ? "" : ",") + env_.node;
      continue;
    }
    if (peers_[p].state == Peer::alive) {
      members += (members.empty() ? "" : ",") + peers_[p].peer.name;
      ++count;
    }
    ++p;
  }
  if (members != members_) {
    members_ = members;
    last_change_ = env_.clock.now();
    event("membership members=" + members);
  }
  const int quorate = count * 2 > config_.nodes.size() ? 1 : 0;
  if (quorate != quorate_) {
    quorate_ = quorate;
    event("quorum quorate=" + std::to_string(quorate) + " members=" + members);
  }
  if (config_.fencing && (quorate_ == 1 || !config_.quorum_stop))  // only a quorate partition fences
    for (auto& t : peers_) {
      if (t.state != Peer::unclean) continue;
      t.state = Peer::fencing;
      const core::Duration delay = self_index_ == 0 ? core::Duration::zero() : config_.fence_delay;
      const std::string target = t.peer.name;
      env_.clock.schedule(delay, [this, target] {
        for (auto& p : peers_)
          if (p.peer.name == target && p.state == Peer::fencing) fence(p);
      });
    }
  evaluate();
}

void ToyFailover::evaluate() {
  if (busy_) return;  // re-evaluated when the running transition ends
  // The owner is the first node in preference order that is up as far as we
  // know; a peer being fenced blocks everything (it may still hold the resources).
  bool blocked = false;
  std::size_t owner = self_index_;
  for (std::size_t i = 0, p = 0; i < config_.nodes.size(); ++i) {
    if (i == self_index_) continue;
    const Tracked& t = peers_[p++];
    if (t.state == Peer::fencing || t.state == Peer::unknown || t.state == Peer::unclean) blocked = true;
    if (t.state == Peer::alive && i < owner) owner = i;
    if (t.state == Peer::alive && t.running && !running_) blocked = true;  // it hands over first
  }
  bool want = owner == self_index_ && !blocked;
  if (blocked && running_ && owner == self_index_) want = true;  // keep what we have while waiting
  if (config_.quorum_stop && quorate_ == 0) want = false;
  if (want == running_) return;
  if (want) {  // a heartbeat in flight may still say a peer holds nothing: let the membership settle
    const core::Duration still = env_.clock.now() - last_change_;
    if (still < config_.timeout) {
      settle_.arm(config_.timeout - still, [this] { evaluate(); });
      return;
    }
  }
  busy_ = true;
  const std::uint64_t tr = ++transition_;
  event("transition-start id=" + std::to_string(tr));
  {  // its graph, in the DOT shape pacemaker's transition graphs have
    std::string dot = "digraph \"g\" {\n";
    for (auto& r : config_.resources)
      dot += "\"" + r.id + "_" + (want ? "start" : "stop") + "_0 " + env_.node +
             "\" [ style=bold color=\"green\" fontcolor=\"black\"]\n";
    dot += "}\n";
    event("transition-graph id=" + std::to_string(tr) + "\n" + dot);
  }
  pending_ = config_.resources.size();
  for (auto& r : config_.resources) {
    const std::string op = want ? "start" : "stop";
    const std::string id = std::to_string(tr) + "." + std::to_string(++action_);
    event("action-dispatch id=" + id + " transition=" + std::to_string(tr) + " node=" + env_.node + " rsc=" + r.id +
          " op=" + op);
    core::ProcessSpec spec;
    spec.argv = {"/usr/lib/ocf/resource.d/heartbeat/" + r.agent, op};
    spec.env = {"OCF_ROOT=/usr/lib/ocf", "OCF_RESOURCE_INSTANCE=" + r.id};
    spec.timeout = std::chrono::seconds(20);
    env_.processes.spawn(std::move(spec), [this, id, tr, want](const core::ProcessResult& res) {
      const int rc = res.end == core::ProcessResult::End::exited ? res.exit_code : 1;
      event("action-result id=" + id + " rc=" + std::to_string(rc));
      if (--pending_ == 0) {
        running_ = want;
        busy_ = false;
        event("transition-end id=" + std::to_string(tr));
        evaluate();
      }
    });
  }
  if (pending_ == 0) {
    running_ = want;
    busy_ = false;
    event("transition-end id=" + std::to_string(tr));
  }
}

}  // namespace halab::simnet
