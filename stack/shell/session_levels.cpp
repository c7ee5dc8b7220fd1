// The ra and cib levels of the interpreter: agents (as `crm ra`) and
// shadow CIBs (as `crm cib` / crm_shadow). The node and resource levels
// are in session_ops.cpp.
#include <algorithm>

#include "stack/cib/patchset.hpp"
#include "stack/shell/build.hpp"
#include "stack/shell/session.hpp"

namespace halab::shell {

using namespace cib;

bool Session::ra_command(const std::vector<std::string>& w) {
  AgentCatalog* cat = host_.agents();
  if (!cat) {
    error("no agent catalog");
    return false;
  }
  const std::string& verb = w[0];
  if (verb == "help" || verb == "ls") {
    host_.out("ra commands: classes list info meta providers\n");
    return true;
  }
  if (verb == "classes") {
    for (auto& c : cat->classes()) {
      if (c == "ocf") {
        std::string s = "ocf /";
        for (auto& p : cat->providers("ocf")) s += " " + p;
        host_.out(s + "\n");
      } else {
        host_.out(c + "\n");
      }
    }
    return true;
  }
  if (verb == "providers") {
    if (w.size() < 2) {
      error("usage: providers <type> [<class>]");
      return false;
    }
    std::string out;
    for (auto& p : cat->providers("ocf")) {
      auto a = cat->agents("ocf", p);
      if (std::find(a.begin(), a.end(), w[1]) != a.end()) out += (out.empty() ? "" : " ") + p;
    }
    host_.out(out + "\n");
    return true;
  }
  if (verb == "list") {
    if (w.size() < 2) {
      error("usage: list <class> [<provider>]");
      return false;
    }
    auto classes = cat->classes();
    if (std::find(classes.begin(), classes.end(), w[1]) == classes.end()) {
      error("class " + w[1] + " does not exist");
      return false;
    }
    auto names = cat->agents(w[1], w.size() > 2 ? w[2] : "");
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    // crmsh's utils.multicolumn on an 80-column screen
    std::size_t max_len = 8;
    for (auto& n : names) max_len = std::max(max_len, n.size());
    const std::size_t cols = std::max<std::size_t>(1, 80 / (max_len + 2));
    const std::size_t col_len = 80 / cols;
    std::string out;
    for (std::size_t i = 0; i < names.size(); i += cols) {
      std::string row;
      for (std::size_t j = i; j < std::min(names.size(), i + cols); ++j) {
        row += names[j];
        if ((j + 1) % cols != 0) row += std::string(col_len > names[j].size() ? col_len - names[j].size() : 0, ' ');
      }
      out += row + "\n";
    }
    host_.out(out);
    return true;
  }
  if (verb == "info" || verb == "meta") {
    if (w.size() < 2) {
      error("usage: info [<class>:[<provider>:]]<type>");
      return false;
    }
    AgentSpec s = parse_agent_spec(w[1]);
    auto md = cat->meta_data(s.cls, s.provider, s.type);
    if (!md) {
      error(s.str() + ": got no meta-data, does this RA exist?");
      return false;
    }
    try {
      host_.out(agent_info_text(parse_agent_meta(*md, s.str()), s.str()));
    } catch (const core::Error& e) {
      error(e.what());
      return false;
    }
    return true;
  }
  error("No such command: " + verb);
  return false;
}

bool Session::cib_command(const std::vector<std::string>& w) {
  core::Storage* st = host_.shadow_storage();
  if (!st) {
    error("no shadow directory");
    return false;
  }
  Shadows sh(*st, "");
  const std::string& verb = w[0];
  try {
    if (verb == "help" || verb == "ls") {
      host_.out("cib commands: new list use delete diff commit\n");
    } else if (verb == "list") {
      for (auto& n : sh.list()) host_.out(n + "\n");
    } else if (verb == "new" && w.size() >= 2) {
      bool empty = std::find(w.begin(), w.end(), "empty") != w.end();
      bool force = std::find(w.begin(), w.end(), "force") != w.end();
      if (empty) sh.create_empty(w[1], force);
      else sh.create(w[1], host_.read_cib(), force);
      shadow_ = w[1];
      info("cib.new: " + w[1] + " shadow CIB created");
    } else if (verb == "use") {
      if (w.size() < 2 || w[1] == "live") shadow_.clear();
      else {
        (void)sh.read(w[1]);
        shadow_ = w[1];
      }
    } else if (verb == "delete" && w.size() >= 2) {
      if (shadow_ == w[1]) throw core::Error(w[1] + " shadow CIB is in use");
      sh.remove(w[1]);
    } else if (verb == "diff") {
      const std::string name = w.size() >= 2 ? w[1] : shadow_;
      if (name.empty()) throw core::Error("cib.diff: no shadow CIB in use");
      host_.out(serialize(sh.diff(name, host_.read_cib()).get()));
    } else if (verb == "commit") {
      const std::string name = w.size() >= 2 ? w[1] : shadow_;
      if (name.empty()) throw core::Error("cib.commit: no shadow CIB in use");
      host_.write_cib(sh.read(name));
      info("cib.commit: committed '" + name + "' shadow CIB to the cluster");
    } else {
      error("No such command: " + verb);
      return false;
    }
  } catch (const core::Error& e) {
    error(e.what());
    return false;
  }
  return true;
}

}  // namespace halab::shell
