#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "stack/cib/cib.hpp"
#include "stack/cib/schema.hpp"
#include "stack/core/error.hpp"

using namespace halab;
using namespace halab::cib;

namespace {
std::string shared_dir() {
  if (const char* d = std::getenv("HALAB_SHARED_DIR")) return d;
  return std::string(HALAB_SOURCE_DIR) + "/../shared";
}
std::string read_file(const std::string& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}
}  // namespace

TEST(Cib, EmptyIsWhatCibadminWrites) {
  EXPECT_EQ(Cib::empty().to_xml(),
            "<cib crm_feature_set=\"3.16.1\" validate-with=\"pacemaker-3.9\" epoch=\"1\" num_updates=\"0\" "
            "admin_epoch=\"0\">\n  <configuration>\n    <crm_config/>\n    <nodes/>\n    <resources/>\n    "
            "<constraints/>\n  </configuration>\n  <status/>\n</cib>\n");
}

TEST(Cib, SerializeRoundTripsTheSeedByteForByte) {
  std::string text = read_file(shared_dir() + "/crmsh-oracle/seed-example.xml");
  ASSERT_FALSE(text.empty());
  while (text.size() > 1 && text[text.size() - 2] == '\n') text.pop_back();  // the oracle adds a blank line
  Cib cib = Cib::parse(text, "seed-example.xml");
  EXPECT_EQ(cib.to_xml(), text);
  EXPECT_EQ(cib.version(), (Version{0, 20, 0}));
}

TEST(Cib, MalformedXmlNamesTheLine) {
  try {
    Cib::parse("<cib>\n<configuration>\n<crm_config>\n</configuration></cib>", "bad.xml");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("bad.xml:4"), std::string::npos) << e.what();
  }
}

TEST(Cib, MissingSectionIsNamed) {
  try {
    Cib::parse("<cib epoch=\"1\">\n<configuration><nodes/></configuration></cib>", "x.xml");
    FAIL();
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("crm_config"), std::string::npos) << e.what();
  }
}

TEST(Cib, VersionOrderAndBumps) {
  EXPECT_LT((Version{0, 5, 9}), (Version{0, 6, 0}));
  EXPECT_LT((Version{0, 99, 99}), (Version{1, 0, 0}));
  EXPECT_LT((Version{1, 2, 3}), (Version{1, 2, 4}));
  Cib c = Cib::empty();
  c.bump_num_updates();
  c.bump_num_updates();
  EXPECT_EQ(c.version(), (Version{0, 1, 2}));
  c.bump_epoch();
  EXPECT_EQ(c.version(), (Version{0, 2, 0}));
  EXPECT_EQ(c.version().str(), "0.2.0");
}

TEST(Cib, BadVersionAttributeIsAnError) {
  EXPECT_THROW(Cib::parse("<cib epoch=\"x1\"><configuration><crm_config/><nodes/><resources/><constraints/>"
                          "</configuration></cib>",
                          "v.xml"),
               core::Error);
}

TEST(Cib, EnsureSectionKeepsPacemakerOrder) {
  Cib c = Cib::empty();
  c.ensure_section("op_defaults");
  c.ensure_section("tags");
  c.ensure_section("rsc_defaults");
  std::vector<std::string> names;
  for (auto* n : children(c.configuration())) names.emplace_back(name_of(n));
  EXPECT_EQ(names, (std::vector<std::string>{"crm_config", "nodes", "resources", "constraints", "tags",
                                             "rsc_defaults", "op_defaults"}));
}

TEST(Cib, EscapingFollowsPacemaker) {
  Cib c = Cib::empty();
  set_attr(c.root(), "x", "a<b>&\"c'\n");
  EXPECT_NE(c.to_xml().find("x=\"a&lt;b&gt;&amp;&quot;c&apos;&#10;\""), std::string::npos);
  Cib back = Cib::parse(c.to_xml(), "esc");
  EXPECT_EQ(attr_or(back.root(), "x", ""), "a<b>&\"c'\n");
}

