// The interpreter: levels, commit rules, bad input, agents, shadows.
#include <gtest/gtest.h>

#include "tests/shell/shell_support.hpp"

using namespace halab;
using namespace halab::test;

namespace {
struct Runner {
  MemoryHost host;
  cib::SchemaValidator schema;
  bool go(const std::string& script, bool force = false) {
    shell::Session s(host, schema, {force, false});
    bool ok = true;
    for (auto& ll : shell::logical_lines(script))
      if (!s.execute(ll.text, ll.line)) ok = false;
    return s.finish() && ok;
  }
  long epoch() { return host.read_cib().version().epoch; }
  int error_lines() {
    int n = 0;
    for (std::size_t p = 0; (p = host.err_text.find("ERROR:", p)) != std::string::npos; ++p) ++n;
    return n;
  }
};
}  // namespace

TEST(Session, EachCommitBumpsEpochOnce) {
  Runner r;
  ASSERT_TRUE(r.go("configure\nproperty stonith-enabled=false\nprimitive a Dummy\ncommit\nprimitive b Dummy\n"));
  EXPECT_EQ(r.epoch(), 3);  // 1 + explicit commit + EOF commit
  EXPECT_EQ(r.host.writes, 2);
  ASSERT_TRUE(r.go("configure show\n"));
  EXPECT_EQ(r.epoch(), 3);  // nothing changed, nothing written
}

TEST(Session, VerifyErrorsBlockCommitUnlessForced) {
  Runner r;
  const std::string before = r.host.cib_xml;
  EXPECT_FALSE(r.go("configure primitive a Dummy\n"));  // no STONITH and stonith-enabled
  EXPECT_NE(r.host.err_text.find("no STONITH resources have been defined"), std::string::npos);
  EXPECT_EQ(r.host.cib_xml, before);
  EXPECT_TRUE(r.go("configure primitive a Dummy\n", true));
  EXPECT_NE(r.host.err_text.find("INFO: commit forced"), std::string::npos);
  EXPECT_NE(r.host.cib_xml, before);
}

TEST(Session, SyntaxErrorNamesLineAndLeavesCibUnchanged) {
  Runner r;
  ASSERT_TRUE(r.go("configure property stonith-enabled=false\n"));
  const std::string before = r.host.cib_xml;
  EXPECT_FALSE(r.go("configure\nprimitive a Dummy\nlocation l1 a rule number:gt pingd 5\n"));
  EXPECT_NE(r.host.err_text.find("ERROR: 3: syntax in location: Expected "
                                 "((string|integer|number|version):)?(lt|gt|lte|gte|eq|ne) near <pingd>"),
            std::string::npos)
      << r.host.err_text;
  // the good line before it is committed at EOF, as in crmsh; the bad one left nothing
  EXPECT_EQ(cib::find_by_id(r.host.read_cib().root(), "l1"), nullptr);
  EXPECT_EQ(r.error_lines(), 1);
  (void)before;
}

TEST(Session, UnknownResourceIsOneError) {
  Runner r;
  ASSERT_TRUE(r.go("configure property stonith-enabled=false\nconfigure primitive a Dummy\n"));
  const std::string before = r.host.cib_xml;
  EXPECT_FALSE(r.go("configure colocation z inf: a nosuch\n"));
  EXPECT_EQ(r.host.cib_xml, before);
  EXPECT_NE(r.host.err_text.find("z: resource nosuch does not exist"), std::string::npos) << r.host.err_text;
  EXPECT_EQ(r.error_lines(), 1);
  EXPECT_FALSE(r.go("configure group g nosuch\n"));
  EXPECT_EQ(r.host.cib_xml, before);
}

TEST(Session, DanglingReferenceInLoadedXmlBlocksCommit) {
  Runner r;
  ASSERT_TRUE(r.go("configure property stonith-enabled=false\n"));
  const std::string before = r.host.cib_xml;
  std::string bad = before;
  bad.replace(bad.find("<constraints/>"), 14,
              "<constraints>\n      <rsc_order id=\"o1\" first=\"ghost\" then=\"ghost2\"/>\n    </constraints>");
  r.host.files["bad.xml"] = bad;
  EXPECT_FALSE(r.go("configure load xml replace bad.xml\n"));
  EXPECT_NE(r.host.err_text.find("o1: resource ghost does not exist"), std::string::npos) << r.host.err_text;
  EXPECT_EQ(r.host.cib_xml, before);
}

