// Nodes from <nodes> and their membership from <status>/<node_state>:
// online, offline, standby, maintenance, shutting down, pending, unclean.
#include "stack/scheduler/rules.hpp"
#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

namespace {

void fence_node(Node& n, const std::string& reason) {
  if (!n.unclean) {
    n.unclean = true;
    n.fence_reason = reason;
  }
}

// pacemaker's determine_online_status_fencing: with fencing, any doubt about
// a node that was a member makes it unclean.
bool online_with_fencing(Node& n, const XmlElement& state) {
  const auto join = state.attr_or("join", "");
  const auto in_ccm = state.attr("in_ccm");
  const auto crmd = state.attr_or("crmd", "");
  const auto expected = state.attr_or("expected", "down");
  const bool in_cluster = in_ccm && is_true(*in_ccm);
  const bool crmd_online = crmd == "online";
  const bool terminate = is_true(n.attr("terminate")) || (!n.attr("terminate").empty() && n.attr("terminate") != "0" &&
                                                            n.attr("terminate") != "false");
  bool online = false;
  if (n.shutdown) {
    online = crmd_online;
  } else if (!in_ccm) {
    fence_node(n, "peer has not been seen by the cluster");
  } else if (join == "nack") {
    fence_node(n, "peer failed Pacemaker membership criteria");
  } else if (!terminate && expected == "down") {
    if (in_cluster || crmd_online) {
      n.standby = true;
      n.pending = true;
    }
  } else if (terminate && join == "down" && !in_cluster && !crmd_online) {
    online = false;  // was just shot
  } else if (!in_cluster) {
    fence_node(n, "peer is no longer part of the cluster");
  } else if (!crmd_online) {
    fence_node(n, "peer process is no longer available");
  } else if (terminate) {
    fence_node(n, "termination was requested");
  } else if (join == "member") {
    online = true;
  } else if (join == "pending" || join == "down") {
    n.standby = true;
    n.pending = true;
  } else {
    fence_node(n, "peer was in an unknown state");
  }
  return online;
}

bool online_without_fencing(Node& n, const XmlElement& state) {
  const auto join = state.attr_or("join", "");
  const bool in_cluster = is_true(state.attr_or("in_ccm", "false"));
  const bool crmd_online = state.attr_or("crmd", "") == "online";
  if (!in_cluster) return false;
  if (crmd_online && join == "member") return true;
  if (crmd_online && join != "member") {
    n.pending = true;
    return false;
  }
  return false;
}

}  // namespace

void unpack_nodes(Cluster& c, const XmlElement& cib) {
  auto nodes = cib.first_child("configuration").first_child("nodes");
  RuleContext ctx;
  ctx.now = c.now;
  for (const auto& xn : nodes.children("node")) {
    auto type = xn.attr_or("type", "member");
    if (type == "ping" || type == "remote") continue;  // remote nodes: not supported yet
    auto n = std::make_unique<Node>();
    n->index = int(c.nodes.size());
    n->id = xn.attr_or("id", "");
    n->uname = xn.attr_or("uname", n->id);
    std::map<std::string, std::string> attrs;
    unpack_nvpair_sets(xn, "instance_attributes", attrs, &ctx);
    n->attrs = attrs;
    n->attrs["#uname"] = n->uname;
    n->attrs["#id"] = n->id;
    n->attrs["#kind"] = "cluster";
    n->attrs["#is_dc"] = (!c.dc_uuid.empty() && c.dc_uuid == n->id) ? "true" : "false";
    // Until the status says otherwise, with fencing every node is unclean.
    if (c.options.stonith_enabled && c.options.startup_fencing) {
      n->unclean = true;
      n->fence_reason = "node is unclean";
    }
    c.nodes.push_back(std::move(n));
  }
}

void unpack_node_states(Cluster& c, const XmlElement& cib) {
  auto status = cib.first_child("status");
  for (const auto& state : status.children("node_state")) {
    auto id = state.attr_or("id", "");
    Node* n = nullptr;
    for (auto& cand : c.nodes)
      if (cand->id == id) n = cand.get();
    if (!n) {
      auto uname = state.attr_or("uname", "");
      for (auto& cand : c.nodes)
        if (cand->uname == uname) n = cand.get();
    }
    if (!n) continue;
    if (n->remote) {
      // A remote node's state comes from its connection (remote.cpp).
      std::map<std::string, std::string> transient;
      if (auto ta = state.first_child("transient_attributes")) unpack_nvpair_sets(ta, "instance_attributes", transient, nullptr);
      for (auto& [k, v] : transient) n->attrs[k] = v;
      auto sd = n->attr("shutdown");
      n->shutdown = !sd.empty() && sd != "0";
      continue;
    }
    if (!n->unseen) continue;
    n->unseen = false;
    n->unclean = false;
    n->fence_reason.clear();
    std::map<std::string, std::string> transient;
    if (auto ta = state.first_child("transient_attributes")) unpack_nvpair_sets(ta, "instance_attributes", transient, nullptr);
    for (auto& [k, v] : transient) n->attrs[k] = v;  // status overrides configuration
    auto sd = n->attr("shutdown");
    n->shutdown = !sd.empty() && sd != "0";
    n->expected_up = state.attr_or("expected", "") == "member";
    const bool online =
        c.options.stonith_enabled ? online_with_fencing(*n, state) : online_without_fencing(*n, state);
    n->online = online;
    if (is_true(n->attr("standby"))) n->standby = true;
    if (is_true(n->attr("maintenance"))) n->maintenance = true;
  }
  if (c.options.maintenance_mode)
    for (auto& n : c.nodes) n->maintenance = n->maintenance || false;
  // no-quorum-policy=suicide: once quorum was lost (the CIB says
  // no-quorum-panic), every node that is up fences itself.
  if (!c.options.have_quorum && c.options.no_quorum_policy == "suicide" && is_true(cib.attr_or("no-quorum-panic", "")))
    for (auto& n : c.nodes)
      if (n->online && !n->unclean && !n->remote) {
        n->unclean = true;
        n->fence_reason = "cluster does not have quorum";
      }
}

}  // namespace halab::scheduler
