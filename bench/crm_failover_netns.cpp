// Resource failover on the real 3-node netns cluster (tests/daemon/netns_lab,
// as root): three halabd processes, each in its own network namespace on one
// bridge, udpu, aes256/sha256, configured through `halab crm configure load
// update` with one ocf:pacemaker:Dummy resource (monitor 1 s, stickiness
// 100) and a stonith:fence_dummy device (stonith-enabled, action off).
//
// Per timer setting:
//  - formation: the configured cluster is killed and started again, all
//    three at once; start -> the Dummy running (its state file in a node's
//    HA_RSCTMP);
//  - failover, RUNS times: SIGKILL the node running the Dummy -> the Dummy's
//    state file on a survivor (after fence_dummy fenced the node); the node
//    is restarted and rejoins before the next run;
//  - with --soak S: S seconds of the idle cluster with one CPU-bound
//    process per core running beside it: membership changes counted (any
//    node's ring id moving is a false one: no node failed).
//
// The peer, in the same run: real corosync 3.1.7 + pacemaker 2.1.5 on the
// same topology and resources (bench/pacemaker_failover_netns.sh), same
// timers. Where it cannot run (not installed, --no-pacemaker) the figures
// measured earlier are shown, marked as references (issue 6: 8.6 s failover
// with the default token, 4.6 s with token 1000, 24 s formation).
//
// Usage: crm_failover_netns [RUNS] [--soak SECONDS] [--only NAME] [--no-pacemaker]
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "bench/crm_netns_config.hpp"
#include "tests/daemon/crm_lab.hpp"

using namespace halab::testlab;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

struct Setting {
  const char* name;
  int token_ms;
  int token_coefficient_ms;  // -1: corosync's default (650)
  double ref_failover_s;     // pacemaker measured earlier (NaN: none)
};

const Setting kSettings[] = {
    {"default", 0, -1, 8.6},
    {"token1000", 1000, -1, 4.6},
    // halab's recommended fast timers (bench/README.md, "Timers for fast failover").
    {"fast", 250, 0, NAN},
};

