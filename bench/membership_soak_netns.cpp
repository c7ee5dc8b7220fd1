// Membership soak on real nodes (tests/daemon/netns_lab, as root): do fast
// Totem timers cause false membership changes on a CPU-loaded machine?
//
// In one run, side by side on the same machine and with the same totem
// settings (default token 250, token_coefficient 0: the timers that give
// crm_failover_netns its sub-second failover):
//  - halabd: 3 nodes, each in its own network namespace on a bridge (udpu,
//    aes256/sha256), running the whole stack with one ocf:pacemaker:Dummy
//    (monitor 1 s) and a fence_dummy device, as crm_failover_netns does;
//  - corosync: 3 real corosync 3 nodes on a bridge of their own (udpu, no
//    crypto: corosync 3 encrypts only on knet), the peer;
//  - optionally (--sides) the same two without real-time priority
//    ("halabd-p": halabd -p; "corosync-p": corosync.conf's system.sched_rr: no).
// Then a CPU load runs beside them (LOAD busy loops, default one per core,
// at nice NICE, default 10) for DURATION seconds (default 3600). No node
// fails, so every membership formed during the soak is a false one. Counted
// two ways: the "A new membership (RING) was formed" lines of each node's
// log (both daemons write that line), distinct ring ids per cluster; and the
// ring ids polled every POLL ms (halabd through its control socket, corosync
// through corosync-quorumtool in the node's namespace).
//
// Formation, before the soak: all three nodes started at once -> the three
// agree on a quorate 3-node ring (median of RUNS starts, per side). After
// the soak: halabd's configured cluster killed and started at once -> the
// Dummy running, against pacemaker's formation on the same topology
// (bench/pacemaker_failover_netns.sh with no failover run).
//
// Usage: membership_soak_netns [--duration S] [--load N] [--nice N] [--token MS]
//          [--coefficient MS] [--sides halabd,corosync,halabd-p,corosync-p]
//          [--formation-runs N] [--poll-ms MS] [--progress S] [--no-pacemaker]
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <ctime>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/crm_netns_config.hpp"
#include "tests/daemon/crm_lab.hpp"

using namespace halab::testlab;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

struct Options {
  int duration_s = 3600;
  int load = 0;  // 0: one per core
  int nice = 10;
  int token_ms = 250;
  int coefficient_ms = 0;  // -1: corosync's default
  std::vector<std::string> sides = {"halabd", "corosync"};
  int formation_runs = 3;
  int poll_ms = 1000;
  int progress_s = 300;
  bool pacemaker = true;
};

// NaN (a figure not found) is left out of both.
double median(std::vector<double> v) {
  v.erase(std::remove_if(v.begin(), v.end(), [](double x) { return std::isnan(x); }), v.end());
  std::sort(v.begin(), v.end());
  return v.empty() ? NAN : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}
double maxv(const std::vector<double>& v) {
  double m = NAN;
  for (double x : v)
    if (!std::isnan(x)) m = std::isnan(m) ? x : std::max(m, x);
  return m;
}
double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }
std::string secs(double v) {
  if (std::isnan(v)) return "n/a";
  char b[32];
  std::snprintf(b, sizeof b, "%.3f s", v);
  return b;
}
std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

// /proc/PID/stat's fields after the command's closing parenthesis (field 3 on).
std::vector<std::string> proc_stat(pid_t pid) {
  std::string s = slurp("/proc/" + std::to_string(pid) + "/stat");
  std::vector<std::string> f;
  const auto close = s.rfind(')');
  if (close == std::string::npos) return f;
  std::istringstream in(s.substr(close + 2));
  for (std::string w; in >> w;) f.push_back(w);
  return f;
}
// The process's own user + system CPU seconds.
double cpu_seconds(pid_t pid) {
  auto f = proc_stat(pid);
  if (f.size() < 13) return NAN;
  return (std::atof(f[11].c_str()) + std::atof(f[12].c_str())) / double(::sysconf(_SC_CLK_TCK));
}
bool alive(pid_t pid) {
  auto f = proc_stat(pid);
  return !f.empty() && f[0] != "Z" && f[0] != "X";
}
std::string sched_of(pid_t pid) {
  const int raw = ::sched_getscheduler(pid);
  const int pol = raw < 0 ? raw : raw & ~SCHED_RESET_ON_FORK;  // halabd's children go back to SCHED_OTHER
  sched_param sp{};
  ::sched_getparam(pid, &sp);
  const std::string comm = slurp("/proc/" + std::to_string(pid) + "/comm");
  std::string name = pol == SCHED_RR ? "SCHED_RR " + std::to_string(sp.sched_priority)
                     : pol == SCHED_FIFO ? "SCHED_FIFO " + std::to_string(sp.sched_priority)
                     : pol == SCHED_OTHER ? "SCHED_OTHER"
                     : pol < 0 ? "?" : "policy " + std::to_string(pol);
  return name + " (" + comm.substr(0, comm.find('\n')) + ")";
}

