#include "tests/fence-virt/lab_env.hpp"

#include <fcntl.h>
#include <netinet/in.h>
#include <sched.h>
#include <sys/prctl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace halab::fv::test {

namespace fs = std::filesystem;
using namespace std::chrono;

std::string which(const std::string& prog) {
  const char* path = std::getenv("PATH");
  std::string p = path ? path : "/usr/sbin:/usr/bin:/sbin:/bin";
  p += ":/usr/sbin:/sbin";
  std::stringstream ss(p);
  std::string dir;
  while (std::getline(ss, dir, ':')) {
    std::string f = dir + "/" + prog;
    if (::access(f.c_str(), X_OK) == 0) return f;
  }
  return "";
}

namespace {
pid_t spawn_raw(const std::vector<std::string>& argv, const std::string& out_path, const std::string* stdin_path) {
  pid_t pid = ::fork();
  if (pid != 0) return pid;
  // child: dies with the test process even if that is killed (ctest time-out), so no
  // daemon outlives a crashed run.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::setpgid(0, 0);
  int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  int in = ::open(stdin_path ? stdin_path->c_str() : "/dev/null", O_RDONLY);
  if (out < 0 || in < 0) ::_exit(127);
  ::dup2(in, 0);
  ::dup2(out, 1);
  ::dup2(out, 2);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
  ::execvp(args[0], args.data());
  ::_exit(127);
}

int sh(const std::string& cmd) {
  int rc = std::system((cmd + " >/dev/null 2>&1").c_str());
  return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}
}  // namespace

std::string LabEnv::read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void LabEnv::write_file(const std::string& path, const std::string& text, int mode) {
  std::ofstream(path, std::ios::binary) << text;
  ::chmod(path.c_str(), static_cast<mode_t>(mode));
}

