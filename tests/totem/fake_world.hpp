#pragma once
// A small deterministic world for Totem's unit tests, until simnet is on
// main: virtual time with an event queue, in-memory datagrams (unicast,
// multicast, broadcast) with a fixed latency and a per-link drop predicate,
// and in-memory storage. Everything runs on one thread, in a fixed order.
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <queue>
#include <set>
#include <string>
#include <vector>

#include "stack/core/clock.hpp"
#include "stack/core/network.hpp"
#include "stack/core/storage.hpp"

namespace halab::fake {

using namespace halab::core;

class FakeClock : public Clock {
 public:
  Instant now() const override { return now_; }
  WallTime wall_now() const override { return WallTime(now_.time_since_epoch()); }
  TimerId schedule(Duration delay, Callback fn) override {
    if (delay < Duration::zero()) delay = Duration::zero();
    const TimerId id = ++next_id_;
    queue_.push({now_ + delay, id});
    live_.emplace(id, std::move(fn));
    return id;
  }
  void cancel(TimerId id) override { live_.erase(id); }

  // Runs events until `until` (inclusive) or the queue is empty; bounded.
  void run_until(Instant until, std::size_t max_events = 5'000'000) {
    for (std::size_t n = 0; n < max_events && !queue_.empty(); ++n) {
      auto e = queue_.top();
      if (e.at > until) break;
      queue_.pop();
      auto it = live_.find(e.id);
      if (it == live_.end()) continue;
      auto fn = std::move(it->second);
      live_.erase(it);
      now_ = e.at;
      fn();
    }
    if (now_ < until) now_ = until;
  }
  void run_for(Duration d) { run_until(now_ + d); }
  // Runs until pred() holds (checked after each event) or `limit` passes.
  bool run_until_true(const std::function<bool()>& pred, Duration limit) {
    const Instant end = now_ + limit;
    while (!pred()) {
      if (queue_.empty() || queue_.top().at > end) {
        now_ = end;
        return pred();
      }
      run_until(queue_.top().at, 1);
    }
    return true;
  }

 private:
  struct Event {
    Instant at;
    TimerId id;
    bool operator>(const Event& o) const { return at != o.at ? at > o.at : id > o.id; }
  };
  Instant now_{};
  TimerId next_id_ = 0;
  std::priority_queue<Event, std::vector<Event>, std::greater<>> queue_;
  std::map<TimerId, Callback> live_;
};

class FakeNetwork;

class FakeSocket : public DatagramSocket {
 public:
  FakeSocket(FakeNetwork& net, Endpoint local, bool broadcast, ReceiveHandler h)
      : net_(&net), local_(local), broadcast_(broadcast), handler_(std::move(h)) {}
  ~FakeSocket() override;
  Endpoint local_endpoint() const override { return local_; }
  std::error_code send_to(const Endpoint& to, ByteView data) override;
  std::error_code join_multicast(Ipv4 group, Ipv4, int, bool loop) override {
    groups_.insert(group);
    loop_ = loop;
    return {};
  }

  FakeNetwork* net_;
  Endpoint local_;
  bool broadcast_;
  bool loop_ = true;
  std::set<Ipv4> groups_;
  ReceiveHandler handler_;
};

// One shared medium. Each node gets a Network view bound to its address.
class FakeNetwork {
 public:
  explicit FakeNetwork(Clock& clock, Duration latency = std::chrono::microseconds(200))
      : clock_(&clock), latency_(latency) {}

  // drop(from, to) -> true loses the datagram.
  std::function<bool(Ipv4 from, Ipv4 to)> drop;
  // drop_datagram(from, to socket) -> true loses it; sees ports (group vs unicast traffic).
  std::function<bool(const Endpoint& from, const Endpoint& to)> drop_datagram;
  std::uint64_t delivered = 0;
  // Every datagram sent, for tests that replay or tamper with traffic.
  std::function<void(const Endpoint& from, const Endpoint& to, ByteView)> tap;

  class NodeView : public Network {
   public:
    NodeView(FakeNetwork& net, Ipv4 addr) : net_(&net), addr_(addr) {}
    std::unique_ptr<DatagramSocket> bind(const BindOptions& o, ReceiveHandler h) override {
      Endpoint local{addr_, o.local.port};
      auto s = std::make_unique<FakeSocket>(*net_, local, o.broadcast, std::move(h));
      net_->sockets_.push_back(s.get());
      return s;
    }

   private:
    FakeNetwork* net_;
    Ipv4 addr_;
  };

  // Injects a datagram as if `from` had sent it.
  void inject(const Endpoint& from, const Endpoint& to, ByteView data) { deliver(from, to, data, true); }

  void deliver(const Endpoint& from, const Endpoint& to, ByteView data, bool injected = false) {
    if (!injected && tap) tap(from, to, data);
    std::vector<FakeSocket*> targets;
    for (auto* s : sockets_) {
      if (s->local_.port != to.port) continue;
      bool match = false;
      if (to.addr.is_multicast())
        match = s->groups_.count(to.addr) && (s->local_.addr != from.addr || s->loop_);
      else if (to.addr.is_limited_broadcast())
        match = true;
      else
        match = s->local_.addr == to.addr;
      if (match) targets.push_back(s);
    }
    for (auto* s : targets) {
      if (drop && drop(from.addr, s->local_.addr)) continue;
      if (drop_datagram && drop_datagram(from, s->local_)) continue;
      Bytes copy(data.begin(), data.end());
      Endpoint dest = s->local_;
      clock_->schedule(latency_, [this, dest, from, copy = std::move(copy)] {
        for (auto* t : sockets_)  // the socket may be gone by now
          if (t->local_ == dest) {
            ++delivered;
            t->handler_(from, copy);
            return;
          }
      });
    }
  }

  std::vector<FakeSocket*> sockets_;  // in bind order: delivery order never depends on addresses

 private:
  Clock* clock_;
  Duration latency_;
};

inline FakeSocket::~FakeSocket() { std::erase(net_->sockets_, this); }
inline std::error_code FakeSocket::send_to(const Endpoint& to, ByteView data) {
  if (to.addr.is_limited_broadcast() && !broadcast_) return std::make_error_code(std::errc::permission_denied);
  net_->deliver(local_, to, data);
  return {};
}

class MemStorage : public Storage {
 public:
  void write(std::string_view name, ByteView data, Sync) override {
    check_storage_name(name);
    files[std::string(name)] = Bytes(data.begin(), data.end());
  }
  std::optional<Bytes> read(std::string_view name) const override {
    auto it = files.find(std::string(name));
    if (it == files.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> list(std::string_view) const override {
    std::vector<std::string> v;
    for (auto& [k, _] : files) v.push_back(k);
    return v;
  }
  bool remove(std::string_view name, Sync) override { return files.erase(std::string(name)) > 0; }
  std::map<std::string, Bytes> files;
};

}  // namespace halab::fake
