#pragma once
// Env: everything a stack component may touch. A component receives an Env
// at construction and reaches time, network, processes, storage, logs and
// randomness only through it. The real world and simnet each build one Env
// per node.
#include <functional>
#include <string>

#include "stack/core/clock.hpp"
#include "stack/core/log.hpp"
#include "stack/core/network.hpp"
#include "stack/core/process.hpp"
#include "stack/core/random.hpp"
#include "stack/core/storage.hpp"

namespace halab::core {

struct Env {
  Clock& clock;
  Network& network;
  Processes& processes;
  Storage& storage;
  Logger& logger;
  std::string node;        // this node's name
  std::uint64_t seed = 0;  // the node's seed; components derive their own streams

  Rng rng(std::string_view component) const { return Rng(seed).derive(component); }
  Log log(std::string subsys) const { return Log(logger, std::move(subsys)); }
};

// What a node runs: built from an Env at boot, destroyed at shutdown or
// crash. In simnet a crash destroys it without warning and a restart builds
// a new one from the node's durable storage.
class Service {
 public:
  virtual ~Service() = default;
  // A clean stop is coming (simnet's `stop`; the service is destroyed right
  // after): the service may tell its peers it is leaving. Not called on a crash.
  virtual void on_clean_stop() {}
  // A graceful stop, as an administrator's `systemctl stop` (simnet's
  // `stop` of a stack that can leave on its own): start it and call `done`
  // once the service may be halted. Returns false when the service has no
  // graceful stop (it is then halted at once). Not called on a crash.
  virtual bool begin_clean_stop(std::function<void()> done) {
    (void)done;
    return false;
  }
};

}  // namespace halab::core