bool LabEnv::wait_for_text(const std::string& path, const std::string& needle, milliseconds timeout) {
  auto until = steady_clock::now() + timeout;
  for (;;) {
    if (read_file(path).find(needle) != std::string::npos) return true;
    if (steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
}

bool LabEnv::wait_port_bound(int type, int port, milliseconds timeout) {
  auto until = steady_clock::now() + timeout;
  for (;;) {
    int fd = ::socket(AF_INET, type, 0);
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(static_cast<uint16_t>(port));
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    bool busy = ::bind(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 && errno == EADDRINUSE;
    ::close(fd);
    if (busy) return true;
    if (steady_clock::now() >= until) return false;
    std::this_thread::sleep_for(milliseconds(10));
  }
}

bool LabEnv::setup() {
  if (::geteuid() != 0) { skip_ = "needs root (network namespace, libvirtd)"; return false; }
  for (const char* p : {"ip", "libvirtd", "virsh"})
    if (which(p).empty()) { skip_ = std::string("'") + p + "' not installed (scripts/bootstrap)"; return false; }
  // Namespaces left by an earlier run that was killed (named after its pid, now dead).
  std::error_code ec;
  for (const auto& e : fs::directory_iterator("/run/netns", ec)) {
    std::string n = e.path().filename();
    if (n.rfind("hfv", 0) != 0 || n.size() < 4 || n.find_first_not_of("0123456789", 3) != std::string::npos) continue;
    if (::kill(std::stoi(n.substr(3)), 0) != 0 && errno == ESRCH) sh("ip netns del " + n);
  }
  runlv_existed_ = fs::exists("/run/libvirt");
  char tmpl[] = "/tmp/halab-fv.XXXXXX";
  if (!::mkdtemp(tmpl)) { skip_ = "mkdtemp failed"; return false; }
  work_ = tmpl;
  fs::create_directories(work_ + "/run");
  fs::create_directories(work_ + "/nodrivers");
  ns_ = "hfv" + std::to_string(::getpid());
  if (sh("ip netns add " + ns_) != 0) { skip_ = "cannot create a network namespace (ip netns add " + ns_ + ")"; return false; }
  ns_made_ = true;
  orig_netns_ = ::open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
  int nsfd = ::open(("/run/netns/" + ns_).c_str(), O_RDONLY | O_CLOEXEC);
  if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) {
    if (nsfd >= 0) ::close(nsfd);
    skip_ = "cannot enter network namespace " + ns_;
    return false;
  }
  ::close(nsfd);
  entered_ = true;
  if (sh("ip link set lo up") != 0 || sh("ip route add 224.0.0.0/4 dev lo") != 0) {
    skip_ = "cannot configure lo in the namespace";
    return false;
  }

  std::string err;
  pid_t lv = start_libvirtd(work_, err);
  if (lv < 0) { skip_ = err; return false; }
  std::string sock = work_ + "/run/libvirt-sock";
  uri_ = "test+unix:///default?socket=" + sock;
  // The holder: while one connection is open the test driver's default state is shared.
  spawn({"virsh", "-c", uri_, "event", "--all", "--loop"}, work_ + "/events.log");
  for (int i = 0; i < 100; ++i) {
    if (run({"virsh", "-q", "-c", uri_, "list", "--all"}).rc == 0) break;
    std::this_thread::sleep_for(milliseconds(20));
  }
  std::this_thread::sleep_for(milliseconds(200));
  for (int n = 1; n <= 3; ++n) {
    std::string d(1, char('0' + n));
    std::string uuid = std::string(8, d[0]) + "-" + std::string(4, d[0]) + "-" + std::string(4, d[0]) + "-" +
                       std::string(4, d[0]) + "-" + std::string(12, d[0]);
    std::string xml = work_ + "/vm" + d + ".xml";
    write_file(xml, "<domain type='test'><name>vm" + d + "</name><uuid>" + uuid +
                        "</uuid><memory>131072</memory><vcpu>1</vcpu><os><type>hvm</type></os></domain>\n");
    if (!virsh({"define", xml})) { skip_ = "virsh define failed against " + uri_; return false; }
  }
  if (!virsh({"start", "vm1"}) || !virsh({"start", "vm2"})) { skip_ = "virsh start failed"; return false; }
  key_ = work_ + "/fence_xvm.key";
  std::string keybytes(4096, '\0');
  std::ifstream("/dev/urandom", std::ios::binary).read(keybytes.data(), 4096);
  write_file(key_, keybytes);
  return true;
}

pid_t LabEnv::start_libvirtd(const std::string& dir, std::string& err) {
  fs::create_directories(dir + "/run");
  fs::create_directories(dir + "/nodrivers");
  write_file(dir + "/libvirtd.conf",
             "unix_sock_dir = \"" + dir + "/run\"\nunix_sock_rw_perms = \"0700\"\nauth_unix_ro = \"none\"\n"
             "auth_unix_rw = \"none\"\nlog_outputs = \"3:file:" + dir + "/libvirtd.log\"\n");
  ::setenv("LIBVIRT_DRIVER_DIR", (dir + "/nodrivers").c_str(), 1);  // only built-in drivers
  pid_t lv = spawn({"libvirtd", "-f", dir + "/libvirtd.conf", "-p", dir + "/libvirtd.pid"}, dir + "/libvirtd.out");
  ::unsetenv("LIBVIRT_DRIVER_DIR");
  std::string sock = dir + "/run/libvirt-sock";
  for (int i = 0; i < 100 && !fs::exists(sock); ++i) std::this_thread::sleep_for(milliseconds(50));
  if (!fs::exists(sock) || !alive(lv)) {
    err = "libvirtd did not start: " + read_file(dir + "/libvirtd.out");
    stop(lv);
    return -1;
  }
  return lv;
}

pid_t LabEnv::spawn(const std::vector<std::string>& argv, const std::string& log) {
  pid_t pid = spawn_raw(argv, log, nullptr);
  if (pid > 0) pids_.push_back(pid);
  return pid;
}

bool LabEnv::alive(pid_t pid) const {
  int st = 0;
  return ::waitpid(pid, &st, WNOHANG) == 0;
}

void LabEnv::stop(pid_t pid) {
  if (pid <= 0) return;
  ::kill(pid, SIGTERM);
  auto until = steady_clock::now() + seconds(2);
  int st = 0;
  while (::waitpid(pid, &st, WNOHANG) == 0) {
    if (steady_clock::now() >= until) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      break;
    }
    std::this_thread::sleep_for(milliseconds(5));
  }
  std::erase(pids_, pid);
}

RunResult LabEnv::run(const std::vector<std::string>& argv, milliseconds timeout, const std::string& stdin_text,
                      bool use_stdin) {
  static int counter = 0;
  std::string base = (work_.empty() ? std::string("/tmp") : work_) + "/run" + std::to_string(::getpid()) + "-" + std::to_string(++counter);
  std::string in_path = base + ".in";
  if (use_stdin) write_file(in_path, stdin_text);
  RunResult r;
  auto t0 = steady_clock::now();
  pid_t pid = spawn_raw(argv, base + ".out", use_stdin ? &in_path : nullptr);
  if (pid < 0) return r;
  int st = 0;
  auto until = t0 + timeout;
  for (;;) {
    pid_t w = ::waitpid(pid, &st, WNOHANG);
    if (w == pid) break;
    if (steady_clock::now() >= until) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &st, 0);
      st = -1;
      break;
    }
    std::this_thread::sleep_for(microseconds(200));
  }
  r.ms = duration<double, std::milli>(steady_clock::now() - t0).count();
  r.rc = (st != -1 && WIFEXITED(st)) ? WEXITSTATUS(st) : -1;
  r.output = read_file(base + ".out");
  ::unlink((base + ".out").c_str());
  if (use_stdin) ::unlink(in_path.c_str());
  return r;
}

bool LabEnv::virsh(const std::vector<std::string>& args) {
  std::vector<std::string> a{"virsh", "-q", "-c", uri_};
  a.insert(a.end(), args.begin(), args.end());
  return run(a).rc == 0;
}

std::string LabEnv::domstate(const std::string& dom) {
  auto r = run({"virsh", "-q", "-c", uri_, "domstate", dom});
  std::string s = r.output;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return r.rc == 0 ? s : "error: " + s;
}

std::string LabEnv::domid(const std::string& dom) {
  auto r = run({"virsh", "-q", "-c", uri_, "domid", dom});
  std::string s = r.output;
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  return s;
}

void LabEnv::teardown() {
  for (auto it = pids_.rbegin(); it != pids_.rend(); ++it) ::kill(*it, SIGTERM);
  auto copy = pids_;
  for (auto it = copy.rbegin(); it != copy.rend(); ++it) stop(*it);
  pids_.clear();
  if (entered_ && orig_netns_ >= 0) ::setns(orig_netns_, CLONE_NEWNET);
  entered_ = false;
  if (orig_netns_ >= 0) ::close(orig_netns_);
  orig_netns_ = -1;
  if (ns_made_) sh("ip netns del " + ns_);
  ns_made_ = false;
  if (!runlv_existed_) {  // a privileged libvirtd leaves its token behind
    ::unlink("/run/libvirt/common/system.token");
    ::rmdir("/run/libvirt/common");
    ::rmdir("/run/libvirt");
    runlv_existed_ = true;
  }
  if (!work_.empty() && std::getenv("HALAB_KEEP_LAB") == nullptr) {
    std::error_code ec;
    fs::remove_all(work_, ec);
  }
  work_.clear();
}

}  // namespace halab::fv::test
