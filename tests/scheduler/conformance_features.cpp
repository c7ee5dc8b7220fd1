#include "conformance_features.hpp"

#include <algorithm>
#include <cctype>

namespace halab::scheduler::conformance {
namespace {

bool truthy(std::string v) {
  std::transform(v.begin(), v.end(), v.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return v == "true" || v == "yes" || v == "on" || v == "y" || v == "1";
}

struct Walk {
  CaseFeatures f;
  bool has_utilization = false;
  std::string placement_strategy = "default";

  void visit(const XmlElement& e, bool in_status) {
    const std::string_view n = e.name();
    if (!in_status) {
      if (n == "clone" || n == "master") f.clones = true;
      if (n == "bundle") f.bundles = true;
      if (n == "rsc_ticket") f.tickets = true;
      if (n == "utilization") has_utilization = true;
      if (n == "primitive" && e.attr_or("class", "") == "ocf" && e.attr_or("provider", "") == "pacemaker" &&
          e.attr_or("type", "") == "remote")
        f.remote_nodes = true;
      if (n == "node" && e.attr_or("type", "") == "remote") f.remote_nodes = true;
      if (n == "nvpair") {
        const std::string name = e.attr_or("name", "");
        if (name == "remote-node") f.remote_nodes = true;
        if (name == "allow-migrate" && truthy(e.attr_or("value", ""))) f.migration = true;
        if (name == "placement-strategy") placement_strategy = e.attr_or("value", "default");
      }
    } else {
      if (n == "ticket_state") f.tickets = true;
      if (n == "node_state" && truthy(e.attr_or("remote_node", "false"))) f.remote_nodes = true;
      if (n == "lrm_resource" && e.attr_or("class", "") == "ocf" && e.attr_or("provider", "") == "pacemaker" &&
          e.attr_or("type", "") == "remote")
        f.remote_nodes = true;
      if (n == "lrm_rsc_op") {
        const std::string op = e.attr_or("operation", "");
        if (op == "migrate_to" || op == "migrate_from") f.migration = true;
      }
    }
    for (const auto& c : e.children()) visit(c, in_status || n == "status");
  }
};

}  // namespace

std::string CaseFeatures::names() const {
  std::string out;
  auto add = [&](bool on, const char* name) {
    if (!on) return;
    if (!out.empty()) out += ',';
    out += name;
  };
  add(clones, "clones");
  add(bundles, "bundles");
  add(remote_nodes, "remote-nodes");
  add(tickets, "tickets");
  add(utilization, "utilization");
  add(migration, "migration");
  return out.empty() ? "-" : out;
}

CaseFeatures classify(const XmlElement& cib) {
  Walk w;
  w.visit(cib, false);
  w.f.utilization = w.has_utilization && w.placement_strategy != "default";
  return w.f;
}

}  // namespace halab::scheduler::conformance
