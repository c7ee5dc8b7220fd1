// <resources>: primitives and groups with their meta attributes (own, then
// the parent's, then rsc_defaults, as pacemaker layers them) and operations.
// Clones and promotable clones are unpacked in clone_unpack.cpp, bundles in
// bundle_unpack.cpp.
#include <algorithm>
#include <initializer_list>

#include "stack/scheduler/bundle.hpp"
#include "stack/scheduler/rules.hpp"
#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

namespace {

std::map<std::string, XmlElement> templates_of(const XmlElement& resources) {
  std::map<std::string, XmlElement> out;
  for (const auto& t : resources.children("template")) out[t.attr_or("id", "")] = t;
  return out;
}

// Whether a fence device (anywhere, also in a group or clone) has the meta
// attribute provides=unfencing; known before any resource's requires is.
bool any_device_provides_unfencing(const XmlElement& parent) {
  for (const auto& x : parent.children()) {
    if (x.name() == "primitive" && x.attr_or("class", "") == "stonith") {
      std::map<std::string, std::string> meta;
      unpack_nvpair_sets(x, "meta_attributes", meta, nullptr);
      if (meta.count("provides") && meta["provides"] == "unfencing") return true;
    } else if (x.name() == "group" || x.name() == "clone" || x.name() == "master") {
      if (any_device_provides_unfencing(x)) return true;
    }
  }
  return false;
}

void apply_meta(Cluster& c, Resource& r) {
  auto get = [&](const char* k) -> std::optional<std::string> {
    auto it = r.meta.find(k);
    if (it == r.meta.end()) return std::nullopt;
    return it->second;
  };
  if (auto v = get("priority")) r.priority = parse_score_or(*v, 0);
  if (auto v = get("resource-stickiness")) r.stickiness = parse_score_or(*v, 0);
  if (auto v = get("migration-threshold")) {
    r.migration_threshold = parse_score_or(*v, kInfinity);
    if (r.migration_threshold < 0) r.migration_threshold = 0;
  }
  if (auto v = get("failure-timeout")) r.failure_timeout_s = parse_interval_ms(*v) / 1000;
  if (auto v = get("is-managed")) r.managed = is_true(*v);
  if (auto v = get("maintenance"); v && is_true(*v)) r.managed = false, r.maintenance = true;
  if (c.options.maintenance_mode) r.managed = false;
  if (auto v = get("target-role")) {
    Role t = parse_role(*v);
    if (t != Role::Unknown) r.target_role = t;  // an explicit Started overrides a parent's Stopped
  }
  if (auto v = get("restart-type")) r.restart_type_ignore = *v == "ignore";
  // Fence devices need quorum but not fencing; others need fencing when it is enabled.
  std::string requires_ = (r.is_fence_device() || !c.options.stonith_enabled) ? "quorum"
                          : c.enable_unfencing                                ? "unfencing"
                                                                              : "fencing";
  if (auto v = get("requires")) requires_ = *v;
  // Fence devices never need unfencing; without fencing nothing does.
  if (requires_ == "unfencing" && (r.is_fence_device() || !c.options.stonith_enabled)) requires_ = "quorum";
  r.needs_fencing = requires_ == "fencing" || requires_ == "unfencing";
  r.needs_unfencing = requires_ == "unfencing";
  r.needs_nothing = requires_ == "nothing";
}

void unpack_ops(Resource& r, const XmlElement& xml) {
  for (const auto& op : xml.first_child("operations").children("op")) {
    OpConfig oc;
    oc.id = op.attr_or("id", "");
    oc.name = op.attr_or("name", "");
    oc.interval_ms = parse_interval_ms(op.attr_or("interval", "0"));
    if (oc.interval_ms < 0) oc.interval_ms = 0;
    oc.role = parse_role(op.attr_or("role", ""));
    oc.on_fail = op.attr_or("on-fail", "");
    oc.timeout_ms = std::max(0L, long(parse_interval_ms(op.attr_or("timeout", "0"))));
    std::map<std::string, std::string> meta;
    unpack_nvpair_sets(op, "meta_attributes", meta, nullptr);
    if (oc.on_fail.empty() && meta.count("on-fail")) oc.on_fail = meta["on-fail"];
    if (!op.has_attr("timeout") && meta.count("timeout"))
      oc.timeout_ms = std::max(0L, long(parse_interval_ms(meta["timeout"])));
    unpack_nvpair_sets(op, "instance_attributes", oc.params, nullptr);
    auto enabled = op.attr("enabled");
    if (!enabled && meta.count("enabled")) enabled = meta["enabled"];
    oc.enabled = !enabled || is_true(*enabled);
    r.ops.push_back(oc);
  }
}

}  // namespace

