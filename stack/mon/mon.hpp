#pragma once
// crm_mon's one-shot view of a CIB (configuration + status) in crm_mon
// 2.1.5's text format: Cluster Summary, Node List, Active / Full List of
// Resources, Node Attributes, Operations, Failed Resource Actions. A pure
// function of the CIB and the time to print, so the CLI can feed it a CIB
// file today and the DC's CIB when halabd runs.
#include <string>

#include "stack/scheduler/xml_reader.hpp"

namespace halab::mon {

struct MonOptions {
  bool inactive = false;         // -r: Full List of Resources, stopped ones too
  bool failcounts = false;       // -f: Migration Summary
  bool node_attributes = false;  // -A
  bool operations = false;       // -o
  long long now = 0;             // "Last updated", seconds since the epoch (UTC)
};

// Throws core::Error on a CIB the scheduler cannot unpack.
std::string render_text(const scheduler::XmlElement& cib, const MonOptions& o);

// crm_resource --locate lines for a resource ("resource R is running on: N").
std::string locate_text(const scheduler::XmlElement& cib, const std::string& rsc);

}  // namespace halab::mon
