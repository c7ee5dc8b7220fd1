// The simulated datagram network: addresses, sockets, links and partitions.
#include <algorithm>
#include <cmath>

#include "simnet/world_internal.hpp"
#include "stack/core/assert.hpp"
#include "stack/core/error.hpp"

namespace halab::simnet {

namespace {
inline std::uint64_t pack(const core::Endpoint& e) { return (std::uint64_t(e.addr.value) << 16) | e.port; }
}  // namespace

int World::add_network(std::string name, core::Subnet subnet, LinkModel model) {
  HALAB_ASSERT_MSG(!finalized_, "add networks before start()");
  if (subnet.prefix < 16 || subnet.prefix > 30)
    throw core::Error("network " + name + ": subnet " + subnet.to_string() + " must be /16 to /30");
  for (auto& n : networks_) {
    if (n.name == name) throw core::Error("network '" + name + "' defined twice");
    if (n.subnet.contains(subnet.network) || subnet.contains(n.subnet.network))
      throw core::Error("network " + name + ": subnet overlaps network " + n.name);
  }
  Network n;
  n.name = std::move(name);
  n.subnet = subnet;
  n.model = model;
  networks_.push_back(std::move(n));
  return network_count() - 1;
}

void World::set_link(int from, int to, const LinkModel& model, int net) {
  HALAB_ASSERT_MSG(!finalized_, "set links before start(); use degrade() later");
  for (int i = 0; i < network_count(); ++i)
    if (net < 0 || net == i) link_overrides_[{i, from, to}] = model;
}

void World::finalize() {
  if (finalized_) return;
  finalized_ = true;
  const std::size_t n = nodes_.size();
  links_.clear();
  links_.reserve(networks_.size() * n * n);
  for (std::size_t net = 0; net < networks_.size(); ++net)
    for (std::size_t a = 0; a < n; ++a)
      for (std::size_t b = 0; b < n; ++b) {
        Link l;
        auto it = link_overrides_.find({int(net), int(a), int(b)});
        l.configured = it == link_overrides_.end() ? networks_[net].model : it->second;
        l.model = l.configured;
        l.rng = rng_.derive("link").derive(networks_[net].name).derive(nodes_[a]->name).derive(nodes_[b]->name);
        links_.push_back(std::move(l));
      }
  blocked_.assign(n * n, 0);
  delivered_.assign(n * n, 0);
  for (auto& net : networks_) net.host_to_node.assign(std::size_t(1) << (32 - net.subnet.prefix), -1);
  for (auto& node : nodes_)
    for (auto& [net, addr] : node->ifaces)
      networks_[net].host_to_node[addr.value & ~networks_[net].subnet.mask()] = static_cast<std::int32_t>(node->index);
  trace_.node_names.clear();
  for (auto& node : nodes_) trace_.node_names.push_back(node->name);
}

World::Link& World::link(int net, int from, int to) {
  const std::size_t n = nodes_.size();
  return links_[(std::size_t(net) * n + from) * n + to];
}

LinkModel World::link_model(int from, int to, int net) {
  if (!finalized_) finalize();
  return link(net, from, to).model;
}

void World::degrade(int from, int to, const LinkModel& model, int net) {
  if (!finalized_) finalize();
  for (int i = 0; i < network_count(); ++i)
    if (net < 0 || net == i) link(i, from, to).model = model;
  char loss[32];
  std::snprintf(loss, sizeof loss, "%g%%", model.loss * 100);
  fault(TraceKind::degrade, kWorldNode, std::uint64_t(from) * nodes_.size() + to,
        "degrade " + nodes_[from]->name + " -> " + nodes_[to]->name + ": latency " + model.latency.to_string() +
            ", loss " + loss);
}

void World::restore_link_models() {
  for (auto& l : links_) l.model = l.configured;
}

int World::partition(const std::vector<int>& a, const std::vector<int>& b, bool one_way) {
  if (!finalized_) finalize();
  const std::size_t n = nodes_.size();
  std::vector<std::pair<int, int>> pairs;
  for (int x : a)
    for (int y : b) {
      if (x == y) continue;
      pairs.emplace_back(x, y);
      if (!one_way) pairs.emplace_back(y, x);
    }
  for (auto [x, y] : pairs) ++blocked_[x * n + y];
  const int id = next_partition_++;
  partitions_[id] = std::move(pairs);
  auto names = [&](const std::vector<int>& v) {
    std::string s = "{";
    for (std::size_t i = 0; i < v.size(); ++i) s += (i ? " " : "") + nodes_[v[i]]->name;
    return s + "}";
  };
  fault(TraceKind::partition, kWorldNode, id, "partition " + names(a) + (one_way ? " -> " : " | ") + names(b));
  return id;
}

void World::heal_partition(int id) {
  auto it = partitions_.find(id);
  if (it == partitions_.end()) return;
  const std::size_t n = nodes_.size();
  for (auto [x, y] : it->second) --blocked_[x * n + y];
  partitions_.erase(it);
  fault(TraceKind::heal, kWorldNode, id, "heal partition " + std::to_string(id));
}

void World::heal() {
  if (!finalized_) finalize();
  const std::size_t n = nodes_.size();
  for (auto& [id, pairs] : partitions_)
    for (auto [x, y] : pairs) --blocked_[x * n + y];
  partitions_.clear();
  restore_link_models();
  fault(TraceKind::heal, kWorldNode, 0, "heal");
}

int World::network_count() const { return static_cast<int>(networks_.size()); }
bool World::blocked(int from, int to) const { return blocked_.at(std::size_t(from) * nodes_.size() + to) != 0; }
std::uint64_t World::delivered(int from, int to) const {
  return delivered_.at(std::size_t(from) * nodes_.size() + to);
}

// ---------------------------------------------------------------- sockets

std::unique_ptr<core::DatagramSocket> SimNetwork::bind(const core::BindOptions& o, core::ReceiveHandler handler) {
  World::Node& n = *n_;
  if (!n.up) throw core::Error("cannot bind " + o.local.to_string() + ": node " + n.name + " is down");
  const core::Ipv4 a = o.local.addr;
  bool ok = a.is_any() || a.is_loopback() || a.is_multicast();
  for (auto& [_, mine] : n.ifaces) ok = ok || mine == a;
  if (!ok) throw core::Error("cannot bind " + o.local.to_string() + " on " + n.name + ": address not on this node");
  std::uint16_t port = o.local.port;
  auto in_use = [&](std::uint16_t p, bool want_reuse) {
    for (auto* s : n.sockets)
      if (s->local_.port == p && (s->local_.addr == a || s->local_.addr.is_any() || a.is_any()) &&
          !(want_reuse && s->reuse_))
        return true;
    return false;
  };
  if (port == 0) {
    for (std::uint32_t p = 32768; p < 61000; ++p)
      if (!in_use(static_cast<std::uint16_t>(p), false)) {
        port = static_cast<std::uint16_t>(p);
        break;
      }
    if (port == 0) throw core::Error("cannot bind on " + n.name + ": no free port");
  } else if (in_use(port, o.reuse_address)) {
    throw core::Error("cannot bind " + o.local.to_string() + " on " + n.name + ": address already in use");
  }
  auto s = std::make_unique<SimSocket>(*w_, n, w_->next_socket_id_++, core::Endpoint{a, port}, o.broadcast,
                                       o.reuse_address, std::move(handler));
  n.sockets.push_back(s.get());
  return s;
}

SimSocket::SimSocket(World& w, World::Node& n, std::uint64_t id, core::Endpoint local, bool broadcast, bool reuse,
                     core::ReceiveHandler handler)
    : w_(&w), n_(&n), id_(id), local_(local), broadcast_(broadcast), reuse_(reuse), handler_(std::move(handler)) {}

SimSocket::~SimSocket() {
  auto& v = n_->sockets;
  v.erase(std::remove(v.begin(), v.end(), this), v.end());
}

std::error_code SimSocket::send_to(const core::Endpoint& to, core::ByteView data) {
  return w_->send(*n_, *this, to, data);
}

std::error_code SimSocket::join_multicast(core::Ipv4 group, core::Ipv4 interface_addr, int ttl, bool loop) {
  if (!group.is_multicast()) return std::make_error_code(std::errc::invalid_argument);
  int net = -1;
  for (auto& [i, a] : n_->ifaces)
    if (interface_addr.is_any() ? net < 0 : a == interface_addr) net = i;
  if (net < 0) return std::make_error_code(std::errc::no_such_device);
  if (std::find(groups_.begin(), groups_.end(), group) == groups_.end()) groups_.push_back(group);
  mcast_net_ = net;
  loop_ = loop;
  return {};
}

// ---------------------------------------------------------------- sending

std::error_code World::send(Node& n, SimSocket& s, const core::Endpoint& to, core::ByteView data) {
  if (!n.up) return std::make_error_code(std::errc::network_down);
  if (data.size() > core::kMaxDatagram) return std::make_error_code(std::errc::message_size);
  if (to.port == 0 || to.addr.is_any()) return std::make_error_code(std::errc::invalid_argument);
  auto sent = [&](const core::Endpoint& from) {  // counted and traced once it leaves the socket
    ++n.stats.sent;
    ++net_stats_.sent;
    trace_.record(TraceKind::send, now_, n.index, pack(from), pack(to), data.size());
  };
  // The network of the bound address, else the node's first.
  int bound_net = n.ifaces.empty() ? -1 : n.ifaces.front().first;
  for (auto& [i, a] : n.ifaces)
    if (a == s.local_.addr) bound_net = i;
  auto addr_on = [&](int net) {
    for (auto& [i, a] : n.ifaces)
      if (i == net) return a;
    return core::Ipv4{};
  };

  // Loopback and our own addresses never touch a link.
  bool self = to.addr.is_loopback();
  for (auto& [_, a] : n.ifaces) self = self || a == to.addr;
  if (self) {
    const core::Endpoint from{to.addr.is_loopback() ? core::Ipv4::loopback() : to.addr, s.local_.port};
    sent(from);
    schedule_delivery(now_, -1, n.index, from, to, n.index, data);
    return {};
  }

  if (to.addr.is_multicast() || to.addr.is_limited_broadcast()) {
    const bool multicast = to.addr.is_multicast();
    if (!multicast && !s.broadcast_) return std::make_error_code(std::errc::permission_denied);
    const int net = multicast && s.mcast_net_ >= 0 ? s.mcast_net_ : bound_net;
    if (net < 0) return std::make_error_code(std::errc::network_unreachable);
    const core::Endpoint from{addr_on(net), s.local_.port};
    sent(from);
    for (auto& d : nodes_) {
      bool on = false;
      for (auto& [i, _] : d->ifaces) on = on || i == net;
      if (!on || (d.get() == &n && multicast && !s.loop_)) continue;
      transmit(net, n, from, to, static_cast<int>(d->index), data);
    }
    return {};
  }

  for (std::size_t net = 0; net < networks_.size(); ++net) {
    const Network& nw = networks_[net];
    if (!nw.subnet.contains(to.addr)) continue;
    const core::Ipv4 src_addr = addr_on(static_cast<int>(net));
    if (src_addr.is_any()) break;  // not on that network: no route
    const core::Endpoint from{src_addr, s.local_.port};
    if (to.addr == nw.subnet.broadcast() && !s.broadcast_) return std::make_error_code(std::errc::permission_denied);
    sent(from);
    if (to.addr == nw.subnet.broadcast()) {  // subnet-directed broadcast
      for (auto& d : nodes_) {
        bool on = false;
        for (auto& [i, _] : d->ifaces) on = on || i == int(net);
        if (on) transmit(static_cast<int>(net), n, from, to, static_cast<int>(d->index), data);
      }
      return {};
    }
    const std::int32_t dst = nw.host_to_node[to.addr.value & ~nw.subnet.mask()];
    if (dst < 0) {
      drop(from, to, kWorldNode, DropReason::no_route);  // nobody has that address
      return {};
    }
    transmit(static_cast<int>(net), n, from, to, dst, data);
    return {};
  }
  return std::make_error_code(std::errc::network_unreachable);
}

void World::drop(const core::Endpoint& from, const core::Endpoint& to, std::uint32_t dst, DropReason why) {
  ++net_stats_.dropped[static_cast<int>(why)];
  trace_.record(TraceKind::drop, now_, kWorldNode, pack(from), pack(to), static_cast<std::uint64_t>(why) | (std::uint64_t(dst) << 8));
}

void World::transmit(int net, Node& src, const core::Endpoint& from, const core::Endpoint& to, int dst,
                     core::ByteView data) {
  const std::size_t n = nodes_.size();
  if (dst == static_cast<int>(src.index)) {  // broadcast/multicast looped back to the sender
    schedule_delivery(now_, net, src.index, from, to, dst, data);
    return;
  }
  if (blocked_[src.index * n + dst]) return drop(from, to, dst, DropReason::partition);
  Link& l = link(net, static_cast<int>(src.index), dst);
  const LinkModel& m = l.model;
  if (m.loss > 0 && l.rng.chance(m.loss)) return drop(from, to, dst, DropReason::loss);
  SimTime depart = now_;
  if (m.bandwidth_bps > 0) {
    const double ser = double(data.size()) * 8e9 / m.bandwidth_bps;
    const SimTime start = std::max(now_, l.free_at);
    if (m.queue_bytes && double(start - now_) * m.bandwidth_bps / 8e9 + double(data.size()) > double(m.queue_bytes))
      return drop(from, to, dst, DropReason::queue_full);
    l.free_at = start + static_cast<SimTime>(ser);
    depart = l.free_at;
  }
  const int copies = (m.duplicate > 0 && l.rng.chance(m.duplicate)) ? 2 : 1;
  for (int c = 0; c < copies; ++c) {
    double lat = m.latency.sample_ns(l.rng);
    if (m.jitter_ns > 0) lat += l.rng.uniform(-m.jitter_ns, m.jitter_ns);
    SimTime arrive = depart + (lat > 0 ? static_cast<SimTime>(lat) : 0);
    if (c == 0) {
      if (m.reorder > 0 && l.rng.chance(m.reorder)) {
        const double extra = m.reorder_delay_ns > 0 ? m.reorder_delay_ns : 2 * m.latency.mean_ns();
        arrive += static_cast<SimTime>(l.rng.uniform(0, extra));
      } else {
        arrive = std::max(arrive, l.last_arrival);  // links keep FIFO order otherwise
        l.last_arrival = arrive;
      }
    } else {
      ++net_stats_.duplicated;
    }
    schedule_delivery(arrive, net, src.index, from, to, dst, data);
  }
}

void World::schedule_delivery(SimTime t, int net, std::uint32_t src, const core::Endpoint& from,
                              const core::Endpoint& to, std::uint32_t dst, core::ByteView data) {
  std::uint32_t idx;
  if (!free_packets_.empty()) {
    idx = free_packets_.back();
    free_packets_.pop_back();
  } else {
    idx = static_cast<std::uint32_t>(packets_.size());
    packets_.emplace_back();
  }
  Packet& p = packets_[idx];
  p.from = from;
  p.to = to;
  p.src = src;
  p.dst = dst;
  p.net = net;
  p.sent = now_;
  p.data.assign(data.begin(), data.end());
  push(t, Kind::delivery, dst, nullptr, 0, idx);
}

void World::deliver(std::uint32_t idx) {
  const std::size_t n = nodes_.size();
  Packet& p = packets_[idx];
  const core::Endpoint from = p.from, to = p.to;
  const std::uint32_t src = p.src, dst = p.dst;
  Node& d = *nodes_[dst];
  DropReason why = DropReason::no_socket;
  bool ok = false;
  if (!d.up) why = DropReason::node_down;
  else if (src != dst && blocked_[src * n + dst]) why = DropReason::partition;  // the partition began in flight
  else ok = true;
  if (!ok) {
    drop(from, to, dst, why);
    free_packets_.push_back(idx);
    return;
  }
  const core::ByteView view(p.data.data(), p.data.size());  // stays valid: the buffer is not reused until freed
  const bool multi = to.addr.is_multicast();
  const bool bcast = to.addr.is_limited_broadcast() ||
                     (!multi && p.net >= 0 && networks_[p.net].subnet.broadcast() == to.addr);
  if (!multi && !bcast) {  // the common case: unicast to one socket
    SimSocket* target = nullptr;
    for (auto* s : d.sockets)
      if (s->local_.port == to.port && (s->local_.addr.is_any() || s->local_.addr == to.addr ||
                                        (to.addr.is_loopback() && s->local_.addr.is_loopback()))) {
        target = s;
        break;
      }
    if (!target) {
      drop(from, to, dst, DropReason::no_socket);
    } else {
      ++delivered_[src * n + dst];
      ++d.stats.delivered;
      ++net_stats_.delivered;
      trace_.record(TraceKind::deliver, now_, dst, pack(from), pack(to), view.size());
      target->handler_(from, view);
    }
    free_packets_.push_back(idx);
    return;
  }
  scratch_sockets_.clear();
  for (auto* s : d.sockets) {
    if (s->local_.port != to.port) continue;
    if (multi) {
      if ((s->local_.addr.is_any() || s->local_.addr == to.addr) &&
          std::find(s->groups_.begin(), s->groups_.end(), to.addr) != s->groups_.end())
        scratch_sockets_.push_back(s->id_);
    } else if (s->local_.addr.is_any() || s->local_.addr == to.addr) {
      scratch_sockets_.push_back(s->id_);
    }
  }
  if (scratch_sockets_.empty()) {
    drop(from, to, dst, DropReason::no_socket);
    free_packets_.push_back(idx);
    return;
  }
  ++delivered_[src * n + dst];
  ++d.stats.delivered;
  ++net_stats_.delivered;
  trace_.record(TraceKind::deliver, now_, dst, pack(from), pack(to), view.size());
  const std::vector<std::uint64_t> ids = scratch_sockets_;
  for (auto id : ids) {
    if (!d.up) break;
    for (auto* x : d.sockets)
      if (x->id_ == id) {
        x->handler_(from, view);
        break;
      }
  }
  free_packets_.push_back(idx);
}

}  // namespace halab::simnet
