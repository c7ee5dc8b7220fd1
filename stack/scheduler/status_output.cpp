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
  // Anonymous clone instances go by their configured id.
  const Resource* clone = r->clone_parent();
  const std::string& name = (clone && !clone->clone.unique) ? r->base_id : r->id;
  std::string s = indent + "* " + name + "\t(" + r->agent() + "):\t ";
  if (r->orphan) s += "ORPHANED ";
  if (rv.on.empty()) {
    s += "Stopped";
  } else {
    // pacemaker shows a promotable clone's instances by role
    bool promotable = false;
    for (const Resource* p = r->parent; p; p = p->parent)
      if (p->is_clone() && p->clone.promotable) promotable = true;
    const Role role = after ? r->next_role : r->role;
    const char* running = role == Role::Promoted ? "Promoted" : promotable ? "Unpromoted" : "Started";
    s += rv.failed ? "FAILED" : (!after && !r->pending_task.empty() ? r->pending_task : running);
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

bool active_all(const Resource* inst, const View& v) {
  if (inst->is_group()) {
    for (const Resource* m : inst->children)
      if (v.rscs.at(m).on.empty()) return false;
    return !inst->children.empty();
  }
  return !v.rscs.at(inst).on.empty();
}

bool active_any(const Resource* inst, const View& v) {
  if (inst->is_group()) {
    for (const Resource* m : inst->children)
      if (!v.rscs.at(m).on.empty()) return true;
    return false;
  }
  return !v.rscs.at(inst).on.empty();
}

std::string instance_lines(const Cluster& c, const Resource* inst, const View& v, const std::string& indent,
                           bool after) {
  if (!inst->is_group()) return resource_line(c, inst, v, indent, after);
  std::string out = indent + "* Resource Group: " + inst->id + ":\n";
  for (const Resource* m : inst->children) out += resource_line(c, m, v, indent + "  ", after);
  return out;
}

// crm_mon's clone view: a unique clone lists every instance; an anonymous
// one folds healthy instances into "Started: [ ... ]" (or Promoted /
// Unpromoted) and lists the nodes where none runs as "Stopped".
std::string clone_lines(const Cluster& c, const Resource* clone, const View& v, bool after) {
  const Resource* first = clone->children.empty() ? nullptr : clone->children.front();
  std::string child_name = first ? first->base_id : std::string();
  std::string out = "    * Clone Set: " + clone->id + " [" + child_name + "]";
  std::vector<std::string> flags;
  if (clone->clone.promotable) flags.push_back("promotable");
  if (clone->clone.unique) flags.push_back("unique");
  if (!clone->managed) flags.push_back("unmanaged");
  if (clone->target_role == Role::Stopped) flags.push_back("disabled");
  if (!flags.empty()) {
    out += " (";
    for (size_t i = 0; i < flags.size(); ++i) out += (i ? ", " : "") + flags[i];
    out += ")";
  }
  out += ":\n";
  // Instances in number order, as pacemaker lists them.
  std::vector<const Resource*> insts(clone->children.begin(), clone->children.end());
  auto number = [](const Resource* r) { return std::atoi(r->id.c_str() + r->id.rfind(':') + 1); };
  std::sort(insts.begin(), insts.end(), [&](const Resource* a, const Resource* b) { return number(a) < number(b); });
  std::set<const Node*> active_on;
  std::vector<const Node*> promoted, unpromoted, started;
  // pacemaker lists the Stopped nodes only when some instance is not
  // cleanly running (inactive, not made, or shown on its own line)
  bool some_inactive = false;
  for (const Resource* inst : insts) {
    const bool any = active_any(inst, v);
    if (any) {
      std::vector<const Resource*> prims;
      if (inst->is_group()) prims.assign(inst->children.begin(), inst->children.end());
      else prims.push_back(inst);
      for (const Resource* p : prims)
        for (const Node* n : v.rscs.at(p).on) active_on.insert(n);
    }
    if (clone->clone.unique) {
      if (inst->orphan && !any) continue;
      out += instance_lines(c, inst, v, "      ", after);
      continue;
    }
    if (!any) continue;
    bool full = inst->orphan || !active_all(inst, v);
    std::vector<const Resource*> prims;
    if (inst->is_group()) prims.assign(inst->children.begin(), inst->children.end());
    else prims.push_back(inst);
    for (const Resource* p : prims)
      if (!p->managed || v.rscs.at(p).failed || (!after && !p->pending_task.empty())) full = true;
    const Node* where = nullptr;
    if (!full) {
      for (const Resource* p : prims) {
        const auto& on = v.rscs.at(p).on;
        if (on.size() != 1 || (where && where != on.front())) full = true;
        else where = on.front();
      }
    }
    if (!full && where && !v.nodes.at(where).online && v.nodes.at(where).unclean) full = true;
    if (full) {
      some_inactive = true;
      out += instance_lines(c, inst, v, "      ", after);
      continue;
    }
    Role role = inst->is_group() ? inst->children.front()->role : inst->role;
    if (after) role = inst->is_group() ? inst->children.front()->next_role : inst->next_role;
    if (role == Role::Promoted) promoted.push_back(where);
    else if (clone->clone.promotable) unpromoted.push_back(where);
    else started.push_back(where);
  }
  auto list = [&](const char* label, std::vector<const Node*> nodes) {
    if (nodes.empty()) return;
    std::sort(nodes.begin(), nodes.end(), [](const Node* a, const Node* b) { return a->index < b->index; });
    out += std::string("      * ") + label + ": [";
    for (const Node* n : nodes) out += " " + n->uname;
    out += " ]\n";
  };
  list("Promoted", promoted);
  list("Unpromoted", unpromoted);
  list("Started", started);
  int made = 0;
  for (const Resource* inst : insts)
    if (!inst->orphan) {
      ++made;
      if (!active_any(inst, v)) some_inactive = true;
    }
  if (clone->clone.max > made) some_inactive = true;
  if (!clone->clone.unique && some_inactive) {
    std::vector<const Node*> stopped;
    for (auto& n : c.nodes) {
      const bool allowed = c.options.symmetric || clone->allowed.count(n->index);
      if (allowed && !active_on.count(n.get())) stopped.push_back(n.get());
    }
    list("Stopped", stopped);
  }
  return out;
}

// crm_mon's bundle view: one line per replica, named after its guest node
// (or its container when there is no primitive inside), with the inner
// primitive's agent and role and the node its container runs on.
std::string bundle_lines(const Cluster& c, const Resource* b, const View& v, bool after) {
  const BundleData& d = *b->bundle_data;
  std::string out = "    * Container bundle" + std::string(d.replicas.size() > 1 ? " set" : "") + ": " + b->id + " [" +
                    d.image + "]";
  if (!b->managed) out += " (unmanaged)";
  else if (b->target_role == Role::Stopped) out += " (disabled)";
  out += ":\n";
  for (const auto& rep : d.replicas) {
    const Resource* shown = rep.child ? rep.child : rep.container;
    const RscView& cv = v.rscs.at(rep.container);
    const RscView& sv = v.rscs.at(shown);
    std::string name = rep.remote ? rep.remote->id : rep.container->id;
    if (rep.ip) {
      auto ip = rep.ip->params.find("ip");
      if (ip != rep.ip->params.end()) name += " (" + ip->second + ")";
    }
    std::string s = "      * " + name + "\t(" + shown->agent() + "):\t ";
    const Role role = after ? shown->next_role : shown->role;
    const bool promotable = rep.child && d.child_clone && d.child_clone->clone.promotable;
    std::string state = sv.on.empty() ? "Stopped"
                        : role == Role::Promoted ? "Promoted"
                        : promotable             ? "Unpromoted"
                                                 : "Started";
    if (sv.failed) state = sv.on.empty() && role != Role::Promoted ? "FAILED" : "FAILED " + state;
    if (sv.failed && state == "FAILED Started") state = "FAILED";
    s += state;
    if (!cv.on.empty()) {
      s += " " + cv.on.front()->uname;
      if (v.nodes.at(cv.on.front()).unclean) s += " (UNCLEAN)";
    }
    if (!b->managed) s += " (unmanaged)";
    out += s + "\n";
  }
  return out;
}

}  // namespace

