#pragma once
// Quorum devices: something outside the nodes that lends its votes to one
// side of a split (the seed's "ping node" and "quorum disk"). A device tells
// votequorum whether it is alive and whether this node may count its votes
// (corosync's Qdevice flags A/NA and V/NV); votequorum adds the device's
// configured votes to expected_votes and to the total while it casts.
#include <functional>
#include <optional>
#include <vector>

#include "stack/quorum/votequorum.hpp"

namespace halab::quorum {

class QuorumDevice {
 public:
  virtual ~QuorumDevice() = default;
  virtual void start() = 0;
  virtual bool alive() const = 0;
  virtual bool cast_vote() const = 0;
  // The ring's new members; devices that elect a side use it. Call it
  // BEFORE Votequorum::on_config_change for the same ring, so a withdrawn
  // vote is gone before the new membership counts.
  virtual void set_membership(const std::vector<NodeId>& members, const RingId& ring) {}
  // The ring cast_vote() was decided for (nullopt: any ring).
  virtual std::optional<RingId> vote_ring() const { return std::nullopt; }
  // Called (on the event loop) whenever alive() or cast_vote() changes.
  std::function<void()> on_change;
};

// Feeds the device's state into votequorum now and on every change.
inline void connect(QuorumDevice& device, Votequorum& vq) {
  device.on_change = [&device, &vq] { vq.set_device_state(device.alive(), device.cast_vote(), device.vote_ring()); };
  vq.set_device_state(device.alive(), device.cast_vote(), device.vote_ring());
}

}  // namespace halab::quorum
