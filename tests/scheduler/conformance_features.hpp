#pragma once
// Which of the "advanced" features a conformance case uses. The acceptance
// of issue 5 requires every case that uses none of them to pass.
#include <string>
#include <vector>

#include "stack/scheduler/xml_reader.hpp"

namespace halab::scheduler::conformance {

struct CaseFeatures {
  bool clones = false;       // <clone> or <master> (promotable) in the configuration
  bool bundles = false;      // <bundle>
  bool remote_nodes = false; // ocf:pacemaker:remote, remote-node meta, remote node entries/state
  bool tickets = false;      // <rsc_ticket> or ticket state in the status
  bool utilization = false;  // <utilization> with a placement-strategy other than default
  bool migration = false;    // allow-migrate=true, or migrate_to/migrate_from in the history

  // A case is required when it uses none of the features above.
  bool required() const { return !(clones || bundles || remote_nodes || tickets || utilization || migration); }
  // "clones,migration", or "-" when none.
  std::string names() const;
};

CaseFeatures classify(const XmlElement& cib);

}  // namespace halab::scheduler::conformance
