#pragma once
// The cluster resource manager on a NetnsLab: what the real-node CRM tests
// and the failover benchmark share. Everything goes through the user's
// tools (`halab crm`, `halab cibadmin`) against a node's control socket, and
// through the Dummy agents' state files under each node's HA_RSCTMP.
#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "tests/daemon/netns_lab.hpp"

namespace halab::testlab {

// Runs `HALAB ARGS` (stderr with stdout); returns (exit status, output).
std::pair<int, std::string> run_tool(const std::string& halab, const std::string& args);

class CrmLab {
 public:
  CrmLab(NetnsLab& lab, std::string halab) : lab_(lab), halab_(std::move(halab)) {}

  // `halab crm --state-dir DIR configure load update FILE` with `crm_text`
  // (crmsh syntax), on `node`. Returns "" or the tool's output.
  // `force`: -F, commit even when verify reports errors (crm_verify's
  // "no STONITH resources" for watchdog-only fencing, as pacemaker's).
  std::string configure(int node, const std::string& crm_text, bool force = false) const;
  // `halab crm --state-dir DIR ARGS` on `node`.
  std::pair<int, std::string> crm(int node, const std::string& args) const;
  // `halab cibadmin --state-dir DIR ARGS` on `node`.
  std::pair<int, std::string> cibadmin(int node, const std::string& args) const;

  struct CibInfo {
    std::string version, dc;
    bool quorate = false, synced = false;
    std::string xml;
  };
  // The node's cib-query answer (nullopt: no answer).
  std::optional<CibInfo> cib(int node) const;
  // Every running node in `ids` answers, synced, with the same DC.
  bool has_dc(const std::vector<int>& ids) const;

  // The node's agents' HA_RSCTMP (the executor's, under its state dir).
  std::string rsctmp(int node) const { return lab_.state_dir(node) + "/rsctmp"; }
  // Whether the Dummy state file of `rsc` exists on `node` (searched under
  // its HA_RSCTMP, where ocf:heartbeat:Dummy and, through HA_VARRUN,
  // ocf:pacemaker:Dummy keep it).
  bool dummy_running(int node, const std::string& rsc) const;
  // The nodes (1-based) on which every resource of `rscs` runs.
  std::vector<int> nodes_running_all(const std::vector<std::string>& rscs) const;
  // The nodes on which any of `rscs` runs.
  std::vector<int> nodes_running_any(const std::vector<std::string>& rscs) const;

  NetnsLab& lab() const { return lab_; }

 private:
  NetnsLab& lab_;
  std::string halab_;
};

}  // namespace halab::testlab
