// `crm configure ... commit` against the running cluster: the shell edits
// the CIB it read from its node, the controller sends the difference to the
// DC as a patchset; a commit made against a CIB that moved on is refused.
#include <gtest/gtest.h>

#include "stack/cib/schema.hpp"
#include "tests/controller/cluster_harness.hpp"
#include "tests/shell/shell_support.hpp"

using namespace halab;
using namespace halab::test;

namespace {

// Runs crm configure lines on `base`; returns what commit wrote.
cib::Cib crm_configure(const cib::Cib& base, const std::vector<std::string>& lines) {
  MemoryHost host;
  host.cib_xml = base.to_xml();
  cib::SchemaValidator schema;
  shell::Session session(host, schema, shell::SessionOptions{});
  int n = 0;
  for (const auto& l : lines) EXPECT_TRUE(session.execute(l, ++n)) << l << ": " << host.err_text;
  EXPECT_TRUE(session.finish()) << host.err_text;
  return cib::Cib::parse(host.cib_xml, "crm result");
}

}  // namespace

TEST(CrmConfigure, CommitThroughTheDcReachesEveryNode) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  const auto read = c.ctl(3).cib();
  auto edited = crm_configure(read, {"configure", "primitive web ocf:pacemaker:Dummy op monitor interval=10s",
                                     "property stonith-enabled=false", "commit"});
  auto r = c.update(3, patch_request(read, edited));
  ASSERT_TRUE(r.ok()) << r.error;
  EXPECT_EQ(r.version.epoch, read.version().epoch + 1);
  ASSERT_TRUE(c.settle({1, 2, 3}));
  for (NodeId id = 1; id <= 3; ++id) {
    EXPECT_NE(cib::find_by_id(c.ctl(id).cib().root(), "web"), nullptr) << id;
    EXPECT_TRUE(cib::same_tree(c.ctl(id).cib().configuration(), edited.configuration())) << id;
  }
}

TEST(CrmConfigure, CommitAgainstAStaleCibIsRefusedAndChangesNothing) {
  Cluster c(3);
  start_all(c, {1, 2, 3});
  const auto read = c.ctl(2).cib();
  auto edited = crm_configure(
      read, {"configure", "property stonith-enabled=false", "primitive late ocf:pacemaker:Dummy", "commit"});
  // Meanwhile somebody else changed the configuration.
  ASSERT_TRUE(c.update(1, Request{RequestOp::create, "resources", primitive("other")}).ok());
  const auto digest = c.ctl(1).cib().digest();
  auto r = c.update(2, patch_request(read, edited));
  EXPECT_EQ(r.code, UpdateCode::invalid);
  EXPECT_NE(r.error.find("patchset applies to version " + read.version().str()), std::string::npos) << r.error;
  c.clock.run_for(100ms);
  for (NodeId id = 1; id <= 3; ++id) EXPECT_EQ(c.ctl(id).cib().digest(), digest) << id;
}