TEST(Session, SchemaFailureNamesElementAndLine) {
  Runner r;
  const std::string before = r.host.cib_xml;
  std::string bad = before;
  bad.replace(bad.find("<resources/>"), 12,
              "<resources>\n      <primitive id=\"p\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\" "
              "bogus=\"1\"/>\n    </resources>");
  r.host.files["bad.xml"] = bad;
  EXPECT_FALSE(r.go("configure load xml replace bad.xml\n", false));
  EXPECT_NE(r.host.err_text.find("ERROR: schema pacemaker-3.9: line 6: <primitive id=\"p\">"), std::string::npos)
      << r.host.err_text;
  EXPECT_EQ(r.host.cib_xml, before);
}

TEST(Session, AgentParametersCheckedAgainstMetaData) {
  Runner r;
  ASSERT_TRUE(r.go("configure property stonith-enabled=false\n"));
  EXPECT_FALSE(r.go("configure primitive e Dummy params nosuch=1\n"));
  EXPECT_NE(r.host.err_text.find("ERROR: e: parameter \"nosuch\" is not known"), std::string::npos);
  EXPECT_FALSE(r.go("configure primitive f IPaddr\n"));
  EXPECT_NE(r.host.err_text.find("ERROR: f: required parameter \"ip\" not defined"), std::string::npos);
  EXPECT_TRUE(r.go("configure primitive f IPaddr params ip=10.0.0.1\n"));
  EXPECT_TRUE(r.go("configure primitive w systemd:httpd\n"));  // no meta-data: a warning
  EXPECT_NE(r.host.err_text.find("WARNING: w: got no meta-data"), std::string::npos);
}

TEST(Session, LevelsPromptAndNavigation) {
  Runner r;
  shell::Session s(r.host, r.schema, {});
  EXPECT_EQ(s.prompt(), "crm(live)# ");
  EXPECT_TRUE(s.execute("configure"));
  EXPECT_EQ(s.prompt(), "crm(live)configure# ");
  EXPECT_TRUE(s.execute("up"));
  EXPECT_TRUE(s.execute("cd ra"));
  EXPECT_EQ(s.prompt(), "crm(live)ra# ");
  EXPECT_TRUE(s.execute("classes"));
  EXPECT_NE(r.host.out_text.find("ocf / heartbeat pacemaker"), std::string::npos);
  EXPECT_TRUE(s.execute("info ocf:pacemaker:Dummy"));
  EXPECT_NE(r.host.out_text.find("Example stateless resource agent (ocf:pacemaker:Dummy)"), std::string::npos);
  EXPECT_NE(r.host.out_text.find("state (string, [/var/run/Dummy.state]): State file"), std::string::npos);
  EXPECT_TRUE(s.execute("end"));
  EXPECT_FALSE(s.execute("nosuchcommand"));
  EXPECT_TRUE(s.execute("quit"));
  EXPECT_TRUE(s.quit_requested());
}

TEST(Session, SaveLoadEraseEdit) {
  Runner r;
  ASSERT_TRUE(r.go("configure\nproperty stonith-enabled=false\nprimitive a Dummy\nprimitive b Dummy\n"
                   "group g a b\nsave out.crm\nsave xml out.xml\n"));
  const std::string saved = r.host.files["out.crm"];
  EXPECT_NE(saved.find("group g a b"), std::string::npos);
  EXPECT_NE(r.host.files["out.xml"].find("<group id=\"g\">"), std::string::npos);
  ASSERT_TRUE(r.go("configure erase\n"));
  EXPECT_EQ(cib::find_by_id(r.host.read_cib().root(), "g"), nullptr);
  ASSERT_TRUE(r.go("configure load replace out.crm\n"));
  shell::Configuration c(r.host.read_cib());
  EXPECT_EQ(c.show(), saved);
  r.host.editor = [](const std::string& t) {
    std::string s = t;
    s.replace(s.find("group g a b"), 11, "group g b a");
    return std::optional<std::string>(s);
  };
  ASSERT_TRUE(r.go("configure edit\n")) << r.host.err_text;
  EXPECT_NE(shell::Configuration(r.host.read_cib()).show().find("group g b a"), std::string::npos);
}

