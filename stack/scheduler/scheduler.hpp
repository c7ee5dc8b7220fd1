#pragma once
// halab's scheduler (pacemaker 2.1.5's policy engine behaviour): a pure
// function from a CIB (configuration + status) to a transition graph.
//
//   auto doc = XmlDocument::parse_file("cib.xml");
//   auto cluster = schedule(doc.root(), {});
//   for (auto& line : transition_summary(*cluster)) puts(line.c_str());
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "stack/scheduler/model.hpp"
#include "stack/scheduler/xml_reader.hpp"

namespace halab::scheduler {

struct ScheduleOptions {
  // Seconds since the epoch for rules and failure expiry; 0 means the CIB's
  // execution-date, or the moment it is unknown (rules with dates then use 0).
  long long now = 0;
  // When set, receives the action creations, orderings and the flag
  // propagation's visits and reasons (halab simulate --trace-flags).
  std::vector<std::string>* flag_trace = nullptr;
};

std::unique_ptr<Cluster> schedule(const XmlElement& cib, const ScheduleOptions& options);

// "  * Start      rsc1    ( node1 )" lines, as crm_simulate prints them.
std::vector<std::string> transition_summary(const Cluster& c);
// "  * Resource action: rsc1            start on node1" lines, in an executable order.
std::vector<std::string> execution_lines(const Cluster& c);
// "pcmk__primitive_assign: rsc1 allocation score on node1: 0" lines.
std::vector<std::string> allocation_scores(const Cluster& c);

// Every reason ("required rsc1 start", "unrunnable grp0 running", ...) the
// actions of resource `rsc_id` could be given: one per ordering that clears a
// flag on them (reasons.cpp). The one printed depends only on which ordering
// is visited first.
std::set<std::string> possible_reasons(const Cluster& c, const std::string& rsc_id);

// The cluster as crm_mon shows it (Node List, Full List of Resources),
// before the transition or after executing it (all actions succeeding).
std::string cluster_status(const Cluster& c, bool after_transition);

// The transition graph as DOT (pacemaker's conventions) and as graph XML.
std::string graph_dot(const Cluster& c);
std::string graph_xml(const Cluster& c);

}  // namespace halab::scheduler
