#pragma once
// A fake ring for CPG's unit tests: Cpg instances whose messages are ordered
// by one queue, delivered in that order to every node in the sender's ring
// (the sender included), and ring changes made by hand, delivered the way
// Totem does (old-ring messages first, then transitional, then regular).
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "stack/cpg/cpg.hpp"
#include "tests/totem/fake_world.hpp"

namespace halab::cpg::test {

// What a process sees through its callbacks.
struct Proc {
  std::vector<std::string> events;
  std::vector<GroupConfig> confchgs;
};

inline std::string describe(const GroupConfig& gc) {
  std::string s = gc.group + ":";
  for (const auto& l : gc.left) s += fmt::format(" -{}/{}:{}", l.who.node, l.who.pid, to_string(l.reason));
  for (const auto& j : gc.joined) s += fmt::format(" +{}/{}:{}", j.who.node, j.who.pid, to_string(j.reason));
  s += " [";
  for (const auto& m : gc.members) s += fmt::format(" {}/{}", m.node, m.pid);
  return s + " ]";
}

class Bus {
 public:
  explicit Bus(std::vector<NodeId> ids) {
    for (NodeId id : ids) add(id);
  }
  void add(NodeId id) {
    auto& n = nodes_[id];
    n.logger = std::make_unique<core::Logger>(clock_, "node" + std::to_string(id));
    Cpg::Callbacks cb;
    cb.send = [this, id](core::Bytes b) {
      if (refuse_sends_) return false;
      queue_.push_back({id, std::move(b)});
      return true;
    };
    n.cpg = std::make_unique<Cpg>(*n.logger, id, cb);
    n.ring.clear();
    Cpg::Observer o;
    o.confchg = [this, id](const GroupConfig& gc) { nodes_[id].trace.push_back("conf " + describe(gc)); };
    o.deliver = [this, id](const std::string& g, const Address& from, core::ByteView m, const std::vector<Address>&) {
      nodes_[id].trace.push_back(fmt::format("msg {} {}/{} {}", g, from.node, from.pid, std::string(m.begin(), m.end())));
    };
    n.cpg->set_observer(o);
  }
  // The node restarts: a fresh Cpg, outside any ring.
  void restart(NodeId id) {
    nodes_.erase(id);
    add(id);
  }

  // Delivers everything queued, each message to the sender's current ring.
  void run() {
    for (int guard = 0; guard < 100000 && !queue_.empty(); ++guard) {
      auto [from, bytes] = std::move(queue_.front());
      queue_.pop_front();
      auto it = nodes_.find(from);
      if (it == nodes_.end()) continue;
      for (NodeId to : std::vector<NodeId>(it->second.ring)) nodes_.at(to).cpg->on_message(from, bytes);
    }
  }
  // `members` form a new ring. With run_first (Totem's way), the old rings'
  // messages are delivered first; without, what is queued is ordered in the
  // new ring (a message queued across the change).
  void form(std::vector<NodeId> members, bool run_first = true) {
    if (run_first) run();
    std::sort(members.begin(), members.end());
    const totem::RingId ring{members.front(), ++seq_};
    for (NodeId id : members) {
      auto& n = nodes_.at(id);
      std::vector<NodeId> trans;
      for (NodeId m : members)
        if (std::find(n.ring.begin(), n.ring.end(), m) != n.ring.end()) trans.push_back(m);
      if (trans.empty()) trans = {id};
      std::vector<NodeId> left, joined;
      for (NodeId m : n.ring)
        if (std::find(trans.begin(), trans.end(), m) == trans.end()) left.push_back(m);
      for (NodeId m : members)
        if (std::find(trans.begin(), trans.end(), m) == trans.end()) joined.push_back(m);
      n.cpg->on_config_change({totem::ConfigChange::Kind::transitional, ring, trans, left, {}});
      n.cpg->on_config_change({totem::ConfigChange::Kind::regular, ring, members, left, joined});
    }
    for (NodeId id : members) nodes_.at(id).ring = members;
  }

  Cpg& cpg(NodeId id) { return *nodes_.at(id).cpg; }
  std::vector<std::string>& trace(NodeId id) { return nodes_.at(id).trace; }
  void refuse_sends(bool r) { refuse_sends_ = r; }
  std::size_t queued() const { return queue_.size(); }
  void inject(NodeId from, core::Bytes b) { queue_.push_back({from, std::move(b)}); }

  // Joins `group` as (id, pid), recording what the process sees in `p`.
  Result join(NodeId id, const std::string& group, std::uint32_t pid, Proc& p) {
    GroupCallbacks cb;
    cb.confchg = [&p](const GroupConfig& gc) {
      p.confchgs.push_back(gc);
      p.events.push_back("conf " + describe(gc));
    };
    cb.deliver = [&p, group](const Address& from, core::ByteView m) {
      p.events.push_back(fmt::format("msg {} {}/{} {}", group, from.node, from.pid, std::string(m.begin(), m.end())));
    };
    return cpg(id).join(group, pid, cb);
  }
  Result mcast(NodeId id, const std::string& group, std::uint32_t pid, const std::string& text) {
    return cpg(id).mcast(group, pid, core::Bytes(text.begin(), text.end()));
  }

 private:
  struct Node {
    std::unique_ptr<core::Logger> logger;
    std::unique_ptr<Cpg> cpg;
    std::vector<NodeId> ring;
    std::vector<std::string> trace;
  };
  fake::FakeClock clock_;
  std::map<NodeId, Node> nodes_;
  std::deque<std::pair<NodeId, core::Bytes>> queue_;
  std::uint64_t seq_ = 0;
  bool refuse_sends_ = false;
};

}  // namespace halab::cpg::test
