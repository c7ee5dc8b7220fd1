// simnet speed: a 5-node all-to-all heartbeat (each node sends one datagram
// to each other node every 100 ms of simulated time), reported as the ratio
// simulated time / wall time and as events per second. The target is
// >= 50,000x real time on one core.
#include <benchmark/benchmark.h>

#include <time.h>

#include <chrono>

#include "simnet/world.hpp"
#include "stack/heartbeat/heartbeat.hpp"

namespace {

using namespace halab;

// CPU time of this thread: "on one core", whatever else the machine runs.
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return double(ts.tv_sec) + double(ts.tv_nsec) * 1e-9;
}

void BM_Simnet_FiveNodeHeartbeat(benchmark::State& state) {
  const auto simulated = std::chrono::seconds(state.range(0));
  double sim_total = 0, wall_total = 0, cpu_total = 0, events_total = 0;
  for (auto _ : state) {
    simnet::World world(42);
    world.add_network("lan", *core::Subnet::parse("10.0.0.0/24"));
    heartbeat::Config cfg;
    cfg.period = std::chrono::milliseconds(100);
    cfg.timeout = std::chrono::milliseconds(500);
    for (int i = 1; i <= 5; ++i)
      cfg.peers.push_back({"n" + std::to_string(i), {core::Ipv4::from_octets(10, 0, 0, i), cfg.port}});
    for (int i = 1; i <= 5; ++i)
      world.add_node("n" + std::to_string(i), {core::Ipv4::from_octets(10, 0, 0, i)},
                     [cfg](core::Env& env) { return std::make_unique<heartbeat::Heartbeat>(env, cfg); });
    world.start();
    const auto t0 = std::chrono::steady_clock::now();
    const double c0 = thread_cpu_seconds();
    world.run_for(simulated);
    const double c1 = thread_cpu_seconds();
    const auto t1 = std::chrono::steady_clock::now();
    cpu_total += c1 - c0;
    benchmark::DoNotOptimize(world.trace().hash());
    sim_total += core::to_seconds(simulated);
    wall_total += std::chrono::duration<double>(t1 - t0).count();
    events_total += double(world.events());
  }
  state.SetLabel("simnet 5-node all-to-all heartbeat/100ms: simulated time vs real time, target >= 50000x on one core");
  // sim_over_cpu: simulated seconds per second of this thread's CPU (one core);
  // sim_over_wall: the same against the wall clock (lower on a busy machine).
  state.counters["sim_over_cpu"] = sim_total / cpu_total;
  state.counters["sim_over_wall"] = sim_total / wall_total;
  state.counters["events_per_cpu_s"] = events_total / cpu_total;
  state.counters["events_per_wall_s"] = events_total / wall_total;
  state.counters["sim_s"] = sim_total;
}

BENCHMARK(BM_Simnet_FiveNodeHeartbeat)->Arg(3600)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
