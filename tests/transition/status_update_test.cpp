// Status recording in pacemaker 2.1.5's format: lrm_rsc_op ids, attribute
// names and order, transition key and magic, op-digest, fail counts and
// their attribute ids, cancel, clear_failcount, fencing, probe_again; the
// v2 patchset the DC broadcasts; and agreement with pacemaker's own files.
#include <gtest/gtest.h>

#include <filesystem>
#include <functional>
#include <map>
#include <regex>

#include "corpus.hpp"
#include "stack/cib/patchset.hpp"
#include "stack/cib/xml.hpp"
#include "stack/transition/status_update.hpp"
#include "support.hpp"

namespace halab::transition {
namespace {

using testing::A;
using testing::graph_xml;

const char* kCib = R"(<cib crm_feature_set="3.16.1" validate-with="pacemaker-3.9" epoch="3" num_updates="4" admin_epoch="0">
  <configuration><crm_config/><nodes><node id="1" uname="node1"/><node id="2" uname="node2"/></nodes><resources/><constraints/></configuration>
  <status>
    <node_state id="1" uname="node1" in_ccm="true" crmd="online" join="member" expected="member">
      <lrm id="1"><lrm_resources>
        <lrm_resource id="rsc1" type="Dummy" class="ocf" provider="heartbeat">
          <lrm_rsc_op id="rsc1_monitor_10000" operation_key="rsc1_monitor_10000" operation="monitor" call-id="7" rc-code="0" op-status="0" interval="10000" transition-key="3:1:0:x" transition-magic="0:0;3:1:0:x"/>
        </lrm_resource>
      </lrm_resources></lrm>
      <transient_attributes id="1"><instance_attributes id="status-1">
        <nvpair id="status-1-fail-count-rsc1.monitor_10000" name="fail-count-rsc1#monitor_10000" value="2"/>
        <nvpair id="status-1-other" name="other" value="x"/>
      </instance_attributes></transient_attributes>
    </node_state>
    <node_state id="2" uname="node2" in_ccm="true" crmd="online" join="member" expected="member"/>
  </status>
</cib>)";

// Graph nodes are named by uname with uuid = uname in the helper; use the real ids.
Graph graph_of(std::vector<A> actions) {
  std::string x = graph_xml(actions);
  x = std::regex_replace(x, std::regex("on_node_uuid=\"node(\\d)\""), "on_node_uuid=\"$1\"");
  return parse_graph(x, "g");
}

ActionResult result(int rc, executor::ExecStatus st = executor::ExecStatus::done) {
  ActionResult r;
  r.rc = rc;
  r.status = st;
  r.call_id = 12;
  r.last_rc_change = core::WallTime(std::chrono::seconds(1700000100));
  r.exec_time = std::chrono::milliseconds(33);
  r.queue_time = std::chrono::milliseconds(2);
  return r;
}

std::string applied(const StatusUpdate& u) {
  cib::Cib cib = cib::Cib::parse(kCib, "cib");
  u.apply(cib);
  return cib.to_xml();
}

TEST(StatusUpdate, SuccessfulStartIsRscLast0InPacemakersAttributeOrder) {
  Graph g = graph_of({{1, "rsc_op", "start", "node2", {}, 0, {{"CRM_meta_timeout", "20000"}, {"ip", "10.0.0.1"}}}});
  StatusUpdate u({.te_uuid = "te-uuid", .now = 1700000200});
  u.record(g, g.actions[0], result(0));
  const std::string xml = applied(u);
  const std::string want =
      "<lrm_rsc_op id=\"rsc1_last_0\" operation_key=\"rsc1_start_0\" operation=\"start\" "
      "crm-debug-origin=\"do_update_resource\" crm_feature_set=\"3.16.1\" transition-key=\"1:3:0:te-uuid\" "
      "transition-magic=\"0:0;1:3:0:te-uuid\" exit-reason=\"\" on_node=\"node2\" call-id=\"12\" rc-code=\"0\" "
      "op-status=\"0\" interval=\"0\" last-rc-change=\"1700000100\" exec-time=\"33\" queue-time=\"2\" op-digest=\"" +
      op_digest(g.actions[0]) + "\"/>";
  EXPECT_NE(xml.find(want), std::string::npos) << xml;
  EXPECT_NE(xml.find("<lrm id=\"2\">\n        <lrm_resources>\n          <lrm_resource id=\"rsc1\" type=\"Dummy\" "
                     "class=\"ocf\" provider=\"heartbeat\">"),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find("fail-count-rsc1#start"), std::string::npos);
}

TEST(StatusUpdate, OpDigestIsPacemakers) {
  // Known digests from pacemaker's files: no parameters; a recurring op with its timeout.
  Graph g = graph_of({{1, "rsc_op", "start", "node1", {}, 0, {{"CRM_meta_timeout", "20000"}}},
                      {2, "rsc_op", "monitor", "node1", {}, 0, {{"CRM_meta_timeout", "20000"}, {"CRM_meta_interval", "60000"}}}});
  EXPECT_EQ(op_digest(g.actions[0]), "f2317cad3d54cec5d7d7aa7d0bf35cf8");
  EXPECT_EQ(op_digest(g.actions[1]), "4811cef7f7f94e3a35a70be7916cb2fd");
}

TEST(StatusUpdate, FailuresKeepLastFailureAndCountAsPacemakerDoes) {
  Graph g = graph_of({{1, "rsc_op", "start", "node1"},
                      {2, "rsc_op", "monitor", "node1", {}, 0, {{"CRM_meta_interval", "10000"}}},
                      {3, "rsc_op", "monitor", "node2", {}, 0, {{"CRM_meta_op_target_rc", "7"}}}});
  StatusUpdate u({.te_uuid = "t", .now = 1700000200});
  u.record(g, g.actions[0], result(1));
  std::string xml = applied(u);
  EXPECT_NE(xml.find("id=\"rsc1_last_failure_0\" operation_key=\"rsc1_start_0\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("id=\"rsc1_last_0\" operation_key=\"rsc1_start_0\""), std::string::npos) << xml;
  // failed-start-offset INFINITY: the start failure is fatal on the node.
  EXPECT_NE(xml.find("<nvpair id=\"status-1-fail-count-rsc1.start_0\" name=\"fail-count-rsc1#start_0\" value=\"INFINITY\"/>"),
            std::string::npos)
      << xml;
  EXPECT_NE(xml.find("name=\"last-failure-rsc1#start_0\" value=\"1700000200\""), std::string::npos) << xml;

  StatusUpdate m({.te_uuid = "t", .now = 1700000200});
  m.record(g, g.actions[1], result(7));
  xml = applied(m);
  // A failed recurring monitor: only last_failure, the old success entry stays; the count goes up by one.
  EXPECT_NE(xml.find("id=\"rsc1_last_failure_0\" operation_key=\"rsc1_monitor_10000\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("id=\"rsc1_monitor_10000\" operation_key=\"rsc1_monitor_10000\" operation=\"monitor\" call-id=\"7\""),
            std::string::npos)
      << xml;
  EXPECT_EQ(xml.find("rsc1_last_0"), std::string::npos);
  EXPECT_NE(xml.find("name=\"fail-count-rsc1#monitor_10000\" value=\"3\""), std::string::npos) << xml;

  // A probe finding the resource running is unexpected but no failure to count.
  StatusUpdate p({.te_uuid = "t", .now = 1700000200});
  p.record(g, g.actions[2], result(0));
  xml = applied(p);
  EXPECT_NE(xml.find("id=\"rsc1_last_failure_0\" operation_key=\"rsc1_monitor_0\""), std::string::npos) << xml;
  EXPECT_EQ(xml.find("fail-count-rsc1#monitor_0"), std::string::npos) << xml;

  // A timeout: op-status 2 in the magic.
  StatusUpdate t({.te_uuid = "t"});
  t.record(g, g.actions[0], ActionResult::error("timed out", executor::ExecStatus::timeout));
  xml = applied(t);
  EXPECT_NE(xml.find("transition-magic=\"2:1;1:3:0:t\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("exit-reason=\"timed out\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("call-id=\"8\""), std::string::npos) << "no executor call id: the node's next one\n" << xml;
}

TEST(StatusUpdate, CancelClearFailcountFencingAndReprobe) {
  Graph g = graph_of({{1, "rsc_op", "cancel", "node1", {}, 0, {{"CRM_meta_interval", "10000"}, {"CRM_meta_operation", "monitor"}}},
                      {2, "crm_event", "clear_failcount", "node1", {}, 0, {}, "rsc1"},
                      {3, "crm_event", "stonith", "node1"}});
  StatusUpdate c;
  c.record(g, g.actions[0], result(0, executor::ExecStatus::cancelled));
  std::string xml = applied(c);
  EXPECT_EQ(xml.find("rsc1_monitor_10000"), std::string::npos) << xml;

  StatusUpdate f;
  f.record(g, g.actions[1], result(0));
  xml = applied(f);
  EXPECT_EQ(xml.find("fail-count-rsc1"), std::string::npos) << xml;
  EXPECT_NE(xml.find("name=\"other\""), std::string::npos) << "other attributes stay";

  StatusUpdate s;
  s.record(g, g.actions[2], result(1));
  EXPECT_TRUE(s.empty()) << "a failed fencing records nothing";
  s.record(g, g.actions[2], result(0));
  xml = applied(s);
  EXPECT_NE(xml.find("<node_state id=\"1\" uname=\"node1\" in_ccm=\"false\" crmd=\"offline\" join=\"down\" "
                     "expected=\"down\" crm-debug-origin=\"send_stonith_update\"/>"),
            std::string::npos)
      << xml;

  Graph r = parse_graph(R"(<transition_graph><synapse id="0"><action_set>
      <rsc_op id="2" operation="probe_again" operation_key="probe_again-node-1" on_node="node1" on_node_uuid="1">
        <attributes CRM_meta_op_no_wait="true"/></rsc_op></action_set></synapse></transition_graph>)",
                        "reprobe");
  StatusUpdate p;
  p.record(r, r.actions[0], result(0));
  xml = applied(p);
  EXPECT_EQ(xml.find("<lrm_resource "), std::string::npos) << xml;
  EXPECT_NE(xml.find("fail-count-rsc1"), std::string::npos) << "a reprobe keeps the fail counts";
}

