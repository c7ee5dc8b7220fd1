#include "stack/cli/crm_host.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <thread>

#include "stack/cib/patchset.hpp"
#include "stack/cib/xml.hpp"
#include "stack/daemon/control_client.hpp"
#include "stack/core/error.hpp"

namespace fs = std::filesystem;

namespace halab::cli {

namespace {

const char* kOcfRoot = "/usr/lib/ocf";

bool safe_name(const std::string& s) {
  if (s.empty() || s[0] == '.') return false;
  for (char c : s)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '.' || c == '@')) return false;
  return true;
}

bool executable(const fs::path& p) { return fs::is_regular_file(p) && ::access(p.c_str(), X_OK) == 0; }

// Runs argv with `env` added, collects stdout, bounded by 30 s.
std::optional<std::string> run_capture(const std::vector<std::string>& argv, const std::vector<std::string>& env) {
  int pipefd[2];
  if (::pipe(pipefd) != 0) return std::nullopt;
  pid_t pid = ::fork();
  if (pid < 0) return std::nullopt;
  if (pid == 0) {
    ::dup2(pipefd[1], 1);
    int devnull = ::open("/dev/null", O_RDWR);
    ::dup2(devnull, 0);
    ::dup2(devnull, 2);
    ::close(pipefd[0]);
    for (auto& e : env) ::putenv(const_cast<char*>(e.c_str()));
    ::alarm(30);
    std::vector<char*> args;
    for (auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
    args.push_back(nullptr);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipefd[1]);
  std::string out;
  char buf[8192];
  ssize_t n;
  while ((n = ::read(pipefd[0], buf, sizeof buf)) > 0) out.append(buf, std::size_t(n));
  ::close(pipefd[0]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  if (out.find("<resource-agent") == std::string::npos) return std::nullopt;
  return out;
}

// A field of the LSB "INIT INFO" block. Description continues on lines
// that start with "#" and two blanks or a tab; as in pacemaker, the line
// that ends such a continuation is not read as a field of its own.
std::string lsb_field(const std::string& script, const std::string& key) {
  std::istringstream in(script);
  std::string line;
  bool in_block = false, in_desc = false;
  std::string val, desc;
  auto value_of = [](const std::string& l, std::size_t skip) {
    std::string v = l.substr(skip);
    auto b = v.find_first_not_of(" \t");
    return b == std::string::npos ? std::string() : v.substr(b);
  };
  while (std::getline(in, line)) {
    if (line.find("### BEGIN INIT INFO") != std::string::npos) {
      in_block = true;
      continue;
    }
    if (line.find("### END INIT INFO") != std::string::npos) break;
    if (!in_block) continue;
    if (in_desc) {
      if (line.rfind("#  ", 0) == 0 || line.rfind("#\t", 0) == 0) {
        desc += "\n" + line.substr(1);
        continue;
      }
      in_desc = false;
      continue;
    }
    if (line.rfind("# Description:", 0) == 0) {
      desc = value_of(line, 14);
      in_desc = true;
    } else if (key != "Description" && line.rfind("# " + key + ":", 0) == 0) {
      val = value_of(line, key.size() + 3);
    }
  }
  return key == "Description" ? desc : val;
}

std::string xml_text(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else o += c;
  }
  return o;
}

// What pacemaker makes of a fence agent's meta-data: the fencer supplies
// the target (port/plug are not required) and start/stop actions exist.
std::string as_pacemaker_shows_stonith(const std::string& md) {
  try {
    auto doc = cib::parse_xml(md, "fence agent meta-data");
    xmlNode* root = xmlDocGetRootElement(doc.get());
    if (xmlNode* ps = cib::first_child(root, "parameters"))
      for (xmlNode* p : cib::children(ps, "parameter")) {
        const std::string n = cib::attr_or(p, "name", "");
        if (n == "port" || n == "plug" || n == "action") cib::unset_attr(p, "required");
      }
    if (xmlNode* as = cib::first_child(root, "actions"))
      for (const char* a : {"stop", "start"}) {
        xmlNode* x = cib::add_child(as, "action");
        cib::set_attr(x, "name", a);
        cib::set_attr(x, "timeout", "20s");
      }
    return cib::serialize(doc.get());
  } catch (const core::Error&) {
    return md;
  }
}

}  // namespace

std::vector<std::string> InstalledAgents::classes() {
  std::vector<std::string> out;
  if (fs::is_directory("/etc/init.d")) out.push_back("lsb");
  if (fs::is_directory(std::string(kOcfRoot) + "/resource.d")) out.push_back("ocf");
  out.push_back("service");
  if (!agents("stonith", "").empty()) out.push_back("stonith");
  if (fs::is_directory("/run/systemd/system")) out.push_back("systemd");
  return out;
}