// The machine's CPU time from /proc/stat's first line: (busy, total) jiffies.
std::pair<double, double> machine_cpu() {
  std::istringstream in(slurp("/proc/stat"));
  std::string cpu;
  in >> cpu;
  double v[10] = {};
  double total = 0;
  for (double& x : v) in >> x, total += x;
  return {total - v[3] - v[4], total};  // idle + iowait are not busy
}
double loadavg1() { return std::atof(slurp("/proc/loadavg").c_str()); }

struct Side {
  std::string name;  // halabd, corosync, halabd-p, corosync-p
  bool halabd = true;
  bool realtime = true;
  std::unique_ptr<NetnsLab> lab;
  std::unique_ptr<CrmLab> crm;
  std::vector<double> formation_ring;    // from the daemons' logs (NaN: a line not found)
  std::vector<double> formation_polled;  // until the queries saw it
  std::vector<double> formation_rsc;
  std::vector<std::size_t> log_offset;
  std::vector<std::string> last_ring;
  std::set<std::string> rings_at_start, rings_polled, rings_logged;
  std::vector<std::string> membership_lines;
  int short_views = 0;  // a node's quorum saw fewer than 3 members (someone was dropped)
  int unanswered = 0;
  double poll_s = 0;  // time spent querying the three nodes, summed over the soak
  int polls = 0;
  std::string sched;
  double cpu_start = 0, cpu_used = 0;
  bool died = false;
};

bool formed(Side& s) { return NetnsLab::wait_for([&] { return s.lab->agree({1, 2, 3}, "1 2 3", true); }, 30s); }

std::string log_path(const Side& s, int node) { return s.lab->dir() + "/n" + std::to_string(node) + "/halabd.log"; }

// A log line's time: both daemons begin their lines "Nov 25 03:54:02.499"
// (local time, to the millisecond; corosync with timestamp: hires).
std::optional<std::chrono::system_clock::time_point> line_time(const std::string& line) {
  std::tm tm{};
  const char* rest = ::strptime(line.c_str(), "%b %d %H:%M:%S", &tm);
  if (!rest || *rest != '.') return std::nullopt;
  const std::time_t now = std::time(nullptr);
  std::tm today{};
  ::localtime_r(&now, &today);
  tm.tm_year = today.tm_year;
  tm.tm_isdst = -1;
  const int ms = std::atoi(rest + 1);
  return std::chrono::system_clock::from_time_t(std::mktime(&tm)) + std::chrono::milliseconds(ms);
}

// All three started at once -> one quorate 3-node ring on all three. Timed
// from the daemons' own logs: the last of the three nodes' first
// "[QUORUM] ... Members[3]: 1 2 3" line (both daemons log it when quorum
// counts the new membership), so the figure does not carry the time of the
// queries that wait for it (corosync-quorumtool is a process per query).
// The polled figure is kept as a cross-check.
void measure_ring_formation(Side& s, int runs) {
  for (int r = 0; r < runs && !g_stop; ++r) {
    for (int i = 1; i <= 3; ++i) s.lab->kill(i, SIGKILL);
    std::this_thread::sleep_for(300ms);
    std::vector<std::size_t> offset(4, 0);
    for (int i = 1; i <= 3; ++i) offset[std::size_t(i)] = slurp(log_path(s, i)).size();
    const auto wall0 = std::chrono::system_clock::now();
    const auto t0 = Clock::now();
    for (int i = 1; i <= 3; ++i) s.lab->start(i);
    if (!formed(s)) throw std::runtime_error(s.name + ": the 3 nodes did not form a quorate ring in 30 s\n" +
                                             s.lab->describe());
    s.formation_polled.push_back(seconds_since(t0));
    double last = 0;
    bool missing = false;
    for (int i = 1; i <= 3; ++i) {
      const std::string l = slurp(log_path(s, i));
      std::istringstream in(l.size() > offset[std::size_t(i)] ? l.substr(offset[std::size_t(i)]) : "");
      double at = NAN;
      for (std::string line; std::getline(in, line);)
        if (line.find("QUORUM") != std::string::npos && line.find("Members[3]: 1 2 3") != std::string::npos) {
          if (auto t = line_time(line)) at = std::chrono::duration<double>(*t - wall0).count();
          break;
        }
      if (std::isnan(at)) missing = true;
      else last = std::max(last, at);
    }
    s.formation_ring.push_back(missing ? NAN : last);
  }
}

