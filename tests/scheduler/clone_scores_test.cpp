// `halab simulate -s` for clones: the clone's and its instances' allocation
// scores (pcmk__clone_allocate), each instance's as it is placed
// (pcmk__group_assign / pcmk__primitive_assign) and promotion scores, in the
// order the installed crm_simulate (pacemaker 2.1.5) prints them, on cases of
// pacemaker's regression corpus.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "stack/scheduler/scheduler.hpp"

namespace halab::scheduler {
namespace {

bool is_score_line(const std::string& l) {
  return l.find(" allocation score on ") != std::string::npos || l.find(" promotion score on ") != std::string::npos;
}

std::vector<std::string> crm_simulate_scores(const std::string& path) {
  std::vector<std::string> lines;
  FILE* p = popen(("crm_simulate --output-as=text -s -x " + path + " 2>/dev/null").c_str(), "r");
  if (!p) return lines;
  char buf[4096];
  while (std::fgets(buf, sizeof buf, p)) {
    std::string l(buf);
    while (!l.empty() && (l.back() == '\n' || l.back() == '\r')) l.pop_back();
    if (is_score_line(l)) lines.push_back(l);
  }
  pclose(p);
  return lines;
}

std::vector<std::string> halab_scores(const std::string& path) {
  auto doc = XmlDocument::parse_file(path);
  auto cluster = schedule(doc.root(), {});
  return allocation_scores(*cluster);
}

class CloneScores : public ::testing::TestWithParam<const char*> {};

TEST_P(CloneScores, SameLinesInTheSameOrderAsCrmSimulate) {
  if (std::system("crm_simulate --version >/dev/null 2>&1") != 0)
    GTEST_SKIP() << "crm_simulate (pacemaker-cli-utils) is not installed";
  const std::string path = std::string(HALAB_SHARED_DIR) + "/conformance/pacemaker-2.1.5/xml/" + GetParam() + ".xml";
  if (!std::ifstream(path)) GTEST_SKIP() << "conformance corpus not found at " << path;
  const auto theirs = crm_simulate_scores(path);
  ASSERT_FALSE(theirs.empty()) << "crm_simulate printed no scores for " << path;
  const auto ours = halab_scores(path);
  EXPECT_EQ(ours, theirs);
  // The clone's own line and its instances' are there.
  bool clone_line = false;
  for (const auto& l : ours) clone_line = clone_line || l.rfind("pcmk__clone_allocate: ", 0) == 0;
  EXPECT_TRUE(clone_line);
}

// Promotable (with an unplaced instance's "on none"), unique rebalancing,
// interleaved clones colocated with each other, clone-min, notifications.
INSTANTIATE_TEST_SUITE_P(Corpus, CloneScores,
                         ::testing::Values("clone-no-shuffle", "rebalance-unique-clones", "inc7", "clone_min_stop_one",
                                           "promoted-2", "clone-require-all-5"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& ch : n)
                             if (ch == '-') ch = '_';
                           return n;
                         });

}  // namespace
}  // namespace halab::scheduler
