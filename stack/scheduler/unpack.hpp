#pragma once
// Unpacking a CIB into a Cluster, one concern per file:
// unpack_config.cpp (cluster options, defaults), unpack_nodes.cpp (nodes and
// membership), unpack_resources.cpp (primitives, groups), unpack_history.cpp
// (lrm operation history), constraints_unpack.cpp (location, colocation, order).
#include <map>
#include <string>
#include <vector>

#include "stack/scheduler/model.hpp"
#include "stack/scheduler/xml_reader.hpp"

namespace halab::scheduler {

struct RuleContext;

// Reads every <nvpair> of the sets (instance_attributes/meta_attributes)
// named `set_tag` under `parent` into `out`; earlier sets win, as in
// pacemaker. Sets whose rule is false are skipped.
void unpack_nvpair_sets(const XmlElement& parent, std::string_view set_tag, std::map<std::string, std::string>& out,
                        const RuleContext* ctx);

// The sets (instance_attributes/meta_attributes/utilization) named `set_tag`
// under `parent`, in the order pacemaker applies them (by score).
std::vector<XmlElement> sorted_nvpair_sets(const XmlElement& parent, std::string_view set_tag);

bool is_true(const std::string& v);
// "10s", "1m", "500ms", "PT10S", "10" -> milliseconds; -1 on error.
long parse_interval_ms(const std::string& text);

void unpack_config(Cluster& c, const XmlElement& cib);
void unpack_nodes(Cluster& c, const XmlElement& cib);
void unpack_resources(Cluster& c, const XmlElement& cib);
// One <primitive> or <group> (templates by id); `parent` is its group or clone.
Resource* unpack_primitive(Cluster& c, const XmlElement& xml, Resource* parent,
                           const std::map<std::string, XmlElement>& templates);
Resource* unpack_group(Cluster& c, const XmlElement& xml, Resource* parent,
                       const std::map<std::string, XmlElement>& templates);
// <clone> / <master> with its instances (clone_unpack.cpp); nullptr when unusable.
Resource* unpack_clone(Cluster& c, const XmlElement& xml, const std::map<std::string, XmlElement>& templates);
// The resource an <lrm_resource id=...> on `node` stands for, matching
// anonymous clone instances (clone_unpack.cpp); nullptr when none (an orphan).
// pacemaker's clone_strip: "rsc:3" -> "rsc".
std::string clone_strip(const std::string& id);
// A new instance of `clone`, numbered after the existing ones (for orphans).
Resource* new_clone_instance(Cluster& c, Resource* clone);
Resource* find_history_resource(Cluster& c, Node* node, const std::string& rsc_id, bool& orphan_instance);
void unpack_node_states(Cluster& c, const XmlElement& cib);
void unpack_history(Cluster& c, const XmlElement& cib);
void unpack_constraints(Cluster& c, const XmlElement& cib);
void unpack_tickets(Cluster& c, const XmlElement& cib);
// A resource id, or a template or tag id standing for several resources.
std::vector<Resource*> resolve(Cluster& c, const std::string& id);

// Whole pipeline: config, nodes, resources, status, constraints.
std::unique_ptr<Cluster> unpack_cib(const XmlElement& cib, long long now);

}  // namespace halab::scheduler
