// halabd against real corosync 3.1.7 on real UDP, in the same run: three
// (or five) daemons, each in its own network namespace on one bridge
// (tests/daemon/netns_lab), as root. corosync runs on the same topology with
// the same corosync.conf settings (udpu, same token), each in its own mount
// namespace with a private /run and its own state_dir.
//
// 1. Failure detection: SIGKILL one node of three; the time until both
//    survivors report the 2-node membership (halabd through its control
//    socket, corosync through corosync-quorumtool in the node's namespace;
//    both polled every 10 ms), with corosync's default token (3000 ms,
//    3650 ms effective for 3 nodes) and with token 1000 (1650 ms
//    effective). Median of RUNS kills each, and halabd / corosync.
// 2. Ordered-message throughput and latency, 1 KiB messages, 3 and 5 nodes:
//    every node sends COUNT messages at once (window 500) for throughput; one
//    node sends one at a time (window 1) for latency (send to its own agreed
//    delivery). halabd through its bench service (the CPG path); corosync
//    through libcpg with bench/corosync_cpg_driver (corosync ships no tool
//    that sends CPG messages). corosync 3 cannot encrypt on udpu, so halabd
//    is measured both with crypto off (the like-for-like ratio) and with
//    aes256/sha256 (what it runs by default).
//
// Usage: daemon_netns_bench [RUNS] [--no-failover] [--no-throughput] [--no-corosync]
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <map>
#include <thread>
#include <vector>

#include "stack/daemon/control_client.hpp"
#include "tests/daemon/netns_lab.hpp"

using namespace halab;
using namespace halab::testlab;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

