// Pacemaker Remote nodes, as pacemaker 2.1.5 handles the common cases:
//  - the node is online while its connection resource is started (and not
//    failed); when the connection is placed for this transition, the node
//    counts as online (it will be), else as shutting down;
//  - a remote node's own operation history is read only while it is up;
//  - connections are placed before every other resource and never on a
//    remote node;
//  - starts, probes and other actions on the node follow the connection's
//    start; stops there precede the connection's stop when it is going away.
// Guest nodes (container resources with remote-node) and the fencing of
// remote nodes are not handled here.
#include "stack/scheduler/remote.hpp"

#include "stack/scheduler/actions.hpp"
#include "stack/scheduler/rules.hpp"
#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

bool is_remote_connection(const Resource& r) {
  return r.cls == "ocf" && r.provider == "pacemaker" && r.type == "remote";
}

namespace {

Node* find_by_id_or_name(Cluster& c, const std::string& name) {
  for (auto& n : c.nodes)
    if (n->id == name || n->uname == name) return n.get();
  return nullptr;
}

}  // namespace

Node* make_remote_node(Cluster& c, const std::string& id, const std::string& uname) {
  if (Node* existing = find_by_id_or_name(c, uname)) return existing;
  auto n = std::make_unique<Node>();
  n->id = id;
  n->uname = uname;
  n->remote = true;
  n->unseen = false;
  n->attrs["#uname"] = n->uname;
  n->attrs["#id"] = n->id;
  n->attrs["#kind"] = "remote";
  n->attrs["#is_dc"] = "false";
  Node* raw = n.get();
  c.nodes.push_back(std::move(n));
  return raw;
}

namespace {

void scan_primitives(Cluster& c, const XmlElement& parent) {
  for (const auto& x : parent.children()) {
    const std::string tag(x.name());
    if (tag == "primitive") {
      if (x.attr_or("class", "") == "ocf" && x.attr_or("provider", "") == "pacemaker" &&
          x.attr_or("type", "") == "remote") {
        const std::string id = x.attr_or("id", "");
        make_remote_node(c, id, id);
      }
      // A guest node: the resource with meta remote-node=NAME runs it.
      std::map<std::string, std::string> meta;
      unpack_nvpair_sets(x, "meta_attributes", meta, nullptr);
      auto it = meta.find("remote-node");
      if (it != meta.end() && !it->second.empty()) make_remote_node(c, it->second, it->second)->guest = true;
    } else if (tag == "group") {
      scan_primitives(c, x);
    }
  }
}

Action* first_action(Resource* r, const char* task, const Node* n) {
  for (Action* a : r->actions)
    if (a->task == task && a->interval_ms == 0 && (!n || a->node == n)) return a;
  return nullptr;
}

}  // namespace

void add_remote_nodes(Cluster& c, const XmlElement& cib) {
  auto config = cib.first_child("configuration");
  RuleContext ctx;
  ctx.now = c.now;
  for (const auto& xn : config.first_child("nodes").children("node")) {
    if (xn.attr_or("type", "") != "remote") continue;
    const std::string id = xn.attr_or("id", "");
    Node* n = make_remote_node(c, id, xn.attr_or("uname", id));
    std::map<std::string, std::string> attrs;
    unpack_nvpair_sets(xn, "instance_attributes", attrs, &ctx);
    for (auto& [k, v] : attrs) n->attrs.emplace(k, v);
  }
  scan_primitives(c, config.first_child("resources"));
}

