// The quorum disk's claim, checked over random histories: outside the
// hand-over windows, every node that casts the disk's vote names the same
// master, and that master is in its membership — so two nodes with disjoint
// memberships never both cast. The windows are the ones quorum_disk.hpp
// states: up to tko + 1 intervals after a node stops writing (crash, lost
// path), and two intervals after a node starts writing (restart, path back):
// its next write, then each reader's next read.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "stack/quorum/quorum_disk.hpp"
#include "tests/quorum/harness.hpp"

using namespace halab;
using namespace halab::quorum;
using namespace halab::quorum::test;
using namespace std::chrono_literals;

RC_GTEST_PROP(QuorumDiskProperty, CastingNodesAgreeOnOneMasterOutsideTheHandOverWindows, ()) {
  const int n = *rc::gen::inRange(2, 9);
  const DiskOptions opt{1s, *rc::gen::inRange(2, 7)};
  const core::Duration stop_window = opt.interval * (opt.tko + 1);
  ManualClock clock;
  core::Logger logger(clock, "disk");
  MemorySharedDisk disk;
  std::vector<std::unique_ptr<QuorumDisk>> d(std::size_t(n) + 1);
  std::vector<std::vector<NodeId>> member_of(std::size_t(n) + 1);
  std::vector<bool> cut(std::size_t(n) + 1, false);
  std::uint64_t ring_seq = 0;
  core::Instant last_stop{}, last_start{};
  bool any_stop = false;

  auto repartition = [&] {
    std::vector<NodeId> alive;
    for (NodeId id = 1; id <= NodeId(n); ++id)
      if (d[id]) alive.push_back(id);
    if (alive.empty()) return;
    const int k = *rc::gen::inRange(1, int(alive.size()) + 1);
    std::vector<std::vector<NodeId>> groups(std::size_t(k), std::vector<NodeId>{});
    for (NodeId id : alive) groups[std::size_t(*rc::gen::inRange(0, k))].push_back(id);
    for (auto& g : groups) {
      if (g.empty()) continue;
      const RingId ring{g.front(), ++ring_seq};
      for (NodeId id : g) {
        member_of[id] = g;
        d[id]->set_membership(g, ring);
      }
    }
  };
  auto boot = [&](NodeId id) {
    d[id] = std::make_unique<QuorumDisk>(clock, logger, disk.view(id), id, opt);
    member_of[id] = {id};
    d[id]->set_membership({id}, RingId{id, ++ring_seq});
    d[id]->start();
    last_start = clock.now();
  };
  auto check = [&] {
    if (any_stop && clock.now() - last_stop <= stop_window) return;
    if (clock.now() - last_start <= 2 * opt.interval) return;
    NodeId master = 0;
    for (NodeId id = 1; id <= NodeId(n); ++id) {
      if (!d[id] || !d[id]->cast_vote()) continue;
      const auto& m = member_of[id];
      RC_ASSERT(std::find(m.begin(), m.end(), d[id]->master()) != m.end());
      if (master == 0) master = d[id]->master();
      RC_ASSERT(d[id]->master() == master);
    }
  };

  // Nodes start at different phases of their cycles.
  for (NodeId id = 1; id <= NodeId(n); ++id) {
    clock.advance(std::chrono::milliseconds(*rc::gen::inRange(0, 1000)));
    boot(id);
  }
  repartition();
  const int steps = *rc::gen::inRange(1, 40);
  for (int s = 0; s < steps; ++s) {
    const NodeId id = NodeId(*rc::gen::inRange(1, n + 1));
    const int op = *rc::gen::inRange(0, 6);
    switch (op) {
      case 0:
        repartition();
        break;
      case 1:  // crash, or restart a crashed node
        if (d[id]) {
          d[id].reset();
          any_stop = true;
          last_stop = clock.now();
        } else {
          boot(id);
        }
        break;
      case 2:  // the node's path to the disk breaks or comes back
        cut[id] = !cut[id];
        disk.set_reachable(id, !cut[id]);
        if (cut[id]) {
          any_stop = true;
          last_stop = clock.now();
        } else {
          last_start = clock.now();
        }
        break;
      default: {
        const int ticks = *rc::gen::inRange(1, 60);
        for (int t = 0; t < ticks; ++t) {
          clock.advance(100ms);
          check();
        }
      }
    }
    check();
  }
  // And after everything has been quiet for a while.
  clock.advance(stop_window * 2);
  check();
}
