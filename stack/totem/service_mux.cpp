#include "stack/totem/service_mux.hpp"

#include <algorithm>

#include "stack/core/assert.hpp"

namespace halab::totem {

void ServiceMux::set_mcast(std::function<bool(core::ByteView)> mcast) { mcast_ = std::move(mcast); }

void ServiceMux::add(ServiceId id, Deliver deliver, ConfChg confchg) {
  // Two services on one id would each see the other's messages: a wiring bug.
  HALAB_ASSERT_MSG(services_.count(id) == 0, "service id registered twice");
  services_[id] = {std::move(deliver), std::move(confchg)};
  order_.push_back(id);
}

std::function<bool(core::Bytes)> ServiceMux::sender(ServiceId id) {
  return [this, id](core::Bytes payload) {
    if (!mcast_) return false;  // the ring is not built yet: the caller retries
    core::Bytes framed;
    framed.reserve(payload.size() + 1);
    framed.push_back(static_cast<std::uint8_t>(id));
    framed.insert(framed.end(), payload.begin(), payload.end());
    return mcast_(framed);
  };
}

void ServiceMux::deliver(NodeId sender, core::ByteView payload) {
  if (payload.empty()) {
    ++stats_.empty;
    return;
  }
  auto it = services_.find(static_cast<ServiceId>(payload[0]));
  if (it == services_.end()) {
    // A newer peer may run a service this node does not know: not an error.
    ++stats_.unknown_service;
    return;
  }
  if (it->second.first) it->second.first(sender, payload.subspan(1));
}

void ServiceMux::config_change(const ConfigChange& cc) {
  // By id, in registration order; a service's callback may not add services.
  const auto order = order_;
  for (ServiceId id : order) {
    auto it = services_.find(id);
    if (it != services_.end() && it->second.second) it->second.second(cc);
  }
}

SrpCallbacks ServiceMux::callbacks() {
  SrpCallbacks cb;
  cb.deliver = [this](NodeId sender, core::ByteView payload) { deliver(sender, payload); };
  cb.config_change = [this](const ConfigChange& cc) { config_change(cc); };
  return cb;
}

}  // namespace halab::totem