void link_remote_connections(Cluster& c) {
  // Guest nodes get a connection resource of their own, placed with and
  // started after the resource that runs them.
  std::vector<Resource*> containers;
  for (auto& r : c.all_resources) {
    auto it = r->meta.find("remote-node");
    if (it != r->meta.end() && !it->second.empty() && !r->is_group()) containers.push_back(r.get());
  }
  for (Resource* container : containers) {
    const std::string name = container->meta["remote-node"];
    if (c.find_resource(name)) continue;
    auto conn = std::make_unique<Resource>();
    conn->id = name;
    conn->cls = "ocf";
    conn->provider = "pacemaker";
    conn->type = "remote";
    conn->container = container;
    conn->stickiness = container->stickiness;
    // It migrates when its container does.
    auto am = container->meta.find("allow-migrate");
    conn->meta["allow-migrate"] = am == container->meta.end() ? "false" : am->second;
    OpConfig mon;
    mon.id = name + "-monitor-interval-30s";
    mon.name = "monitor";
    mon.interval_ms = 30000;
    conn->ops.push_back(mon);
    Resource* raw = conn.get();
    c.all_resources.push_back(std::move(conn));
    c.resources.push_back(raw);
    auto col = std::make_unique<Colocation>();
    col->id = "child-" + name;
    col->dependent = raw;
    col->primary = container;
    col->score = kInfinity;
    raw->this_with.push_back(col.get());
    container->with_this.push_back(col.get());
    c.colocations.push_back(std::move(col));
    OrderConstraint start{"resource-with-container-" + name, container, "start", raw, "start",
                          kOrderImpliesThen | kOrderRunnableLeft};
    OrderConstraint stop{"resource-with-container-" + name + "-stop", raw, "stop", container, "stop",
                         kOrderImpliesFirst};
    c.orders.push_back(start);
    c.orders.push_back(stop);
  }
  for (auto& r : c.all_resources) {
    if (!is_remote_connection(*r)) continue;
    Node* n = find_by_id_or_name(c, r->id);
    if (!n || !n->remote) continue;
    r->remote_node = n;
    n->remote_rsc = r.get();
    // Remote connections may migrate unless told otherwise.
    if (!r->container) r->meta.emplace("allow-migrate", "true");
  }
}

void determine_remote_online(Cluster& c) {
  for (auto& n : c.nodes) {
    if (!n->remote) continue;
    const Resource* conn = n->remote_rsc;
    n->online = conn && conn->role == Role::Started && !conn->failed;
    if (conn && conn->container && (conn->container->role == Role::Stopped || conn->container->failed))
      n->online = false;
    // A guest whose container's host is down and unclean is down too (it is
    // reset once the host is fenced).
    if (conn && conn->container && conn->container->running_on.size() == 1) {
      const Node* host = conn->container->running_on.front();
      if (!host->online && host->unclean) n->online = false;
    }
    if (is_true(n->attr("standby"))) n->standby = true;
    if (is_true(n->attr("maintenance"))) n->maintenance = true;
  }
}

void reset_unclean_guests(Cluster& c) {
  // A failed connection to a Pacemaker Remote node (not a guest): with
  // fencing, the node is fenced (pacemaker's on-fail=reset-remote).
  for (auto& up : c.nodes) {
    Node* n = up.get();
    if (!n->remote || n->guest || !n->remote_rsc || n->remote_rsc->container) continue;
    const Resource* conn = n->remote_rsc;
    if (!conn->failed || !conn->monitor_failed || conn->running_on.empty() || !c.options.stonith_enabled ||
        n->unclean)
      continue;
    n->unclean = true;
    n->online = false;
    n->fence_reason = "remote connection is unrecoverable";
  }
  for (auto& up : c.nodes) {
    Node* n = up.get();
    if (!n->guest || !n->remote_rsc || !n->remote_rsc->container) continue;
    Resource* container = n->remote_rsc->container;
    // (A host found unclean while its history was read takes its guests down.)
    const bool host_unclean = container->running_on.size() == 1 && !container->running_on.front()->online &&
                              container->running_on.front()->unclean;
    if (host_unclean) n->online = false;
    if (n->online && !n->guest_reset) continue;
    // on-fail=fence of something there, a failed container, or a container
    // on a host that is down and unclean: the guest needs a reset.
    // Resources active on the guest, or on-fail=fence of one there, fence
    // it the way pacemaker fences a guest: its container is marked failed
    // (recovered). A failed container, or one on an unclean host, just
    // needs the reset.
    bool fenced = n->guest_reset;
    for (Resource* r : n->running)
      if (r->managed && !r->maintenance && !n->maintenance) {
        fenced = true;
        r->failed = true;
      }
    if (!fenced && !container->failed && !host_unclean) continue;
    // An unmanaged container cannot be recovered: the guest is left alone.
    if (!container->managed) {
      n->guest_reset = false;
      continue;
    }
    n->guest_reset = true;
    if (fenced) container->failed = true;
  }
}