Resource* unpack_primitive(Cluster& c, const XmlElement& xml, Resource* parent,
                           const std::map<std::string, XmlElement>& templates) {
  auto r = std::make_unique<Resource>();
  r->id = xml.attr_or("id", "");
  r->parent = parent;
  XmlElement tmpl;
  if (auto t = xml.attr("template")) {
    auto it = templates.find(*t);
    if (it != templates.end()) tmpl = it->second;
    r->template_id = *t;
  }
  auto from = [&](const char* k) { return xml.has_attr(k) ? xml.attr_or(k, "") : tmpl ? tmpl.attr_or(k, "") : ""; };
  r->cls = from("class");
  r->provider = from("provider");
  r->type = from("type");
  // Meta: the element's own attributes, its meta sets, the parent's, rsc_defaults.
  RuleContext ctx;
  ctx.now = c.now;
  unpack_nvpair_sets(xml, "meta_attributes", r->meta, &ctx);
  if (tmpl) unpack_nvpair_sets(tmpl, "meta_attributes", r->meta, &ctx);
  // The agent's parameters (pacemaker skips nvpairs without a value); with
  // rules (per-node values), evaluated for each node.
  auto params_for = [&](const Node* n) {
    RuleContext pctx = ctx;
    pctx.node = n;
    std::map<std::string, std::string> out;
    for (const XmlElement* owner : std::initializer_list<const XmlElement*>{&xml, &tmpl}) {
      if (!*owner) continue;
      for (const auto& set : sorted_nvpair_sets(*owner, "instance_attributes")) {
        if (auto rule = set.first_child("rule"); rule && !evaluate_rule(rule, pctx)) continue;
        for (const auto& nv : set.children("nvpair"))
          if (auto name = nv.attr("name"), value = nv.attr("value"); name && value && *value != "#default")
            out.emplace(*name, *value);
      }
    }
    // A group's or clone's parameters reach its members (theirs win).
    for (const Resource* p = parent; p; p = p->parent)
      for (const auto& [k, v] : p->params) out.emplace(k, v);
    return out;
  };
  r->params = params_for(nullptr);
  bool per_node = false;
  for (const XmlElement* owner : std::initializer_list<const XmlElement*>{&xml, &tmpl})
    if (*owner)
      for (const auto& set : owner->children("instance_attributes")) per_node = per_node || set.first_child("rule");
  if (per_node)
    for (auto& n : c.nodes) r->params_on[n->index] = params_for(n.get());
  if (parent)
    for (auto& [k, v] : parent->meta)
      if (!r->meta.count(k)) r->meta[k] = v;
  // rsc_defaults may carry rules about the resource's agent.
  RuleContext rctx;
  rctx.now = c.now;
  rctx.rsc_class = &r->cls;
  rctx.rsc_provider = &r->provider;
  rctx.rsc_type = &r->type;
  std::map<std::string, std::string> defaults;
  unpack_nvpair_sets(c.rsc_defaults_xml, "meta_attributes", defaults, &rctx);
  for (auto& [k, v] : c.options.rsc_defaults)
    if (!defaults.count(k)) defaults[k] = v;
  for (auto& [k, v] : defaults)
    if (!r->meta.count(k)) r->meta[k] = v;
  apply_meta(c, *r);
  unpack_ops(*r, xml);
  if (tmpl && r->ops.empty()) unpack_ops(*r, tmpl);
  if (r->is_fence_device()) c.have_fence_device = true;
  Resource* raw = r.get();
  c.all_resources.push_back(std::move(r));
  return raw;
}

Resource* unpack_group(Cluster& c, const XmlElement& xml, Resource* parent,
                       const std::map<std::string, XmlElement>& templates) {
  RuleContext ctx;
  ctx.now = c.now;
  auto g = std::make_unique<Resource>();
  g->id = xml.attr_or("id", "");
  g->variant = Variant::Group;
  g->parent = parent;
  unpack_nvpair_sets(xml, "meta_attributes", g->meta, &ctx);
  unpack_nvpair_sets(xml, "instance_attributes", g->params, &ctx);  // inherited by the members
  if (parent)  // a cloned group: the clone's meta attributes reach its members
    for (auto& [k, v] : parent->meta)
      if (!g->meta.count(k)) g->meta[k] = v;
  std::map<std::string, std::string> own = g->meta;
  for (auto& [k, v] : c.options.rsc_defaults)
    if (!g->meta.count(k)) g->meta[k] = v;
  apply_meta(c, *g);
  if (own.count("ordered")) g->group_ordered = is_true(own["ordered"]);
  if (own.count("collocated")) g->group_colocated = is_true(own["collocated"]);
  Resource* graw = g.get();
  // Children inherit only what the group sets explicitly.
  graw->meta = own;
  c.all_resources.push_back(std::move(g));
  for (const auto& child : xml.children("primitive")) {
    Resource* p = unpack_primitive(c, child, graw, templates);
    graw->children.push_back(p);
  }
  // The group's own stickiness/priority are the defaults-applied values.
  for (auto& [k, v] : c.options.rsc_defaults)
    if (!graw->meta.count(k)) graw->meta[k] = v;
  return graw;
}

void unpack_resources(Cluster& c, const XmlElement& cib) {
  auto resources = cib.first_child("configuration").first_child("resources");
  c.rsc_defaults_xml = cib.first_child("configuration").first_child("rsc_defaults");
  auto templates = templates_of(resources);
  c.templates = templates;
  c.enable_unfencing = any_device_provides_unfencing(resources);
  for (const auto& xml : resources.children()) {
    const auto tag = xml.name();
    if (tag == "primitive") {
      c.resources.push_back(unpack_primitive(c, xml, nullptr, templates));
    } else if (tag == "group") {
      c.resources.push_back(unpack_group(c, xml, nullptr, templates));
    } else if (tag == "clone" || tag == "master") {
      if (Resource* clone = unpack_clone(c, xml, templates)) c.resources.push_back(clone);
    } else if (tag == "bundle") {
      unpack_bundle(c, xml);  // pushes the bundle and its parts
    } else if (tag == "template") {
      continue;
    } else {
      c.warnings.push_back("resource " + xml.attr_or("id", "?") + ": <" + std::string(tag) +
                           "> is not supported by halab's scheduler yet; ignored");
    }
  }
  // Pacemaker keeps resources sorted by priority (stable for equal ones).
  std::stable_sort(c.resources.begin(), c.resources.end(),
                   [](const Resource* a, const Resource* b) { return a->priority > b->priority; });
}

}  // namespace halab::scheduler
