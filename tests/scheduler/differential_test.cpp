// Differential test: halab's scheduler and the installed crm_simulate
// (pacemaker-cli-utils 2.1.5) must print the same Transition Summary for
// generated CIBs. RC_PARAMS="max_success=N" sets the number of cases (ctest: 50).
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unistd.h>

#include "cib_gen.hpp"
#include "stack/scheduler/scheduler.hpp"

namespace rc {
template <>
struct Arbitrary<halab::scheduler::testing::GenCib> {
  static Gen<halab::scheduler::testing::GenCib> arbitrary() { return halab::scheduler::testing::gen_cib(); }
};
}  // namespace rc

namespace halab::scheduler::testing {

namespace {

std::string fold(const std::string& line) {
  std::string out;
  bool space = false;
  for (char c : line) {
    if (c == ' ' || c == '\t') { space = true; continue; }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

std::vector<std::string> crm_simulate_summary(const std::string& path) {
  std::string cmd = "crm_simulate --output-as=text -R -x " + path + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  std::vector<std::string> lines;
  if (!p) return lines;
  char buf[4096];
  bool inside = false;
  while (std::fgets(buf, sizeof buf, p)) {
    std::string l(buf);
    while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
    if (l == "Transition Summary:") { inside = true; continue; }
    if (inside && l.empty()) break;
    if (inside) lines.push_back(fold(l));
  }
  pclose(p);
  std::sort(lines.begin(), lines.end());
  return lines;
}

bool have_crm_simulate() { return std::system("crm_simulate --version >/dev/null 2>&1") == 0; }

}  // namespace

TEST(SchedulerDifferential, SameTransitionSummaryAsCrmSimulate) {
  if (!have_crm_simulate()) GTEST_SKIP() << "crm_simulate (pacemaker-cli-utils) is not installed";
  char tmpl[] = "/tmp/halab-diff-XXXXXX";
  ASSERT_NE(mkdtemp(tmpl), nullptr);
  const std::string path = std::string(tmpl) + "/cib.xml";
  const auto result = rc::check(
      "halab and crm_simulate agree",
      [&](const GenCib& gen) {
        const std::string xml = gen.xml();
        { std::ofstream(path) << xml; }
        auto doc = XmlDocument::parse_string(xml, path);
        auto cluster = schedule(doc.root(), {});
        std::vector<std::string> ours;
        for (auto& l : transition_summary(*cluster)) ours.push_back(fold(l));
        std::sort(ours.begin(), ours.end());
        const auto theirs = crm_simulate_summary(path);
        if (ours != theirs) {
          { std::ofstream(std::string(tmpl) + "-last-failure.xml") << xml; }
          std::ostringstream msg;
          msg << "CIB:\n" << xml << "\nhalab:\n";
          for (auto& l : ours) msg << "  " << l << "\n";
          msg << "crm_simulate:\n";
          for (auto& l : theirs) msg << "  " << l << "\n";
          RC_FAIL(msg.str());
        }
      });
  EXPECT_TRUE(result);
  if (!result) std::printf("last failing CIB: %s-last-failure.xml\n", tmpl);
  std::remove(path.c_str());
  rmdir(tmpl);
}

}  // namespace halab::scheduler::testing