void ban_connections_from_remote_nodes(Cluster& c) {
  // A guest's connection may go wherever its container goes (even in an
  // asymmetric cluster); the colocation with the container decides.
  for (auto& r : c.all_resources)
    if (r->container)
      for (auto& n : c.nodes)
        if (!n->remote) r->allowed.emplace(n->index, 0);
  for (auto& r : c.all_resources) {
    if (!is_remote_connection(*r) && !r->is_fence_device() && !r->meta.count("remote-node")) continue;
    for (auto& n : c.nodes)
      if (n->remote) r->allowed[n->index] = -kInfinity;
  }
}

void after_connection_assigned(Cluster& c, Resource* conn) {
  (void)c;
  Node* n = conn->remote_node;
  if (!n) return;
  if (conn->assigned && conn->next_role != Role::Stopped) {
    n->online = true;
  } else {
    n->shutdown = true;
  }
}

namespace {

// An action on a guest node (pacemaker's container ordering): starts and
// promotes wait for the container's start (and are recovered with it) and
// the connection's; stops and demotes come before the connection stops
// unless the failed container implies them; anything else waits for the
// connection (recurring monitors need it to stay up).
void order_guest_action(Cluster& c, Action* a, Resource* conn) {
  Resource* container = conn->container;
  auto start_of = [&](Resource* r) {
    Action* s = first_action(r, "start", r->assigned);
    return s ? s : placeholder_first(c, r, "start");
  };
  if (a->interval_ms == 0 && (a->task == "start" || a->task == "promote")) {
    // (Edges are applied latest first: the container's decides the reason.)
    c.order(start_of(conn), a, kOrderRunnableLeft);
    c.order(start_of(container), a, kOrderRunnableLeft | kOrderImpliesThen);
  } else if (a->interval_ms == 0 && (a->task == "stop" || a->task == "demote")) {
    if (container->failed) return;
    for (Action* s : conn->actions)
      if (s->task == "stop") c.order(a, s, kOrderOptional);
  } else {
    c.order(start_of(conn), a, kOrderRunnableLeft | (a->interval_ms > 0 ? kOrderImpliesThen : 0));
  }
}

}  // namespace

void order_remote_actions(Cluster& c) {
  for (size_t i = 0, count = c.actions.size(); i < count; ++i) {
    Action* a = c.actions[i].get();
    if (a->kind != ActionKind::Resource || !a->rsc || !a->node || !a->node->remote) continue;
    Resource* conn = a->node->remote_rsc;
    if (!conn || a->rsc == conn) continue;
    // A migrating connection stays up throughout.
    if (!c.find_actions(conn, "migrate_from").empty()) continue;
    if (conn->container) {
      order_guest_action(c, a, conn);
      continue;
    }
    Action* conn_start = first_action(conn, "start", conn->assigned);
    Action* conn_stop = nullptr;
    for (Action* s : conn->actions)
      if (s->task == "stop") conn_stop = s;
    const bool conn_staying = conn->assigned && conn->next_role != Role::Stopped;
    if (a->task == "stop") {
      if (!conn_staying || (conn->running_on.size() == 1 && conn->assigned != conn->current_node())) {
        if (conn_stop) c.order(a, conn_stop, kOrderImpliesFirst);
      } else if (conn_start) {
        c.order(conn_start, a, kOrderRunnableLeft);
      }
      continue;
    }
    // A demote where the connection is up relies on the stop's ordering (it
    // is not blocked by a connection that is going away).
    if (a->task == "demote" && !conn->running_on.empty() && !conn->failed) continue;
    if (!conn_start) {
      // The connection will not run: nothing can happen on the node.
      if (!conn_staying) a->runnable = false;
      continue;
    }
    const uint32_t extra = a->interval_ms > 0 ? kOrderImpliesThen : 0;
    c.order(conn_start, a, kOrderRunnableLeft | extra);
    // On a guest node, recovering the container recovers what runs inside
    // (pacemaker orders the container's start before starts and promotes
    // there, implying them).
    if (conn->container && a->interval_ms == 0 && (a->task == "start" || a->task == "promote"))
      if (Action* container_start = first_action(conn->container, "start", conn->container->assigned))
        c.order(container_start, a, kOrderImpliesThen);
  }
}

}  // namespace halab::scheduler
