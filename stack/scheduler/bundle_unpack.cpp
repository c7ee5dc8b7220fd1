// Unpacking a <bundle> into the resources it implies (see bundle.hpp). The
// parts are written as CIB XML and unpacked like configured resources, so
// meta attributes (the bundle's reach every part), defaults and operations
// follow the same rules as everywhere else.
#include <libxml/tree.h>

#include <algorithm>
#include <cstdio>

#include "stack/scheduler/bundle.hpp"
#include "stack/scheduler/remote.hpp"
#include "stack/scheduler/rules.hpp"
#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

namespace {

const char* kAgents[] = {"docker", "rkt", "podman"};

XmlElement container_element(const XmlElement& bundle, std::string* agent) {
  for (const char* a : kAgents)
    if (auto x = bundle.first_child(a)) {
      *agent = a;
      return x;
    }
  return {};
}

int int_attr(const XmlElement& x, const char* key, int dflt) {
  auto v = x.attr(key);
  if (!v || v->empty()) return dflt;
  return parse_score_or(*v, dflt);
}

// What a bundle's configuration says, before anything is created.
struct BundleConfig {
  std::string id, agent, image;
  int replicas = 1, per_host = 1, promoted_max = 0;
  std::string ip_start, netmask, interface, control_port;
  XmlElement primitive;
};

bool read_config(const XmlElement& xml, BundleConfig& cfg, std::string& error) {
  cfg.id = xml.attr_or("id", "");
  XmlElement box = container_element(xml, &cfg.agent);
  if (!box) {
    error = "no <docker>, <rkt> or <podman>";
    return false;
  }
  cfg.image = box.attr_or("image", "");
  cfg.promoted_max = std::max(0, int_attr(box, "promoted-max", int_attr(box, "masters", 0)));
  cfg.replicas = box.has_attr("replicas") || cfg.promoted_max == 0 ? std::max(0, int_attr(box, "replicas", 1))
                                                                  : cfg.promoted_max;
  cfg.per_host = std::max(1, int_attr(box, "replicas-per-host", 1));
  if (auto net = xml.first_child("network")) {
    cfg.ip_start = net.attr_or("ip-range-start", "");
    cfg.netmask = net.attr_or("host-netmask", "");
    cfg.interface = net.attr_or("host-interface", "");
    cfg.control_port = net.attr_or("control-port", "");
  }
  // pacemaker: a control port without an IP range allows one replica per host.
  if (cfg.ip_start.empty() && !cfg.control_port.empty()) cfg.per_host = 1;
  cfg.primitive = xml.first_child("primitive");
  if (cfg.primitive && cfg.ip_start.empty() && cfg.control_port.empty()) {
    error = "cannot control " + cfg.primitive.attr_or("id", "?") + " without ip-range-start or control-port";
    return false;
  }
  return true;
}

// pacemaker's next address in an IPv4 range (the last octet wraps at 254).
std::string next_ip(const std::string& last) {
  unsigned a, b, c, d;
  if (std::sscanf(last.c_str(), "%u.%u.%u.%u", &a, &b, &c, &d) != 4 || c > 253) return {};
  if (d > 253) ++c, d = 1;
  else ++d;
  return std::to_string(a) + "." + std::to_string(b) + "." + std::to_string(c) + "." + std::to_string(d);
}

std::string esc(const std::string& v) {
  std::string out;
  for (char ch : v) {
    switch (ch) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      default: out += ch;
    }
  }
  return out;
}

std::string nvpair(const std::string& id, const std::string& name, const std::string& value) {
  return "<nvpair id=\"" + esc(id) + "\" name=\"" + esc(name) + "\" value=\"" + esc(value) + "\"/>";
}

std::string dump(const XmlElement& e) {
  xmlBufferPtr buf = xmlBufferCreate();
  xmlNodeDump(buf, e.raw()->doc, e.raw(), 0, 0);
  std::string out(reinterpret_cast<const char*>(xmlBufferContent(buf)), size_t(xmlBufferLength(buf)));
  xmlBufferFree(buf);
  return out;
}

// The meta attributes of the bundle element, which every part inherits.
std::string bundle_meta_xml(const XmlElement& xml) {
  std::string out;
  for (const auto& set : xml.children("meta_attributes")) out += dump(set);
  return out;
}

}  // namespace

void add_bundle_nodes(Cluster& c, const XmlElement& cib) {
  auto resources = cib.first_child("configuration").first_child("resources");
  for (const auto& xml : resources.children("bundle")) {
    BundleConfig cfg;
    std::string error;
    if (!read_config(xml, cfg, error) || !cfg.primitive) continue;
    for (int i = 0; i < cfg.replicas; ++i) {
      const std::string name = cfg.id + "-" + std::to_string(i);
      Node* n = make_remote_node(c, name, name);
      n->guest = true;
      n->attrs["#kind"] = "container";
    }
  }
}

