// halab replay FILE
// Runs the scenario and seed a replay file holds and checks that the trace
// hash is the one recorded: exit 0 when the run is reproduced bit for bit
// (whatever its expectations say), 1 when the hash differs.
#include <algorithm>
#include <cstdio>
#include <string>

#include "lab/replay.hpp"
#include "lab/runner.hpp"
#include "stack/cli/command.hpp"
#include "stack/cli/sim_services.hpp"

namespace halab::cli {

int run_replay(std::span<char*> args) {
  if (args.size() != 2 || std::string(args[1]) == "--help" || std::string(args[1]) == "-h") {
    std::fprintf(args.size() == 2 ? stdout : stderr,
                 "usage: halab replay FILE\n\nReruns a replay file written by 'halab campaign' and checks the trace "
                 "hash.\nThe output ends with 'trace-hash: <hex> (recorded <hex>: reproduced|DIFFERENT)'.\n");
    return args.size() == 2 ? 0 : 2;
  }
  lab::ReplayFile rf;
  lab::RunRecord r;
  try {
    rf = lab::read_replay(args[1]);
    if (rf.version != HALAB_VERSION)
      std::printf("warning: written by halab %s, this is %s: the hash may differ\n", rf.version.c_str(),
                  HALAB_VERSION);
    r = lab::run_one(rf.scenario, rf.scenario_file.empty() ? std::string(args[1]) : rf.scenario_file, rf.seed,
                     sim_services());
  } catch (const core::Error& e) {
    std::fprintf(stderr, "halab replay: %s\n", e.what());
    return 2;
  }
  std::printf("replay: %s, seed %llu\n", r.scenario.c_str(), static_cast<unsigned long long>(r.seed));
  for (auto& a : r.audits)
    std::printf("  %-60s %s%s%s%s\n", a.name.c_str(), a.ok ? "ok" : "VIOLATED", a.detail.empty() ? "" : " (",
                a.detail.c_str(), a.detail.empty() ? "" : ")");
  if (!rf.failure.empty())
    std::printf("recorded failure '%s': %s\n", rf.failure.c_str(),
                std::any_of(r.audits.begin(), r.audits.end(),
                            [&](const lab::AuditRecord& a) { return !a.ok && a.name == rf.failure; })
                    ? "reproduced"
                    : "not reproduced");
  const bool same = r.hash == rf.hash;
  std::printf("trace-hash: %s (recorded %s: %s)\n", lab::hash_hex(r.hash).c_str(), lab::hash_hex(rf.hash).c_str(),
              same ? "reproduced" : "DIFFERENT");
  return same ? 0 : 1;
}

}  // namespace halab::cli
