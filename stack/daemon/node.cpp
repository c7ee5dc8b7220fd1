#include "stack/daemon/node.hpp"

#include <fmt/format.h>

#include "stack/cmap/standard_keys.hpp"
#include "stack/core/error.hpp"
#include "stack/quorum/ping_device.hpp"

namespace halab::daemon {

namespace {

std::string join_ids(const std::vector<NodeId>& ids) {
  std::string s;
  for (auto id : ids) s += (s.empty() ? "" : " ") + std::to_string(id);
  return s;
}

quorum::OptionsResult quorum_options(const NodeOptions& opt, NodeId id) {
  return quorum::votequorum_options(opt.conf, id, opt.conf.quorum.auto_tie_breaker_node);
}

}  // namespace

std::string check_node_options(const NodeOptions& opt) {
  if (opt.local_addrs.empty()) return "no local address for ring 0";
  const NodeId id = totem::node_id_for(opt.conf, opt.local_addrs[0]);
  if (id == 0) return "node id 0 for " + opt.local_addrs[0].to_string();
  if (auto q = quorum_options(opt, id); !q.ok()) return q.error;
  if (const auto& d = opt.conf.quorum.device) {
    if (d->model == "ping") {
      quorum::PingOptions po;
      if (auto e = quorum::ping_options(*d, po); !e.empty()) return e;
    } else if (d->model == "disk") {
      quorum::DiskOptions dopt;
      if (auto e = quorum::disk_options(*d, dopt); !e.empty()) return e;
      if (!opt.shared_disk) return "quorum.device.model disk: no shared disk for this node";
    } else {
      return "quorum.device.model: '" + d->model + "' is not a known device (ping, disk)";
    }
  }
  return "";
}

Node::Node(core::Env& env, NodeOptions opt)
    : env_(env), opt_(std::move(opt)), log_(env.log("QUORUM")), events_(env.log("event")) {
  if (auto e = check_node_options(opt_); !e.empty()) throw core::Error(e);
  id_ = totem::node_id_for(opt_.conf, opt_.local_addrs[0]);
  auto qo = quorum_options(opt_, id_);
  for (const auto& w : qo.warnings) log_.warning("{}", w);

  cmap::load_config(cmap_, opt_.conf, id_);
  member_address_ = cmap::addresses_from_nodelist(opt_.conf);
  publish_runtime_config();

  quorum::Votequorum::Callbacks vcb;
  vcb.send = mux_.sender(totem::ServiceId::votequorum);
  vcb.quorum_changed = [this](const quorum::QuorumNotification& q) { on_quorum_changed(q); };
  vq_ = std::make_unique<quorum::Votequorum>(env_.clock, env_.logger, qo.options, std::move(vcb));
  mux_.add(
      totem::ServiceId::votequorum, [this](NodeId from, core::ByteView p) { vq_->on_message(from, p); },
      [this](const totem::ConfigChange& cc) { on_config_change(cc); });

  cpg::Cpg::Callbacks ccb;
  ccb.send = mux_.sender(totem::ServiceId::cpg);
  cpg_ = std::make_unique<cpg::Cpg>(env_.logger, id_, std::move(ccb));
  mux_.add(
      totem::ServiceId::cpg, [this](NodeId from, core::ByteView p) { cpg_->on_message(from, p); },
      [this](const totem::ConfigChange& cc) { cpg_->on_config_change(cc); });

  if (const auto& d = opt_.conf.quorum.device) {
    if (d->model == "ping") {
      quorum::PingOptions po;
      quorum::ping_options(*d, po);
      device_ = std::make_unique<quorum::PingDevice>(env_.clock, env_.processes, env_.logger, po);
    } else {
      quorum::DiskOptions dopt;
      quorum::disk_options(*d, dopt);
      device_ = std::make_unique<quorum::QuorumDisk>(env_.clock, env_.logger, *opt_.shared_disk, id_, dopt);
    }
    quorum::connect(*device_, *vq_);
    device_->start();
  }

  totem::TotemServiceOptions to;
  to.conf = opt_.conf;
  to.key = opt_.key;
  to.local_addrs = opt_.local_addrs;
  to.callbacks = mux_.callbacks();
  to.callbacks.token_lost = [this](const std::vector<NodeId>& others) {
    for (NodeId id : others) events_.info("node-suspect peer={}", node_name(id));
  };
  totem_ = std::make_unique<totem::TotemService>(env_, std::move(to));
  mux_.set_mcast([this](core::ByteView b) { return totem_->srp().mcast(b); });
  cmap_.set("runtime.votequorum.this_node_id", std::uint32_t(id_));
  cmap::apply_quorum(cmap_, vq_->status());
}

bool Node::begin_clean_stop(std::function<void()> done) {
  for (auto& s : services_)
    if (s->begin_clean_stop(done)) return true;
  return false;
}

Node::~Node() {
  // Hosted components first: they hold references into the layers below.
  while (!services_.empty()) services_.pop_back();
}

void Node::publish_runtime_config() {
  const auto& c = opt_.conf;
  auto ms = [](core::Duration d) { return std::uint32_t(core::to_ms(d)); };
  // corosync publishes the values it computed (effective token and friends)
  // under runtime.config.totem.
  cmap_.set("runtime.config.totem.token", ms(c.effective_token()));
  cmap_.set("runtime.config.totem.token_retransmit", ms(c.effective_token_retransmit()));
  cmap_.set("runtime.config.totem.token_retransmits_before_loss_const",
            std::uint32_t(c.totem.token_retransmits_before_loss_const));
  cmap_.set("runtime.config.totem.consensus", ms(c.effective_consensus()));
  cmap_.set("runtime.config.totem.join", ms(c.totem.join));
  cmap_.set("runtime.config.totem.merge", ms(c.totem.merge));
  cmap_.set("runtime.config.totem.max_messages", std::uint32_t(c.totem.max_messages));
  cmap_.set("runtime.config.totem.window_size", std::uint32_t(c.totem.window_size));
  const auto so = totem::srp_options(c, id_);
  cmap_.set("runtime.config.totem.hold", ms(so.hold));
  cmap_.set("runtime.config.totem.token_warning", std::uint32_t(c.totem.token_warning));
  cmap_.set("runtime.config.totem.fail_recv_const", std::uint32_t(c.totem.fail_recv_const));
  cmap_.set("runtime.config.totem.seqno_unchanged_const", std::uint32_t(c.totem.seqno_unchanged_const));
  cmap_.set("runtime.config.totem.miss_count_const", std::uint32_t(c.totem.miss_count_const));
  cmap_.set("runtime.config.totem.send_join", ms(c.totem.send_join));
  cmap_.set("runtime.config.totem.downcheck", ms(c.totem.downcheck));
  cmap_.set("runtime.config.totem.heartbeat_failures_allowed", std::uint32_t(c.totem.heartbeat_failures_allowed));
  cmap_.set("runtime.config.totem.max_network_delay", ms(c.totem.max_network_delay));
  cmap_.set("runtime.config.totem.block_unlisted_ips", std::uint32_t(c.totem.block_unlisted_ips));
  cmap_.set("runtime.config.totem.cancel_token_hold_on_retransmit",
            std::uint32_t(c.totem.cancel_token_hold_on_retransmit));
}

void Node::refresh_stats() {
  const auto& s = srp().stats();
  const std::string p = "runtime.totem.pg.mrp.srp.";
  cmap_.set(p + "orf_token_rx", s.tokens);
  cmap_.set(p + "token_retransmits", s.token_retransmits);
  cmap_.set(p + "token_losses", s.token_losses);
  cmap_.set(p + "mcast_tx", s.mcasts_sent);
  cmap_.set(p + "mcast_retx", s.retransmitted);
  cmap_.set(p + "msgs_delivered", s.delivered);
  cmap_.set(p + "rings_formed", s.rings_formed);
  cmap_.set(p + "rx_msg_dropped", s.bad_messages);
  cmap_.set(p + "queued", std::uint64_t(srp().queued()));
  cmap_.set(p + "state", std::string(totem::to_string(srp().state())));
  const auto& cs = totem_->crypto_stats();
  const std::string c = "runtime.totem.crypto.";
  cmap_.set(c + "sealed", cs.sealed);
  cmap_.set(c + "accepted", cs.accepted);
  cmap_.set(c + "dropped_truncated", cs.dropped_truncated);
  cmap_.set(c + "dropped_malformed", cs.dropped_malformed);
  cmap_.set(c + "dropped_auth", cs.dropped_auth);
  cmap_.set(c + "dropped_replay", cs.dropped_replay);
  cmap_.set("runtime.totem.mux.unknown_service", mux_.stats().unknown_service);
  const auto& q = vq_->stats();
  cmap_.set("runtime.votequorum.bad_messages", q.bad_messages);
  cmap_.set("runtime.votequorum.stale_messages", q.stale_messages);
}

void Node::on_config_change(const totem::ConfigChange& cc) {
  // The device decides on the new membership before votequorum counts it
  // (device.hpp: a withdrawn vote must be gone first).
  if (device_ && cc.kind == totem::ConfigChange::Kind::regular) device_->set_membership(cc.members, cc.ring);
  vq_->on_config_change(cc);
  cmap::apply_membership(cmap_, cc, member_address_);
  if (cc.kind == totem::ConfigChange::Kind::regular) {
    cmap_.set("runtime.totem.pg.mrp.srp.members", join_ids(cc.members));
    cmap_.set("runtime.totem.pg.mrp.srp.ring_id", cc.ring.to_string());
    log_.notice("Sync members[{}]: {}", cc.members.size(), join_ids(cc.members));
    if (!cc.joined.empty()) log_.notice("Sync joined[{}]: {}", cc.joined.size(), join_ids(cc.joined));
    if (!cc.left.empty()) log_.notice("Sync left[{}]: {}", cc.left.size(), join_ids(cc.left));
    events_.info("membership members={}", names_of(cc.members));
  }
  cmap::apply_quorum(cmap_, vq_->status());
  auto listeners = membership_listeners_;
  for (auto& [id, fn] : listeners)
    if (membership_listeners_.count(id)) fn(cc);
}

void Node::on_quorum_changed(const quorum::QuorumNotification& q) {
  last_quorum_ = q;
  log_.notice("Members[{}]: {}", q.members.size(), join_ids(q.members));
  log_.notice("node {}: {} (ring {}, {} of {} votes, quorum {})", id_, q.quorate ? "quorate" : "not quorate",
              q.ring.to_string(), q.total_votes, q.expected_votes, q.quorum);
  events_.info("quorum quorate={} members={}", q.quorate ? 1 : 0, names_of(q.members));
  cmap::apply_quorum(cmap_, vq_->status());
  auto listeners = quorum_listeners_;
  for (auto& [id, fn] : listeners)
    if (quorum_listeners_.count(id)) fn(q);
}

ListenerId Node::on_quorum(QuorumListener fn) {
  const auto id = next_listener_++;
  quorum_listeners_[id] = std::move(fn);
  return id;
}

ListenerId Node::on_membership(MembershipListener fn) {
  const auto id = next_listener_++;
  membership_listeners_[id] = std::move(fn);
  return id;
}

void Node::remove_listener(ListenerId id) {
  quorum_listeners_.erase(id);
  membership_listeners_.erase(id);
}

ListenerId Node::add_control_handler(ControlHandler fn) {
  const auto id = next_listener_++;
  control_handlers_[id] = std::move(fn);
  return id;
}

void Node::remove_control_handler(ListenerId id) {
  control_handlers_.erase(id);
  async_control_handlers_.erase(id);
}

ListenerId Node::add_async_control_handler(AsyncControlHandler fn) {
  const auto id = next_listener_++;
  async_control_handlers_[id] = std::move(fn);
  return id;
}

bool Node::handle_async_request(const Request& r, const Reply& reply) {
  auto handlers = async_control_handlers_;
  for (auto& [id, fn] : handlers)
    if (async_control_handlers_.count(id) && fn(r, reply)) return true;
  return false;
}

std::optional<Response> Node::handle_hosted_request(const Request& r) {
  auto handlers = control_handlers_;
  for (auto& [id, fn] : handlers)
    if (control_handlers_.count(id))
      if (auto resp = fn(r)) return resp;
  return std::nullopt;
}

std::string Node::names_of(const std::vector<NodeId>& ids) const {
  std::string out;
  for (NodeId id : ids) out += (out.empty() ? "" : ",") + node_name(id);
  return out;
}

std::string Node::node_name(NodeId id) const {
  for (const auto& n : opt_.conf.nodelist) {
    if (!n.nodeid || *n.nodeid != id) continue;
    if (!n.name.empty()) return n.name;
    if (!n.ring0_addr.empty()) return n.ring0_addr;
  }
  // Without a nodelist entry the id is the ring0 address (node_id_for).
  for (const auto& n : opt_.conf.nodelist)
    if (!n.nodeid)
      if (auto a = core::Ipv4::parse(n.ring0_addr); a && totem::node_id_for(opt_.conf, *a) == id)
        return n.name.empty() ? n.ring0_addr : n.name;
  return std::to_string(id);
}

std::vector<std::string> Node::node_addresses(NodeId id) const {
  for (const auto& n : opt_.conf.nodelist) {
    const bool match = n.nodeid ? *n.nodeid == id : [&] {
      auto a = core::Ipv4::parse(n.ring0_addr);
      return a && totem::node_id_for(opt_.conf, *a) == id;
    }();
    if (!match) continue;
    std::vector<std::string> out;
    if (!n.ring0_addr.empty()) out.push_back(n.ring0_addr);
    if (!n.ring1_addr.empty()) out.push_back(n.ring1_addr);
    return out;
  }
  if (id == id_) {
    std::vector<std::string> out;
    for (auto a : opt_.local_addrs) out.push_back(a.to_string());
    return out;
  }
  return {};
}

}  // namespace halab::daemon
