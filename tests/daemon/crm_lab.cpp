#include "tests/daemon/crm_lab.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "stack/daemon/control_client.hpp"
#include "tests/support/shell.hpp"

namespace halab::testlab {

namespace fs = std::filesystem;

std::pair<int, std::string> run_tool(const std::string& halab, const std::string& args) {
  return ::halab::test::run_shell(halab + " " + args);
}

std::string CrmLab::configure(int node, const std::string& crm_text, bool force) const {
  static int seq = 0;
  const std::string file = lab_.dir() + "/configure-" + std::to_string(++seq) + ".crm";
  std::ofstream(file) << crm_text;
  auto [rc, out] = crm(node, std::string(force ? "-F " : "") + "configure load update " + file);
  return rc == 0 ? "" : "halab crm configure load update failed (" + std::to_string(rc) + "): " + out;
}

std::pair<int, std::string> CrmLab::crm(int node, const std::string& args) const {
  return run_tool(halab_, "crm --state-dir " + lab_.state_dir(node) + " " + args);
}

std::pair<int, std::string> CrmLab::cibadmin(int node, const std::string& args) const {
  return run_tool(halab_, "cibadmin --state-dir " + lab_.state_dir(node) + " " + args);
}

std::optional<CrmLab::CibInfo> CrmLab::cib(int node) const {
  if (!lab_.running(node)) return std::nullopt;
  auto r = daemon::ctl_call(lab_.state_dir(node), {"cib-query", {}}, 2000);
  if (!r.response || !r.response->ok()) return std::nullopt;
  CibInfo c;
  c.version = r.response->headers["Cib-Version"];
  c.dc = r.response->headers["Dc"];
  c.quorate = r.response->headers["Quorate"] == "yes";
  c.synced = r.response->headers["Synced"] == "yes";
  c.xml = r.response->body;
  return c;
}

bool CrmLab::has_dc(const std::vector<int>& ids) const {
  std::string dc;
  for (int id : ids) {
    auto c = cib(id);
    if (!c || !c->synced || c->dc.empty()) return false;
    if (!dc.empty() && c->dc != dc) return false;
    dc = c->dc;
  }
  return true;
}

bool CrmLab::dummy_running(int node, const std::string& rsc) const {
  std::error_code ec;
  const std::string name = "Dummy-" + rsc + ".state";
  for (auto it = fs::recursive_directory_iterator(rsctmp(node), ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec))
    if (it->path().filename() == name) return true;
  return false;
}

std::vector<int> CrmLab::nodes_running_all(const std::vector<std::string>& rscs) const {
  std::vector<int> out;
  for (int i = 1; i <= lab_.nodes(); ++i) {
    bool all = true;
    for (const auto& r : rscs) all = all && dummy_running(i, r);
    if (all) out.push_back(i);
  }
  return out;
}

std::vector<int> CrmLab::nodes_running_any(const std::vector<std::string>& rscs) const {
  std::vector<int> out;
  for (int i = 1; i <= lab_.nodes(); ++i)
    for (const auto& r : rscs)
      if (dummy_running(i, r)) {
        out.push_back(i);
        break;
      }
  return out;
}

}  // namespace halab::testlab
