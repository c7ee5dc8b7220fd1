#pragma once
// A deterministic stand-in for the ring, for votequorum's tests: nodes are
// put into groups (each group is one ring: every member installs the same
// regular configuration), and each ring delivers its messages in one agreed
// order to all its members, one member at a time. After every single step
// (a configuration delivered to one node, a message delivered to one node, a
// timer) the checker runs, so "at no instant" means between any two events.
#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "stack/core/clock.hpp"
#include "stack/core/log.hpp"
#include "stack/quorum/votequorum.hpp"

namespace halab::quorum::test {

class ManualClock : public core::Clock {
 public:
  core::Instant now() const override { return now_; }
  core::WallTime wall_now() const override { return core::WallTime(now_.time_since_epoch()); }
  core::TimerId schedule(core::Duration delay, core::Callback fn) override {
    const auto id = ++next_;
    timers_.emplace(std::make_pair(now_ + std::max(delay, core::Duration::zero()), id), std::move(fn));
    return id;
  }
  void cancel(core::TimerId id) override {
    for (auto it = timers_.begin(); it != timers_.end(); ++it)
      if (it->first.second == id) return void(timers_.erase(it));
  }
  // Runs due timers one by one, calling `after` after each; bounded.
  void advance(core::Duration d, const std::function<void()>& after = {}) {
    const auto until = now_ + d;
    for (int n = 0; n < 100'000 && !timers_.empty() && timers_.begin()->first.first <= until; ++n) {
      auto it = timers_.begin();
      now_ = it->first.first;
      auto fn = std::move(it->second);
      timers_.erase(it);
      fn();
      if (after) after();
    }
    now_ = until;
  }

 private:
  core::Instant now_{};
  core::TimerId next_ = 0;
  std::map<std::pair<core::Instant, core::TimerId>, core::Callback> timers_;
};

struct Violation {
  NodeId a = 0, b = 0;
  std::string what;
};

class Harness {
 public:
  // votes[i] is node i+1's votes; expected_votes = their sum (+ device votes).
  Harness(std::vector<std::uint32_t> votes, std::function<void(VotequorumOptions&)> tweak = {})
      : votes_(std::move(votes)), tweak_(std::move(tweak)), logger_(clock_, "test") {
    for (NodeId id = 1; id <= NodeId(votes_.size()); ++id) boot(id);
  }

  std::size_t size() const { return votes_.size(); }
  Votequorum& node(NodeId id) { return *nodes_.at(id); }
  ManualClock& clock() { return clock_; }
  std::vector<QuorumNotification>& notifications(NodeId id) { return notes_[id]; }
  // Called after every step with the node it touched (0: could be any);
  // tests install the safety check here.
  std::function<void(NodeId)> after_step;
  // Called just before a node installs a configuration (where the daemon
  // tells its quorum device the new membership).
  std::function<void(NodeId, const totem::ConfigChange&)> before_config;

  // Restart: the node comes back with nothing but its configuration, alone.
  void boot(NodeId id) {
    VotequorumOptions o;
    o.node_id = id;
    o.votes = votes_[id - 1];
    o.expected_votes = 0;
    for (auto v : votes_) o.expected_votes += v;
    if (tweak_) tweak_(o);
    o.expected_votes += o.device_votes;
    Votequorum::Callbacks cb;
    cb.send = [this, id](core::Bytes b) {
      auto it = ring_of_.find(id);
      if (it == ring_of_.end()) return true;  // not in a ring yet: nobody hears it
      queues_[it->second.seq].push_back({id, std::move(b)});
      return true;
    };
    cb.quorum_changed = [this, id](const QuorumNotification& n) { notes_[id].push_back(n); };
    nodes_.erase(id);
    ring_of_.erase(id);
    nodes_[id] = std::make_unique<Votequorum>(clock_, logger_, o, cb);
  }

