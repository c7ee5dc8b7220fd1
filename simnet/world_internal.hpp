#pragma once
// simnet's per-node implementations of the core interfaces, and the World's
// private records. Only simnet's own .cpp files include this.
#include <map>
#include <optional>

#include "simnet/world.hpp"

namespace halab::simnet {

class SimClock final : public core::Clock {
 public:
  SimClock(World& w, World::Node& n) : w_(&w), n_(&n) {}
  core::Instant now() const override;
  core::WallTime wall_now() const override;
  core::TimerId schedule(core::Duration delay, core::Callback fn) override;
  void cancel(core::TimerId id) override;

 private:
  World* w_;
  World::Node* n_;
};

class SimSocket final : public core::DatagramSocket {
 public:
  SimSocket(World& w, World::Node& n, std::uint64_t id, core::Endpoint local, bool broadcast, bool reuse,
            core::ReceiveHandler handler);
  ~SimSocket() override;
  core::Endpoint local_endpoint() const override { return local_; }
  std::error_code send_to(const core::Endpoint& to, core::ByteView data) override;
  std::error_code join_multicast(core::Ipv4 group, core::Ipv4 interface_addr, int ttl, bool loop) override;

  World* w_;
  World::Node* n_;
  std::uint64_t id_;
  core::Endpoint local_;
  bool broadcast_, reuse_;
  core::ReceiveHandler handler_;
  std::vector<core::Ipv4> groups_;
  int mcast_net_ = -1;  // network chosen by join_multicast's interface
  bool loop_ = true;
};

class SimNetwork final : public core::Network {
 public:
  SimNetwork(World& w, World::Node& n) : w_(&w), n_(&n) {}
  std::unique_ptr<core::DatagramSocket> bind(const core::BindOptions& options, core::ReceiveHandler handler) override;

 private:
  World* w_;
  World::Node* n_;
};

class SimProcesses final : public core::Processes {
 public:
  SimProcesses(World& w, World::Node& n) : w_(&w), n_(&n) {}
  core::ProcessId spawn(core::ProcessSpec spec, core::ProcessDone done) override;
  void kill(core::ProcessId id, int signal) override;

 private:
  World* w_;
  World::Node* n_;
};

// Visible state plus the last durable state; a crash reverts to the latter.
class SimStorage final : public core::Storage {
 public:
  void write(std::string_view name, core::ByteView data, core::Sync sync) override;
  std::optional<core::Bytes> read(std::string_view name) const override;
  std::vector<std::string> list(std::string_view dir) const override;
  bool remove(std::string_view name, core::Sync sync) override;
  void crash() { visible_ = durable_; }

 private:
  std::map<std::string, core::Bytes, std::less<>> visible_, durable_;
};

// Writes a node's log lines into the run's trace.
class TraceSink final : public core::LogSink {
 public:
  TraceSink(World& w, std::uint32_t node) : w_(&w), node_(node) {}
  void write(const core::LogRecord& r) override;

 private:
  World* w_;
  std::uint32_t node_;
};

struct World::Slot {
  core::Callback fn;
  SimTime local_deadline = 0;  // timers: deadline on the node's own clock
  std::uint32_t gen = 1;
  std::uint32_t node = kWorldNode;
  std::uint32_t epoch = 0;
  std::uint32_t packet = 0;
  Kind kind = Kind::world;
  bool live = false;
};

struct World::Packet {
  core::Endpoint from, to;
  std::uint32_t src = 0, dst = 0;
  std::int32_t net = 0;
  SimTime sent = 0;
  core::Bytes data;
};

struct World::Network {
  std::string name;
  core::Subnet subnet;
  LinkModel model;
  std::vector<std::int32_t> host_to_node;  // host part of an address -> node, -1
};

struct World::Link {
  LinkModel configured, model;
  core::Rng rng;
  SimTime last_arrival = 0;  // FIFO order for datagrams that are not reordered
  SimTime free_at = 0;       // bandwidth: when the link finishes sending its backlog
};

struct Running {
  std::uint64_t end_event = 0;
  std::uint64_t effect_event = 0;
  SimTime started = 0;
  core::ProcessDone done;
  std::shared_ptr<void> state;  // a running AgentModel::run agent
};

struct World::Node {
  Node(World& w, std::string nm, std::uint32_t index);
  std::string name;
  std::uint32_t index;
  std::vector<std::pair<int, core::Ipv4>> ifaces;  // (network, address)
  ServiceFactory factory;
  SimClock clock;
  SimNetwork network;
  SimProcesses processes;
  SimStorage storage;
  core::Logger logger;
  core::Env env;
  std::unique_ptr<core::Service> service;
  core::Rng rng;  // this incarnation's stream (processes)

  bool up = false, paused = false, powered_off = false, booting = false;
  bool failed = false;  // down in a failure process's outage: powering on does not boot it
  bool stopping = false;      // a graceful stop is under way (halt when the service is done)
  bool start_after_stop = false;  // `start` came while it was stopping: boot again once down
  std::uint32_t epoch = 0;
  // Clock: local = l0 + (global - g0) * rate.
  SimTime g0 = 0, l0 = 0;
  double rate = 1.0;
  std::vector<World::Entry> held;  // events held while paused
  std::vector<SimSocket*> sockets;
  std::map<core::ProcessId, Running> running;
  core::ProcessId next_pid = 1;

  SimTime up_since = 0;
  NodeStats stats;
};

struct FailureState {
  FailureProcess process;
  core::Rng rng;
  int node = -1;       // node process, or
  int a = -1, b = -1;  // link process between a and b
  bool failed = false;
};

// The queue is a flat binary min-heap of 24-byte entries ordered by
// (time, seq); these are inline because they are most of simnet's work.
inline bool World::before(const Entry& a, const Entry& b) {
  return a.time < b.time || (a.time == b.time && a.seq < b.seq);
}

inline void World::push_entry(const Entry& e) {
  heap_.push_back(e);
  std::size_t i = heap_.size() - 1;
  Entry* h = heap_.data();
  while (i > 0) {
    const std::size_t parent = (i - 1) / 2;
    if (!before(e, h[parent])) break;
    h[i] = h[parent];
    i = parent;
  }
  h[i] = e;
}

inline World::Entry World::pop_entry() {
  Entry* h = heap_.data();
  const Entry top = h[0];
  const Entry last = heap_.back();
  heap_.pop_back();
  const std::size_t n = heap_.size();
  if (n > 0) {
    std::size_t i = 0;
    for (;;) {
      std::size_t c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && before(h[c + 1], h[c])) ++c;
      if (!before(h[c], last)) break;
      h[i] = h[c];
      i = c;
    }
    h[i] = last;
  }
  return top;
}

inline std::uint64_t World::push(SimTime t, Kind kind, std::uint32_t node, core::Callback fn, SimTime local_deadline,
                                 std::uint32_t packet) {
  std::uint32_t idx;
  if (!free_slots_.empty()) {
    idx = free_slots_.back();
    free_slots_.pop_back();
  } else {
    idx = static_cast<std::uint32_t>(slots_.size());
    slots_.emplace_back();
  }
  Slot& s = slots_[idx];
  if (fn) s.fn = std::move(fn);
  s.kind = kind;
  s.node = node;
  s.epoch = node == kWorldNode ? 0 : nodes_[node]->epoch;
  s.local_deadline = local_deadline;
  s.packet = packet;
  s.live = true;
  push_entry(Entry{t < now_ ? now_ : t, seq_++, idx, s.gen});
  return (std::uint64_t(s.gen) << 32) | (idx + 1);
}

}  // namespace halab::simnet
