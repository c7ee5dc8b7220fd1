#pragma once
// Many seeds of one scenario, in parallel. Worlds share nothing, so worker
// threads each run whole Worlds; results come back in seed order, so the
// results file is the same whatever --jobs is.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "lab/runner.hpp"

namespace halab::lab {

struct Shard {
  std::uint64_t index = 0, count = 1;  // runs seeds s with (s - first) % count == index
};

// The seeds of a campaign of `n` seeds starting at `first`, in this shard.
std::vector<std::uint64_t> campaign_seeds(std::uint64_t first, std::uint64_t n, Shard shard);

struct CampaignOptions {
  std::vector<std::uint64_t> seeds;
  unsigned jobs = 1;
  // Called (from one thread at a time) after each finished run.
  std::function<void(std::size_t done, std::size_t total, std::size_t violations)> progress;
};

// Runs every seed; a run that throws becomes a record with a failed "run" audit.
std::vector<RunRecord> run_campaign(const RunFn& run, const std::string& text, const CampaignOptions& opt);

struct Summary {
  std::size_t seeds = 0, violations = 0;
};
Summary summarize(const std::vector<RunRecord>& runs);
// The pinned last line: "seeds: N violations: V".
std::string summary_line(const Summary& s);

// Results files: one JSON record per line.
void write_results(const std::string& path, const std::vector<RunRecord>& runs);
std::vector<RunRecord> read_results(const std::string& path);  // throws core::Error naming path:line
// Joins shard files: sorted by seed; a seed present twice must have the same hash.
std::vector<RunRecord> merge_results(const std::vector<std::vector<RunRecord>>& shards);

}  // namespace halab::lab