int dummy_node(const CrmLab& crm) {
  auto n = crm.nodes_running_all({"dummy"});
  return n.size() == 1 ? n[0] : 0;
}

void configure_dummy(Side& s) {
  if (!NetnsLab::wait_for([&] { return s.crm->has_dc({1, 2, 3}); }, 30s))
    throw std::runtime_error(s.name + ": no DC");
  const std::string fence_status = s.lab->dir() + "/fence_dummy.status";
  std::ofstream(fence_status) << "on";
  if (auto err = s.crm->configure(1, halab::bench::dummy_and_fence_config(fence_status)); !err.empty())
    throw std::runtime_error(s.name + ": configure: " + err);
  if (!NetnsLab::wait_for([&] { return dummy_node(*s.crm) != 0; }, 30s))
    throw std::runtime_error(s.name + ": the Dummy did not start");
}

// The configured cluster killed and started at once (the Dummies' state
// files gone, as /run at a reboot) -> the Dummy running on one node.
void measure_resource_formation(Side& s, int runs) {
  for (int r = 0; r < runs && !g_stop; ++r) {
    for (int i = 1; i <= 3; ++i) s.lab->kill(i, SIGKILL);
    for (int i = 1; i <= 3; ++i) std::filesystem::remove_all(s.crm->rsctmp(i));
    std::this_thread::sleep_for(300ms);
    const auto t0 = Clock::now();
    for (int i = 1; i <= 3; ++i) s.lab->start(i);
    if (!NetnsLab::wait_for([&] { return dummy_node(*s.crm) != 0; }, 30s))
      throw std::runtime_error(s.name + ": the Dummy did not start after a whole-cluster restart");
    s.formation_rsc.push_back(seconds_since(t0));
  }
}

// Pacemaker's formation on the same topology, same timers: the peer's script
// with no failover run prints only "formation_s X".
double pacemaker_formation(const Options& o) {
  std::string cmd = std::string(PACEMAKER_SCRIPT) + " 0 " + std::to_string(o.token_ms);
  if (o.coefficient_ms >= 0) cmd += " " + std::to_string(o.coefficient_ms);
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return NAN;
  double v = NAN;
  char line[512];
  while (std::fgets(line, sizeof line, p)) {
    double x;
    if (std::sscanf(line, "formation_s %lf", &x) == 1) v = x;
    else if (std::strncmp(line, "error:", 6) == 0) std::fprintf(stderr, "pacemaker: %s", line);
  }
  ::pclose(p);
  return v;
}

// The membership lines each node logged since the soak began.
void count_logged(Side& s) {
  for (int i = 1; i <= 3; ++i) {
    const std::string l = slurp(log_path(s, i));
    std::istringstream in(l.size() > s.log_offset[std::size_t(i)] ? l.substr(s.log_offset[std::size_t(i)]) : "");
    for (std::string line; std::getline(in, line);) {
      // "[QUORUM] ... Members[2]: 1 2": the ring formed without a node (a
      // ring formed again with all three members is still a change: a token
      // was lost, the ring id moved and every member went through sync).
      if (const auto m = line.find("Members["); m != std::string::npos && line.find("QUORUM") != std::string::npos &&
                                                 line.compare(m, 10, "Members[3]") != 0)
        ++s.short_views;
      const auto at = line.find("A new membership (");
      if (at == std::string::npos) continue;
      const auto open = at + std::strlen("A new membership (");
      s.rings_logged.insert(line.substr(open, line.find(')', open) - open));
      if (s.membership_lines.size() < 12) s.membership_lines.push_back("node" + std::to_string(i) + ": " + line);
    }
  }
}