std::string cluster_status(const Cluster& c, bool after) {
  View v = after ? revised_view(c) : current_view(c);
  std::string out = "  * Node List:\n";
  std::vector<std::string> online, offline, remote_online, remote_offline, guest_online;
  for (auto& n : c.nodes) {
    NodeView nv = v.nodes.at(n.get());
    if (n->remote && n->remote_rsc) {
      // A remote or guest node is up while its connection runs (the node's
      // own flag already says what this transition will do).
      const RscView& conn = v.rscs.at(n->remote_rsc);
      nv.online = !conn.on.empty() && !conn.failed;
      if (n->remote_rsc->container && v.rscs.at(n->remote_rsc->container).on.empty()) nv.online = false;
    }
    std::string special;
    bool has_rsc = false;
    for (auto& [r, rv] : v.rscs)
      if (std::find(rv.on.begin(), rv.on.end(), n.get()) != rv.on.end()) has_rsc = true;
    if (nv.unclean) special = nv.online ? "UNCLEAN (online)" : "UNCLEAN (offline)";
    else if (nv.pending && nv.online) special = "pending";
    else if (nv.standby && nv.online) special = has_rsc ? "standby (with active resources)" : "standby";
    else if (nv.standby && !nv.online && !nv.pending) special = "OFFLINE (standby)";
    else if (nv.maintenance) special = nv.online ? "maintenance" : "OFFLINE (maintenance)";
    if (!special.empty()) out += std::string(n->remote ? "    * RemoteNode " : "    * Node ") + n->uname + ": " + special + "\n";
    else if (n->guest) {
      if (nv.online) guest_online.push_back(n->uname);  // stopped guests are not listed
    } else if (n->remote) (nv.online ? remote_online : remote_offline).push_back(n->uname);
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
  list("RemoteOnline", remote_online);
  list("RemoteOFFLINE", remote_offline);
  list("GuestOnline", guest_online);
  out += "\n  * Full List of Resources:\n";
  bool any = false;
  for (const Resource* r : c.resources) {
    if (r->orphan && v.rscs.at(r).on.empty()) continue;
    if (r->bundle) continue;  // shown with its bundle
    any = true;
    if (r->bundle_data) {
      out += bundle_lines(c, r, v, after);
    } else if (r->is_clone()) {
      out += clone_lines(c, r, v, after);
    } else if (r->is_group()) {
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