TEST(Session, ShadowCibNewEditDiffCommitDelete) {
  Runner r;
  ASSERT_TRUE(r.go("configure property stonith-enabled=false\n"));
  const std::string live = r.host.cib_xml;
  shell::Session s(r.host, r.schema, {});
  ASSERT_TRUE(s.execute("cib new test"));
  EXPECT_EQ(s.prompt(), "crm(test)# ");
  ASSERT_TRUE(s.execute("up"));
  ASSERT_TRUE(s.execute("configure primitive a Dummy"));
  EXPECT_EQ(r.host.cib_xml, live);  // the shadow changed, not the live CIB
  r.host.out_text.clear();
  ASSERT_TRUE(s.execute("cib diff"));
  EXPECT_NE(r.host.out_text.find("<primitive id=\"a\""), std::string::npos);
  ASSERT_TRUE(s.execute("cib commit test"));
  EXPECT_NE(cib::find_by_id(r.host.read_cib().root(), "a"), nullptr);
  ASSERT_TRUE(s.execute("cib use live"));
  ASSERT_TRUE(s.execute("cib delete test"));
  EXPECT_FALSE(s.execute("cib use test"));
}

TEST(Session, RefusesToCommitOverAConcurrentChange) {
  Runner r;
  ASSERT_TRUE(r.go("configure property stonith-enabled=false\n"));
  shell::Session s(r.host, r.schema, {});
  ASSERT_TRUE(s.execute("configure"));
  ASSERT_TRUE(s.execute("property no-quorum-policy=ignore"));
  // someone else commits meanwhile
  ASSERT_TRUE(r.go("configure property cluster-name=other\n"));
  const std::string theirs = r.host.cib_xml;
  EXPECT_FALSE(s.execute("commit"));
  EXPECT_NE(r.host.err_text.find("the CIB changed since it was read"), std::string::npos) << r.host.err_text;
  EXPECT_EQ(r.host.cib_xml, theirs);
  ASSERT_TRUE(s.execute("refresh"));
  ASSERT_TRUE(s.execute("property no-quorum-policy=ignore"));
  EXPECT_TRUE(s.execute("commit"));
  EXPECT_NE(r.host.cib_xml.find("cluster-name"), std::string::npos);
  EXPECT_NE(r.host.cib_xml.find("no-quorum-policy"), std::string::npos);
}

// crmsh opens a second <operations> when params come between ops; the
// schema refuses that, and not even -F commits it.
TEST(Session, SchemaFailureOfShellBuiltXmlBlocksEvenForcedCommit) {
  Runner r;
  ASSERT_TRUE(r.go("configure property stonith-enabled=false\n"));
  const std::string before = r.host.cib_xml;
  EXPECT_FALSE(r.go("configure primitive p Dummy op monitor interval=10s params fake=1 op start interval=0\n", true));
  EXPECT_NE(r.host.err_text.find("ERROR: schema pacemaker-3.9: line 17: <operations>: Extra element operations"),
            std::string::npos)
      << r.host.err_text;
  EXPECT_NE(r.host.err_text.find("configuration not committed (the CIB does not conform to its schema)"),
            std::string::npos);
  EXPECT_EQ(r.host.cib_xml, before);
}