std::vector<pid_t> start_load(int n, int nice, int duration_s) {
  std::vector<pid_t> hogs;
  for (int c = 0; c < n; ++c) {
    const pid_t p = ::fork();
    if (p == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::setpriority(PRIO_PROCESS, 0, nice);
      ::alarm(unsigned(duration_s + 60));  // never outlives the soak
      volatile unsigned long x = 0;
      for (;;) x = x + 1;
    }
    if (p > 0) hogs.push_back(p);
  }
  return hogs;
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) throw std::invalid_argument(a + " needs a value");
      return argv[++i];
    };
    if (a == "--duration") o.duration_s = std::stoi(next());
    else if (a == "--load") o.load = std::stoi(next());
    else if (a == "--nice") o.nice = std::stoi(next());
    else if (a == "--token") o.token_ms = std::stoi(next());
    else if (a == "--coefficient") o.coefficient_ms = std::stoi(next());
    else if (a == "--formation-runs") o.formation_runs = std::max(1, std::stoi(next()));
    else if (a == "--poll-ms") o.poll_ms = std::max(50, std::stoi(next()));
    else if (a == "--progress") o.progress_s = std::max(1, std::stoi(next()));
    else if (a == "--no-pacemaker") o.pacemaker = false;
    else if (a == "--sides") {
      o.sides.clear();
      std::istringstream in(next());
      for (std::string s; std::getline(in, s, ',');) {
        if (s != "halabd" && s != "corosync" && s != "halabd-p" && s != "corosync-p")
          throw std::invalid_argument("unknown side " + s + " (halabd, corosync, halabd-p, corosync-p)");
        o.sides.push_back(s);
      }
    } else
      throw std::invalid_argument("unknown argument " + a);
  }
  if (o.load <= 0) o.load = int(std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
  return o;
}