TEST(Schema, SeedValidates) {
  SchemaValidator v;
  Cib cib = Cib::parse(read_file(shared_dir() + "/crmsh-oracle/seed-example.xml"), "seed");
  EXPECT_TRUE(v.validate(cib).empty());
}

TEST(Schema, FailureNamesElementAndLine) {
  SchemaValidator v;
  const std::string text =
      "<cib validate-with=\"pacemaker-3.9\" epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\">\n"
      "  <configuration>\n    <crm_config/>\n    <nodes/>\n    <resources>\n"
      "      <primitive id=\"p\" class=\"ocf\" type=\"Dummy\" bogus=\"1\"/>\n"
      "    </resources>\n    <constraints/>\n  </configuration>\n  <status/>\n</cib>\n";
  Cib cib = Cib::parse(text, "s.xml");
  auto errs = v.validate(cib);
  ASSERT_FALSE(errs.empty());
  bool named = false;
  for (auto& e : errs)
    if (e.element == "primitive" && e.line == 6) named = true;
  EXPECT_TRUE(named) << errs.front().str();
  EXPECT_THROW(v.check(cib), core::Error);
}

TEST(Schema, UnknownSchemaVersionIsAnError) {
  SchemaValidator v;
  Cib c = Cib::empty("pacemaker-9.99");
  EXPECT_THROW(v.validate(c), core::Error);
}

TEST(Digest, IsMd5OfUnformattedXml) {
  Cib c = Cib::empty();
  EXPECT_EQ(md5_hex(""), "d41d8cd98f00b204e9800998ecf8427e");
  EXPECT_EQ(c.digest(), md5_hex(serialize(c.doc(), false)));
  Cib d = c;
  d.bump_epoch();
  EXPECT_NE(c.digest(), d.digest());
}

// libxml2's error handlers are process-global: a host program's own handler
// must be back in place after our parses and validations (also after errors),
// and must not have seen our errors.
namespace {
int host_structured_calls = 0, host_generic_calls = 0;
void host_structured(void*, xmlErrorPtr) { ++host_structured_calls; }
void host_generic(void*, const char*, ...) { ++host_generic_calls; }
}  // namespace

TEST(Schema, LibxmlErrorHandlersOfTheHostAreRestored) {
  int ctx_s = 0, ctx_g = 0;
  xmlSetStructuredErrorFunc(&ctx_s, host_structured);
  xmlSetGenericErrorFunc(&ctx_g, host_generic);
  SchemaValidator v;
  EXPECT_THROW(Cib::parse("<cib><oops></cib>", "bad.xml"), core::Error);
  Cib bad = Cib::parse(
      "<cib validate-with=\"pacemaker-3.9\" epoch=\"1\" num_updates=\"0\" admin_epoch=\"0\"><configuration><crm_config/>"
      "<nodes/><resources><primitive id=\"p\" class=\"ocf\" type=\"Dummy\" bogus=\"1\"/><primitive id=\"p\" class=\"ocf\" "
      "type=\"Dummy\"/></resources><constraints/></configuration><status/></cib>",
      "b.xml");
  EXPECT_FALSE(v.validate(bad).empty());
  EXPECT_THROW(v.validate(Cib::empty("pacemaker-9.99")), core::Error);
  EXPECT_EQ(xmlStructuredError, reinterpret_cast<xmlStructuredErrorFunc>(host_structured));
  EXPECT_EQ(xmlStructuredErrorContext, &ctx_s);
  EXPECT_EQ(xmlGenericError, reinterpret_cast<xmlGenericErrorFunc>(host_generic));
  EXPECT_EQ(xmlGenericErrorContext, &ctx_g);
  EXPECT_EQ(host_structured_calls, 0);
  EXPECT_EQ(host_generic_calls, 0);
  xmlSetStructuredErrorFunc(nullptr, nullptr);
  xmlSetGenericErrorFunc(nullptr, nullptr);
}
