// Clones (<clone>, and promotable ones: promotable=true or the legacy
// <master>): their configuration, their instances "rsc:0".."rsc:N-1" (a
// cloned group's members are numbered with their group), and which instance
// an entry of a node's operation history belongs to. Unique clones' history
// names the instance ("rsc:3"); anonymous clones' history usually names only
// the configured id ("rsc") and is matched, per node, to the instance already
// active there or to a free one, as pacemaker does.
#include <algorithm>

#include "stack/scheduler/bundle.hpp"
#include "stack/scheduler/rules.hpp"
#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

namespace {

int meta_int(const std::map<std::string, std::string>& meta, std::initializer_list<const char*> keys, int dflt) {
  for (const char* k : keys) {
    auto it = meta.find(k);
    if (it != meta.end()) return parse_score_or(it->second, dflt);
  }
  return dflt;
}

bool meta_bool(const std::map<std::string, std::string>& meta, const char* key, bool dflt) {
  auto it = meta.find(key);
  return it == meta.end() ? dflt : is_true(it->second);
}

void rename_instance(Resource* r, int n) {
  r->base_id = r->id;
  r->id = r->id + ":" + std::to_string(n);
  for (Resource* ch : r->children) rename_instance(ch, n);
}

}  // namespace

// pacemaker's clone_strip: "rsc:3" -> "rsc".
std::string clone_strip(const std::string& id) {
  auto colon = id.rfind(':');
  if (colon == std::string::npos) return id;
  for (size_t i = colon + 1; i < id.size(); ++i)
    if (id[i] < '0' || id[i] > '9') return id;
  return colon + 1 < id.size() ? id.substr(0, colon) : id;
}

Resource* new_clone_instance(Cluster& c, Resource* clone) {
  auto it = c.clone_child_xml.find(clone->id);
  if (it == c.clone_child_xml.end()) return nullptr;
  const int n = int(clone->children.size());
  Resource* inst = it->second.name() == "group" ? unpack_group(c, it->second, clone, c.templates)
                                                : unpack_primitive(c, it->second, clone, c.templates);
  rename_instance(inst, n);
  clone->children.push_back(inst);
  return inst;
}

Resource* unpack_clone(Cluster& c, const XmlElement& xml, const std::map<std::string, XmlElement>& templates) {
  (void)templates;
  const std::string id = xml.attr_or("id", "");
  XmlElement child;
  for (const auto& ch : xml.children())
    if (ch.name() == "primitive" || ch.name() == "group") {
      child = ch;
      break;
    }
  if (!child) {
    c.warnings.push_back("clone " + id + ": no <primitive> or <group> inside; ignored");
    return nullptr;
  }
  auto clone = std::make_unique<Resource>();
  Resource* r = clone.get();
  r->id = id;
  r->variant = Variant::Clone;
  RuleContext ctx;
  ctx.now = c.now;
  unpack_nvpair_sets(xml, "meta_attributes", r->meta, &ctx);
  unpack_nvpair_sets(xml, "instance_attributes", r->params, &ctx);  // inherited by the instances
  std::map<std::string, std::string> with_defaults = r->meta;
  for (auto& [k, v] : c.options.rsc_defaults)
    if (!with_defaults.count(k)) with_defaults[k] = v;
  CloneConfig& cfg = r->clone;
  cfg.promotable = xml.name() == "master" || meta_bool(r->meta, "promotable", false);
  cfg.unique = meta_bool(r->meta, "globally-unique", false);
  cfg.max = std::max(0, meta_int(r->meta, {"clone-max"}, int(c.nodes.size())));
  cfg.node_max = std::max(0, meta_int(r->meta, {"clone-node-max"}, 1));
  cfg.min = std::max(0, meta_int(r->meta, {"clone-min"}, 0));
  cfg.promoted_max = std::max(0, meta_int(r->meta, {"promoted-max", "master-max"}, 1));
  cfg.promoted_node_max = std::max(0, meta_int(r->meta, {"promoted-node-max", "master-node-max"}, 1));
  cfg.ordered = meta_bool(r->meta, "ordered", false);
  cfg.interleave = meta_bool(r->meta, "interleave", false);
  cfg.notify = meta_bool(r->meta, "notify", false);
  // Anonymous instances are interchangeable: at most one per node.
  if (!cfg.unique && cfg.node_max > 1) cfg.node_max = 1;
  // Instances are a little sticky unless told otherwise.
  if (!with_defaults.count("resource-stickiness")) r->meta["resource-stickiness"] = "1";
  // The clone's own flags (target-role, is-managed, priority) as for any resource.
  r->priority = meta_int(with_defaults, {"priority"}, 0);
  if (auto it = with_defaults.find("target-role"); it != with_defaults.end()) {
    Role t = parse_role(it->second);
    if (t != Role::Unknown && t != Role::Started) r->target_role = t;
  }
  if (auto it = with_defaults.find("is-managed"); it != with_defaults.end()) r->managed = is_true(it->second);
  if (c.options.maintenance_mode) r->managed = false;
  c.all_resources.push_back(std::move(clone));
  c.clone_child_xml[id] = child;
  for (int i = 0; i < cfg.max; ++i) new_clone_instance(c, r);
  // Even without instances, one orphan ":0" is there to match history against.
  if (cfg.max == 0)
    if (Resource* inst = new_clone_instance(c, r)) inst->orphan = true;
  return r;
}

