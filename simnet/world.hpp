#pragma once
// simnet's world: a deterministic discrete-event simulation of many nodes,
// each running stack components through its own core::Env.
//
// Determinism: events are ordered by (virtual time, insertion sequence);
// every random draw comes from a core::Rng stream derived from the world's
// seed and a stable name (node, link); nothing iterates an unordered
// container, compares pointers, reads the wall clock or uses threads. The
// same seed and the same calls give the same trace hash.
//
// Nodes. A node has a name, one address per network it is on, and a service
// factory. boot (at time 0, by start()) and restart build the Service from
// the node's Env; a crash destroys it, drops every pending event of that
// incarnation (timers, process completions), reverts Sync::none storage
// changes and closes its sockets. A paused node keeps its state; its events
// are held and run, in order, when it resumes (its clock keeps running).
// Each node's clock runs at `rate` (drift) and can be stepped; both shift
// the node's now()/wall_now() and when its timers fire.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "simnet/agents.hpp"
#include "simnet/dist.hpp"
#include "simnet/link_model.hpp"
#include "simnet/trace.hpp"
#include "stack/core/env.hpp"

namespace halab::simnet {

using SimTime = std::int64_t;  // nanoseconds of virtual (global) time
inline SimTime at(core::Duration d) { return d.count(); }

using ServiceFactory = std::function<std::unique_ptr<core::Service>(core::Env&)>;

// Alternating up/down periods: time to failure, then time to repair.
struct FailureProcess {
  Dist up;    // mean: MTBF
  Dist down;  // mean: MTTR
  static FailureProcess exponential(core::Duration mtbf, core::Duration mttr) {
    return {Dist::exponential(mtbf), Dist::exponential(mttr)};
  }
  static FailureProcess weibull(core::Duration mtbf, core::Duration mttr, double shape) {
    return {Dist::weibull_mean(mtbf, shape), Dist::weibull_mean(mttr, shape)};
  }
  static FailureProcess lognormal(core::Duration mtbf, core::Duration mttr, double sigma) {
    return {Dist::lognormal_mean(mtbf, sigma), Dist::lognormal_mean(mttr, sigma)};
  }
};

struct NodeStats {
  SimTime up_time = 0;  // total time powered and running (paused counts as up)
  std::uint32_t crashes = 0, restarts = 0;
  std::uint64_t sent = 0, delivered = 0;
};

struct NetworkStats {
  std::uint64_t sent = 0, delivered = 0, duplicated = 0;
  std::uint64_t dropped[6] = {};  // by DropReason
};

// Told about faults as they happen (the CLI's timeline).
class Observer {
 public:
  virtual ~Observer() = default;
  virtual void on_fault(SimTime t, const std::string& what) = 0;
};

class World {
 public:
  explicit World(std::uint64_t seed);
  ~World();
  World(const World&) = delete;
  World& operator=(const World&) = delete;

  // ---- building the cluster (before start()) ----
  int add_network(std::string name, core::Subnet subnet, LinkModel model = {});
  // `addresses`: one per network the node is on (each must lie in a network's subnet).
  int add_node(std::string name, std::vector<core::Ipv4> addresses, ServiceFactory factory);
  // Overrides the model of the directed link from -> to on network `net` (-1: every network).
  void set_link(int from, int to, const LinkModel& model, int net = -1);
  void define_agent(AgentModel model);
  void set_log_level(core::Level level) { log_level_ = level; }
  // Adds a log sink to every node (before start()).
  void add_log_sink(std::shared_ptr<core::LogSink> sink);
  void set_observer(Observer* observer) { observer_ = observer; }

  // ---- running ----
  void start();  // schedules every node's boot at the current time
  // Runs events up to and including time `t`; now() is `t` afterwards.
  void run_until(SimTime t);
  void run_for(core::Duration d) { run_until(now_ + d.count()); }
  // Runs one event; false when the queue is empty.
  bool step();
  SimTime now() const { return now_; }
  std::uint64_t events() const { return events_; }

