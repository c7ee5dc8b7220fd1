#pragma once
// pacemaker 2.1.5's regression corpus as the transition tests use it: the
// cases, their crm_simulate arguments applied to the CIB as the scheduler
// conformance runner applies them, and whether halab's scheduler matches
// pacemaker's Transition Summary on the case.
#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "stack/scheduler/inject.hpp"
#include "stack/scheduler/rules.hpp"
#include "stack/scheduler/scheduler.hpp"

namespace halab::transition::testing {

inline std::string shared_dir() {
  if (const char* e = std::getenv("HALAB_SHARED_DIR")) return e;
  return HALAB_SHARED_DIR;
}
inline std::string corpus_dir() { return shared_dir() + "/conformance/pacemaker-2.1.5"; }

inline std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Case {
  std::string name, extra;
};

inline std::vector<Case> corpus_cases() {
  std::vector<Case> out;
  std::ifstream manifest(corpus_dir() + "/MANIFEST.tsv");
  std::string line;
  while (std::getline(manifest, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::vector<std::string> cols;
    std::stringstream ss(line);
    std::string col;
    while (std::getline(ss, col, '\t')) cols.push_back(col);
    if (!cols.empty()) out.push_back({cols[0], cols.size() > 2 ? cols[2] : ""});
  }
  return out;
}

inline std::string fold(const std::string& line) {
  std::string out;
  bool space = false;
  for (char c : line) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

inline std::vector<std::string> summary_section(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  bool inside = false;
  while (std::getline(in, line)) {
    if (line == "Transition Summary:") {
      inside = true;
      continue;
    }
    if (!inside) continue;
    if (line.empty()) break;
    out.push_back(fold(line));
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The case's CIB with its injections applied, and the time to schedule at.
struct Prepared {
  std::string cib;
  long long now = 0;
};

inline Prepared prepare(const Case& c) {
  auto doc = scheduler::XmlDocument::parse_file(corpus_dir() + "/xml/" + c.name + ".xml");
  Prepared p;
  std::istringstream args(c.extra);
  std::string arg, v;
  while (args >> arg) {
    if (arg == "-t" && args >> v) {
      if (auto t = scheduler::parse_iso8601(v)) p.now = *t;
    } else if ((arg == "-u" || arg == "-d" || arg == "-f") && args >> v) {
      scheduler::inject_node(doc, v,
                             arg == "-u"   ? scheduler::NodeChange::Up
                             : arg == "-d" ? scheduler::NodeChange::Down
                                           : scheduler::NodeChange::Fail);
    } else if (arg == "-i" && args >> v) {
      scheduler::inject_op(doc, v);
    } else if (arg == "-q" && args >> v) {
      scheduler::inject_quorum(doc, v == "true" || v == "1");
    }
  }
  if (p.now == 0) {
    if (auto ed = doc.root().attr("execution-date")) p.now = std::atoll(ed->c_str());
    else p.now = 1700000000;  // fixed, so the test is deterministic
  }
  p.cib = doc.serialize();
  return p;
}

inline std::unique_ptr<scheduler::Cluster> schedule_text(const std::string& cib, long long now) {
  auto doc = scheduler::XmlDocument::parse_string(cib, "cib.xml");
  scheduler::ScheduleOptions o;
  o.now = now;
  return scheduler::schedule(doc.root(), o);
}

inline bool summary_matches(const Case& c, const scheduler::Cluster& cluster) {
  std::vector<std::string> got;
  for (auto& l : scheduler::transition_summary(cluster)) got.push_back(fold(l));
  std::sort(got.begin(), got.end());
  return got == summary_section(read_all(corpus_dir() + "/summary/" + c.name + ".summary"));
}

// Actions in the transition, as "task rsc on node" lines.
inline std::vector<std::string> graph_actions(const scheduler::Cluster& c) {
  std::vector<std::string> out;
  for (const auto& a : c.actions)
    if (a->in_graph()) out.push_back(a->kind == scheduler::ActionKind::Fence ? "stonith " + a->node->uname
                                     : a->key() + (a->node ? " on " + a->node->uname : ""));
  return out;
}

}  // namespace halab::transition::testing
