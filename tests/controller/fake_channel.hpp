#pragma once
// A deterministic in-memory group with CPG's guarantees, for the
// controller's unit tests. Every event (a message, a join, a leave, a crash,
// a partition, a heal) goes through one FIFO queue run on the test's clock:
// an event is processed as a whole, delivering to every member of the
// sender's component at that moment, so all members see the same order.
// Components model partitions: a message reaches only its sender's
// component; a split reports node_down on each side; a heal reports the
// other side's members as node_up.
#include <algorithm>
#include <deque>
#include <functional>
#include <map>
#include <set>
#include <vector>

#include "stack/controller/channel.hpp"
#include "stack/core/clock.hpp"

namespace halab::test {

using controller::ChangeReason;
using controller::Member;
using controller::MemberChange;
using controller::View;

class FakeBus;

class FakeChannel : public controller::Channel {
 public:
  FakeChannel(FakeBus& bus, Member self) : bus_(bus), self_(self) {}
  ~FakeChannel() override;
  bool open(Handler h) override;
  void close() override;
  Member self() const override { return self_; }
  bool send(core::ByteView msg) override;
  std::size_t max_message() const override { return max_message_; }

  std::size_t max_message_ = 1u << 20;
  int refuse_sends = 0;  // the next N sends say "try again"

 private:
  friend class FakeBus;
  FakeBus& bus_;
  Member self_;
  Handler handler_;
  bool open_ = false;
};

class FakeBus {
 public:
  explicit FakeBus(core::Clock& clock, core::Duration latency = std::chrono::milliseconds(1))
      : clock_(clock), latency_(latency) {}

  // Partition: the node's component (all nodes start in component 0).
  void set_component(controller::NodeId node, int component) { component_of_[node] = component; }

  void enqueue(std::function<void()> ev) {
    queue_.push_back(std::move(ev));
    clock_.schedule(latency_, [this] {
      auto ev = std::move(queue_.front());
      queue_.pop_front();
      ev();
    });
  }

  // Splits the cluster: each listed group of nodes becomes one component.
  void partition(const std::vector<std::vector<controller::NodeId>>& groups) {
    enqueue([this, groups] {
      int next = 100 + int(splits_++) * 16;
      std::map<controller::NodeId, int> fresh;
      for (std::size_t g = 0; g < groups.size(); ++g)
        for (auto n : groups[g]) fresh[n] = next + int(g);
      regroup(fresh);
    });
  }
  void heal() {
    enqueue([this] {
      std::map<controller::NodeId, int> fresh;
      for (auto& [n, c] : component_of_) fresh[n] = 0;
      regroup(fresh);
    });
  }
  // The process dies with its node: the others see node_down.
  void crash(FakeChannel& ch) {
    ch.open_ = false;
    const Member m = ch.self_;
    enqueue([this, m] { remove(m, ChangeReason::node_down); });
  }

  std::uint64_t delivered = 0;
  // Breaks the channel's promise on purpose (a lost delivery to one member),
  // to exercise the controller's resync.
  std::function<bool(const Member& from, const Member& to, const core::Bytes&)> drop;

 private:
  friend class FakeChannel;

  int component(controller::NodeId n) const {
    auto it = component_of_.find(n);
    return it == component_of_.end() ? 0 : it->second;
  }
  std::vector<Member> members_in(int comp) const {
    std::vector<Member> out;
    for (auto& [m, ch] : members_)
      if (component(m.node) == comp) out.push_back(m);
    return out;
  }
  void deliver_view(const std::vector<Member>& to, const View& v) {
    for (const auto& m : to) {
      auto it = members_.find(m);
      if (it != members_.end() && it->second->open_ && it->second->handler_.view) it->second->handler_.view(v);
    }
  }

  void add(FakeChannel* ch) {
    enqueue([this, ch] {
      const Member m = ch->self_;
      if (!ch->open_ || members_.count(m)) return;
      members_[m] = ch;
      View v;
      v.members = members_in(component(m.node));
      v.joined.push_back(MemberChange{m, ChangeReason::join});
      deliver_view(v.members, v);
    });
  }
  void remove(const Member& m, ChangeReason reason) {
    if (!members_.count(m)) return;
    const int comp = component(m.node);
    members_.erase(m);
    View v;
    v.members = members_in(comp);
    v.left.push_back(MemberChange{m, reason});
    deliver_view(v.members, v);
  }
  void send(const Member& from, core::Bytes data) {
    enqueue([this, from, data = std::move(data)] {
      // Died or left before it was ordered: lost with it.
      if (!members_.count(from) || !members_.at(from)->open_) return;
      const int comp = component(from.node);
      for (const auto& m : members_in(comp)) {
        auto it = members_.find(m);
        if (it == members_.end() || !it->second->open_) continue;
        if (drop && drop(from, m, data)) continue;
        ++delivered;
        it->second->handler_.deliver(from, data);
      }
    });
  }
  void regroup(const std::map<controller::NodeId, int>& fresh) {
    std::map<int, std::vector<Member>> before;
    for (auto& [m, ch] : members_) before[component(m.node)].push_back(m);
    for (auto& [n, c] : fresh) component_of_[n] = c;
    std::map<int, std::vector<Member>> after;
    for (auto& [m, ch] : members_) after[component(m.node)].push_back(m);
    for (auto& [comp, now] : after) {
      // Per old component, the members that move on into `comp` together.
      std::map<int, std::vector<Member>> pieces;
      for (auto& [oc, olds] : before)
        for (auto& m : olds)
          if (std::find(now.begin(), now.end(), m) != now.end()) pieces[oc].push_back(m);
      for (auto& [oc, piece] : pieces) {
        View v;
        v.members = now;
        for (auto& m : before[oc])
          if (std::find(now.begin(), now.end(), m) == now.end()) v.left.push_back({m, ChangeReason::node_down});
        for (auto& m : now)
          if (std::find(piece.begin(), piece.end(), m) == piece.end()) v.joined.push_back({m, ChangeReason::node_up});
        if (v.left.empty() && v.joined.empty()) continue;
        deliver_view(piece, v);
      }
    }
  }

  core::Clock& clock_;
  core::Duration latency_;
  std::deque<std::function<void()>> queue_;
  std::map<Member, FakeChannel*> members_;
  std::map<controller::NodeId, int> component_of_;
  std::uint64_t splits_ = 0;
};

inline FakeChannel::~FakeChannel() { close(); }

inline bool FakeChannel::open(Handler h) {
  handler_ = std::move(h);
  open_ = true;
  bus_.add(this);
  return true;
}

inline void FakeChannel::close() {
  if (!open_) return;
  open_ = false;
  const Member m = self_;
  FakeBus* bus = &bus_;
  bus_.enqueue([bus, m] { bus->remove(m, ChangeReason::leave); });
}

inline bool FakeChannel::send(core::ByteView msg) {
  if (!open_) return false;
  if (refuse_sends > 0) {
    --refuse_sends;
    return false;
  }
  bus_.send(self_, core::Bytes(msg.begin(), msg.end()));
  return true;
}

}  // namespace halab::test
