#pragma once
// One Totem ring carries several services (votequorum, CPG, later more);
// each message starts with a one-byte service id. The mux prefixes what a
// service sends and routes what the ring delivers; configuration changes go
// to every service in registration order.
//
// THIS HEADER IS PINNED for the session's helpers. Additive changes only.
#include <cstdint>
#include <functional>
#include <map>

#include "stack/totem/srp.hpp"

namespace halab::totem {

enum class ServiceId : std::uint8_t { votequorum = 1, cpg = 2 };

struct MuxStats {
  std::uint64_t unknown_service = 0;  // delivered for a service nobody registered (counted, dropped)
  std::uint64_t empty = 0;
};

class ServiceMux {
 public:
  using Deliver = std::function<void(NodeId sender, core::ByteView payload)>;
  using ConfChg = std::function<void(const ConfigChange&)>;

  // `mcast` is the ring's agreed-order broadcast (Srp::mcast); it may be set
  // after construction (TotemService builds the Srp after the callbacks).
  ServiceMux() = default;
  void set_mcast(std::function<bool(core::ByteView)> mcast);

  void add(ServiceId id, Deliver deliver, ConfChg confchg);
  // What a service calls to broadcast: prefixes the id; false = try again.
  std::function<bool(core::Bytes)> sender(ServiceId id);

  // Wire these into SrpCallbacks.
  void deliver(NodeId sender, core::ByteView payload);
  void config_change(const ConfigChange& cc);
  SrpCallbacks callbacks();

  const MuxStats& stats() const { return stats_; }

 private:
  std::function<bool(core::ByteView)> mcast_;
  std::map<ServiceId, std::pair<Deliver, ConfChg>> services_;
  std::vector<ServiceId> order_;
  MuxStats stats_;
};

}  // namespace halab::totem
