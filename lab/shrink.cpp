#include "lab/shrink.hpp"

#include <algorithm>
#include <set>
#include <sstream>
#include <vector>

#include "simnet/scenario.hpp"

namespace halab::lab {

namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string l;
  while (std::getline(in, l)) out.push_back(l);
  return out;
}

std::string join(const std::vector<std::string>& lines) {
  std::string out;
  for (auto& l : lines) out += l + "\n";
  return out;
}

// The 1-based lines of fault events and failure processes.
std::vector<int> fault_lines(const std::string& text) {
  const simnet::Scenario sc = simnet::parse_scenario(text, "shrink");
  std::vector<int> out;
  for (auto& f : sc.faults) out.push_back(f.line);
  for (auto& f : sc.failures) out.push_back(f.line);
  for (auto& c : sc.cts) out.push_back(c.line);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string with_duration(const std::string& text, std::int64_t ns) {
  auto lines = split_lines(text);
  const std::string stmt = "duration " + std::to_string(ns / 1000000) + "ms";
  for (auto& l : lines) {
    const auto p = l.find_first_not_of(" \t");
    if (p != std::string::npos && l.compare(p, 9, "duration ") == 0) {
      l = stmt;
      return join(lines);
    }
  }
  lines.push_back(stmt);
  return join(lines);
}

bool fails(const RunRecord& r, const std::string& failure) {
  for (auto& a : r.audits)
    if (!a.ok && a.name == failure) return true;
  return false;
}

// The same failure mode: the target audit fails and nothing fails that held
// in the original run. Without the second rule, dropping the fault an
// expectation waits for ("peer n2 lost") would count as still failing.
bool same_failure(const RunRecord& r, const std::string& failure, const std::set<std::string>& failed_before) {
  if (!fails(r, failure)) return false;
  for (auto& a : r.audits)
    if (!a.ok && !failed_before.count(a.name)) return false;
  return true;
}

}  // namespace

std::size_t count_faults(const std::string& text) { return fault_lines(text).size(); }

ShrinkResult shrink(const RunFn& run, const std::string& text, std::uint64_t seed, const std::string& failure,
                    int max_runs) {
  ShrinkResult res;
  res.text = text;
  res.record = run(text, seed);
  res.runs = 1;
  res.faults_before = res.faults_after = count_faults(text);
  res.duration_before_ns = res.duration_after_ns = res.record.duration_ns;
  if (!fails(res.record, failure)) return res;  // nothing to shrink: it does not fail that way
  std::set<std::string> failed_before;
  for (auto& a : res.record.audits)
    if (!a.ok) failed_before.insert(a.name);

  auto attempt = [&](const std::string& candidate) {
    if (res.runs >= max_runs) return false;
    ++res.runs;
    RunRecord r;
    try {
      r = run(candidate, seed);
    } catch (const std::exception&) {
      return false;  // e.g. an expectation naming a dropped statement's subject
    }
    if (!same_failure(r, failure, failed_before)) return false;
    res.text = candidate;
    res.record = std::move(r);
    return true;
  };

  // 0. Expand `cts` statements into the faults they generate for this seed, so
  // that those shrink one by one; kept only when the run is the same run.
  {
    const simnet::Scenario sc = simnet::parse_scenario(res.text, "shrink");
    if (!sc.cts.empty() && res.runs < max_runs) {
      const auto schedule = simnet::fault_schedule(sc, seed);
      auto lines = split_lines(res.text);
      for (auto it = sc.cts.rbegin(); it != sc.cts.rend(); ++it) {
        std::string expanded = "# (expanded) " + lines[it->line - 1];
        for (auto& f : schedule)
          if (f.line == it->line) expanded += "\n" + simnet::describe_fault(f);
        lines[it->line - 1] = expanded;
      }
      const std::string candidate = join(lines);
      ++res.runs;
      try {
        RunRecord r = run(candidate, seed);
        if (r.hash == res.record.hash) {
          res.text = candidate;
          res.record = std::move(r);
        }
      } catch (const std::exception&) {
      }
    }
  }

  // 1. Drop fault statements, last first (later faults rarely cause earlier failures).
  bool changed = true;
  while (changed && res.runs < max_runs) {
    changed = false;
    auto lines_no = fault_lines(res.text);
    for (auto it = lines_no.rbegin(); it != lines_no.rend(); ++it) {
      auto lines = split_lines(res.text);
      lines[*it - 1] = "# (shrunk) " + lines[*it - 1];
      if (attempt(join(lines))) {
        changed = true;
        break;  // line numbers still hold (commented, not removed), but re-read the faults
      }
    }
  }
  // 2. Shorten the run: halve while it still fails, then bisect a few steps.
  // Never below the last instant an expectation looks at: a shorter run would
  // fail it for want of time, not for the fault.
  std::int64_t lo = 0;
  for (auto& x : simnet::parse_scenario(res.text, "shrink").expects)
    lo = std::max({lo, x.t1.count(), x.t2.count()});
  std::int64_t hi = res.record.duration_ns;
  while (hi > 1000000 && res.runs < max_runs) {
    const std::int64_t mid = (lo + hi) / 2 / 1000000 * 1000000;
    if (mid <= lo || mid >= hi) break;
    if (attempt(with_duration(res.text, mid))) hi = mid;
    else lo = mid;
    if (hi - lo < hi / 64) break;
  }
  res.faults_after = count_faults(res.text);
  res.duration_after_ns = res.record.duration_ns;
  return res;
}

}  // namespace halab::lab