namespace {

NetnsLabOptions lab_options(int nodes, const std::string& transport, int token_ms) {
  NetnsLabOptions o;
  o.nodes = nodes;
  o.transport = transport;
  o.token_ms = token_ms;
  o.halabd = HALABD_BIN;
  return o;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

bool formed(NetnsLab& lab, int n) {
  std::vector<int> ids;
  std::string members;
  for (int i = 1; i <= n; ++i) ids.push_back(i), members += (i > 1 ? " " : "") + std::to_string(i);
  return NetnsLab::wait_for([&] { return lab.agree(ids, members, true); }, 30s);
}

// Median seconds from SIGKILL of node 3 to nodes 1 and 2 both reporting {1, 2}, quorate.
double detection(const std::string& daemon, int token_ms, int runs, double& worst) {
  auto o = lab_options(3, "udpu", token_ms);
  o.daemon = daemon;
  o.crypto = false;
  NetnsLab lab(o);
  for (int i = 1; i <= 3; ++i) lab.start(i);
  if (!formed(lab, 3)) {
    std::fprintf(stderr, "%s cluster did not form:\n%s", daemon.c_str(), lab.describe().c_str());
    std::exit(1);
  }
  std::vector<double> times;
  for (int r = 0; r < runs; ++r) {
    std::this_thread::sleep_for(500ms);  // let the ring idle a moment
    const auto t0 = Clock::now();
    lab.kill(3, SIGKILL);
    const bool ok = NetnsLab::wait_for([&] { return lab.agree({1, 2}, "1 2", true); }, 30s);
    const double t = std::chrono::duration<double>(Clock::now() - t0).count();
    if (!ok) {
      std::fprintf(stderr, "%s survivors did not settle:\n%s", daemon.c_str(), lab.describe().c_str());
      std::exit(1);
    }
    times.push_back(t);
    lab.start(3);
    if (!formed(lab, 3)) {
      std::fprintf(stderr, "%s node 3 did not rejoin:\n%s", daemon.c_str(), lab.describe().c_str());
      std::exit(1);
    }
  }
  worst = *std::max_element(times.begin(), times.end());
  return median(times);
}

void failure_detection(int runs, bool corosync) {
  struct Setting {
    const char* name;
    int token_ms;
  };
  std::printf("failure detection: SIGKILL 1 of 3 nodes -> 2-node membership on both survivors "
              "(udpu, real UDP, netns, median of %d)\n", runs);
  std::printf("%-28s %12s %10s %14s %10s %8s\n", "setting", "halabd s", "max s", "corosync s", "max s",
              "ratio");
  for (const Setting& s : {Setting{"default token (3650 ms eff.)", 0}, Setting{"token 1000 (1650 ms eff.)", 1000}}) {
    double hw = 0, cw = 0;
    const double h = detection("halabd", s.token_ms, runs, hw);
    if (!corosync) {
      std::printf("%-28s %12.3f %10.3f %14s %10s %8s\n", s.name, h, hw, "-", "-", "-");
      continue;
    }
    const double c = detection("corosync", s.token_ms, runs, cw);
    std::printf("%-28s %12.3f %10.3f %14.3f %10.3f %8.2f\n", s.name, h, hw, c, cw, h / c);
  }
}

std::map<std::string, std::string> result(NetnsLab& lab, int node) {
  auto r = daemon::ctl_call(lab.state_dir(node), {"bench-result", {}}, 5000);
  return r.response ? r.response->headers : std::map<std::string, std::string>{};
}

void start_bench(NetnsLab& lab, int node, int count, int size, int window) {
  auto r = daemon::ctl_call(lab.state_dir(node),
                            {"bench-start", {std::to_string(count), std::to_string(size), std::to_string(window)}}, 5000);
  if (!r.response || !r.response->ok()) {
    std::fprintf(stderr, "bench-start on node %d failed: %s\n", node, r.response ? r.response->body.c_str() : r.error.c_str());
    std::exit(1);
  }
}

struct Throughput {
  bool ok = false;
  double msgs_per_s = 0, mib_per_s = 0;
  std::string p50, p99;
};

constexpr int kCount = 20000, kSize = 1024, kWindow = 500;

Throughput halabd_throughput(int n, bool crypto) {
  auto o = lab_options(n, "udpu", 0);
  o.crypto = crypto;
  NetnsLab lab(o);
  for (int i = 1; i <= n; ++i) lab.start(i);
  if (!formed(lab, n)) {
    std::fprintf(stderr, "cluster did not form:\n%s", lab.describe().c_str());
    std::exit(1);
  }
  for (int i = 1; i <= n; ++i) start_bench(lab, i, kCount, kSize, kWindow);
  Throughput t;
  t.ok = NetnsLab::wait_for(
      [&] {
        for (int i = 1; i <= n; ++i)
          if (result(lab, i)["Done"] != "yes") return false;
        return true;
      },
      120s);
  double total = 0, slowest = 0;
  for (int i = 1; i <= n; ++i) {
    auto h = result(lab, i);
    total += std::atof(h["Delivered-Own"].c_str());
    slowest = std::max(slowest, std::atof(h["Elapsed-S"].c_str()));
  }
  t.msgs_per_s = slowest > 0 ? total / slowest : 0;
  t.mib_per_s = t.msgs_per_s * kSize / 1048576.0;
  // Latency: one sender, one message in flight.
  start_bench(lab, 1, 2000, kSize, 1);
  NetnsLab::wait_for([&] { return result(lab, 1)["Done"] == "yes"; }, 60s);
  auto lat = result(lab, 1);
  t.p50 = lat["Latency-P50-Us"];
  t.p99 = lat["Latency-P99-Us"];
  return t;
}

#ifdef COROSYNC_CPG_DRIVER
// Runs the CPG driver in every given node's namespace at once; their `Key: value` outputs.
std::vector<std::map<std::string, std::string>> run_drivers(NetnsLab& lab, const std::vector<int>& nodes, int members,
                                                            int count, int window) {
  std::vector<FILE*> pipes;
  for (int i : nodes)
    pipes.push_back(::popen(("ip netns exec " + lab.ns(i) + " " + COROSYNC_CPG_DRIVER + " halabd-bench " +
                             std::to_string(members) + " " + std::to_string(count) + " " + std::to_string(kSize) +
                             " " + std::to_string(window))
                                .c_str(),
                            "r"));
  std::vector<std::map<std::string, std::string>> out;
  for (FILE* p : pipes) {
    std::map<std::string, std::string> kv;
    char line[512];
    while (p && std::fgets(line, sizeof line, p)) {
      std::string l(line);
      if (auto c = l.find(": "); c != std::string::npos) kv[l.substr(0, c)] = l.substr(c + 2, l.find('\n') - c - 2);
    }
    if (p) ::pclose(p);
    out.push_back(kv);
  }
  return out;
}

Throughput corosync_throughput(int n) {
  auto o = lab_options(n, "udpu", 0);
  o.daemon = "corosync";
  o.crypto = false;
  NetnsLab lab(o);
  for (int i = 1; i <= n; ++i) lab.start(i);
  if (!formed(lab, n)) {
    std::fprintf(stderr, "corosync cluster did not form:\n%s", lab.describe().c_str());
    std::exit(1);
  }
  std::vector<int> all;
  for (int i = 1; i <= n; ++i) all.push_back(i);
  Throughput t;
  auto res = run_drivers(lab, all, n, kCount, kWindow);
  double total = 0, slowest = 0;
  t.ok = true;
  for (auto& kv : res) {
    if (!kv.count("Elapsed-S")) t.ok = false;
    total += std::atof(kv["Delivered-Own"].c_str());
    slowest = std::max(slowest, std::atof(kv["Elapsed-S"].c_str()));
  }
  t.msgs_per_s = slowest > 0 ? total / slowest : 0;
  t.mib_per_s = t.msgs_per_s * kSize / 1048576.0;
  auto lat = run_drivers(lab, {1}, 1, 2000, 1);
  t.p50 = lat[0]["Latency-P50-Us"];
  t.p99 = lat[0]["Latency-P99-Us"];
  return t;
}
#endif

void print_row(const char* who, const Throughput& t) {
  std::printf("  %-34s %s%9.0f msgs/s (%5.1f MiB/s)  latency p50 %7s us  p99 %7s us\n", who, t.ok ? "" : "(INCOMPLETE) ",
              t.msgs_per_s, t.mib_per_s, t.p50.c_str(), t.p99.c_str());
}

void throughput(int n, bool corosync) {
  std::printf("%d nodes, every node sending %d x 1 KiB (window %d); latency: one sender, one in flight\n", n, kCount,
              kWindow);
  const auto plain = halabd_throughput(n, false);
  print_row("halabd (crypto none)", plain);
  print_row("halabd (aes256/sha256)", halabd_throughput(n, true));
#ifdef COROSYNC_CPG_DRIVER
  if (corosync) {
    const auto c = corosync_throughput(n);
    print_row("corosync 3.1.7 (udpu, crypto none)", c);
    if (c.msgs_per_s > 0)
      std::printf("  ratio halabd / corosync (crypto none): throughput %.2f, latency p50 %.2f (corosync's includes its "
                  "client's IPC; halabd's bench client is in-process)\n",
                  plain.msgs_per_s / c.msgs_per_s, std::atof(plain.p50.c_str()) / std::max(1e-9, std::atof(c.p50.c_str())));
  }
#else
  if (corosync) std::printf("  corosync: not measured (built without libcpg-dev, so no CPG client to drive it)\n");
#endif
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 3;
  bool failover = true, thr = true, corosync = true;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--no-failover") failover = false;
    else if (a == "--no-throughput") thr = false;
    else if (a == "--no-corosync") corosync = false;
    else runs = std::max(1, std::atoi(a.c_str()));
  }
  if (auto why = NetnsLab::unavailable(); !why.empty()) {
    std::fprintf(stderr, "daemon_netns_bench: %s\n", why.c_str());
    return 77;
  }
  if (corosync)
    if (auto why = NetnsLab::corosync_unavailable(); !why.empty()) {
      std::printf("corosync not measured: %s\n", why.c_str());
      corosync = false;
    }
  if (failover) failure_detection(runs, corosync);
  if (thr) {
    std::printf("\nordered messages through the ring (udpu, real UDP, netns)\n");
    throughput(3, corosync);
    throughput(5, corosync);
  }
  return 0;
}
