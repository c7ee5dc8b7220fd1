// Differential test: halab's scheduler and the installed crm_simulate
// (pacemaker-cli-utils 2.1.5) must print the same Transition Summary for
// CIBs drawn from a RapidCheck generator (cib_gen.hpp).
//
// Spawning crm_simulate is what costs (about 40 ms a CIB), so the cases are
// generated first (deterministically, from HALAB_DIFF_SEED), crm_simulate
// runs over all of them in HALAB_DIFF_JOBS parallel workers, and only then
// are the summaries compared. A mismatch is shrunk with the generator's own
// shrinks (crm_simulate is then run one CIB at a time) and reported with the
// smallest CIB that still disagrees.
//
// What must agree: every line's change, resource and nodes, exactly, and
// the trailing "due to ..." reason. A reason names the first ordering that
// cleared a flag on the action while pacemaker's update pass visits them;
// when several orderings do (an action blocked both by its group and by the
// member before it), which one is named depends only on the visiting order,
// which halab does not reproduce exactly for orderings into groups. Such a
// line is accepted when crm_simulate's reason is one of the causes halab's
// own graph has for that resource (possible_reasons(): an ordering into or
// out of one of its actions that does clear the flag) - a canonical
// comparison of the reason; any other difference fails.
//
// Environment: HALAB_DIFF_CASES (default 1000), HALAB_DIFF_SEED (default 1),
// HALAB_DIFF_JOBS (default 2), HALAB_DIFF_KEEP_GOING=1 lists every mismatch
// (unshrunk) instead of stopping at the first, HALAB_DIFF_ONLY=N runs case N
// alone.
#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "cib_gen.hpp"
#include "stack/scheduler/scheduler.hpp"

