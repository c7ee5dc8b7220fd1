// Our patchsets against pacemaker's crm_diff, on random edits of the seed
// CIB: crm_diff applies ours, we apply crm_diff's, both give the target.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "stack/cib/patchset.hpp"
#include "tests/cib/cib_mutations.hpp"
#include "stack/core/error.hpp"

using namespace halab;
using namespace halab::cib;

using namespace halab::cib::testing;

namespace {
std::string run(const std::string& cmd) {
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char buf[4096];
    std::size_t n;
    while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  return out;
}
}  // namespace

TEST(PatchsetVsCrmDiff, BothWaysOnRandomEdits) {
  if (std::system("command -v crm_diff >/dev/null 2>&1") != 0) GTEST_SKIP() << "crm_diff not installed";
  char dir[] = "/tmp/halab-crmdiff-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string d = dir;
  const bool ok = rc::check("crm_diff and halab agree on patchsets", [&] {
    static const std::string base = seed_xml();
    Cib a = Cib::parse(base, "seed");
    Cib b = a;
    const int n = *rc::gen::inRange(1, 8);
    for (int i = 0; i < n; ++i) {
      // attribute set/unset, element add/remove/move, comments
      const int kind = *rc::gen::inRange(0, 6);
      mutate(b, *rc::gen::inRange(0, 1000), *rc::gen::inRange(0, 1000), kind);
    }
    b.bump_epoch();
    std::ofstream(d + "/a.xml") << a.to_xml();
    std::ofstream(d + "/ours.patch") << diff_xml(a, b);
    const std::string applied = run("crm_diff -o " + d + "/a.xml -p " + d + "/ours.patch 2>/dev/null");
    RC_ASSERT(!applied.empty());
    RC_ASSERT(Cib::parse(applied, "crm_diff output").to_xml() == b.to_xml());
    std::ofstream(d + "/b.xml") << b.to_xml();
    const std::string theirs = run("crm_diff -o " + d + "/a.xml -n " + d + "/b.xml 2>/dev/null");
    Cib c = a;
    apply(c, parse_patch(theirs, "crm_diff patch").get());
    RC_ASSERT(same_tree(c.root(), b.root()));
  });
  std::system(("rm -rf " + d).c_str());
  EXPECT_TRUE(ok);
}