int run(const Options& o) {
  std::string totem = "token " + std::to_string(o.token_ms);
  if (o.coefficient_ms >= 0) totem += ", token_coefficient " + std::to_string(o.coefficient_ms);
  std::vector<Side> sides;
  for (const auto& name : o.sides) {
    Side s;
    s.name = name;
    s.halabd = name.rfind("halabd", 0) == 0;
    s.realtime = name.find("-p") == std::string::npos;
    NetnsLabOptions lo;
    lo.nodes = 3;
    lo.transport = "udpu";
    lo.token_ms = o.token_ms;
    if (o.coefficient_ms >= 0) lo.totem_extra = "  token_coefficient: " + std::to_string(o.coefficient_ms) + "\n";
    lo.halabd = HALABD_BIN;
    lo.daemon = s.halabd ? "halabd" : "corosync";
    lo.crypto = true;  // halabd's default; corosync on udpu gets none (netns_lab)
    // No real-time priority: halabd's -p; corosync 3's corosync.conf
    // setting (its -p option went with version 3).
    if (!s.realtime && s.halabd) lo.daemon_args = {"-p"};
    if (!s.realtime && !s.halabd) lo.extra_sections = "system {\n  sched_rr: no\n}\n";
    s.lab = std::make_unique<NetnsLab>(lo);
    if (s.halabd) s.crm = std::make_unique<CrmLab>(*s.lab, HALAB_BIN);
    s.log_offset.assign(4, 0);
    s.last_ring.assign(4, "");
    sides.push_back(std::move(s));
  }

  std::printf("membership soak: 3 nodes per side in network namespaces (udpu), %s, all sides at once\n",
              totem.c_str());
  std::printf("formation (before the load): all three nodes started at once -> one quorate 3-node ring, %d runs\n",
              o.formation_runs);
  std::fflush(stdout);
  for (auto& s : sides) {
    measure_ring_formation(s, o.formation_runs);
    if (s.halabd) configure_dummy(s);
    std::printf("  %-11s ring formation median %s (max %s); polled %s (max %s)\n", s.name.c_str(),
                secs(median(s.formation_ring)).c_str(), secs(maxv(s.formation_ring)).c_str(),
                secs(median(s.formation_polled)).c_str(), secs(maxv(s.formation_polled)).c_str());
    std::fflush(stdout);
  }

  // The soak.
  for (auto& s : sides) {
    for (int i = 1; i <= 3; ++i) {
      s.log_offset[std::size_t(i)] = slurp(log_path(s, i)).size();
      auto q = s.lab->quorum(i);
      s.last_ring[std::size_t(i)] = q ? q->ring : "";
      if (q) s.rings_at_start.insert(q->ring);
    }
    s.sched = sched_of(s.lab->pid(1));
    for (int i = 1; i <= 3; ++i) s.cpu_start += cpu_seconds(s.lab->pid(i));
  }
  const auto cpu0 = machine_cpu();
  std::printf("soak: %d s beside %d busy loops at nice %d (this machine: %ld cores; other work on it goes on)\n",
              o.duration_s, o.load, o.nice, ::sysconf(_SC_NPROCESSORS_ONLN));
  std::fflush(stdout);
  auto hogs = start_load(o.load, o.nice, o.duration_s);
  const auto t0 = Clock::now();
  const auto end = t0 + std::chrono::seconds(o.duration_s);
  auto next_progress = t0 + std::chrono::seconds(o.progress_s);
  double load_sum = 0, load_max = 0;
  int load_samples = 0;
  while (Clock::now() < end && !g_stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(o.poll_ms));
    const double la = loadavg1();
    load_sum += la, load_max = std::max(load_max, la), ++load_samples;
    for (auto& s : sides) {
      const auto q0 = Clock::now();
      for (int i = 1; i <= 3; ++i) {
        if (!alive(s.lab->pid(i))) s.died = true;
        auto q = s.lab->quorum(i);
        if (!q) {
          ++s.unanswered;
          continue;
        }
        if (q->ring != s.last_ring[std::size_t(i)]) {
          s.last_ring[std::size_t(i)] = q->ring;
          if (!s.rings_at_start.count(q->ring)) s.rings_polled.insert(q->ring);
        }
      }
      s.poll_s += seconds_since(q0), ++s.polls;
    }
    if (Clock::now() >= next_progress) {
      next_progress += std::chrono::seconds(o.progress_s);
      std::printf("  %5.0f s  load average %.2f ", seconds_since(t0), la);
      for (auto& s : sides) std::printf(" | %s: %zu ring changes polled", s.name.c_str(), s.rings_polled.size());
      std::printf("\n");
      std::fflush(stdout);
    }
  }
  const double soaked = seconds_since(t0);
  for (pid_t p : hogs) ::kill(p, SIGKILL), ::waitpid(p, nullptr, 0);
  const auto cpu1 = machine_cpu();
  const double busy = (cpu1.first - cpu0.first) / std::max(1.0, cpu1.second - cpu0.second);
  for (auto& s : sides) {
    count_logged(s);
    for (int i = 1; i <= 3; ++i) s.cpu_used += cpu_seconds(s.lab->pid(i));
    s.cpu_used -= s.cpu_start;
  }

  // Formation to a running resource (after the load, the soak's figures taken).
  double pmk = NAN;
  bool pmk_tried = false;
  for (auto& s : sides)
    if (s.name == "halabd" && !g_stop) {
      measure_resource_formation(s, o.formation_runs);
      if (o.pacemaker && ::access("/usr/sbin/pacemakerd", X_OK) == 0 && ::access("/usr/sbin/corosync", X_OK) == 0) {
        pmk_tried = true;
        pmk = pacemaker_formation(o);
      }
    }

  std::printf("\nfalse membership changes: %.0f s of no failure beside %d busy loops (nice %d); the machine's CPUs "
              "were %.0f%% busy, load average mean %.2f (max %.2f)\n",
              soaked, o.load, o.nice, busy * 100, load_samples ? load_sum / load_samples : NAN, load_max);
  std::printf("%-11s %-24s %-30s %9s %14s %12s %13s %9s %11s\n", "side", "scheduling", "totem", "duration",
              "false changes", "node dropped", "polled rings", "per hour", "daemon CPU");
  for (auto& s : sides) {
    char per_hour[32];
    std::snprintf(per_hour, sizeof per_hour, "%.2f", double(s.rings_logged.size()) * 3600 / std::max(1.0, soaked));
    char cpu[32];
    std::snprintf(cpu, sizeof cpu, "%.1f s", s.cpu_used);
    std::printf("%-11s %-24s %-30s %7.0f s %14zu %12d %13zu %9s %11s%s\n", s.name.c_str(), s.sched.c_str(), totem.c_str(),
                soaked, s.rings_logged.size(), s.short_views, s.rings_polled.size(), per_hour, cpu,
                s.died ? "  (a daemon exited!)" : "");
  }
  auto find = [&](const std::string& n) -> const Side* {
    for (auto& s : sides)
      if (s.name == n) return &s;
    return nullptr;
  };
  for (auto [a, b] : {std::pair{"halabd", "corosync"}, std::pair{"halabd-p", "corosync-p"}}) {
    const Side *h = find(a), *c = find(b);
    if (!h || !c) continue;
    const auto hn = h->rings_logged.size(), cn = c->rings_logged.size();
    std::printf("ratio %s / %s false membership changes: %zu / %zu = %s\n", a, b, hn, cn,
                cn ? std::to_string(double(hn) / double(cn)).c_str() : hn ? "inf" : "n/a (none on either side)");
  }
  std::printf("false changes: distinct ring ids formed during the soak (\"A new membership\" lines of the three nodes' "
              "logs); node dropped: a node's quorum line listing fewer than 3 members (one per node that saw it); polled "
              "rings: new ring ids seen by the queries every %d ms\n",
              o.poll_ms);
  for (auto& s : sides) {
    if (s.polls)
      std::printf("%s: one query of the three nodes took %.1f ms on average\n", s.name.c_str(), 1000 * s.poll_s / s.polls);
    if (s.unanswered) std::printf("%s: %d polls unanswered\n", s.name.c_str(), s.unanswered);
    for (auto& l : s.membership_lines) std::printf("  %s %s\n", s.name.c_str(), l.c_str());
  }

  std::printf("\nformation: 3 nodes started at once (%d runs each; median (max))\n", o.formation_runs);
  std::printf("%-11s %-24s %-24s %-26s\n", "side", "-> quorate 3-node ring", "(polled)", "-> Dummy running");
  auto cell = [](const std::vector<double>& v) { return secs(median(v)) + " (" + secs(maxv(v)) + ")"; };
  for (auto& s : sides) {
    std::string rsc = s.formation_rsc.empty() ? "-" : cell(s.formation_rsc);
    if (s.name == "corosync" && pmk_tried) rsc = secs(pmk) + " (pacemaker, 1 run)";
    std::printf("%-11s %-24s %-24s %-26s\n", s.name.c_str(), cell(s.formation_ring).c_str(),
                cell(s.formation_polled).c_str(), rsc.c_str());
  }
  const Side *h = find("halabd"), *c = find("corosync");
  if (h && c)
    std::printf("ratio halabd / corosync ring formation: %.2f\n", median(h->formation_ring) / median(c->formation_ring));
  if (h && !h->formation_rsc.empty() && !std::isnan(pmk))
    std::printf("ratio halab / pacemaker formation to a running Dummy: %.3f (pacemaker's includes dc-deadtime 20 s)\n",
                median(h->formation_rsc) / pmk);
  std::printf("(ring formation: from start to the last node's \"Members[3]: 1 2 3\" log line; \"polled\": until "
              "queries every 10 ms saw it, corosync's through corosync-quorumtool, a process per query)\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  try {
    o = parse(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "membership_soak_netns: %s\n", e.what());
    return 2;
  }
  if (auto why = NetnsLab::unavailable(); !why.empty()) {
    std::fprintf(stderr, "membership_soak_netns: skipped: %s\n", why.c_str());
    return 77;
  }
  const bool wants_corosync = std::any_of(o.sides.begin(), o.sides.end(), [](auto& s) { return s[0] == 'c'; });
  if (wants_corosync)
    if (auto why = NetnsLab::corosync_unavailable(); !why.empty()) {
      std::printf("corosync not measured: %s\n", why.c_str());
      o.sides.erase(std::remove_if(o.sides.begin(), o.sides.end(), [](auto& s) { return s[0] == 'c'; }), o.sides.end());
    }
  if (::access("/usr/lib/ocf/resource.d/pacemaker/Dummy", X_OK) != 0 || ::access("/usr/sbin/fence_dummy", X_OK) != 0) {
    std::fprintf(stderr, "membership_soak_netns: skipped: needs ocf:pacemaker:Dummy (pacemaker) and fence_dummy\n");
    return 77;
  }
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  try {
    return run(o);  // the labs' destructors stop the daemons and remove the namespaces
  } catch (const std::exception& e) {
    std::fprintf(stderr, "membership_soak_netns: %s\n", e.what());
    return 1;
  }
}
