#pragma once
// toy-failover: a deliberately small failover manager for exercising the
// lab's audits before the real CRM runs in simnet. It is NOT the stack's CRM
// (no CIB, no scheduler, no votequorum): each node heartbeats its peers over
// UDP (saying whether it holds the resources), considers the first live node in configuration order the owner of
// every resource, starts the resources (OCF agents, spawned through
// core::Processes) when it is the owner and no live peer holds them, and
// stops them when it is not the owner. Nothing starts before every peer has
// been heard from or declared lost, and nothing starts until the membership
// has been still for `timeout` (peers' heartbeats then say who holds what).
//  - fencing=yes: a lost peer is unclean until it is rebooted with fence_simnet before anything
//    it might hold is started elsewhere; every node but the first waits
//    `fence-delay` first (pacemaker's pcmk_delay_base idea), so a 2-node
//    split does not fence both sides. Peers never heard since boot are
//    fenced too (startup fencing). Only a quorate node fences (with
//    quorum-stop=yes); an unclean peer blocks every start until fenced or heard.
//  - quorum-stop=yes: a node without a majority of the configured nodes
//    stops its resources (no-quorum-policy=stop).
// It emits the lab's event records (docs/lab.md): quorum, node-suspect,
// membership, fence-request, fence-result, transition-start/-end,
// action-dispatch, action-result.
#include <memory>
#include <string>
#include <vector>

#include "stack/core/env.hpp"

namespace halab::simnet {

struct ToyFailoverConfig {
  struct Peer {
    std::string name;
    core::Endpoint endpoint;
  };
  struct Resource {
    std::string id, agent;  // agent: an OCF type (Dummy, IPaddr2, ...)
  };
  std::vector<Peer> nodes;  // every node of the cluster, in preference order (may include this one)
  std::vector<Resource> resources;
  std::uint16_t port = 5407;
  core::Duration period = std::chrono::milliseconds(100);
  core::Duration timeout = std::chrono::seconds(1);
  bool fencing = false;
  core::Duration fence_delay = std::chrono::seconds(5);
  bool quorum_stop = false;
};

class ToyFailover final : public core::Service {
 public:
  ToyFailover(core::Env& env, ToyFailoverConfig config);
  ~ToyFailover() override;
  // Tells the peers it leaves cleanly: they neither suspect nor fence it.
  void on_clean_stop() override;

 private:
  // unclean: lost, may still run resources, not fenced yet (blocks every start).
  enum class Peer { unknown, alive, unclean, fencing, down };
  struct Tracked {
    ToyFailoverConfig::Peer peer;
    Peer state = Peer::unknown;
    core::Instant last_heard{};
    bool running = false;  // it says it holds (or is moving) the resources
  };
  void tick();
  void on_datagram(core::ByteView data);
  void fence(Tracked& t);
  void membership_changed();
  void evaluate();
  void event(const std::string& text);

  core::Env& env_;
  ToyFailoverConfig config_;
  core::Log events_;
  std::unique_ptr<core::DatagramSocket> socket_;
  core::Timer timer_;
  core::Timer settle_;         // re-evaluates once the membership has been still for `timeout`
  core::Instant last_change_{};
  std::vector<Tracked> peers_;
  std::size_t self_index_ = 0;
  core::Instant started_;
  bool running_ = false, busy_ = false;
  int quorate_ = -1;
  std::string members_;
  std::uint64_t transition_ = 0, action_ = 0;
  std::size_t pending_ = 0;
};

}  // namespace halab::simnet
