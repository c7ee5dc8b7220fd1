#include <gtest/gtest.h>

#include <algorithm>

#include "fence-virt/daemon/config.hpp"

namespace halab::fv {
namespace {

bool load(const std::string& text, DaemonConfig& cfg, ConfError& err) {
  ConfNode root;
  if (!parse_conf_text(text, "test.conf", root, err)) return false;
  return daemon_config_from_tree(root, "test.conf", cfg, err);
}

TEST(FvConfig, ReadsTheFenceVirtConfFormat) {
  const std::string text = R"(# a comment
fence_virtd {
	listener = "multicast";
	backend = "libvirt";
	module_path = "/usr/lib/x86_64-linux-gnu/fence-virt";
}

listeners {
	multicast {
		key_file = "/etc/cluster/fence_xvm.key";
		address = "225.0.0.13";
		port = "1230";
		interface = "virbr0";
		family = "ipv4";
		hash = "sha512";
		auth = "sha1";
	}
	tcp { port = "9"; }
}

backends {
	libvirt {
		uri = "qemu:///system";
		uri1 = "test:///default";
	}
}
)";
  DaemonConfig cfg;
  ConfError err;
  ASSERT_TRUE(load(text, cfg, err)) << err.text();
  EXPECT_EQ(cfg.listener.kind, ListenerKind::multicast);
  EXPECT_EQ(cfg.listener.address, "225.0.0.13");
  EXPECT_EQ(cfg.listener.port, 1230);
  EXPECT_EQ(cfg.listener.interface, "virbr0");
  EXPECT_EQ(cfg.listener.hash, HashType::sha512);
  EXPECT_EQ(cfg.listener.auth, HashType::sha1);
  EXPECT_EQ(cfg.module_path, "/usr/lib/x86_64-linux-gnu/fence-virt");
  ASSERT_EQ(cfg.uris.size(), 2u);
  EXPECT_EQ(cfg.uris[1], "test:///default");
  EXPECT_TRUE(cfg.warnings.empty());
}

TEST(FvConfig, DefaultsFollowListenerAndFamily) {
  DaemonConfig cfg;
  ConfError err;
  ASSERT_TRUE(load("fence_virtd { listener = tcp; }", cfg, err)) << err.text();
  EXPECT_EQ(cfg.listener.address, "127.0.0.1");
  EXPECT_EQ(cfg.listener.port, 1229);
  EXPECT_EQ(cfg.listener.hash, HashType::sha256);
  EXPECT_EQ(cfg.uris, std::vector<std::string>{"qemu:///system"});
  DaemonConfig v6;
  ASSERT_TRUE(load("fence_virtd {} listeners { multicast { family = \"ipv6\"; } }", v6, err)) << err.text();
  EXPECT_EQ(v6.listener.address, "ff05::3:1");
}

TEST(FvConfig, ErrorsNameFileLineAndKey) {
  struct Case { const char* text; int line; const char* needle; };
  const Case cases[] = {
      {"fence_virtd {\n listener = \"multicast\"\n}\n", 3, "expected ';'"},
      {"fence_virtd {\n listener = \"multicast;\n}\n", 2, "unterminated string"},
      {"fence_virtd {\n listener = \"serial\";\n}\n", 2, "'serial' is not supported"},
      {"fence_virtd {\n listener = \"carrier-pigeon\";\n}\n", 2, "unknown listener"},
      {"fence_virtd {\n backend = \"cpg\";\n}\n", 2, "'cpg' is not supported"},
      {"fence_virtd {}\nlisteners {\n multicast {\n  port = \"70000\";\n }\n}\n", 4, "port: '70000'"},
      {"fence_virtd {}\nlisteners {\n multicast {\n  hash = \"md5\";\n }\n}\n", 4, "unknown hash 'md5'"},
      {"fence_virtd {}\nlisteners {\n multicast {\n  family = \"ipx\";\n }\n}\n", 4, "family"},
      {"fence_virtd {\n listener = \"tcp\";\n", 3, "missing '}'"},
      {"}\n", 1, "unexpected '}'"},
      {"listeners {}\n", 1, "no 'fence_virtd"},
      {"fence_virtd {\n debug = \"lots\";\n}\n", 2, "debug"},
      {"fence_virtd {\n listener { }\n}\n", 2, "must be a value"},
      {"fence_virtd {\n $ = 1;\n}\n", 2, "unexpected character"},
  };
  for (const auto& c : cases) {
    DaemonConfig cfg;
    ConfError err;
    EXPECT_FALSE(load(c.text, cfg, err)) << c.text;
    EXPECT_EQ(err.line, c.line) << c.text << " -> " << err.text();
    EXPECT_NE(err.text().find(c.needle), std::string::npos) << err.text();
    EXPECT_EQ(err.text().rfind("test.conf:", 0), 0u) << err.text();
  }
}

TEST(FvConfig, UnknownKeysAreWarningsWithLines) {
  DaemonConfig cfg;
  ConfError err;
  ASSERT_TRUE(load("fence_virtd {\n colour = \"blue\";\n}\nextra { }\n", cfg, err)) << err.text();
  ASSERT_EQ(cfg.warnings.size(), 2u);
  EXPECT_NE(cfg.warnings[0].find("test.conf:2: unknown key 'fence_virtd/colour'"), std::string::npos) << cfg.warnings[0];
  EXPECT_NE(cfg.warnings[1].find("test.conf:4:"), std::string::npos);
}

TEST(FvConfig, DeepNestingIsAnErrorNotACrash) {
  std::string text = "fence_virtd {}\n";
  for (int i = 0; i < 100000; ++i) text += "a {";
  DaemonConfig cfg;
  ConfError err;
  EXPECT_FALSE(load(text, cfg, err));
  EXPECT_NE(err.message.find("nested too deeply"), std::string::npos);
}

}  // namespace
}  // namespace halab::fv