  // Puts the nodes into these groups. Nodes whose group changed install a new
  // ring (one per group), one node at a time.
  void partition(std::vector<std::vector<NodeId>> groups) {
    for (auto& g : groups) std::sort(g.begin(), g.end());
    for (const auto& g : groups) {
      if (g.empty()) continue;
      bool same = true;
      for (NodeId id : g)
        same = same && ring_of_.count(id) && members_[ring_of_[id].seq] == g;
      if (same) continue;
      totem::ConfigChange cc;
      cc.kind = totem::ConfigChange::Kind::regular;
      cc.ring = RingId{g.front(), ++ring_seq_};
      cc.members = g;
      members_[cc.ring.seq] = g;
      for (NodeId id : g) ring_of_[id] = cc.ring;
      for (NodeId id : g) {
        if (before_config) before_config(id, cc);
        nodes_.at(id)->on_config_change(cc);
        step(id);
      }
    }
  }

  // Delivers every queued message, rings taking turns, each message to its
  // ring's members one by one (ring order); messages of rings nobody is in
  // any more are dropped, as a ring change drops them.
  void run(int limit = 100'000) {
    for (int n = 0; n < limit; ++n) {
      bool any = false;
      for (auto& [seq, q] : queues_) {
        if (q.empty()) continue;
        auto [from, bytes] = std::move(q.front());
        q.pop_front();
        any = true;
        for (NodeId id : members_[seq]) {
          if (!ring_of_.count(id) || ring_of_[id].seq != seq) continue;
          nodes_.at(id)->on_message(from, bytes);
          step(id);
        }
      }
      if (!any) return;
    }
  }

  void advance(core::Duration d) {
    clock_.advance(d, [this] {
      step(0);
      run();
    });
  }

  // Every node's installed membership (a node before any ring: itself).
  std::vector<NodeId> membership(NodeId id) const {
    auto it = ring_of_.find(id);
    if (it == ring_of_.end()) return {id};
    return members_.at(it->second.seq);
  }

  // Two quorate nodes whose installed memberships are disjoint (`only`: one
  // of them is this node; 0: any pair).
  std::optional<Violation> split_brain(NodeId only = 0) const {
    for (const auto& [a, va] : nodes_) {
      if (!va->quorate()) continue;
      if (only != 0 && a != only) {
        if (nodes_.at(only)->quorate() && disjoint(a, only)) return Violation{a, only, describe(a) + " | " + describe(only)};
        continue;
      }
      const auto ma = membership(a);
      for (const auto& [b, vb] : nodes_) {
        if (b <= a || !vb->quorate()) continue;
        const auto mb = membership(b);
        std::vector<NodeId> both;
        std::set_intersection(ma.begin(), ma.end(), mb.begin(), mb.end(), std::back_inserter(both));
        if (both.empty()) return Violation{a, b, describe(a) + " | " + describe(b)};
      }
    }
    return std::nullopt;
  }

  bool disjoint(NodeId a, NodeId b) const {
    const auto ma = membership(a), mb = membership(b);
    std::vector<NodeId> both;
    std::set_intersection(ma.begin(), ma.end(), mb.begin(), mb.end(), std::back_inserter(both));
    return both.empty();
  }

  std::string describe(NodeId id) const {
    const auto s = nodes_.at(id)->status();
    std::string m;
    for (NodeId x : membership(id)) m += (m.empty() ? "" : ",") + std::to_string(x);
    std::string counted;
    for (const auto& n : nodes_.at(id)->nodes())
      if (n.state == NodeState::member) counted += (counted.empty() ? "" : ",") + std::to_string(n.id);
    return "node " + std::to_string(id) + " in {" + m + "} counting {" + counted + (s.device_cast_vote ? "+device" : "") +
           "} quorate=" + std::to_string(s.quorate) +
           " total=" + std::to_string(s.total_votes) + " expected=" + std::to_string(s.expected_votes) +
           " quorum=" + std::to_string(s.quorum);
  }

 private:
  void step(NodeId id) {
    if (after_step) after_step(id);
  }

  std::vector<std::uint32_t> votes_;
  std::function<void(VotequorumOptions&)> tweak_;
  ManualClock clock_;
  core::Logger logger_;
  std::map<NodeId, std::unique_ptr<Votequorum>> nodes_;
  std::map<NodeId, RingId> ring_of_;
  std::map<std::uint64_t, std::vector<NodeId>> members_;
  std::map<std::uint64_t, std::deque<std::pair<NodeId, core::Bytes>>> queues_;
  std::map<NodeId, std::vector<QuorumNotification>> notes_;
  std::uint64_t ring_seq_ = 0;
};

}  // namespace halab::quorum::test