  // Schedules a world action at absolute time `t` (never dropped by crashes).
  std::uint64_t at(SimTime t, std::function<void()> fn);
  void cancel_event(std::uint64_t id);

  // ---- faults (take effect at once; use at() to schedule them) ----
  void crash(int node);
  void restart(int node);
  void power_off(int node);  // crash, and stochastic repairs leave it down until power_on
  void power_on(int node);
  void pause(int node);
  void resume(int node);
  void set_drift(int node, double rate);  // 1.0 = true time; 1.0001 = 100 ppm fast
  void step_clock(int node, core::Duration delta);
  // Blocks every datagram from each node of `a` to each of `b` (and back
  // unless one_way). Returns an id for heal_partition().
  int partition(const std::vector<int>& a, const std::vector<int>& b, bool one_way);
  void heal_partition(int id);
  void degrade(int from, int to, const LinkModel& model, int net = -1);
  LinkModel link_model(int from, int to, int net = 0);  // the current model
  void heal();  // ends every partition and restores every degraded link
  // A clean stop of the node: its modelled resources are stopped (cleanly), its
  // storage kept as written, and it stays down (even under a failure process)
  // until power_on. Stands for a graceful shutdown of the stack until the
  // stack itself can do one.
  // A clean stop: a service with a graceful stop (core::Service::begin_clean_stop)
  // is asked first and halted when it is done (at most kCleanStopLimit later);
  // a power_on meanwhile boots it again once it is down.
  void halt(int node);
  static constexpr core::Duration kCleanStopLimit = std::chrono::minutes(30);
  // A fencing of `node` by the world's power switch on behalf of `by` (the
  // fence_simnet agent does the same): a fence record, then off (and on).
  void fence(int node, const std::string& by, bool reboot);
  // An injected resource failure on `node` (-1: every node where the resource
  // is active): rc 7 means the service died (inactive); another code leaves it
  // failed (counted as active) with monitor answering that code.
  // `rsc` names an instance ("web:1") or a resource ("web": all its instances).
  void fail_resource(const std::string& rsc, int node, int rc);
  // An administrative action (standby, maintenance, ...): recorded in the trace.
  void admin(const std::string& what);
  void add_failures(int node, const FailureProcess& process);
  void add_link_failures(int a, int b, const FailureProcess& process);

  // ---- observing ----
  int node_count() const { return static_cast<int>(nodes_.size()); }
  int node_index(std::string_view name) const;  // -1 when unknown
  const std::string& node_name(int node) const;
  std::vector<core::Ipv4> node_addresses(int node) const;
  int network_count() const;
  bool is_up(int node) const;
  // Powered off (power_off, a fencing's off, halt) and not powered on since: a crashed
  // node is down but not powered off.
  bool is_powered_off(int node) const;
  bool is_paused(int node) const;
  core::Env& env(int node);  // the node's Env (valid across restarts)
  core::Service* service(int node);
  NodeStats stats(int node) const;
  double availability(int node) const;  // up time / elapsed
  const NetworkStats& network_stats() const { return net_stats_; }
  // Datagrams delivered from node `from` to node `to` so far.
  std::uint64_t delivered(int from, int to) const;
  bool blocked(int from, int to) const;
  Trace& trace() { return trace_; }
  ResourceState resource_state(std::string_view instance, int node) const;
  // Every instance's state on every node: instance -> per node.
  const std::map<std::string, std::vector<ResourceState>, std::less<>>& resources() const { return resources_; }
  // Ends run_until at the next event boundary (an audit saw a violation).
  void request_stop() { stop_ = true; }
  bool stop_requested() const { return stop_; }
  std::uint64_t seed() const { return seed_; }

  // A queue entry: small and trivially copyable, ordered by (time, seq).
  struct Entry {
    SimTime time;
    std::uint64_t seq;
    std::uint32_t slot;
    std::uint32_t gen;
  };

