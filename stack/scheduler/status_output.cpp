// The cluster status as crm_mon/crm_simulate print it, before or after the
// transition. "After" assumes every action in the graph succeeds, as
// crm_simulate -S does.
#include <algorithm>
#include <set>

#include "stack/scheduler/actions.hpp"
#include "stack/scheduler/scheduler.hpp"

namespace halab::scheduler {

namespace {

struct NodeView {
  bool online, unclean, standby, maintenance, pending;
};

struct RscView {
  std::vector<const Node*> on;
  bool failed;
};

struct View {
  std::map<const Node*, NodeView> nodes;
  std::map<const Resource*, RscView> rscs;
};

View current_view(const Cluster& c) {
  View v;
  for (auto& n : c.nodes) v.nodes[n.get()] = {n->online, n->unclean, n->standby, n->maintenance, n->pending};
  for (auto& r : c.all_resources) {
    RscView rv;
    rv.on.assign(r->running_on.begin(), r->running_on.end());
    rv.failed = r->failed;
    v.rscs[r.get()] = rv;
  }
  return v;
}

View revised_view(const Cluster& c) {
  View v = current_view(c);
  for (Action* a : graph_order(c)) {
    if (a->kind == ActionKind::Fence) {
      auto& nv = v.nodes[a->node];
      nv.unclean = false;
      nv.online = a->fence_type == "on";
      for (auto& [r, rv] : v.rscs) rv.on.erase(std::remove(rv.on.begin(), rv.on.end(), a->node), rv.on.end());
    } else if (a->kind == ActionKind::Shutdown) {
      v.nodes[a->node].online = false;
    } else if (a->rsc && !a->rsc->is_group() && a->node) {
      auto& rv = v.rscs[a->rsc];
      if (a->task == "stop") {
        rv.on.erase(std::remove(rv.on.begin(), rv.on.end(), a->node), rv.on.end());
        rv.failed = false;
      } else if (a->task == "start") {
        if (std::find(rv.on.begin(), rv.on.end(), a->node) == rv.on.end()) rv.on.push_back(a->node);
        rv.failed = false;
      }
    }
  }
  return v;
}

std::string resource_line(const Cluster& c, const Resource* r, const View& v, const std::string& indent, bool after) {
  const RscView& rv = v.rscs.at(r);
  std::string s = indent + "* " + r->id + "\t(" + r->agent() + "):\t ";
  if (r->orphan) s += "ORPHANED ";
  if (rv.on.empty()) {
    s += "Stopped";
  } else {
    s += rv.failed ? "FAILED" : (!after && !r->pending_task.empty() ? r->pending_task : "Started");
    if (rv.on.size() == 1) {
      s += " " + rv.on.front()->uname;
      if (v.nodes.at(rv.on.front()).unclean) s += " (UNCLEAN)";
    } else {
      s += " [";
      for (const Node* n : rv.on) s += " " + n->uname;
      s += " ]";
    }
  }
  std::vector<std::string> flags;
  const bool disabled = r->target_role == Role::Stopped || (r->parent && r->parent->target_role == Role::Stopped);
  if (disabled && !r->orphan) flags.push_back("disabled");
  if (!r->managed && !(c.options.stonith_enabled && !c.have_fence_device && !r->blocked)) flags.push_back("unmanaged");
  if (r->blocked) flags.push_back("blocked");
  if (!flags.empty()) {
    s += " (";
    for (size_t i = 0; i < flags.size(); ++i) s += (i ? ", " : "") + flags[i];
    s += ")";
  }
  return s + "\n";
}

}  // namespace

std::string cluster_status(const Cluster& c, bool after) {
  View v = after ? revised_view(c) : current_view(c);
  std::string out = "  * Node List:\n";
  std::vector<std::string> online, offline;
  for (auto& n : c.nodes) {
    const NodeView& nv = v.nodes.at(n.get());
    std::string special;
    bool has_rsc = false;
    for (auto& [r, rv] : v.rscs)
      if (std::find(rv.on.begin(), rv.on.end(), n.get()) != rv.on.end()) has_rsc = true;
    if (nv.unclean) special = nv.online ? "UNCLEAN (online)" : "UNCLEAN (offline)";
    else if (nv.pending && nv.online) special = "pending";
    else if (nv.standby && nv.online) special = has_rsc ? "standby (with active resources)" : "standby";
    else if (nv.standby && !nv.online && !nv.pending) special = "OFFLINE (standby)";
    else if (nv.maintenance) special = nv.online ? "maintenance" : "OFFLINE (maintenance)";
    if (!special.empty()) out += "    * Node " + n->uname + ": " + special + "\n";
    else if (nv.online) online.push_back(n->uname);
    else offline.push_back(n->uname);
  }
  auto list = [&](const char* label, const std::vector<std::string>& names) {
    if (names.empty()) return;
    out += std::string("    * ") + label + ": [";
    for (auto& nm : names) out += " " + nm;
    out += " ]\n";
  };
  list("Online", online);
  list("OFFLINE", offline);
  out += "\n  * Full List of Resources:\n";
  bool any = false;
  for (const Resource* r : c.resources) {
    if (r->orphan && v.rscs.at(r).on.empty()) continue;
    any = true;
    if (r->is_group()) {
      out += "    * Resource Group: " + r->id + ":\n";
      for (const Resource* ch : r->children) out += resource_line(c, ch, v, "      ", after);
    } else {
      out += resource_line(c, r, v, "    ", after);
    }
  }
  if (!any) out += "    * No resources\n";
  return out;
}

}  // namespace halab::scheduler