namespace halab::fv {
namespace {

TEST(FvConfig, GroupsBecomeStaticMaps) {
  DaemonConfig cfg;
  ConfError err;
  ASSERT_TRUE(load("fence_virtd {}\ngroups {\n group {\n  name = \"web\";\n  ip = \"10.0.0.1\";\n  ip = \"10.0.0.2\";\n"
                   "  uuid = \"web1\";\n  uuid = \"AAAAAAAA-0000-0000-0000-000000000001\";\n }\n group {\n  name = \"empty\";\n }\n}\n",
                   cfg, err))
      << err.text();
  ASSERT_EQ(cfg.groups.size(), 2u);
  EXPECT_EQ(cfg.groups[0].sources, (std::vector<std::string>{"10.0.0.1", "10.0.0.2"}));
  EXPECT_EQ(cfg.groups[0].targets.size(), 2u);
  ASSERT_EQ(cfg.warnings.size(), 1u);
  EXPECT_NE(cfg.warnings[0].find("test.conf:10: group 'empty'"), std::string::npos) << cfg.warnings[0];
}

TEST(FvStaticMap, NeedsSourceAndTargetInOneGroup) {
  StaticMap none;
  EXPECT_TRUE(none.allowed("1.2.3.4", {"anything"})) << "no groups: everything allowed";
  StaticMap m({StaticGroup{"web", {"10.0.0.1", "3"}, {"web1", "aaaaaaaa-0000-0000-0000-000000000001"}, 1},
               StaticGroup{"db", {"10.0.0.2"}, {"db1"}, 2}});
  EXPECT_TRUE(m.allowed("10.0.0.1", {"web1"}));
  EXPECT_TRUE(m.allowed("10.0.0.1", {"AAAAAAAA-0000-0000-0000-000000000001"})) << "UUIDs compare case-insensitively";
  EXPECT_TRUE(m.allowed("10.0.0.1", {"WEB1"})) << "fence_virtd compares ignoring case";
  EXPECT_TRUE(m.allowed("10.0.0.1", {"web2", "aaaaaaaa-0000-0000-0000-000000000001"}))
      << "list: name or UUID may match";
  EXPECT_FALSE(m.allowed("10.0.0.1", {"db1"})) << "target in another group";
  EXPECT_FALSE(m.allowed("10.0.0.2", {"web1"}));
  EXPECT_FALSE(m.allowed("10.0.0.9", {"web1"})) << "unknown requester";
  EXPECT_TRUE(m.allowed("cid:3", {"web1"})) << "vsock requesters are CIDs";
  EXPECT_FALSE(m.allowed("10.0.0.1", {""}));
}

}  // namespace
}  // namespace halab::fv

#include <rapidcheck/gtest.h>

#include "fence-virt/agent/options.hpp"

namespace halab::fv {
namespace {

// Any text: the parsers answer (ok or an error with a line inside the text), never crash.
RC_GTEST_PROP(FvConfigProperty, AnyTextParsesOrFailsWithALine, ()) {
  auto alphabet = rc::gen::element<char>('{', '}', '=', ';', '"', '#', '\n', ' ', 'a', 'b', '1', '\\', '\t');
  std::string text = *rc::gen::container<std::string>(alphabet);
  ConfNode root;
  ConfError err;
  if (!parse_conf_text(text, "p.conf", root, err)) {
    int lines = 1 + static_cast<int>(std::count(text.begin(), text.end(), '\n'));
    RC_ASSERT(err.line >= 1 && err.line <= lines);
    RC_ASSERT(!err.message.empty());
  } else {
    DaemonConfig cfg;
    daemon_config_from_tree(root, "p.conf", cfg, err);
  }
}

RC_GTEST_PROP(FvAgentOptionsProperty, AnyStdinParsesOrFailsWithAMessage, ()) {
  auto alphabet = rc::gen::element<char>('=', '\n', '#', ' ', 'a', 'c', 't', 'i', 'o', 'n', 'p', 'l', 'u', 'g', '1', '0', '\r');
  std::string text = *rc::gen::container<std::string>(alphabet);
  AgentOptions o;
  auto r = parse_stdin_text(text, o);
  RC_ASSERT(r.ok || !r.error.empty());
  RC_ASSERT(domain_fits(o.domain));
}

}  // namespace
}  // namespace halab::fv