std::vector<std::string> InstalledAgents::providers(const std::string& cls) {
  std::vector<std::string> out;
  if (cls != "ocf") return out;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(std::string(kOcfRoot) + "/resource.d", ec))
    if (e.is_directory()) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<std::string> InstalledAgents::agents(const std::string& cls, const std::string& provider) {
  std::vector<std::string> out;
  std::error_code ec;
  auto scan = [&](const fs::path& dir, const std::string& prefix) {
    for (auto& e : fs::directory_iterator(dir, ec)) {
      const std::string n = e.path().filename();
      if (!prefix.empty() && !n.starts_with(prefix)) continue;
      if (n.starts_with(".")) continue;
      if (cls == "ocf" && (n.ends_with(".sh") || n.ends_with(".py") || n.ends_with(".pyc"))) continue;
      if (executable(e.path())) out.push_back(n);
    }
  };
  if (cls == "ocf") {
    if (!provider.empty()) scan(fs::path(kOcfRoot) / "resource.d" / provider, "");
    else
      for (auto& p : providers("ocf")) scan(fs::path(kOcfRoot) / "resource.d" / p, "");
  } else if (cls == "lsb" || cls == "service") {
    scan("/etc/init.d", "");
  } else if (cls == "stonith") {
    scan("/usr/sbin", "fence_");
    // cluster-glue's legacy plugins, which pacemaker lists too
    for (auto& e : fs::directory_iterator("/usr/lib/stonith/plugins/stonith2", ec))
      if (e.path().extension() == ".so" && e.path().stem() != "external" && e.path().stem() != "rhcs") out.push_back(e.path().stem());
    for (auto& e : fs::directory_iterator("/usr/lib/stonith/plugins/external", ec))
      if (executable(e.path())) out.push_back("external/" + e.path().filename().string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::optional<std::string> InstalledAgents::meta_data(const std::string& cls, const std::string& provider,
                                                      const std::string& type) {
  const std::string key = cls + ":" + provider + ":" + type;
  if (auto it = cache_.find(key); it != cache_.end()) return it->second;
  std::optional<std::string> md;
  if (safe_name(type) && (provider.empty() || safe_name(provider))) {
    if (cls == "ocf") {
      fs::path p = fs::path(kOcfRoot) / "resource.d" / (provider.empty() ? "heartbeat" : provider) / type;
      if (executable(p))
        md = run_capture({p.string(), "meta-data"},
                         {"OCF_ROOT=" + std::string(kOcfRoot), "OCF_RESOURCE_INSTANCE=" + type,
                          "OCF_RESOURCE_TYPE=" + type, "OCF_RESOURCE_PROVIDER=" + provider});
    } else if (cls == "stonith") {
      fs::path p = fs::path("/usr/sbin") / type;
      if (executable(p)) md = run_capture({p.string(), "-o", "metadata"}, {});
      // Pacemaker's fencer adds its own parameters (pcmk_host_list, ...) to every stonith agent.
      if (md && executable("/usr/lib/pacemaker/pacemaker-fenced"))
        if (auto f = run_capture({"/usr/lib/pacemaker/pacemaker-fenced", "metadata"}, {})) {
          auto b = f->find("<parameters>"), e = f->find("</parameters>");
          auto at = md->find("</parameters>");
          if (b != std::string::npos && e != std::string::npos && at != std::string::npos)
            md->insert(at, f->substr(b + 12, e - b - 12));
        }
      if (md) md = as_pacemaker_shows_stonith(*md);
    } else if (cls == "lsb" || cls == "service") {
      fs::path p = fs::path("/etc/init.d") / type;
      std::ifstream f(p);
      if (f) {
        std::stringstream ss;
        ss << f.rdbuf();
        const std::string s = ss.str();
        // The meta-data pacemaker makes up for an LSB script from its INIT INFO block.
        md = "<resource-agent name=\"" + type + "\" version=\"0.1\">\n<longdesc lang=\"en\">" +
             xml_text(lsb_field(s, "Description").empty() ? type : lsb_field(s, "Description")) + "</longdesc>\n<shortdesc lang=\"en\">" +
             xml_text(lsb_field(s, "Short-Description")) +
             "</shortdesc>\n<parameters/>\n<actions>\n"
             "<action name=\"meta-data\" timeout=\"5\"/>\n<action name=\"start\" timeout=\"15\"/>\n"
             "<action name=\"stop\" timeout=\"15\"/>\n<action name=\"status\" timeout=\"15\"/>\n"
             "<action name=\"restart\" timeout=\"15\"/>\n<action name=\"force-reload\" timeout=\"15\"/>\n"
             "<action name=\"monitor\" timeout=\"15\" interval=\"15\"/>\n</actions>\n</resource-agent>\n";
      }
    }
  }
  cache_[key] = md;
  return md;
}

void write_file_atomically(const std::string& path, const std::string& data) {
  fs::path p(path);
  fs::path dir = p.has_parent_path() ? p.parent_path() : fs::path(".");
  std::string tmp = (dir / ("." + p.filename().string() + ".XXXXXX")).string();
  int fd = ::mkstemp(tmp.data());
  if (fd < 0) throw core::Error("cannot create a temporary file next to " + path, std::error_code(errno, std::generic_category()));
  std::size_t off = 0;
  while (off < data.size()) {
    ssize_t n = ::write(fd, data.data() + off, data.size() - off);
    if (n < 0) {
      int e = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      throw core::Error("cannot write " + path, std::error_code(e, std::generic_category()));
    }
    off += std::size_t(n);
  }
  struct stat st{};
  if (::stat(path.c_str(), &st) == 0) ::fchmod(fd, st.st_mode & 07777);
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    ::unlink(tmp.c_str());
    throw core::Error("cannot sync " + path, std::error_code(errno, std::generic_category()));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    int e = errno;
    ::unlink(tmp.c_str());
    throw core::Error("cannot replace " + path, std::error_code(e, std::generic_category()));
  }
  int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
}

void DirStorage::write(std::string_view name, core::ByteView data, core::Sync) {
  core::check_storage_name(name);
  fs::path p = fs::path(dir_) / std::string(name);
  fs::create_directories(p.parent_path());
  write_file_atomically(p.string(), std::string(data.begin(), data.end()));
}

std::optional<core::Bytes> DirStorage::read(std::string_view name) const {
  std::ifstream f(fs::path(dir_) / std::string(name), std::ios::binary);
  if (!f) return std::nullopt;
  return core::Bytes(std::istreambuf_iterator<char>(f), {});
}

std::vector<std::string> DirStorage::list(std::string_view dir) const {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto& e : fs::directory_iterator(fs::path(dir_) / std::string(dir), ec))
    if (e.is_regular_file()) out.push_back(e.path().filename());
  std::sort(out.begin(), out.end());
  return out;
}

bool DirStorage::remove(std::string_view name, core::Sync) {
  std::error_code ec;
  return fs::remove(fs::path(dir_) / std::string(name), ec);
}

CrmHost::CrmHost(std::string state_dir) : state_dir_(std::move(state_dir)) {
  if (state_dir_.empty()) {
    std::vector<std::string> none;
    state_dir_ = daemon::take_state_dir(none);
  }
  if (const char* f = std::getenv("CIB_file")) cib_file_ = f;
  std::string sd = std::getenv("CIB_shadow_dir") ? std::getenv("CIB_shadow_dir") : "/var/lib/halab/cib-shadow";
  shadows_ = std::make_unique<DirStorage>(sd);
}

void CrmHost::out(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}
void CrmHost::err(std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

bool mon_print(const std::vector<std::string>& args, bool one_shot_default);
bool locate_print(const std::string& rsc);

// crm status / crm resource status|locate|list: crm_mon and crm_resource's
// views of the CIB file (the DC's CIB once halabd routes them).
bool CrmHost::cluster_view(const std::string& what, const std::vector<std::string>& args) {
  std::fflush(stdout);
  std::vector<std::string> with_dir = args;
  if (cib_file_.empty()) with_dir.insert(with_dir.end(), {"--state-dir", state_dir_});
  if (what == "status") return mon_print(with_dir, true);
  if (what == "list") return mon_print(cib_file_.empty() ? std::vector<std::string>{"-r", "--state-dir", state_dir_}
                                                          : std::vector<std::string>{"-r"},
                                        true);
  bool ok = true;
  for (auto& r : args) ok = locate_print(r) && ok;
  return ok;
}

namespace {

cib::Cib query_live(const std::string& state_dir) {
  auto r = daemon::ctl_call(state_dir, {"cib-query", {}});
  if (!r.response) throw core::Error("Connection to cluster failed: " + r.error);
  if (!r.response->ok()) throw core::Error("cib-query: " + r.response->error + ": " + r.response->body);
  return cib::Cib::parse(r.response->body, "cib-query");
}

// Sends `patch` to halabd (cib-patch) and waits for the DC's verdict: "" when
// applied, else the reason.
std::string commit_live(const std::string& state_dir, const std::string& patch) {
  auto r = daemon::ctl_call(state_dir, {"cib-patch", {patch}});
  if (!r.response) throw core::Error("Connection to cluster failed: " + r.error);
  if (!r.response->ok()) throw core::Error("cib-patch: " + r.response->error + ": " + r.response->body);
  const std::string ticket = r.response->headers["Ticket"];
  for (int i = 0; i < 600; ++i) {  // 30 s
    auto q = daemon::ctl_call(state_dir, {"cib-result", {ticket}});
    if (!q.response) throw core::Error("Connection to cluster failed: " + q.error);
    if (!q.response->ok()) throw core::Error("cib-result: " + q.response->error + ": " + q.response->body);
    const std::string state = q.response->headers["State"];
    if (state == "ok") return "";
    if (state != "pending") return state + ": " + q.response->body;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw core::Error("the cluster did not answer the update within 30 s (its outcome is unknown)");
}

}  // namespace

cib::Cib CrmHost::read_cib() {
  if (cib_file_.empty()) {
    live_base_ = query_live(state_dir_);
    return *live_base_;
  }
  std::ifstream f(cib_file_);
  if (!f) throw core::Error("cannot read CIB_file " + cib_file_);
  std::stringstream ss;
  ss << f.rdbuf();
  return cib::Cib::parse(ss.str(), cib_file_);
}

void CrmHost::write_cib(const cib::Cib& cib) {
  if (!cib_file_.empty()) return write_file_atomically(cib_file_, cib.to_xml());
  // The live cluster: the change as a patch against the CIB we read, applied
  // by the DC only at that version. The status section moves on its own
  // (results, monitors): when only num_updates moved, the same change is
  // made again on the newer CIB; a configuration changed by someone else
  // meanwhile is an error, as crmsh reports it.
  cib::Cib base = live_base_ ? *live_base_ : query_live(state_dir_);
  cib::Cib wanted = cib;
  for (int attempt = 0;; ++attempt) {
    auto diff = cib::diff(base, wanted);
    if (cib::patch_is_empty(diff.get())) return;
    // One line (the control protocol's arguments hold none): newlines can
    // only be in text, where a character reference means the same.
    std::string patch;
    for (char ch : cib::serialize(xmlDocGetRootElement(diff.get()), false))
      patch += ch == '\n' ? std::string("&#10;") : std::string(1, ch);
    const std::string refused = commit_live(state_dir_, patch);
    if (refused.empty()) {
      live_base_.reset();
      return;
    }
    cib::Cib now = query_live(state_dir_);
    const auto b = base.version(), n = now.version();
    if (n == b || attempt >= 5) throw core::Error("the cluster refused the update: " + refused);
    if (n.admin_epoch != b.admin_epoch || n.epoch != b.epoch)
      throw core::Error("the cluster's configuration changed meanwhile (" + b.str() + " -> " + n.str() +
                        "); nothing was written: try again");
    cib::Cib rebased = now;
    cib::apply(rebased, cib::parse_patch(patch, "crm").get(), false);
    for (const char* v : {"admin_epoch", "epoch", "num_updates"})  // the DC numbers the result
      cib::set_attr(rebased.root(), v, cib::attr_or(now.root(), v, "0"));
    base = std::move(now);
    wanted = std::move(rebased);
  }
}

std::optional<std::string> CrmHost::read_file(const std::string& path) {
  std::stringstream ss;
  if (path == "-") {
    ss << std::cin.rdbuf();
    return ss.str();
  }
  std::ifstream f(path);
  if (!f) return std::nullopt;
  ss << f.rdbuf();
  return ss.str();
}

bool CrmHost::write_file(const std::string& path, const std::string& data) {
  if (path == "-") {
    out(data);
    return true;
  }
  try {
    write_file_atomically(path, data);
    return true;
  } catch (const core::Error&) {
    return false;
  }
}

std::optional<std::string> CrmHost::edit(const std::string& text) {
  char tmpl[] = "/tmp/halab-crm-edit-XXXXXX";
  int fd = ::mkstemp(tmpl);
  if (fd < 0) return std::nullopt;
  ::write(fd, text.data(), text.size());
  ::close(fd);
  const char* ed = std::getenv("EDITOR");
  std::string editor = ed && *ed ? ed : "vi";
  pid_t pid = ::fork();
  if (pid == 0) {
    ::execl("/bin/sh", "sh", "-c", (editor + " \"$1\"").c_str(), "sh", tmpl, (char*)nullptr);
    ::_exit(127);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  std::optional<std::string> result;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) result = read_file(tmpl);
  ::unlink(tmpl);
  return result;
}

}  // namespace halab::cli
