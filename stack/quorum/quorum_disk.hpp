#pragma once
// The quorum disk: a disk every node can reach, cut into one heartbeat slot
// per node. Each node writes its slot every `interval` (a sequence number
// that grows, and whom it takes for the master) and reads everyone's.
//
// Who gets the vote (qdiskd's idea, reduced to its core): the disk elects a
// master, the LOWEST node id whose slot is alive (its sequence changed
// within interval * tko on the reader's clock, or, for ourselves, our own
// write succeeded that recently). Only nodes whose ring membership holds the
// master count the device's votes. In a network split both halves still
// reach the disk and see the same live slots, so they agree on one master
// and exactly one half gets the votes. A node withdraws its vote at its first
// failed write, and counts as not alive once it has not written for
// interval * tko.
//
// What it cannot do: when the master stops writing (crash, pause, lost
// path), readers notice at slightly different instants (a read cycle apart);
// and a node paused longer than the window keeps its old view until it runs
// again. Those windows are what fencing covers, as with qdiskd.
//
// A slot seen for the first time counts as alive for a full window, so a
// starting node defers to a lower node it has not yet watched go silent; and
// a node casts only after watching the disk for a full window without a
// failed write (after a start, or after its path comes back), so it never
// casts on a view of slots it has not watched long enough to judge.
//
// Hand-over windows (tests/quorum/disk_property_test.cpp checks that outside
// them all casting nodes name one master that is in their membership): up
// to tko + 1 intervals after a node stops writing, and two intervals after a
// node starts writing (its next write, then each reader's next read).
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <system_error>
#include <vector>

#include "stack/config/corosync_conf.hpp"
#include "stack/core/clock.hpp"
#include "stack/core/log.hpp"
#include "stack/quorum/device.hpp"

namespace halab::quorum {

// One node's path to the shared disk.
class SharedDisk {
 public:
  virtual ~SharedDisk() = default;
  virtual std::error_code write_slot(NodeId slot, core::ByteView data) = 0;
  // nullopt: never written, or unreadable from here.
  virtual std::optional<core::Bytes> read_slot(NodeId slot) = 0;
  virtual std::vector<NodeId> slots() = 0;  // slots ever written, ascending
};

// A modelled shared disk in memory, for tests and simnet (real nodes use
// daemon::FileSharedDisk, a file or block device). Each node gets its own path (view), which
// can be cut to model a node losing the disk.
class MemorySharedDisk {
 public:
  MemorySharedDisk();
  ~MemorySharedDisk();
  SharedDisk& view(NodeId node);
  void set_reachable(NodeId node, bool reachable) { cut_[node] = !reachable; }
  // Overwrites a slot's bytes (tests: corrupt sectors).
  void poke(NodeId slot, core::Bytes bytes) { slots_[slot] = std::move(bytes); }
  std::uint64_t writes() const { return writes_; }

 private:
  class View;
  std::map<NodeId, core::Bytes> slots_;
  std::map<NodeId, bool> cut_;
  std::map<NodeId, std::unique_ptr<View>> views_;
  std::uint64_t writes_ = 0;
};

struct DiskSlot {
  NodeId node = 0;
  std::uint64_t seq = 0;
  NodeId master = 0;  // whom the writer takes for the master (0: none)
};
core::Bytes encode_slot(const DiskSlot& s);
std::optional<DiskSlot> decode_slot(core::ByteView data, std::string* error = nullptr);

struct DiskOptions {
  core::Duration interval = std::chrono::milliseconds(1000);
  int tko = 10;  // missed intervals before a slot counts as dead
  std::string path;  // the shared file or block device (real nodes; simnet has none)
};

// From quorum { device { model: disk  disk { path: P  interval: MS  tko: N } } }.
std::string disk_options(const config::QuorumDeviceConf& conf, DiskOptions& out);

class QuorumDisk : public QuorumDevice {
 public:
  QuorumDisk(core::Clock& clock, core::Logger& logger, SharedDisk& disk, NodeId self, DiskOptions opt);

  void start() override;
  bool alive() const override { return alive_; }
  bool cast_vote() const override { return cast_; }
  void set_membership(const std::vector<NodeId>& members, const RingId& ring) override;
  std::optional<RingId> vote_ring() const override { return ring_; }

  NodeId master() const { return master_; }
  std::vector<NodeId> live_nodes() const;
  std::uint64_t bad_slots() const { return bad_slots_; }

 private:
  void cycle();
  void update();
  bool slot_live(NodeId id) const;

  core::Clock& clock_;
  core::Log log_;
  SharedDisk& disk_;
  NodeId self_;
  DiskOptions opt_;
  core::Timer timer_;

  std::uint64_t seq_ = 0;
  bool wrote_ = false;
  core::Instant last_write_{};
  std::optional<core::Instant> watching_since_;  // first write of the current unbroken run
  struct Seen {
    std::uint64_t seq = 0;
    core::Instant changed{};
  };
  std::map<NodeId, Seen> seen_;
  std::set<NodeId> members_;
  RingId ring_;
  NodeId master_ = 0;
  bool alive_ = false, cast_ = false;
  std::uint64_t bad_slots_ = 0;
};

}  // namespace halab::quorum
