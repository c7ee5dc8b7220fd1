#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "stack/cib/patchset.hpp"
#include "tests/cib/cib_mutations.hpp"
#include "stack/core/error.hpp"

using namespace halab;
using namespace halab::cib;

using namespace halab::cib::testing;

TEST(Patchset, DiffOfEqualCibsIsEmpty) {
  Cib a = Cib::parse(seed_xml(), "seed");
  EXPECT_TRUE(patch_is_empty(diff(a, a).get()));
}

TEST(Patchset, FormatMatchesCrmDiff) {
  Cib a = Cib::parse(seed_xml(), "seed");
  Cib b = a;
  set_attr(find_by_id(b.root(), "cib-bootstrap-options-stonith-enabled"), "value", "true");
  remove_node(find_by_id(b.root(), "node2"));
  b.bump_epoch();
  const std::string p = diff_xml(a, b);
  EXPECT_NE(p.find("<diff format=\"2\">\n  <version>\n    <source admin_epoch=\"0\" epoch=\"20\" num_updates=\"0\"/>\n"
                   "    <target admin_epoch=\"0\" epoch=\"21\" num_updates=\"0\"/>"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("<change operation=\"delete\" path=\"/cib/configuration/nodes/node[@id=&apos;node2&apos;]\"/>"),
            std::string::npos)
      << p;
  EXPECT_NE(p.find("<change-attr name=\"value\" operation=\"set\" value=\"true\"/>"), std::string::npos) << p;
}

TEST(Patchset, WrongBaseVersionIsRefusedAndCibUnchanged) {
  Cib a = Cib::parse(seed_xml(), "seed");
  Cib b = a;
  remove_node(find_by_id(b.root(), "node1"));
  b.bump_epoch();
  auto p = diff(a, b);
  Cib other = a;
  other.bump_epoch();  // 0.21.0, the patch wants 0.20.0
  const std::string before = other.to_xml();
  try {
    apply(other, p.get());
    FAIL() << "applied to the wrong version";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("0.20.0"), std::string::npos) << e.what();
  }
  EXPECT_EQ(other.to_xml(), before);
}

TEST(Patchset, DanglingPathIsRefusedAndCibUnchanged) {
  Cib a = Cib::parse(seed_xml(), "seed");
  auto p = parse_patch(
      "<diff format=\"2\"><version><source admin_epoch=\"0\" epoch=\"20\" num_updates=\"0\"/>"
      "<target admin_epoch=\"0\" epoch=\"21\" num_updates=\"0\"/></version>"
      "<change operation=\"delete\" path=\"/cib/configuration/nodes/node[@id='node1']\"/>"
      "<change operation=\"delete\" path=\"/cib/configuration/nodes/node[@id='nope']\"/></diff>",
      "p.xml");
  const std::string before = a.to_xml();
  EXPECT_THROW(apply(a, p.get()), core::Error);
  EXPECT_EQ(a.to_xml(), before);
}

RC_GTEST_PROP(Patchset, ApplyDiffGivesTarget, ()) {
  static const std::string base = seed_xml();
  Cib a = Cib::parse(base, "seed");
  const int na = *rc::gen::inRange(0, 6);
  for (int i = 0; i < na; ++i)
    mutate(a, *rc::gen::inRange(0, 1000), *rc::gen::inRange(0, 1000), *rc::gen::inRange(0, 6));
  Cib b = a;
  const int nb = *rc::gen::inRange(0, 8);
  for (int i = 0; i < nb; ++i)
    mutate(b, *rc::gen::inRange(0, 1000), *rc::gen::inRange(0, 1000), *rc::gen::inRange(0, 6));
  b.bump_epoch();
  auto p = diff(a, b);
  Cib c = a;
  apply(c, p.get());
  RC_ASSERT(c.to_xml() == b.to_xml());
  // and through the text form
  Cib d = a;
  apply(d, parse_patch(serialize(p.get()), "p").get());
  RC_ASSERT(d.to_xml() == b.to_xml());
}

// pacemaker's crm_diff applies our patchsets, and we apply its.
TEST(Patchset, InteroperatesWithCrmDiff) {
  if (std::system("command -v crm_diff >/dev/null 2>&1") != 0) GTEST_SKIP() << "crm_diff not installed";
  Cib a = Cib::parse(seed_xml(), "seed");
  Cib b = a;
  set_attr(find_by_id(b.root(), "webip-instance_attributes-ip"), "value", "10.0.0.1");
  remove_node(find_by_id(b.root(), "webip_websrv"));
  xmlNode* n = add_child(b.section("nodes"), "node");
  set_attr(n, "uname", "node3");
  set_attr(n, "id", "node3");
  xmlNode* g = find_by_id(b.root(), "webservice");
  xmlNode* first = children(g)[0];
  xmlUnlinkNode(first);
  xmlAddChild(g, first);
  b.bump_epoch();
  char dir[] = "/tmp/halab-pt-XXXXXX";
  ASSERT_NE(mkdtemp(dir), nullptr);
  const std::string d = dir;
  auto put = [&](const std::string& f, const std::string& s) { std::ofstream(d + "/" + f) << s; };
  put("a.xml", a.to_xml());
  put("b.xml", b.to_xml());
  put("ours.patch", diff_xml(a, b));
  ASSERT_EQ(std::system(("crm_diff -o " + d + "/a.xml -p " + d + "/ours.patch > " + d + "/applied.xml 2>/dev/null").c_str()), 0);
  std::ifstream f(d + "/applied.xml");
  std::stringstream ss;
  ss << f.rdbuf();
  EXPECT_EQ(Cib::parse(ss.str(), "applied").to_xml(), b.to_xml());
  std::system(("crm_diff -o " + d + "/a.xml -n " + d + "/b.xml > " + d + "/theirs.patch 2>/dev/null").c_str());
  std::ifstream t(d + "/theirs.patch");
  std::stringstream ts;
  ts << t.rdbuf();
  Cib c = a;
  apply(c, parse_patch(ts.str(), "theirs.patch").get());
  EXPECT_TRUE(same_tree(c.root(), b.root())) << ts.str();
  std::system(("rm -rf " + d).c_str());
}