Resource* unpack_bundle(Cluster& c, const XmlElement& xml) {
  BundleConfig cfg;
  std::string error;
  if (!read_config(xml, cfg, error)) {
    c.warnings.push_back("bundle " + cfg.id + " (line " + std::to_string(xml.line()) + "): " + error + "; ignored");
    return nullptr;
  }
  // The bundle: a clone whose instances are the containers.
  auto owned = std::make_unique<Resource>();
  Resource* b = owned.get();
  b->id = cfg.id;
  b->variant = Variant::Clone;
  RuleContext ctx;
  ctx.now = c.now;
  unpack_nvpair_sets(xml, "meta_attributes", b->meta, &ctx);
  b->clone.bundle = true;
  b->clone.unique = true;  // containers are matched by their own names, never as anonymous instances
  b->clone.max = cfg.replicas;
  b->clone.node_max = cfg.per_host;
  std::map<std::string, std::string> with_defaults = b->meta;
  for (auto& [k, v] : c.options.rsc_defaults)
    if (!with_defaults.count(k)) with_defaults[k] = v;
  b->priority = with_defaults.count("priority") ? parse_score_or(with_defaults["priority"], 0) : 0;
  if (auto it = with_defaults.find("target-role"); it != with_defaults.end()) {
    Role t = parse_role(it->second);
    if (t != Role::Unknown && t != Role::Started) b->target_role = t;
  }
  if (auto it = with_defaults.find("is-managed"); it != with_defaults.end()) b->managed = is_true(it->second);
  if (c.options.maintenance_mode) b->managed = false;
  c.all_resources.push_back(std::move(owned));

  auto data = std::make_unique<BundleData>();
  BundleData* d = data.get();
  d->rsc = b;
  d->image = cfg.image;
  d->agent = cfg.agent;
  d->replicas_per_host = cfg.per_host;
  d->promoted_max = cfg.promoted_max;
  b->bundle_data = d;
  c.bundles.push_back(std::move(data));

  // The parts, as XML.
  const std::string meta = bundle_meta_xml(xml);
  std::string text = "<bundle-parts>";
  std::vector<std::string> ips(size_t(cfg.replicas));
  std::string last_ip;
  for (int i = 0; i < cfg.replicas && !cfg.ip_start.empty(); ++i) {
    last_ip = last_ip.empty() ? cfg.ip_start : next_ip(last_ip);
    ips[size_t(i)] = last_ip;
  }
  for (int i = 0; i < cfg.replicas; ++i) {
    const std::string n = std::to_string(i);
    const std::string cid = cfg.id + "-" + cfg.agent + "-" + n;
    text += "<primitive id=\"" + esc(cid) + "\" class=\"ocf\" provider=\"heartbeat\" type=\"" + cfg.agent + "\">" +
            meta + "<instance_attributes id=\"" + esc(cfg.id) + "-attributes-" + n + "\">" +
            nvpair(cid + "-image", "image", cfg.image) + nvpair(cid + "-allow_pull", "allow_pull", "true") +
            nvpair(cid + "-force_kill", "force_kill", "false") + nvpair(cid + "-reuse", "reuse", "false") +
            "</instance_attributes><operations><op id=\"" + esc(cid) +
            "-monitor-60s\" name=\"monitor\" interval=\"60s\"/></operations></primitive>";
    if (!ips[size_t(i)].empty()) {
      const std::string ipid = cfg.id + "-ip-" + ips[size_t(i)];
      text += "<primitive id=\"" + esc(ipid) + "\" class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr2\">" + meta +
              "<instance_attributes id=\"" + esc(ipid) + "-attributes\">" + nvpair(ipid + "-ip", "ip", ips[size_t(i)]) +
              (cfg.interface.empty() ? "" : nvpair(ipid + "-nic", "nic", cfg.interface)) +
              nvpair(ipid + "-cidr_netmask", "cidr_netmask", cfg.netmask.empty() ? "32" : cfg.netmask) +
              "</instance_attributes><operations><op id=\"" + esc(ipid) +
              "-monitor-60s\" name=\"monitor\" interval=\"60s\"/></operations></primitive>";
    }
    if (cfg.primitive) {
      const std::string rid = cfg.id + "-" + n;
      text += "<primitive id=\"" + esc(rid) + "\" class=\"ocf\" provider=\"pacemaker\" type=\"remote\">" + meta +
              "<instance_attributes id=\"" + esc(rid) + "-instance_attributes\">" +
              nvpair(rid + "-addr", "addr", ips[size_t(i)].empty() ? "#uname" : ips[size_t(i)]) +
              nvpair(rid + "-port", "port", cfg.control_port.empty() ? "3121" : cfg.control_port) +
              "</instance_attributes><operations><op id=\"" + esc(rid) +
              "-monitor-30s\" name=\"monitor\" interval=\"30s\"/></operations></primitive>";
    }
  }
  std::string clone_id;
  if (cfg.primitive) {
    clone_id = cfg.id + (cfg.promoted_max > 0 ? "-master" : "-clone");
    text += "<clone id=\"" + esc(clone_id) + "\">" + meta + "<meta_attributes id=\"" + esc(clone_id) + "-meta\">" +
            nvpair(clone_id + "-ordered", "ordered", "true") +
            nvpair(clone_id + "-clone-max", "clone-max", std::to_string(cfg.replicas)) +
            nvpair(clone_id + "-clone-node-max", "clone-node-max", std::to_string(cfg.per_host)) +
            nvpair(clone_id + "-globally-unique", "globally-unique", cfg.per_host > 1 ? "true" : "false");
    if (cfg.promoted_max > 0)
      text += nvpair(clone_id + "-promotable", "promotable", "true") +
              nvpair(clone_id + "-promoted-max", "promoted-max", std::to_string(cfg.promoted_max));
    text += "</meta_attributes>" + dump(cfg.primitive) + "</clone>";
  }
  text += "</bundle-parts>";
  d->generated = XmlDocument::parse_string(text, "bundle " + cfg.id);
  const XmlElement parts = d->generated.root();

  auto part = [&](const std::string& id) -> XmlElement {
    for (const auto& x : parts.children())
      if (x.attr_or("id", "") == id) return x;
    return {};
  };
  // Parts are unpacked with the bundle as their parent (its meta reaches
  // them); only the containers stay its children.
  auto unpack_part = [&](const std::string& id, bool child_of_bundle) -> Resource* {
    XmlElement x = part(id);
    if (!x) return nullptr;
    Resource* r = unpack_primitive(c, x, b, c.templates);
    r->bundle = b;
    if (!child_of_bundle) r->parent = nullptr;
    return r;
  };
  c.resources.push_back(b);
  for (int i = 0; i < cfg.replicas; ++i) {
    BundleReplica rep;
    rep.container = unpack_part(cfg.id + "-" + cfg.agent + "-" + std::to_string(i), true);
    b->children.push_back(rep.container);
    if (!ips[size_t(i)].empty()) rep.ip = unpack_part(cfg.id + "-ip-" + ips[size_t(i)], false);
    if (cfg.primitive) {
      rep.remote = unpack_part(cfg.id + "-" + std::to_string(i), false);
      rep.remote->container = rep.container;
      for (auto& n : c.nodes)
        if (n->uname == rep.remote->id) rep.node = n.get();
    }
    d->replicas.push_back(rep);
  }
  for (auto& rep : d->replicas) {
    if (rep.ip) c.resources.push_back(rep.ip);
    if (rep.remote) c.resources.push_back(rep.remote);
  }
  if (cfg.primitive) {
    XmlElement clone_xml = part(clone_id);
    Resource* clone = unpack_clone(c, clone_xml, c.templates);
    if (clone) {
      clone->bundle = b;
      // The bundle's parts inherit its meta (target-role, is-managed).
      if (b->target_role != Role::Unknown && clone->target_role == Role::Unknown) clone->target_role = b->target_role;
      if (!b->managed) clone->managed = false;
      d->child_clone = clone;
      // notify=true on the primitive inside makes the clone notify.
      if (!clone->children.empty()) {
        auto nt = clone->children.front()->meta.find("notify");
        if (nt != clone->children.front()->meta.end() && is_true(nt->second)) clone->clone.notify = true;
      }
      c.resources.push_back(clone);
      for (size_t i = 0; i < clone->children.size() && i < d->replicas.size(); ++i) {
        Resource* inst = clone->children[i];
        inst->bundle = b;
        d->replicas[i].child = inst;
      }
    }
  }
  // Internal colocations and orderings of each replica.
  for (auto& rep : d->replicas) {
    auto with_container = [&](Resource* r, const std::string& id, int score) {
      auto col = std::make_unique<Colocation>();
      col->id = id;
      col->dependent = r;
      col->primary = rep.container;
      col->score = score;
      r->this_with.push_back(col.get());
      rep.container->with_this.push_back(col.get());
      c.colocations.push_back(std::move(col));
    };
    if (rep.ip) {
      with_container(rep.ip, "ip-with-docker-" + rep.ip->id, kInfinity);
      c.orders.push_back({"ip-before-container-" + rep.ip->id, rep.ip, "start", rep.container, "start",
                          kOrderRunnableLeft, false, true});
      c.orders.push_back({"container-stop-before-ip-" + rep.ip->id, rep.container, "stop", rep.ip, "stop",
                          kOrderImpliesFirst});
    }
    if (rep.remote) {
      // Highly preferred, not mandatory: a bundle may run on a Pacemaker
      // Remote node, its connection then goes with that node's (bundle.cpp).
      with_container(rep.remote, "resource-with-container-" + rep.remote->id, 10000);
      c.orders.push_back({"resource-with-container-" + rep.remote->id, rep.container, "start", rep.remote, "start",
                          kOrderImpliesThen | kOrderRunnableLeft, false, true});
      c.orders.push_back({"resource-with-container-stop-" + rep.remote->id, rep.remote, "stop", rep.container,
                          "stop", kOrderImpliesFirst});
    }
  }
  return b;
}

}  // namespace halab::scheduler
