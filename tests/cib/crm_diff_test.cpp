// Our patchsets against pacemaker's crm_diff, on random edits of the seed
// CIB: crm_diff applies ours, we apply crm_diff's, both give the target.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "stack/cib/patchset.hpp"
#include "stack/core/error.hpp"

using namespace halab;
using namespace halab::cib;

namespace {

std::string seed_xml() {
  const char* d = std::getenv("HALAB_SHARED_DIR");
  std::ifstream f(std::string(d ? d : std::string(HALAB_SOURCE_DIR) + "/../shared") + "/crmsh-oracle/seed-example.xml");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<xmlNode*> all_elements(xmlNode* n) {
  std::vector<xmlNode*> out{n};
  for (xmlNode* c : children(n)) {
    auto sub = all_elements(c);
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

// One random edit of the kind the CIB sees: attribute set/unset, element
// added (with or without id), removed, or moved among its siblings; comments.
void mutate(Cib& cib, int seed_a, int seed_b, int kind) {
  auto els = all_elements(cib.configuration());
  xmlNode* e = els[std::size_t(seed_a) % els.size()];
  switch (kind % 6) {
    case 0: set_attr(e, "a" + std::to_string(seed_b % 3), "v" + std::to_string(seed_b)); break;
    case 1: {
      auto as = attrs(e);
      if (!as.empty() && as[std::size_t(seed_b) % as.size()].first != "id") unset_attr(e, as[std::size_t(seed_b) % as.size()].first);
      break;
    }
    case 2: {
      xmlNode* c = xmlNewDocNode(cib.doc(), nullptr, (const xmlChar*)"nvpair", nullptr);
      set_attr(c, "id", "new" + std::to_string(seed_a) + "-" + std::to_string(seed_b));
      set_attr(c, "name", "n");
      auto k = children(e);
      if (k.empty()) xmlAddChild(e, c);
      else xmlAddPrevSibling(k[std::size_t(seed_b) % k.size()], c);
      break;
    }
    case 3:
      if (e != cib.configuration() && e->parent != cib.configuration()) remove_node(e);
      break;
    case 4: {
      auto k = children(e);
      if (k.size() >= 2) {
        xmlNode* m = k[std::size_t(seed_b) % k.size()];
        xmlUnlinkNode(m);
        xmlAddPrevSibling(children(e)[0], m);
      }
      break;
    }
    case 5: xmlAddChild(e, xmlNewDocComment(cib.doc(), (const xmlChar*)("c" + std::to_string(seed_b)).c_str())); break;
  }
}

}  // namespace

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
