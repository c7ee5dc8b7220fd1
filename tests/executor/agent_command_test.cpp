// Pure parts of the executor: exit code mapping, exit reasons, meta-data
// checks, and the commands each class runs.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include <libxml/globals.h>
#include <libxml/parser.h>

#include "stack/executor/agent_command.hpp"

namespace halab::executor {
namespace {

using namespace std::chrono_literals;

core::ProcessResult exited(int code, std::string out = "", std::string err = "") {
  core::ProcessResult r;
  r.end = core::ProcessResult::End::exited;
  r.exit_code = code;
  r.out = std::move(out);
  r.err = std::move(err);
  return r;
}

OpRequest op(std::string action) {
  OpRequest o;
  o.action = std::move(action);
  return o;
}

TEST(ExecutorCodes, LsbStatusAndActionCodes) {
  EXPECT_EQ(lsb_to_ocf("status", 0), 0);
  EXPECT_EQ(lsb_to_ocf("status", 1), 7);
  EXPECT_EQ(lsb_to_ocf("status", 2), 7);
  EXPECT_EQ(lsb_to_ocf("monitor", 3), 7);
  EXPECT_EQ(lsb_to_ocf("status", 4), 1);
  EXPECT_EQ(lsb_to_ocf("start", 5), 5);
  EXPECT_EQ(lsb_to_ocf("stop", 7), 7);
  EXPECT_EQ(lsb_to_ocf("start", 150), 1);
  EXPECT_EQ(describe_rc(8), "promoted");
  EXPECT_EQ(describe_rc(77), "unknown exit code 77");
}

TEST(ExecutorCodes, OcfExitCodesOnlyMeanWhatOcfSays) {
  for (int rc : {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 190, 191}) {
    OpResult r;
    interpret("ocf", op("monitor"), exited(rc), r);
    EXPECT_EQ(r.status, ExecStatus::done) << rc;
    EXPECT_EQ(r.rc, rc);
  }
  for (int rc : {10, 42, 189, 192, 255}) {
    OpResult r;
    interpret("ocf", op("monitor"), exited(rc), r);
    EXPECT_EQ(r.status, ExecStatus::error) << rc;
    EXPECT_EQ(r.rc, 1);
    EXPECT_NE(r.exit_reason.find(std::to_string(rc)), std::string::npos);
  }
}

TEST(ExecutorCodes, ExitReasons) {
  EXPECT_EQ(exit_reason_of("noise\nocf-exit-reason:IP 10.0.0.1 is in use\nmore\n"), "IP 10.0.0.1 is in use");
  EXPECT_EQ(exit_reason_of("ocf-exit-reason:a\r\nocf-exit-reason:b"), "a; b");
  EXPECT_EQ(exit_reason_of("ERROR: ocf-exit-reason:prefixed"), "prefixed");
  EXPECT_EQ(exit_reason_of("nothing here"), "");
}

TEST(ExecutorCodes, SystemdMonitorReadsTheUnitState) {
  OpResult r;
  interpret("systemd", op("monitor"), exited(0, "active\n"), r);
  EXPECT_EQ(r.rc, 0);
  interpret("systemd", op("monitor"), exited(3, "inactive\n"), r);
  EXPECT_EQ(r.rc, 7);
  interpret("systemd", op("start"), exited(5, "", "Failed to start x.service: Unit x.service not found.\n"), r);
  EXPECT_EQ(r.status, ExecStatus::not_installed);
  interpret("systemd", op("start"), exited(1, "", "System has not been booted with systemd as init system (PID 1). Can't operate.\n"), r);
  EXPECT_EQ(r.exit_reason, "systemd is not running on this node");
}

TEST(ExecutorCodes, MetadataChecks) {
  EXPECT_EQ(check_metadata("<?xml version=\"1.0\"?><resource-agent name=\"x\"><parameters/></resource-agent>"), "");
  EXPECT_EQ(check_metadata(""), "empty output");
  EXPECT_NE(check_metadata("<resource-agent><parameters></resource-agent>").find("line 1"), std::string::npos);
  EXPECT_EQ(check_metadata("<other/>"), "root element is <other>, expected <resource-agent>");
  ResourceDef lsb{"a", "lsb", "", "foo", {}};
  EXPECT_EQ(check_metadata(generated_metadata(lsb, "lsb:foo")), "");
}

TEST(ExecutorCodes, MetadataCheckKeepsOtherComponentsXmlErrorHandler) {
  int seen = 0;
  xmlSetStructuredErrorFunc(&seen, [](void* user, xmlErrorPtr) { ++*static_cast<int*>(user); });
  EXPECT_NE(check_metadata("<broken"), "");
  EXPECT_EQ(seen, 0) << "our parse errors go to our handler";
  EXPECT_EQ(xmlStructuredErrorContext, &seen);
  xmlDocPtr doc = xmlReadMemory("<x", 2, "t", nullptr, XML_PARSE_NONET);
  EXPECT_EQ(doc, nullptr);
  EXPECT_GT(seen, 0) << "the other component's handler is back";
  xmlSetStructuredErrorFunc(nullptr, nullptr);
}

RC_GTEST_PROP(ExecutorCodes, AnyAgentOutputIsHandled, (int code, std::string out, std::string err)) {
  // Whatever an agent prints and returns, interpretation gives a known rc
  // and never throws or crashes.
  for (const char* standard : {"ocf", "lsb", "systemd"}) {
    for (const char* action : {"monitor", "start", "meta-data"}) {
      OpResult r;
      interpret(standard, op(action), exited(code, out, err), r);
      RC_ASSERT(known_ocf_rc(r.rc));
    }
  }
  (void)check_metadata(out);
}

TEST(ExecutorCommands, OcfCommandAndEnvironment) {
  AgentPaths p;
  p.rsctmp = "/var/lib/halab/n1/rsctmp";
  ResourceDef rsc{"ip1", "ocf", "heartbeat", "IPaddr2", {{"ip", "192.0.2.10"}}};
  OpRequest o = op("monitor");
  o.interval = 10s;
  o.timeout = 30s;
  o.op_params["OCF_CHECK_LEVEL"] = "10";
  auto s = ocf_command(p, rsc, o);
  EXPECT_EQ(s.argv, (std::vector<std::string>{"/usr/lib/ocf/resource.d/heartbeat/IPaddr2", "monitor"}));
  EXPECT_EQ(s.timeout, 30s);
  auto has = [&](const std::string& kv) { return std::find(s.env.begin(), s.env.end(), kv) != s.env.end(); };
  EXPECT_TRUE(has("OCF_RESKEY_ip=192.0.2.10"));
  EXPECT_TRUE(has("OCF_RESKEY_CRM_meta_interval=10000"));
  EXPECT_TRUE(has("OCF_RESKEY_CRM_meta_timeout=30000"));
  EXPECT_TRUE(has("OCF_CHECK_LEVEL=10"));
  EXPECT_TRUE(has("HA_RSCTMP=/var/lib/halab/n1/rsctmp"));
  EXPECT_TRUE(has("OCF_ROOT=/usr/lib/ocf"));
  auto l = lsb_command(p, {"x", "lsb", "", "nginx", {}}, op("monitor"));
  EXPECT_EQ(l.argv, (std::vector<std::string>{"/etc/init.d/nginx", "status"}));
  auto d = systemd_command(p, {"x", "systemd", "", "nginx", {}}, op("monitor"));
  EXPECT_EQ(d.argv, (std::vector<std::string>{"systemctl", "is-active", "nginx.service"}));
}

}  // namespace
}  // namespace halab::executor
