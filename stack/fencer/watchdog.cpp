#include "stack/fencer/watchdog.hpp"

#include "stack/core/assert.hpp"

namespace halab::fencer {

void ModelledWatchdog::arm(core::Duration timeout) {
  HALAB_ASSERT(timeout > core::Duration::zero());
  timeout_ = timeout;
  kick();
}

void ModelledWatchdog::kick() {
  if (timeout_ == core::Duration::zero()) return;
  timer_.arm(timeout_, [this] {
    auto reset = reset_;
    reset();
  });
}

void ModelledWatchdog::disarm() {
  timeout_ = core::Duration::zero();
  timer_.cancel();
}

const char* to_string(SelfFencing::State s) {
  switch (s) {
    case SelfFencing::State::idle: return "idle";
    case SelfFencing::State::healthy: return "healthy";
    case SelfFencing::State::stopping: return "stopping resources";
    case SelfFencing::State::safe: return "safe (no quorum, resources stopped)";
    case SelfFencing::State::failed: return "failed (waiting for the watchdog)";
  }
  return "?";
}

SelfFencing::SelfFencing(core::Env& env, Watchdog& watchdog, SelfFencingOptions options, StopResources stop_resources)
    : env_(env),
      log_(env.log("watchdog")),
      watchdog_(watchdog),
      options_(options),
      stop_resources_(std::move(stop_resources)),
      feeder_(env.clock) {
  HALAB_ASSERT(options_.watchdog_timeout > core::Duration::zero());
  HALAB_ASSERT(options_.survivor_wait() >= 2 * options_.watchdog_timeout);
}

SelfFencing::~SelfFencing() = default;

void SelfFencing::start() {
  state_ = quorate_ ? State::healthy : State::safe;
  watchdog_.arm(options_.watchdog_timeout);
  log_.info("{} armed, timeout {}", watchdog_.describe(), core::format_duration(options_.watchdog_timeout));
  feed();
}

void SelfFencing::feed() {
  if (state_ != State::healthy && state_ != State::safe) return;
  watchdog_.kick();
  // Three kicks per period: one late timer is not a reset.
  feeder_.arm(options_.watchdog_timeout / 3, [this] { feed(); });
}

void SelfFencing::quorum_lost() {
  quorate_ = false;
  if (state_ != State::healthy) return;
  state_ = State::stopping;
  feeder_.cancel();  // from now on the watchdog counts down
  log_.warning("quorum lost: stopping resources; {} resets this node in {} unless they stop", watchdog_.describe(),
               core::format_duration(options_.watchdog_timeout));
  auto alive = std::weak_ptr<int>(alive_);
  stop_resources_([this, alive](bool ok) {
    if (alive.expired() || state_ != State::stopping) return;
    if (!ok) {
      state_ = State::failed;
      log_.crit("resources could not be stopped without quorum: the watchdog will reset this node");
      return;
    }
    state_ = quorate_ ? State::healthy : State::safe;
    log_.notice("resources stopped{}", quorate_ ? "; quorum is back" : " without quorum: node is safe");
    feed();
  });
}

void SelfFencing::quorum_regained() {
  quorate_ = true;
  if (state_ == State::safe) {
    state_ = State::healthy;
    log_.info("quorum regained");
  }
}

void SelfFencing::shutdown() {
  feeder_.cancel();
  watchdog_.disarm();
  state_ = State::idle;
}

}  // namespace halab::fencer
