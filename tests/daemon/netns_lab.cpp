#include "tests/daemon/netns_lab.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "stack/daemon/control_client.hpp"

namespace halab::testlab {

namespace fs = std::filesystem;

namespace {

std::atomic<int> g_seq{0};

int sh(const std::string& cmd) {
  const int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : 128;
}
void must(const std::string& cmd) {
  if (sh(cmd) != 0) throw std::runtime_error("lab setup failed: " + cmd);
}
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// Namespaces "hlab-<pid>-..." whose process is gone: left by a lab that crashed.
void remove_stale_namespaces() {
  FILE* p = ::popen("ip netns list 2>/dev/null", "r");
  if (!p) return;
  char line[256];
  std::vector<std::string> stale;
  while (std::fgets(line, sizeof line, p)) {
    std::string name(line);
    name = name.substr(0, name.find_first_of(" \n"));
    if (name.rfind("hlab-", 0) != 0) continue;
    const long pid = std::strtol(name.c_str() + 5, nullptr, 10);
    if (pid > 0 && ::kill(pid_t(pid), 0) != 0 && errno == ESRCH) stale.push_back(name);
  }
  ::pclose(p);
  for (const auto& n : stale) sh("ip netns del " + n);
}

}  // namespace

std::string NetnsLab::unavailable() {
  if (::geteuid() != 0) return "needs root to create network namespaces (ip netns); run as root";
  if (sh("ip -V") != 0) return "the ip(8) command (iproute2) is missing";
  const std::string probe = "hlab-" + std::to_string(::getpid()) + "-probe";
  if (sh("ip netns add " + probe) != 0) return "cannot create a network namespace here (ip netns add failed)";
  sh("ip netns del " + probe);
  return "";
}

std::string NetnsLab::corosync_unavailable() {
  if (auto why = unavailable(); !why.empty()) return why;
  if (::access("/usr/sbin/corosync", X_OK) != 0) return "corosync is not installed (/usr/sbin/corosync)";
  if (::access("/usr/sbin/corosync-quorumtool", X_OK) != 0) return "corosync-quorumtool is not installed";
  return "";
}

std::string NetnsLab::address(int node) const {
  return (opt_.loopback ? "127.0.0." : "10.77.0.") + std::to_string(node);
}

NetnsLab::NetnsLab(NetnsLabOptions opt) : opt_(std::move(opt)) {
  const int seq = g_seq++;
  if (opt_.daemon != "halabd" && opt_.daemon != "corosync") throw std::runtime_error("unknown daemon " + opt_.daemon);
  if (opt_.daemon == "corosync" && opt_.loopback) throw std::runtime_error("corosync runs in the namespace lab only");
  if (opt_.loopback) {
    // Every loopback lab shares 127.0.0.x: the port keeps concurrent ones apart
    // (away from daemon_process_test's 20000..39999).
    port_ = 41000 + int(::getpid() % 3000) * 4 + (seq % 2) * 2;
  } else {
    remove_stale_namespaces();
  }
  tag_ = "hlab-" + std::to_string(::getpid()) + "-" + std::to_string(seq);
  short_ = "h" + std::to_string(::getpid() % 1000000) + char('a' + seq % 26);
  dir_ = (fs::temp_directory_path() / tag_).string();
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  pids_.assign(std::size_t(opt_.nodes + 1), 0);
  if (opt_.loopback) {
    for (int i = 1; i <= opt_.nodes; ++i) write_config(i);
    return;
  }
  try {
    const std::string br = tag_ + "-br";
    must("ip netns add " + br);
    ns_created_ = true;
    must("ip -n " + br + " link add br0 type bridge");
    // Snooping would hold multicast back until an IGMP querier shows up.
    must("ip -n " + br + " link set br0 type bridge mcast_snooping 0");
    must("ip -n " + br + " link set br0 up");
    for (int i = 1; i <= opt_.nodes; ++i) {
      const std::string a = short_ + "n" + std::to_string(i), b = short_ + "b" + std::to_string(i);
      must("ip netns add " + ns(i));
      must("ip link add " + a + " type veth peer name " + b);
      must("ip link set " + a + " netns " + ns(i));
      must("ip link set " + b + " netns " + br);
      must("ip -n " + br + " link set " + b + " master br0");
      must("ip -n " + br + " link set " + b + " up");
      must("ip -n " + ns(i) + " link set lo up");
      must("ip -n " + ns(i) + " addr add 10.77.0." + std::to_string(i) + "/24 dev " + a);
      must("ip -n " + ns(i) + " link set " + a + " up");
      write_config(i);
    }
    // The bridge forwards once its ports are up; wait until node 1 reaches the last.
    const auto last = "10.77.0." + std::to_string(opt_.nodes);
    if (!wait_for([&] { return sh("ip netns exec " + ns(1) + " ping -c 1 -W 1 " + last) == 0; },
                  std::chrono::milliseconds(10'000)))
      throw std::runtime_error("lab network did not come up");
  } catch (...) {
    cleanup();
    throw;
  }
}

NetnsLab::~NetnsLab() { cleanup(); }

void NetnsLab::cleanup() {
  for (int i = 1; i < int(pids_.size()); ++i)
    if (pids_[std::size_t(i)] > 0) kill(i, SIGKILL);
  if (ns_created_) {
    for (int i = 1; i <= opt_.nodes; ++i) sh("ip netns del " + ns(i));
    sh("ip netns del " + tag_ + "-br");
    ns_created_ = false;
  }
  std::error_code ec;
  if (!std::getenv("HALAB_KEEP_LAB")) fs::remove_all(dir_, ec);
}

std::string NetnsLab::ns(int node) const { return opt_.loopback ? "" : tag_ + "-n" + std::to_string(node); }
std::string NetnsLab::config_path(int node) const { return dir_ + "/n" + std::to_string(node) + "/corosync.conf"; }
std::string NetnsLab::state_dir(int node) const { return dir_ + "/n" + std::to_string(node) + "/state"; }
std::string NetnsLab::log(int node) const { return slurp(dir_ + "/n" + std::to_string(node) + "/halabd.log"); }

void NetnsLab::write_config(int node) {
  const std::string d = dir_ + "/n" + std::to_string(node);
  fs::create_directories(d);
  std::string t = "totem {\n  version: 2\n  cluster_name: netnslab\n";
  t += std::string("  transport: ") + (opt_.transport == "udpu" ? "udpu" : "udp") + "\n";
  const bool crypto = opt_.crypto && opt_.daemon == "halabd";
  t += crypto ? "  crypto_cipher: aes256\n  crypto_hash: sha256\n" : "  crypto_cipher: none\n  crypto_hash: none\n";
  if (opt_.token_ms > 0) t += "  token: " + std::to_string(opt_.token_ms) + "\n";
  t += opt_.totem_extra;
  t += "  interface {\n    ringnumber: 0\n    mcastport: " + std::to_string(port_) + "\n";
  if (opt_.transport == "udp") t += "    mcastaddr: 239.192.77.1\n";
  if (opt_.transport == "broadcast") t += "    broadcast: yes\n";
  // corosync's "on" is to the second; halabd's is always to the millisecond.
  t += "  }\n}\nlogging {\n  to_stderr: yes\n  to_syslog: no\n  timestamp: " +
       std::string(opt_.daemon == "corosync" ? "hires" : "on") + "\n" + std::string(std::getenv("HALAB_LAB_DEBUG") ? "  logger_subsys {\n    subsys: CRM\n    debug: on\n  }\n" : "") + "}\n";
  t += "quorum {\n  provider: corosync_votequorum\n" + opt_.quorum_extra + "}\nnodelist {\n";
  for (int i = 1; i <= opt_.nodes; ++i)
    t += "  node {\n    ring0_addr: " + address(i) + "\n    nodeid: " + std::to_string(i) +
         "\n    name: node" + std::to_string(i) + "\n  }\n";
  t += "}\n" + opt_.extra_sections;
  if (opt_.daemon == "corosync") {
    fs::create_directories(d + "/state");
    t += "system {\n  state_dir: " + d + "/state\n}\n";
  }
  std::ofstream(d + "/corosync.conf") << t;
  // One key for the whole lab (derived from the tag, so every node shares it).
  std::string key(256, '\0');
  for (std::size_t k = 0; k < key.size(); ++k) key[k] = char((k * 131 + tag_.size() * 7 + 1) & 0xff);
  const std::string kp = d + "/authkey";
  { std::ofstream(kp, std::ios::binary) << key; }
  ::chmod(kp.c_str(), 0400);
}

void NetnsLab::start(int node) {
  if (running(node)) return;
  const std::string d = dir_ + "/n" + std::to_string(node);
  const std::string nsname = ns(node), conf = d + "/corosync.conf", state = d + "/state", id = std::to_string(node);
  // The command line, built before fork (the child only execs).
  std::vector<std::string> argv;
  if (opt_.daemon == "corosync") {
    // ip netns exec gives the command a mount namespace of its own: a
    // private /run there holds this corosync's pid file.
    argv = {"ip", "netns", "exec", nsname, "sh", "-c", "mount -t tmpfs tmpfs /run && exec \"$@\"", "sh",
            "/usr/sbin/corosync", "-f", "-c", conf};
  } else if (opt_.loopback) {
    argv = {opt_.halabd, "--config", conf, "--state-dir", state, "--nodeid", id, "--foreground"};
  } else {
    argv = {"ip", "netns", "exec", nsname, opt_.halabd, "--config", conf, "--state-dir", state, "--foreground"};
  }
  argv.insert(argv.end(), opt_.daemon_args.begin(), opt_.daemon_args.end());
  std::vector<char*> args;
  for (auto& a : argv) args.push_back(a.data());
  args.push_back(nullptr);
  const std::string logfile = d + "/halabd.log";
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    const int fd = ::open(logfile.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      ::dup2(fd, 1);
      ::dup2(fd, 2);
    }
    ::execvp(args[0], args.data());
    ::_exit(127);
  }
  pids_[std::size_t(node)] = pid;
}

void NetnsLab::kill(int node, int sig) {
  const pid_t pid = pids_[std::size_t(node)];
  if (pid <= 0) return;
  ::kill(pid, sig);
  // Bounded reap: SIGKILL always ends it; SIGTERM gets 5 s, then SIGKILL.
  for (int k = 0; k < 500; ++k) {
    if (::waitpid(pid, nullptr, WNOHANG) == pid) {
      pids_[std::size_t(node)] = 0;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  pids_[std::size_t(node)] = 0;
}

bool NetnsLab::running(int node) const { return pids_[std::size_t(node)] > 0; }

void NetnsLab::set_link(int node, bool up) {
  if (opt_.loopback) throw std::logic_error("set_link: a loopback lab cannot cut a node off (see can_cut)");
  must("ip -n " + ns(node) + " link set " + short_ + "n" + std::to_string(node) + (up ? " up" : " down"));
}

// corosync-quorumtool -s inside the node's namespace: "Quorate:", "Ring ID:"
// and the node ids of the membership table.
std::optional<QuorumView> NetnsLab::corosync_quorum(int node) const {
  FILE* p = ::popen(("ip netns exec " + ns(node) + " corosync-quorumtool -s 2>/dev/null").c_str(), "r");
  if (!p) return std::nullopt;
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  ::pclose(p);
  std::istringstream in(out);
  std::string line;
  QuorumView v;
  bool table = false, seen = false;
  while (std::getline(in, line)) {
    if (line.rfind("Quorate:", 0) == 0) v.quorate = line.find("Yes") != std::string::npos, seen = true;
    else if (line.rfind("Ring ID:", 0) == 0) v.ring = line.substr(line.find_first_not_of(' ', 8));
    else if (line.find("Nodeid") != std::string::npos && line.find("Votes") != std::string::npos) table = true;
    else if (table) {
      std::istringstream f(line);
      unsigned long id;
      if (f >> id) v.members += (v.members.empty() ? "" : " ") + std::to_string(id);
    }
  }
  if (!seen) return std::nullopt;
  return v;
}

std::optional<QuorumView> NetnsLab::quorum(int node) const {
  if (opt_.daemon == "corosync") return corosync_quorum(node);
  auto r = daemon::ctl_call(state_dir(node), {"quorum-status", {}}, 2000);
  if (!r.response || !r.response->ok()) return std::nullopt;
  QuorumView v;
  v.quorate = r.response->headers["Quorate"] == "yes";
  v.members = r.response->headers["Members"];
  v.ring = r.response->headers["Ring-Id"];
  return v;
}

bool NetnsLab::agree(const std::vector<int>& ids, const std::string& members, bool quorate) const {
  std::string ring;
  for (int id : ids) {
    auto q = quorum(id);
    if (!q || q->members != members || q->quorate != quorate) return false;
    if (!ring.empty() && q->ring != ring) return false;
    ring = q->ring;
  }
  return true;
}

bool NetnsLab::wait_for(const std::function<bool()>& pred, std::chrono::milliseconds limit) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return pred();
}

std::string NetnsLab::describe() const {
  std::string s;
  for (int i = 1; i <= opt_.nodes; ++i) {
    auto q = quorum(i);
    s += "node" + std::to_string(i) + ": ";
    s += q ? (q->quorate ? "quorate" : "not quorate") + std::string(" ring ") + q->ring + " members [" + q->members + "]"
           : std::string("no answer");
    s += "\n";
  }
  return s;
}

}  // namespace halab::testlab