namespace {

// The member of `inst` (an instance, maybe a cloned group) configured as `base`.
Resource* member_named(Resource* inst, const std::string& base) {
  if (!inst->is_group()) return inst->base_id == base ? inst : nullptr;
  for (Resource* m : inst->children)
    if (m->base_id == base) return m;
  return nullptr;
}

// Where an instance is active (or has a pending action) so far.
std::vector<Node*> instance_locations(const Resource* inst) {
  std::vector<Node*> out;
  auto add = [&](Node* n) {
    if (n && std::find(out.begin(), out.end(), n) == out.end()) out.push_back(n);
  };
  auto visit = [&](const Resource* r) {
    for (Node* n : r->running_on) add(n);
    add(r->pending_node);
  };
  if (inst->is_group())
    for (const Resource* m : inst->children) visit(m);
  else
    visit(inst);
  return out;
}

bool instance_blocked(const Resource* inst) {
  if (inst->blocked) return true;
  for (const Resource* m : inst->children)
    if (m->blocked) return true;
  return false;
}

Resource* find_anonymous_instance(Cluster& c, Resource* clone, Node* node, const std::string& base) {
  Resource* found = nullptr;
  Resource* inactive = nullptr;
  bool skip_inactive = false;
  for (Resource* inst : clone->children) {
    if (found) break;
    auto where = instance_locations(inst);
    if (!where.empty()) {
      if (where.front() != node) continue;
      found = member_named(inst, base);
      // A second history entry on a node where an instance already runs
      // (globally-unique was switched off): an orphan.
      if (found && !found->running_on.empty()) {
        skip_inactive = true;
        found = nullptr;
      }
    } else if (!skip_inactive && !inactive && !instance_blocked(inst)) {
      inactive = member_named(inst, base);
      if (inactive && inactive->pending_node && inactive->pending_node != node) inactive = nullptr;
    }
  }
  if (!found && !skip_inactive) found = inactive;
  // Instances that need no fencing do not keep their number on a node that
  // is gone, unless every node has one anyway.
  if (found && !found->needs_fencing && (!node->online || node->unclean) &&
      clone->clone.max < int(c.nodes.size()))
    found = nullptr;
  if (!found) {
    Resource* inst = new_clone_instance(c, clone);
    if (!inst) return nullptr;
    inst->orphan = true;
    for (Resource* m : inst->children) m->orphan = true;
    found = member_named(inst, base);
  }
  return found;
}

Resource* find_by_name(Cluster& c, const std::string& id) {
  if (Resource* r = c.find_resource(id)) return r;
  for (auto& r : c.all_resources)
    if (r->id == id || r->clone_name == id) return r.get();
  return nullptr;
}

}  // namespace

Resource* find_history_resource(Cluster& c, Node* node, const std::string& rsc_id, bool& orphan_instance) {
  orphan_instance = false;
  Resource* r = find_by_name(c, rsc_id);
  Resource* clone = nullptr;
  if (!r) {
    Resource* zero = c.find_resource(clone_strip(rsc_id) + ":0");
    if (zero && !zero->is_group() && zero->clone_parent() && !zero->clone_parent()->clone.unique) {
      r = zero;
      clone = zero->clone_parent();
    }
  } else if (r->is_group() || r->is_clone()) {
    return nullptr;  // history of something that is no longer a primitive: an orphan
  } else {
    clone = r->clone_parent();
  }
  if (clone && clone->bundle && !clone->clone.unique) {
    // A bundle's instance is the one of the replica whose guest node this is.
    if (Resource* inst = bundle_instance_for_node(clone, node)) r = inst;
  } else if (clone && !clone->clone.unique) {
    r = find_anonymous_instance(c, clone, node, clone_strip(rsc_id));
    if (r && r->orphan) orphan_instance = true;
  }
  if (r && rsc_id != r->id && rsc_id != r->clone_name) r->clone_name = rsc_id;
  return r;
}

}  // namespace halab::scheduler