// The peer in this run: bench/pacemaker_failover_netns.sh (real corosync +
// pacemaker in the same topology). Fills its failover times and formation.
bool run_pacemaker(const Setting& s, int runs, std::vector<double>& failover, double& formation) {
  std::string cmd = std::string(PACEMAKER_SCRIPT) + " " + std::to_string(runs) + " " + std::to_string(s.token_ms);
  if (s.token_coefficient_ms >= 0) cmd += " " + std::to_string(s.token_coefficient_ms);
  FILE* p = ::popen((cmd + " 2>/dev/null").c_str(), "r");
  if (!p) return false;
  char line[512];
  bool error = false;
  while (std::fgets(line, sizeof line, p)) {
    double v = 0;
    if (std::sscanf(line, "failover_s %lf", &v) == 1) failover.push_back(v);
    else if (std::sscanf(line, "formation_s %lf", &v) == 1) formation = v;
    else if (std::strncmp(line, "error:", 6) == 0) {
      std::fprintf(stderr, "pacemaker (%s): %s", s.name, line);
      error = true;
    }
  }
  ::pclose(p);
  return !error && !failover.empty();
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? NAN : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

// A run that cannot go on: thrown, so the lab's destructor stops the daemons
// and removes the namespaces (std::exit would leave them running).
struct Failed : std::runtime_error {
  using std::runtime_error::runtime_error;
};

[[noreturn]] void die(const std::string& what, const NetnsLab& lab) {
  std::string msg = what + "\n" + lab.describe();
  for (int i = 1; i <= lab.nodes(); ++i) {
    std::string l = lab.log(i);
    if (l.size() > 3000) l = l.substr(l.size() - 3000);
    msg += "---- node" + std::to_string(i) + " ----\n" + l;
  }
  throw Failed(msg);
}

int where(const CrmLab& crm) {
  auto n = crm.nodes_running_all({"dummy"});
  return n.size() == 1 ? n[0] : 0;
}

bool settled(NetnsLab& lab, CrmLab& crm) {
  return NetnsLab::wait_for([&] { return lab.agree({1, 2, 3}, "1 2 3", true); }, 60s) &&
         NetnsLab::wait_for([&] { return crm.has_dc({1, 2, 3}); }, 30s);
}

// The ring ids of every node, "" when one does not answer.
std::string rings(const NetnsLab& lab) {
  std::string s;
  for (int i = 1; i <= lab.nodes(); ++i) {
    auto q = lab.quorum(i);
    if (!q) return "";
    s += q->ring + " ";
  }
  return s;
}

struct Figures {
  double formation_s = NAN;
  std::vector<double> failover;
  int soak_changes = -1;
  int soak_s = 0;
};

Figures run_setting(const Setting& s, int runs, int soak_s) {
  NetnsLabOptions o;
  o.nodes = 3;
  o.transport = "udpu";
  o.token_ms = s.token_ms;
  if (s.token_coefficient_ms >= 0) o.totem_extra = "  token_coefficient: " + std::to_string(s.token_coefficient_ms) + "\n";
  o.halabd = HALABD_BIN;
  NetnsLab lab(o);
  CrmLab crm(lab, HALAB_BIN);
  Figures f;
  for (int i = 1; i <= 3; ++i) lab.start(i);
  if (!settled(lab, crm)) die("the cluster did not form", lab);
  const std::string fence_status = lab.dir() + "/fence_dummy.status";
  std::ofstream(fence_status) << "on";
  if (auto err = crm.configure(1, halab::bench::dummy_and_fence_config(fence_status)); !err.empty()) die(err, lab);
  if (!NetnsLab::wait_for([&] { return where(crm) != 0; }, 30s)) die("the Dummy did not start", lab);
  std::this_thread::sleep_for(1s);

  for (int r = 0; r < runs; ++r) {
    std::this_thread::sleep_for(1500ms);  // monitors run, the DC is idle
    const int victim = where(crm);
    if (!victim) die("the Dummy is not running on exactly one node", lab);
    std::ofstream(fence_status) << "on";
    const auto t0 = Clock::now();
    lab.kill(victim, SIGKILL);
    int taker = 0;
    const bool ok = NetnsLab::wait_for(
        [&] {
          for (int i = 1; i <= 3; ++i)
            if (i != victim && crm.dummy_running(i, "dummy")) return (taker = i) != 0;
          return false;
        },
        60s);
    if (!ok) die("the Dummy did not fail over", lab);
    f.failover.push_back(std::chrono::duration<double>(Clock::now() - t0).count());
    lab.start(victim);
    if (!settled(lab, crm)) die("the killed node did not rejoin", lab);
  }

  if (soak_s > 0) {
    // One CPU-bound process per core beside the cluster.
    std::vector<pid_t> hogs;
    const long cores = std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN));
    for (long c = 0; c < cores; ++c) {
      const pid_t p = ::fork();
      if (p == 0) {
        ::alarm(unsigned(soak_s + 5));  // never outlives the soak
        volatile unsigned long x = 0;
        for (;;) x = x + 1;
      }
      hogs.push_back(p);
    }
    std::string last = rings(lab);
    int changes = 0;
    const auto end = Clock::now() + std::chrono::seconds(soak_s);
    while (Clock::now() < end) {
      std::this_thread::sleep_for(100ms);
      const std::string now = rings(lab);
      if (!now.empty() && now != last) ++changes, last = now;
    }
    for (pid_t p : hogs) ::kill(p, SIGKILL), ::waitpid(p, nullptr, 0);
    f.soak_changes = changes;
    f.soak_s = soak_s;
  }

  // Formation (last: it restarts everything): the whole configured cluster
  // stops and starts again, all three at once, as after a power cut (the
  // Dummies' state files go, as /run does at a reboot).
  for (int i = 1; i <= 3; ++i) lab.kill(i, SIGKILL);
  for (int i = 1; i <= 3; ++i) std::filesystem::remove_all(crm.rsctmp(i));
  const auto t_start = Clock::now();
  for (int i = 1; i <= 3; ++i) lab.start(i);
  if (NetnsLab::wait_for([&] { return where(crm) != 0; }, 30s))
    f.formation_s = std::chrono::duration<double>(Clock::now() - t_start).count();
  return f;
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 5, soak = 0;
  bool pacemaker = true;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--soak" && i + 1 < argc) soak = std::atoi(argv[++i]);
    else if (a == "--only" && i + 1 < argc) only = argv[++i];
    else if (a == "--no-pacemaker") pacemaker = false;
    else runs = std::max(1, std::atoi(a.c_str()));
  }
  if (auto why = NetnsLab::unavailable(); !why.empty()) {
    std::fprintf(stderr, "crm_failover_netns: %s\n", why.c_str());
    return 77;
  }
  if (::access("/usr/lib/ocf/resource.d/pacemaker/Dummy", X_OK) != 0 || ::access("/usr/sbin/fence_dummy", X_OK) != 0) {
    std::fprintf(stderr, "crm_failover_netns: needs ocf:pacemaker:Dummy (pacemaker) and fence_dummy (fence-agents)\n");
    return 77;
  }
  if (pacemaker && (::access("/usr/sbin/corosync", X_OK) != 0 || ::access("/usr/sbin/pacemakerd", X_OK) != 0)) {
    std::fprintf(stderr, "crm_failover_netns: corosync/pacemaker not installed: no peer in this run\n");
    pacemaker = false;
  }
  std::printf("failover: SIGKILL the node running ocf:pacemaker:Dummy (monitor 1 s) -> started on a survivor\n"
              "formation: all three nodes started at once, configured CIB on disk -> Dummy started\n"
              "(3 nodes in netns on one bridge, fence_dummy, stonith-action=off, stickiness 100; %d runs each;\n"
              " halab: udpu aes256/sha256; pacemaker 2.1.5 + corosync 3.1.7: knet, no crypto)\n\n",
              runs);
  std::printf("%-10s %-26s | %-22s | %-22s | %-9s | %s\n", "setting", "totem", "failover median (max)",
              "formation", "ratio", "halab false membership changes");
  std::printf("%-10s %-26s | %-10s %-11s | %-10s %-11s | %-9s |\n", "", "", "halab", "pacemaker", "halab", "pacemaker",
              "failover");
  for (const Setting& s : kSettings) {
    if (!only.empty() && only != s.name) continue;
    Figures f;
    try {
      f = run_setting(s, runs, soak);
    } catch (const Failed& e) {
      std::fprintf(stderr, "crm_failover_netns (%s): %s", s.name, e.what());
      return 1;
    }
    std::vector<double> pf;
    double pform = NAN;
    const bool have_peer = pacemaker && run_pacemaker(s, runs, pf, pform);
    std::string totem = s.token_ms ? "token " + std::to_string(s.token_ms) : std::string("token 3000 (default)");
    if (s.token_coefficient_ms >= 0) totem += ", coeff " + std::to_string(s.token_coefficient_ms);
    auto secs = [](double v) {
      char b[32];
      if (std::isnan(v)) return std::string("n/a");
      std::snprintf(b, sizeof b, "%.3f s", v);
      return std::string(b);
    };
    const double m = median(f.failover);
    const double pm = have_peer ? median(pf) : s.ref_failover_s;
    const std::string peer = have_peer ? secs(pm) : std::isnan(pm) ? "n/a" : secs(pm) + "*";
    char ratio[32] = "n/a", soak_txt[96] = "-";
    if (!std::isnan(pm)) std::snprintf(ratio, sizeof ratio, "%.2f%s", m / pm, have_peer ? "" : "*");
    if (f.soak_changes >= 0)
      std::snprintf(soak_txt, sizeof soak_txt, "%d in %d s beside %ld CPU hogs", f.soak_changes, f.soak_s,
                    std::max(1L, ::sysconf(_SC_NPROCESSORS_ONLN)));
    std::printf("%-10s %-26s | %-10s %-11s | %-10s %-11s | %-9s | %s\n", s.name, totem.c_str(), secs(m).c_str(),
                peer.c_str(), secs(f.formation_s).c_str(),
                have_peer ? secs(pform).c_str() : (std::isnan(s.ref_failover_s) ? "n/a" : "24 s*"), ratio, soak_txt);
    std::printf("%-10s %-26s | max %-6s max %-7s |\n", "", "",
                secs(*std::max_element(f.failover.begin(), f.failover.end())).c_str(),
                have_peer ? secs(*std::max_element(pf.begin(), pf.end())).c_str() : "-");
    std::fflush(stdout);
  }
  std::printf("\nratio = halab median / pacemaker median (below 1: halab fails over faster).\n"
              "* reference figure measured earlier on this kind of machine (issue 6), not in this run.\n");
  return 0;
}