TEST(Session, ResourceStopStartMoveClear) {
  Runner r;
  ASSERT_TRUE(r.go("configure\nproperty stonith-enabled=false\nnode node1\nprimitive a Dummy\nprimitive b Dummy\n"
                   "group g a b\nprimitive d Dummy\nclone c d meta interleave=true\n"));
  const long e = r.epoch();
  EXPECT_FALSE(r.go("resource move g nosuch\n"));  // crm_resource: Node 'nosuch' not found
  EXPECT_NE(r.host.err_text.find("Node 'nosuch' not found"), std::string::npos) << r.host.err_text;
  EXPECT_EQ(r.epoch(), e);
  ASSERT_TRUE(r.go("resource stop g\nresource start a\nresource stop d\nresource move g node1\n"));
  EXPECT_EQ(r.epoch(), e + 4);  // one commit each
  const std::string x = r.host.cib_xml;
  EXPECT_NE(x.find("<nvpair id=\"g-meta_attributes-target-role\" name=\"target-role\" value=\"Stopped\"/>"), std::string::npos) << x;
  EXPECT_NE(x.find("<nvpair id=\"a-meta_attributes-target-role\" name=\"target-role\" value=\"Started\"/>"), std::string::npos);
  EXPECT_NE(x.find("id=\"c-meta_attributes-target-role\""), std::string::npos);  // on the clone, not d
  EXPECT_NE(x.find("<rsc_location id=\"cli-prefer-g\" rsc=\"g\" role=\"Started\" node=\"node1\" score=\"INFINITY\"/>"), std::string::npos);
  ASSERT_TRUE(r.go("resource clear g\n"));
  EXPECT_EQ(r.host.cib_xml.find("cli-prefer-g"), std::string::npos);
  const std::string before = r.host.cib_xml;
  EXPECT_FALSE(r.go("resource stop nosuch\n"));
  EXPECT_EQ(r.host.cib_xml, before);
}

// `verify` checks every primitive's params against its agent's meta-data,
// as crmsh does, also for a CIB that was written by something else.
TEST(Session, VerifyChecksParamsOfAStoredCib) {
  Runner r;
  std::string x = r.host.cib_xml;
  x.replace(x.find("<resources/>"), 12,
            "<resources><primitive id=\"e\" class=\"ocf\" provider=\"heartbeat\" type=\"Dummy\"><instance_attributes "
            "id=\"e-ia\"><nvpair id=\"e-ia-n\" name=\"nosuch\" value=\"1\"/></instance_attributes></primitive>"
            "<primitive id=\"f\" class=\"ocf\" provider=\"heartbeat\" type=\"IPaddr\"/></resources>");
  x.replace(x.find("<crm_config/>"), 13,
            "<crm_config><cluster_property_set id=\"o\"><nvpair id=\"o-s\" name=\"stonith-enabled\" value=\"false\"/>"
            "</cluster_property_set></crm_config>");
  r.host.cib_xml = cib::Cib::parse(x, "x").to_xml();
  const std::string before = r.host.cib_xml;
  EXPECT_FALSE(r.go("configure verify\n"));
  EXPECT_NE(r.host.err_text.find("e: parameter \"nosuch\" is not known"), std::string::npos) << r.host.err_text;
  EXPECT_NE(r.host.err_text.find("f: required parameter \"ip\" not defined"), std::string::npos) << r.host.err_text;
  EXPECT_EQ(r.host.cib_xml, before);
}

// crmsh 4.4.1 refuses `user` on a pacemaker-2.0+ CIB (acl_user is in the
// 1.x ACL schema only): "user not supported by the RNG schema". So does halab.
TEST(Session, UserIsRefusedAsCrmshDoes) {
  Runner r;
  ASSERT_TRUE(r.go("configure property stonith-enabled=false\nconfigure role r0 read xpath:\"//nodes\"\n"));
  const std::string before = r.host.cib_xml;
  EXPECT_FALSE(r.go("configure user alice role:r0\n"));
  EXPECT_FALSE(r.go("configure user bob read ref:r0\n"));
  EXPECT_NE(r.host.err_text.find("user not supported by the RNG schema"), std::string::npos) << r.host.err_text;
  EXPECT_EQ(r.error_lines(), 2);
  EXPECT_EQ(r.host.cib_xml, before);
  EXPECT_TRUE(r.go("configure acl_target alice r0\n"));  // the 2.0 way
}
