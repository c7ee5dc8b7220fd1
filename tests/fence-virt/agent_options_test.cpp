#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include "fence-virt/agent/options.hpp"

namespace halab::fv {
namespace {

TEST(FvAgentOptions, CommandLineLikeFenceXvm) {
  AgentOptions o;
  auto r = parse_command_line({"-o", "off", "-H", "vm1", "-k", "/k", "-p", "1329", "-t", "7", "-r", "5", "-c", "sha512",
                               "-C", "sha1", "-a", "225.0.0.13", "-i", "ipv4", "-w", "2", "-dd", "-u"},
                              o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(o.action, AgentAction::off);
  EXPECT_EQ(o.domain, "vm1");
  EXPECT_EQ(o.key_file, "/k");
  EXPECT_EQ(o.port, 1329);
  EXPECT_EQ(o.timeout_s, 7);
  EXPECT_EQ(o.retrans_tenths, 5);
  EXPECT_EQ(o.hash, HashType::sha512);
  EXPECT_EQ(o.auth, HashType::sha1);
  EXPECT_EQ(o.multicast_address, "225.0.0.13");
  EXPECT_EQ(o.delay_s, 2);
  EXPECT_EQ(o.debug, 2);
  EXPECT_TRUE(o.use_uuid);
  EXPECT_EQ(o.transport, Transport::multicast);
  AgentOptions t;
  ASSERT_TRUE(parse_command_line({"-ostatus", "-n", "vm2", "-T", "127.0.0.1"}, t).ok);
  EXPECT_EQ(t.action, AgentAction::status);
  EXPECT_EQ(t.transport, Transport::tcp);
  AgentOptions v;
  ASSERT_TRUE(parse_command_line({"-S", "3", "-o", "list"}, v).ok);
  EXPECT_EQ(v.transport, Transport::vsock);
  EXPECT_EQ(v.vsock_cid, 3u);
}

TEST(FvAgentOptions, CommandLineErrors) {
  for (std::vector<std::string> bad : std::vector<std::vector<std::string>>{
           {"-o", "explode"}, {"-p", "0"}, {"-p", "x"}, {"-c", "md5"}, {"-n"}, {"-Z"}, {"vm1"},
           {"-n", "a", "-H", "b"}, {"-n", std::string(64, 'x')}, {"-t", "-1"}}) {
    AgentOptions o;
    auto r = parse_command_line(bad, o);
    EXPECT_FALSE(r.ok) << bad[0];
    EXPECT_FALSE(r.error.empty());
  }
}

TEST(FvAgentOptions, StdinProtocolAsPacemakerSendsIt) {
  AgentOptions o;
  auto r = parse_stdin_text(
      "# sent by the fencer\n  action=reboot \r\nnodename=node1\nplug=vm1\nagent=fence_halab_virt\n"
      "key_file=/etc/k\nipport=1330\nretrans=10\nhash=sha1\nauth=none\ntimeout=3\ndelay=0\n"
      "pcmk_host_list=node1\nnot a pair\n\n",
      o);
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(o.action, AgentAction::reboot);
  EXPECT_EQ(o.domain, "vm1");
  EXPECT_EQ(o.key_file, "/etc/k");
  EXPECT_EQ(o.port, 1330);
  EXPECT_EQ(o.hash, HashType::sha1);
  EXPECT_EQ(o.auth, HashType::none);
  ASSERT_EQ(r.warnings.size(), 2u) << "unknown name and a line without '=' warn, do not fail";
  AgentOptions a;
  ASSERT_TRUE(parse_stdin_text("option=off\nport=vm9\nipaddr=10.0.0.1\n", a).ok);
  EXPECT_EQ(a.action, AgentAction::off);
  EXPECT_EQ(a.domain, "vm9");
  EXPECT_EQ(a.transport, Transport::tcp);
  AgentOptions twice;
  auto t = parse_stdin_text("plug=a\nport=b\n", twice);
  EXPECT_FALSE(t.ok);
  EXPECT_NE(t.error.find("line 2"), std::string::npos) << t.error;
  AgentOptions badval;
  EXPECT_FALSE(parse_stdin_text("action=off\nipport=99999\n", badval).ok);
}

TEST(FvAgentOptions, ActionsNeedingATarget) {
  EXPECT_TRUE(needs_target(AgentAction::off));
  EXPECT_TRUE(needs_target(AgentAction::status));
  EXPECT_FALSE(needs_target(AgentAction::list));
  EXPECT_FALSE(needs_target(AgentAction::monitor));
  EXPECT_FALSE(needs_target(AgentAction::metadata));
}

TEST(FvAgentMetadata, DeclaresPlugAndTheActionsPacemakerReads) {
  std::string x = agent_metadata_xml();
  EXPECT_NE(x.find("<resource-agent name=\"fence_halab_virt\""), std::string::npos);
  EXPECT_NE(x.find("<parameter name=\"plug\" unique=\"0\" required=\"1\" obsoletes=\"port\">"), std::string::npos);
  for (const char* a : {"on", "off", "reboot", "status", "monitor", "list", "list-status", "metadata", "validate-all"})
    EXPECT_NE(x.find(std::string("<action name=\"") + a + "\" />"), std::string::npos) << a;
}

// fence-agents' own RelaxNG schema for agent metadata (what their test-suite validates).
TEST(FvAgentMetadata, ValidatesAgainstFenceAgentsSchema) {
  const char* rng = "/usr/share/cluster/relaxng/metadata.rng";
  if (std::FILE* f = std::fopen(rng, "r")) std::fclose(f);
  else GTEST_SKIP() << rng << " not installed (fence-agents)";
  if (std::system("command -v xmllint >/dev/null 2>&1") != 0) GTEST_SKIP() << "xmllint not installed";
  std::string path = ::testing::TempDir() + "/fence_halab_virt-metadata.xml";
  std::ofstream(path) << agent_metadata_xml();
  int rc = std::system(("xmllint --noout --relaxng " + std::string(rng) + " " + path + " 2>/dev/null").c_str());
  EXPECT_EQ(rc, 0) << "metadata does not validate against " << rng;
}

}  // namespace
}  // namespace halab::fv