TEST(StatusUpdate, PatchIsAV2PatchsetThatAppliesToTheBase) {
  Graph g = graph_of({{1, "rsc_op", "start", "node2"}});
  StatusUpdate u({.te_uuid = "t", .now = 1700000200});
  u.record(g, g.actions[0], result(1));
  cib::Cib base = cib::Cib::parse(kCib, "cib");
  auto patch = u.patch(base);
  ASSERT_TRUE(patch);
  EXPECT_FALSE(cib::patch_is_empty(patch.get()));
  cib::Cib replica = base;
  cib::apply(replica, patch.get());
  EXPECT_EQ(replica.version().str(), "0.3.5");
  cib::Cib direct = base;
  u.apply(direct);
  EXPECT_NE(replica.to_xml().find("fail-count-rsc1#start_0"), std::string::npos);
  EXPECT_TRUE(cib::same_tree(cib::first_child(replica.root(), "status"), cib::first_child(direct.root(), "status")));
}

// Pacemaker 2.1.x's own lrm_rsc_op entries (crm-debug-origin do_update_resource,
// feature set 3.1x) have the attribute names we write, in the same order.
TEST(StatusUpdate, AttributeOrderMatchesPacemakersFiles) {
  namespace fs = std::filesystem;
  const std::string dir = testing::corpus_dir() + "/xml";
  if (!fs::exists(dir)) GTEST_SKIP() << "pacemaker 2.1.5 corpus not found at " << dir;
  Graph g = graph_of({{1, "rsc_op", "start", "node2"}});
  StatusUpdate u;
  u.record(g, g.actions[0], result(0));
  std::vector<std::string> ours;
  for (auto& [k, v] : u.changes().at(0).attrs) ours.push_back(k);
  const std::regex entry("<lrm_rsc_op [^>]*crm-debug-origin=\"do_update_resource\" crm_feature_set=\"3\\.1[3-9][^>]*>");
  const std::regex attr("([a-z_-]+)=\"");
  int compared = 0;
  for (const auto& f : fs::directory_iterator(dir)) {
    const std::string text = testing::read_all(f.path().string());
    for (auto it = std::sregex_iterator(text.begin(), text.end(), entry); it != std::sregex_iterator(); ++it) {
      std::vector<std::string> theirs;
      const std::string e = it->str();
      for (auto a = std::sregex_iterator(e.begin(), e.end(), attr); a != std::sregex_iterator(); ++a)
        theirs.push_back((*a)[1]);
      // Their optional tail (restart/secure digests) is only written when the agent has such parameters.
      while (!theirs.empty() && theirs.back() != "op-digest") theirs.pop_back();
      if (theirs.empty() || e.find("on_node=") == std::string::npos) continue;
      EXPECT_EQ(theirs, ours) << f.path().filename() << ": " << e;
      ++compared;
    }
  }
  EXPECT_GT(compared, 20);
  std::printf("compared the attribute order with %d pacemaker 2.1 entries\n", compared);
}

