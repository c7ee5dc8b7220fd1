#pragma once
// Helpers for scheduler tests: run the scheduler on generated or literal
// CIBs and look at its decisions.
#include <algorithm>
#include <string>
#include <vector>

#include "cib_gen.hpp"
#include "stack/scheduler/scheduler.hpp"

namespace halab::scheduler::testing {

struct Scheduled {
  XmlDocument doc;
  std::unique_ptr<Cluster> cluster;
  explicit Scheduled(const std::string& xml, long long now = 0) : doc(XmlDocument::parse_string(xml, "test.xml")) {
    ScheduleOptions o;
    o.now = now;
    cluster = schedule(doc.root(), o);
  }
  const Resource& rsc(const std::string& id) const {
    for (auto& r : cluster->all_resources)
      if (r->id == id) return *r;
    throw std::runtime_error("no resource " + id);
  }
  // Node the resource is placed on, or "" when it stays stopped.
  std::string placed(const std::string& id) const {
    const Node* n = rsc(id).assigned;
    return n ? n->uname : "";
  }
  // Summary lines with whitespace folded: "Start rsc1 ( node1 )".
  std::vector<std::string> summary() const {
    std::vector<std::string> out;
    for (auto& l : transition_summary(*cluster)) {
      std::string f;
      bool sp = false;
      for (char ch : l) {
        if (ch == ' ') { sp = true; continue; }
        if (sp && !f.empty()) f += ' ';
        sp = false;
        f += ch;
      }
      if (f.rfind("* ", 0) == 0) f = f.substr(2);
      out.push_back(f);
    }
    return out;
  }
  bool has_line(const std::string& folded) const {
    auto s = summary();
    return std::find(s.begin(), s.end(), folded) != s.end();
  }
  std::vector<std::string> executed() const { return execution_lines(*cluster); }
};

inline GenCib cluster_of(int nodes) {
  GenCib c;
  c.node_state.assign(size_t(nodes), 0);
  return c;
}

inline GenRsc rsc(const std::string& id, int running_on = -1) {
  GenRsc r;
  r.id = id;
  r.running_on = running_on;
  return r;
}

}  // namespace halab::scheduler::testing
