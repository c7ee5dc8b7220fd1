#include "lab/campaign.hpp"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <mutex>
#include <thread>

#include "stack/core/error.hpp"

namespace halab::lab {

std::vector<std::uint64_t> campaign_seeds(std::uint64_t first, std::uint64_t n, Shard shard) {
  if (shard.count == 0 || shard.index >= shard.count) throw core::Error("bad shard");
  std::vector<std::uint64_t> out;
  for (std::uint64_t i = shard.index; i < n; i += shard.count) out.push_back(first + i);
  return out;
}

std::vector<RunRecord> run_campaign(const RunFn& run, const std::string& text, const CampaignOptions& opt) {
  const std::size_t total = opt.seeds.size();
  std::vector<RunRecord> results(total);
  std::atomic<std::size_t> next{0};
  std::mutex mu;
  std::size_t done = 0, violations = 0;
  auto worker = [&] {
    while (true) {
      const std::size_t i = next.fetch_add(1);
      if (i >= total) return;
      RunRecord r;
      try {
        r = run(text, opt.seeds[i]);
      } catch (const std::exception& e) {
        r.seed = opt.seeds[i];
        r.ok = false;
        r.audits.push_back({"run", false, e.what()});
      }
      std::lock_guard lock(mu);
      violations += r.violations();
      results[i] = std::move(r);
      ++done;
      if (opt.progress) opt.progress(done, total, violations);
    }
  };
  const unsigned jobs = std::max(1u, std::min<unsigned>(opt.jobs, unsigned(std::max<std::size_t>(total, 1))));
  std::vector<std::thread> threads;
  for (unsigned j = 1; j < jobs; ++j) threads.emplace_back(worker);
  worker();
  for (auto& t : threads) t.join();
  return results;
}

Summary summarize(const std::vector<RunRecord>& runs) {
  Summary s;
  s.seeds = runs.size();
  for (auto& r : runs) s.violations += r.violations();
  return s;
}

std::string summary_line(const Summary& s) {
  return "seeds: " + std::to_string(s.seeds) + " violations: " + std::to_string(s.violations);
}

void write_results(const std::string& path, const std::vector<RunRecord>& runs) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream f(tmp, std::ios::trunc);
    if (!f) throw core::Error("cannot write " + tmp);
    for (auto& r : runs) f << to_json(r).dump() << '\n';
    f.flush();
    if (!f) throw core::Error("cannot write " + tmp);
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) throw core::Error("cannot rename " + tmp + " to " + path);
}

std::vector<RunRecord> read_results(const std::string& path) {
  std::ifstream f(path);
  if (!f) throw core::Error("cannot read " + path);
  std::vector<RunRecord> out;
  std::string line;
  int n = 0;
  while (std::getline(f, line)) {
    ++n;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const std::string where = path + ":" + std::to_string(n);
    try {
      out.push_back(run_record_from_json(Json::parse(line, where)));
    } catch (const core::Error& e) {
      const std::string what = e.what();
      throw core::Error(what.rfind(where, 0) == 0 ? what : where + ": " + what);
    }
  }
  return out;
}

std::vector<RunRecord> merge_results(const std::vector<std::vector<RunRecord>>& shards) {
  std::vector<RunRecord> all;
  for (auto& s : shards) all.insert(all.end(), s.begin(), s.end());
  std::stable_sort(all.begin(), all.end(), [](auto& a, auto& b) { return a.seed < b.seed; });
  std::vector<RunRecord> out;
  for (auto& r : all) {
    if (!out.empty() && out.back().seed == r.seed) {
      if (out.back().hash != r.hash || out.back().scenario != r.scenario)
        throw core::Error("seed " + std::to_string(r.seed) + " appears twice with different results (" +
                          hash_hex(out.back().hash) + " vs " + hash_hex(r.hash) + ")");
      continue;  // the same run twice (overlapping shards): keep one
    }
    if (!out.empty() && out.back().scenario != r.scenario)
      throw core::Error("results of different scenarios ('" + out.back().scenario + "' and '" + r.scenario + "')");
    out.push_back(r);
  }
  return out;
}

}  // namespace halab::lab
