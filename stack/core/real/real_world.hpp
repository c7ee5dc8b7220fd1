#pragma once
// RealWorld: one node's world on one Boost.Asio io_context: steady-clock
// timers, UDP sockets, child processes, a state directory and a logger.
// Everything runs on the thread that calls run(); stack components built
// from env() are single-threaded like in simnet.
//
//   RealWorld world({.node = "node1", .state_dir = "/var/lib/halab"});
//   world.logger().add_sink(std::make_shared<SyslogSink>("halabd"));
//   Totem totem(world.env(), config);
//   world.run();  // until world.stop()
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <initializer_list>
#include <memory>
#include <optional>
#include <string>

#include "stack/core/env.hpp"
#include "stack/core/real/child_processes.hpp"
#include "stack/core/real/file_storage.hpp"
#include "stack/core/real/real_clock.hpp"
#include "stack/core/real/udp_network.hpp"

namespace halab::core::real {

struct RealWorldOptions {
  std::string node;       // this node's name (Env::node, log lines)
  std::string state_dir;  // FileStorage root; created when missing
  // The node's seed. Unset: 64 bits from the kernel's random source
  // (getrandom(2), i.e. /dev/urandom), so two daemons never share streams;
  // seed() tells which one was drawn, to log it.
  std::optional<std::uint64_t> seed;
  ChildProcesses::Options processes{};
};

class RealWorld {
 public:
  explicit RealWorld(RealWorldOptions options);
  // Destroys the components, then runs the completions they left queued
  // (cancelled waits), so nothing they own outlives them.
  ~RealWorld();
  RealWorld(const RealWorld&) = delete;
  RealWorld& operator=(const RealWorld&) = delete;

  // The Env that stack components of this node receive. It refers to this
  // world, which must outlive them.
  Env env();

  boost::asio::io_context& io() { return io_; }
  RealClock& clock() { return *clock_; }
  UdpNetwork& network() { return *network_; }
  ChildProcesses& processes() { return *processes_; }
  FileStorage& storage() { return *storage_; }
  Logger& logger() { return *logger_; }
  const std::string& node() const { return node_; }
  std::uint64_t seed() const { return seed_; }

  // Runs the event loop until stop(), also while there is nothing to do.
  void run();
  // Runs it until `d` has passed or stop() is called. True if stopped.
  bool run_for(Duration d);
  // Makes run() / run_for() return after the current callback.
  void stop();
  // stop() when one of `signals` arrives (a daemon's SIGTERM, SIGINT),
  // through the io_context: the callback in progress always completes.
  void stop_on_signals(std::initializer_list<int> signals);

 private:
  void wait_for_stop_signal();

  boost::asio::io_context io_{1};  // one thread: lets Asio skip its locking
  std::unique_ptr<boost::asio::signal_set> stop_signals_;
  std::string node_;
  std::uint64_t seed_;
  bool stop_requested_ = false;
  std::unique_ptr<RealClock> clock_;
  std::unique_ptr<UdpNetwork> network_;
  std::unique_ptr<ChildProcesses> processes_;
  std::unique_ptr<FileStorage> storage_;
  std::unique_ptr<Logger> logger_;
};

// 64 bits from getrandom(2); throws core::Error if the kernel has none.
std::uint64_t random_seed();

}  // namespace halab::core::real