namespace halab::scheduler::testing {

namespace {

namespace fs = std::filesystem;

std::string fold(const std::string& line) {
  std::string out;
  bool space = false;
  for (char c : line) {
    if (c == ' ' || c == '\t') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

int env_int(const char* name, int fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::atoi(v) : fallback;
}

std::string read_all(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// The sorted, whitespace-folded Transition Summary of crm_simulate's output.
std::vector<std::string> summary_of(const std::string& output) {
  std::vector<std::string> lines;
  std::istringstream in(output);
  std::string l;
  bool inside = false;
  while (std::getline(in, l)) {
    if (l == "Transition Summary:") {
      inside = true;
      continue;
    }
    if (inside && l.empty()) break;
    if (inside) lines.push_back(fold(l));
  }
  std::sort(lines.begin(), lines.end());
  return lines;
}

std::vector<std::string> halab_summary(const std::string& xml, const std::string& name,
                                       std::unique_ptr<Cluster>* keep = nullptr) {
  auto doc = XmlDocument::parse_string(xml, name);
  auto cluster = schedule(doc.root(), {});
  std::vector<std::string> ours;
  for (auto& l : transition_summary(*cluster)) ours.push_back(fold(l));
  std::sort(ours.begin(), ours.end());
  if (keep) *keep = std::move(cluster);
  return ours;
}

// The summary without the "due to ..." reasons.
std::vector<std::string> without_reasons(const std::vector<std::string>& lines) {
  std::vector<std::string> out;
  for (const auto& l : lines) out.push_back(l.substr(0, l.find(" due to ")));
  std::sort(out.begin(), out.end());
  return out;
}

// Whether crm_simulate's lines that differ from ours only differ in a reason
// that is one of the causes halab's graph has for that resource.
bool reasons_are_valid_causes(const Cluster& cluster, const std::vector<std::string>& ours,
                              const std::vector<std::string>& theirs) {
  for (const auto& line : theirs) {
    if (std::find(ours.begin(), ours.end(), line) != ours.end()) continue;
    auto due = line.find(" due to ");
    if (due == std::string::npos) return false;
    std::string reason = line.substr(due + 8);
    if (reason.size() > 10 && reason.compare(reason.size() - 10, 10, " (blocked)") == 0)
      reason.resize(reason.size() - 10);
    std::istringstream words(line);
    std::string star, change, rsc;
    words >> star >> change >> rsc;
    if (!possible_reasons(cluster, rsc).count(reason)) return false;
  }
  return true;
}

// The same summary, or the same changes with reasons that are valid causes.
bool agrees(const Cluster& cluster, const std::vector<std::string>& ours, const std::vector<std::string>& theirs) {
  if (ours == theirs) return true;
  return without_reasons(ours) == without_reasons(theirs) && reasons_are_valid_causes(cluster, ours, theirs);
}

// Runs crm_simulate -R over dir/N.xml for every N < count, `jobs` at a time,
// writing dir/N.out.
void run_crm_simulate(const std::string& dir, int count, int jobs) {
  const std::string cmd = "cd '" + dir + "' && seq 0 " + std::to_string(count - 1) + " | xargs -P " +
                          std::to_string(std::max(jobs, 1)) +
                          " -I{} sh -c 'crm_simulate --output-as=text -R -x {}.xml > {}.out 2>/dev/null'";
  ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
}

std::vector<std::string> crm_simulate_summary(const std::string& dir, const std::string& xml) {
  { std::ofstream(dir + "/shrink.xml") << xml; }
  const std::string cmd = "crm_simulate --output-as=text -R -x '" + dir + "/shrink.xml' > '" + dir + "/shrink.out' 2>/dev/null";
  if (std::system(cmd.c_str()) != 0) return {"(crm_simulate failed)"};
  return summary_of(read_all(dir + "/shrink.out"));
}

std::string describe(const std::string& xml, const std::vector<std::string>& ours,
                     const std::vector<std::string>& theirs) {
  std::ostringstream msg;
  msg << "CIB:\n" << xml << "\nhalab:\n";
  for (auto& l : ours) msg << "  " << l << "\n";
  msg << "crm_simulate:\n";
  for (auto& l : theirs) msg << "  " << l << "\n";
  return msg.str();
}

// Greedy shrinking along the generator's shrinks: take the first smaller CIB
// that still disagrees, until none does (bounded).
rc::Shrinkable<GenCib> shrink(const std::string& dir, rc::Shrinkable<GenCib> failing) {
  for (int round = 0; round < 200; ++round) {
    bool smaller = false;
    auto shrinks = failing.shrinks();
    int tried = 0;
    while (auto next = shrinks.next()) {
      if (++tried > 100) break;
      const std::string xml = next->value().xml();
      std::unique_ptr<Cluster> cluster;
      const auto ours = halab_summary(xml, "shrink.xml", &cluster);
      if (!agrees(*cluster, ours, crm_simulate_summary(dir, xml))) {
        failing = *next;
        smaller = true;
        break;
      }
    }
    if (!smaller) break;
  }
  return failing;
}


bool have_crm_simulate() { return std::system("crm_simulate --version >/dev/null 2>&1") == 0; }

}  // namespace

TEST(SchedulerDifferential, SameTransitionSummaryAsCrmSimulate) {
  if (!have_crm_simulate()) GTEST_SKIP() << "crm_simulate (pacemaker-cli-utils) is not installed";
  const int cases = env_int("HALAB_DIFF_CASES", 1000);
  const int seed = env_int("HALAB_DIFF_SEED", 1);
  const int jobs = env_int("HALAB_DIFF_JOBS", 2);
  const bool keep_going = env_int("HALAB_DIFF_KEEP_GOING", 0) != 0;
  char tmpl[] = "/tmp/halab-diff-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string dir = tmpl;

  // Sizes ramp from 0 to 100 and wrap, as RapidCheck's own runs do.
  const auto gen = gen_cib();
  rc::Random random{uint64_t(seed)};
  std::vector<rc::Shrinkable<GenCib>> generated;
  for (int i = 0; i < cases; ++i) generated.push_back(gen(random.split(), i % 101));
  // HALAB_DIFF_ONLY=N runs case N alone (the same CIB as in a full run).
  const int only = env_int("HALAB_DIFF_ONLY", -1);
  const int first = only >= 0 && only < cases ? only : 0, last = only >= 0 && only < cases ? only + 1 : cases;
  for (int i = first; i < last; ++i)
    std::ofstream(dir + "/" + std::to_string(i - first) + ".xml") << generated[size_t(i)].value().xml();
  run_crm_simulate(dir, last - first, jobs);
  for (int i = first; i < last && first > 0; ++i)
    fs::rename(dir + "/0.out", dir + "/" + std::to_string(i) + ".out");

  int mismatches = 0, reason_only = 0;
  for (int i = first; i < last; ++i) {
    const std::string xml = generated[size_t(i)].value().xml();
    std::unique_ptr<Cluster> cluster;
    const auto ours = halab_summary(xml, std::to_string(i) + ".xml", &cluster);
    const std::string out = read_all(dir + "/" + std::to_string(i) + ".out");
    ASSERT_NE(out.find("Current cluster status"), std::string::npos) << "crm_simulate failed on case " << i;
    const auto theirs = summary_of(out);
    if (ours == theirs) continue;
    if (agrees(*cluster, ours, theirs)) {
      ++reason_only;
      // The CIB is kept for study with HALAB_DIFF_KEEP_GOING=1.
      const std::string keep = keep_going ? dir + "-reasons-" + std::to_string(i) + ".xml" : "not kept";
      if (keep_going) std::ofstream(keep) << xml;
      std::printf("case %d: same changes; crm_simulate names another of the causes (%s):\n%s", i, keep.c_str(),
                  describe("(in the file)", ours, theirs).c_str());
      continue;
    }
    ++mismatches;
    if (keep_going) {
      const std::string keep = dir + "-mismatch-" + std::to_string(i) + ".xml";
      std::ofstream(keep) << xml;
      ADD_FAILURE() << "case " << i << " disagrees (" << keep << "):\n" << describe("(in the file)", ours, theirs);
      continue;
    }
    auto smallest = shrink(dir, generated[size_t(i)]);
    const std::string small_xml = smallest.value().xml();
    const std::string keep = dir + "-last-failure.xml";
    std::ofstream(keep) << small_xml;
    ADD_FAILURE() << "case " << i << " of " << cases << " (seed " << seed << ") disagrees; shrunk to " << keep << "\n"
                  << describe(small_xml, halab_summary(small_xml, "shrunk.xml"), crm_simulate_summary(dir, small_xml));
    break;
  }
  std::printf("differential: %d generated CIBs, %d mismatches, %d naming another valid cause\n", cases, mismatches,
              reason_only);
  fs::remove_all(dir);
}

}  // namespace halab::scheduler::testing