// op-digest against the digests pacemaker recorded for start operations in
// its files: the digest of the primitive's instance attributes.
TEST(StatusUpdate, OpDigestMatchesPacemakersRecordedDigests) {
  namespace fs = std::filesystem;
  const std::string dir = testing::corpus_dir() + "/xml";
  if (!fs::exists(dir)) GTEST_SKIP() << "pacemaker 2.1.5 corpus not found at " << dir;
  int compared = 0, same = 0;
  for (const auto& f : fs::directory_iterator(dir)) {
    scheduler::XmlDocument doc;
    try {
      doc = scheduler::XmlDocument::parse_file(f.path().string());
    } catch (const std::exception&) {
      continue;
    }
    std::map<std::string, std::map<std::string, std::string>> params;
    std::function<void(const scheduler::XmlElement&)> walk = [&](const scheduler::XmlElement& e) {
      for (const auto& c : e.children()) {
        if (c.name() == "primitive") {
          auto& p = params[c.attr_or("id", "")];
          for (const auto& ia : c.children("instance_attributes")) {
            if (ia.first_child("rule")) continue;
            for (const auto& nv : ia.children("nvpair")) p[nv.attr_or("name", "")] = nv.attr_or("value", "");
          }
        }
        walk(c);
      }
    };
    walk(doc.root().first_child("configuration").first_child("resources"));
    for (const auto& ns : doc.root().first_child("status").children("node_state"))
      for (const auto& lr : ns.first_child("lrm").first_child("lrm_resources").children("lrm_resource")) {
        auto it = params.find(lr.attr_or("id", ""));
        if (it == params.end() || it->second.empty()) continue;
        for (const auto& op : lr.children("lrm_rsc_op")) {
          if (op.attr_or("operation", "") != "start" || !op.attr("op-digest")) continue;
          GraphAction a;
          a.type = ActionType::rsc_op;
          a.attributes = it->second;
          a.attributes["CRM_meta_timeout"] = "20000";
          a.attributes["crm_feature_set"] = op.attr_or("crm_feature_set", "3.16.1");
          ++compared;
          same += op_digest(a) == op.attr_or("op-digest", "");
        }
      }
  }
  std::printf("op-digest: %d/%d start operations with parameters match pacemaker's recorded digest\n", same, compared);
  ASSERT_GT(compared, 500);
  // The rest were recorded with parameters no longer in the configuration, or
  // with op-level parameters.
  EXPECT_GE(same * 100, compared * 90);
}

}  // namespace
}  // namespace halab::transition
