#pragma once
// Watchdog self-fencing, as sbd does with stonith-watchdog-timeout.
//
// A node without quorum must not run resources. SelfFencing keeps a
// watchdog fed from the node's event loop while the node is safe (quorate,
// or without quorum but with every resource stopped). When quorum is lost it
// stops feeding and asks the controller to stop every resource; when the
// stop completes it resumes, so the watchdog never fires. If the stop fails
// or hangs, or the event loop itself hangs, the watchdog resets the node
// within `watchdog_timeout` of the last kick.
//
// The survivors may treat the node as fenced only after
// stonith-watchdog-timeout, which must be at least twice watchdog_timeout
// (pacemaker's rule): by then the node has stopped its resources or been
// reset, even if it noticed the quorum loss a little after them.
#include <functional>
#include <memory>
#include <string>

#include "stack/core/env.hpp"

namespace halab::fencer {

class Watchdog {
 public:
  virtual ~Watchdog() = default;
  // From now on the node is reset unless kick() comes within `timeout`.
  virtual void arm(core::Duration timeout) = 0;
  virtual void kick() = 0;
  // Clean shutdown only: stops the countdown.
  virtual void disarm() = 0;
  virtual std::string describe() const = 0;
};

// A modelled watchdog: a timer on the node's clock that calls `reset` when
// it expires. In simnet `reset` crashes the simulated node; it is the
// watchdog of simulated nodes only (it cannot fire when the event loop
// hangs, a real one can).
class ModelledWatchdog final : public Watchdog {
 public:
  ModelledWatchdog(core::Clock& clock, std::function<void()> reset) : timer_(clock), reset_(std::move(reset)) {}
  void arm(core::Duration timeout) override;
  void kick() override;
  void disarm() override;
  std::string describe() const override { return "modelled watchdog"; }
  bool armed() const { return timer_.armed(); }

 private:
  core::Timer timer_;
  core::Duration timeout_ = core::Duration::zero();
  std::function<void()> reset_;
};

struct SelfFencingOptions {
  core::Duration watchdog_timeout = std::chrono::seconds(5);  // SBD_WATCHDOG_TIMEOUT
  // The stonith-watchdog-timeout survivors wait; zero: 2 x watchdog_timeout.
  core::Duration stonith_watchdog_timeout = core::Duration::zero();
  core::Duration survivor_wait() const {
    return stonith_watchdog_timeout > core::Duration::zero() ? stonith_watchdog_timeout : 2 * watchdog_timeout;
  }
};

class SelfFencing {
 public:
  enum class State { idle, healthy, stopping, safe, failed };
  // stop_resources(done): the controller stops every resource of this node
  // and calls done(true) once all are stopped, done(false) if one cannot be.
  using StopResources = std::function<void(std::function<void(bool)>)>;

  SelfFencing(core::Env& env, Watchdog& watchdog, SelfFencingOptions options, StopResources stop_resources);
  ~SelfFencing();
  SelfFencing(const SelfFencing&) = delete;
  SelfFencing& operator=(const SelfFencing&) = delete;

  void start();            // arm and feed (the node starts quorate or without resources)
  void quorum_lost();      // stop feeding until the resources are stopped
  void quorum_regained();  // feed again (once any stop in progress has completed)
  void shutdown();         // clean stop: disarm
  State state() const { return state_; }
  const SelfFencingOptions& options() const { return options_; }

 private:
  void feed();
  core::Env& env_;
  core::Log log_;
  Watchdog& watchdog_;
  SelfFencingOptions options_;
  StopResources stop_resources_;
  core::Timer feeder_;
  State state_ = State::idle;
  bool quorate_ = true;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
};

const char* to_string(SelfFencing::State s);

}  // namespace halab::fencer