 private:
  friend struct Impl;
  struct Node;
  struct Network;
  struct Link;
  struct Packet;
  struct Slot;
  enum class Kind : std::uint8_t { world, timer, node_event, delivery };
  friend class SimClock;
  friend class SimSocket;
  friend class SimNetwork;
  friend class SimProcesses;

  // event queue
  std::uint64_t push(SimTime t, Kind kind, std::uint32_t node, core::Callback fn, SimTime local_deadline = 0,
                     std::uint32_t packet = 0);
  static bool before(const Entry& a, const Entry& b);
  void push_entry(const Entry& e);
  Entry pop_entry();
  void free_slot(std::uint32_t slot);
  bool cancel_slot(std::uint64_t id, std::uint32_t node);
  void dispatch(const Entry& e);

  // nodes
  void boot(Node& n, bool restart);
  void take_down(Node& n, int how);  // 0 crash, 1 power off, 2 clean halt
  SimTime local_now(const Node& n) const;
  SimTime global_for_local(const Node& n, SimTime local) const;
  void reschedule_timers(Node& n);
  void fault(TraceKind kind, std::uint32_t node, std::uint64_t a, const std::string& what);

  // network
  void finalize();
  Link& link(int net, int from, int to);
  std::error_code send(Node& n, class SimSocket& s, const core::Endpoint& to, core::ByteView data);
  void transmit(int net, Node& src, const core::Endpoint& from, const core::Endpoint& to, int dst,
                core::ByteView data);
  void schedule_delivery(SimTime t, int net, std::uint32_t src, const core::Endpoint& from,
                         const core::Endpoint& to, std::uint32_t dst, core::ByteView data);
  void deliver(std::uint32_t packet_index);
  void drop(const core::Endpoint& from, const core::Endpoint& to, std::uint32_t dst, DropReason why);
  void restore_link_models();

  // processes
  core::ProcessId spawn(Node& n, core::ProcessSpec spec, core::ProcessDone done);
  void kill_process(Node& n, core::ProcessId id, int signal);
  void finish_halt(int node);
  void fence_effect(const AgentCall& call, core::ProcessResult& result);
  void ping_effect(const AgentCall& call, core::ProcessResult& result);
  void ocf_effect(const AgentCall& call, core::ProcessResult& result);
  void set_resource(int node, const std::string& instance, ResourceState s, ResourceCause why);
  void resources_down(int node, ResourceCause why);

  // failure processes
  void failure_cycle(std::shared_ptr<struct FailureState> st, bool fail_now);

  std::uint64_t seed_;
  core::Rng rng_;
  SimTime now_ = 0;
  std::uint64_t seq_ = 0;
  std::uint64_t events_ = 0;
  std::vector<Entry> heap_;
  std::vector<Slot> slots_;
  std::vector<std::uint32_t> free_slots_;
  std::vector<std::unique_ptr<Node>> nodes_;
  std::vector<Network> networks_;
  std::vector<Link> links_;  // [net][from][to]
  std::vector<std::uint16_t> blocked_;  // [from][to]: partitions and failed links holding it
  std::vector<std::uint64_t> delivered_;  // [from][to]
  std::vector<Packet> packets_;
  std::vector<std::uint32_t> free_packets_;
  std::map<std::tuple<int, int, int>, LinkModel> link_overrides_;
  std::map<int, std::vector<std::pair<int, int>>> partitions_;
  int next_partition_ = 1;
  std::map<std::string, AgentModel, std::less<>> agents_;
  std::vector<std::shared_ptr<core::LogSink>> extra_sinks_;
  std::vector<std::uint64_t> scratch_sockets_;
  core::Level log_level_ = core::Level::info;
  NetworkStats net_stats_;
  Observer* observer_ = nullptr;
  Trace trace_;
  std::map<std::string, std::vector<ResourceState>, std::less<>> resources_;
  std::map<std::pair<std::string, int>, int> failed_rc_;  // (instance, node) -> monitor code while failed
  bool stop_ = false;
  bool finalized_ = false;
  std::uint64_t next_socket_id_ = 1;
};

}  // namespace halab::simnet
