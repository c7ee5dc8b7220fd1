// The peer's side of daemon_netns_bench's throughput figures: drives real
// corosync's CPG (libcpg) the way halabd's bench service drives halab's CPG,
// so the two are measured alike. corosync ships no tool that sends CPG
// messages (corosync-cpgtool only lists groups), hence this small client.
//
//   corosync_cpg_driver GROUP MEMBERS COUNT SIZE WINDOW
//
// Joins GROUP, waits until it has MEMBERS members (every node's driver, so
// all start together), then sends COUNT agreed-order messages of SIZE bytes,
// at most WINDOW of its own not yet delivered back, and measures each one
// from send to its own agreed delivery. It stays until it has delivered
// MEMBERS * COUNT messages (everyone's), so nobody leaves mid-run. Prints
// `Key: value` lines (Elapsed-S, Delivered-Own, Delivered-All,
// Latency-P50-Us, Latency-P99-Us) and exits 0; 1 on errors or when a bound
// (30 s to gather, 300 s in all) passes.
#include <corosync/cpg.h>
#include <poll.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

std::uint64_t now_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return std::uint64_t(ts.tv_sec) * 1'000'000'000ULL + std::uint64_t(ts.tv_nsec);
}

struct Run {
  std::uint32_t my_node = 0, my_pid = 0;
  std::size_t members = 0, want_members = 0;
  std::uint64_t count = 0, size = 0, window = 0;
  std::uint64_t sent = 0, own = 0, all = 0;
  std::uint64_t started = 0, finished = 0;
  std::vector<std::uint64_t> latencies;
};
Run g;

void on_deliver(cpg_handle_t, const cpg_name*, uint32_t nodeid, uint32_t pid, void* msg, size_t len) {
  ++g.all;
  if (nodeid != g.my_node || pid != g.my_pid || len < 8) return;
  std::uint64_t sent_at;
  std::memcpy(&sent_at, msg, 8);
  g.latencies.push_back(now_ns() - sent_at);
  if (++g.own == g.count) g.finished = now_ns();
}

void on_confchg(cpg_handle_t, const cpg_name*, const cpg_address*, size_t members, const cpg_address*, size_t,
                const cpg_address*, size_t) {
  g.members = members;
}

int fail(const char* what, int err) {
  std::fprintf(stderr, "corosync_cpg_driver: %s failed (cs_error_t %d)\n", what, err);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 6) {
    std::fprintf(stderr, "usage: corosync_cpg_driver GROUP MEMBERS COUNT SIZE WINDOW\n");
    return 2;
  }
  const std::string group = argv[1];
  g.want_members = std::strtoull(argv[2], nullptr, 10);
  g.count = std::strtoull(argv[3], nullptr, 10);
  g.size = std::max<std::uint64_t>(8, std::strtoull(argv[4], nullptr, 10));
  g.window = std::max<std::uint64_t>(1, std::strtoull(argv[5], nullptr, 10));
  if (group.empty() || group.size() >= CPG_MAX_NAME_LENGTH || g.want_members == 0 || g.count == 0) return 2;
  g.latencies.reserve(g.count);

  cpg_callbacks_t cb{on_deliver, on_confchg};
  cpg_handle_t h;
  if (auto e = cpg_initialize(&h, &cb); e != CS_OK) return fail("cpg_initialize", e);
  unsigned int node = 0;
  if (auto e = cpg_local_get(h, &node); e != CS_OK) return fail("cpg_local_get", e);
  g.my_node = node;
  g.my_pid = std::uint32_t(getpid());
  cpg_name name{};
  name.length = std::uint32_t(group.size());
  std::memcpy(name.value, group.data(), group.size());
  for (int tries = 0;; ++tries) {
    const auto e = cpg_join(h, &name);
    if (e == CS_OK) break;
    if (e != CS_ERR_TRY_AGAIN || tries > 1000) return fail("cpg_join", e);
    poll(nullptr, 0, 10);
  }
  int fd = -1;
  cpg_fd_get(h, &fd);

  const std::uint64_t t0 = now_ns();
  std::vector<char> msg(g.size, 'Z');
  for (;;) {
    const std::uint64_t t = now_ns();
    if (!g.started && g.members >= g.want_members) g.started = t;
    if (!g.started && t - t0 > 30'000'000'000ULL) {
      std::fprintf(stderr, "corosync_cpg_driver: the group never had %zu members (%zu)\n", g.want_members, g.members);
      return 1;
    }
    if (t - t0 > 300'000'000'000ULL) {
      std::fprintf(stderr, "corosync_cpg_driver: not done after 300 s (own %llu of %llu)\n",
                   (unsigned long long)g.own, (unsigned long long)g.count);
      return 1;
    }
    if (g.own == g.count && g.all >= g.want_members * g.count) break;
    while (g.started && g.sent < g.count && g.sent - g.own < g.window) {
      const std::uint64_t at = now_ns();
      std::memcpy(msg.data(), &at, 8);
      iovec iov{msg.data(), msg.size()};
      const auto e = cpg_mcast_joined(h, CPG_TYPE_AGREED, &iov, 1);
      if (e == CS_ERR_TRY_AGAIN) break;  // corosync's flow control: dispatch first
      if (e != CS_OK) return fail("cpg_mcast_joined", e);
      ++g.sent;
    }
    pollfd p{fd, POLLIN, 0};
    poll(&p, 1, 5);
    if (auto e = cpg_dispatch(h, CS_DISPATCH_ALL); e != CS_OK && e != CS_ERR_TRY_AGAIN) return fail("cpg_dispatch", e);
  }
  std::sort(g.latencies.begin(), g.latencies.end());
  auto pct = [&](double q) {
    return double(g.latencies[std::min(g.latencies.size() - 1, std::size_t(q * double(g.latencies.size())))]) / 1e3;
  };
  std::printf("Elapsed-S: %.6f\nDelivered-Own: %llu\nDelivered-All: %llu\nLatency-P50-Us: %.1f\nLatency-P99-Us: %.1f\n",
              double(g.finished - g.started) / 1e9, (unsigned long long)g.own, (unsigned long long)g.all, pct(0.5),
              pct(0.99));
  cpg_leave(h, &name);
  cpg_finalize(h);
  return 0;
}
