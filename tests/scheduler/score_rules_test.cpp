// Scores with +/-INFINITY and rule evaluation.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>

#include "stack/scheduler/rules.hpp"
#include "stack/scheduler/score.hpp"

namespace halab::scheduler {

TEST(Score, InfinityArithmetic) {
  EXPECT_EQ(add_scores(kInfinity, -kInfinity), -kInfinity);  // -INF wins
  EXPECT_EQ(add_scores(-kInfinity, kInfinity), -kInfinity);
  EXPECT_EQ(add_scores(kInfinity, 5), kInfinity);
  EXPECT_EQ(add_scores(999999, 5), kInfinity);   // saturates
  EXPECT_EQ(add_scores(-999999, -5), -kInfinity);
  EXPECT_EQ(add_scores(100, -30), 70);
}

TEST(Score, Parse) {
  EXPECT_EQ(parse_score("INFINITY"), kInfinity);
  EXPECT_EQ(parse_score("+INFINITY"), kInfinity);
  EXPECT_EQ(parse_score("-INFINITY"), -kInfinity);
  EXPECT_EQ(parse_score("42"), 42);
  EXPECT_EQ(parse_score("2000000"), kInfinity);
  EXPECT_EQ(parse_score("-3000000"), -kInfinity);
  EXPECT_FALSE(parse_score("abc").has_value());
  EXPECT_EQ(score_to_string(-kInfinity), "-INFINITY");
  EXPECT_EQ(score_to_string(7), "7");
}

RC_GTEST_PROP(Score, AdditionStaysInRangeAndCommutes, (int a, int b)) {
  const int x = a % 3000000, y = b % 3000000;
  const int s = add_scores(x, y);
  RC_ASSERT(s >= -kInfinity);
  RC_ASSERT(s <= kInfinity);
  RC_ASSERT(s == add_scores(y, x));
}

namespace {
bool eval(const std::string& rule_xml, const Node* node, long long now = 0) {
  auto doc = XmlDocument::parse_string(rule_xml);
  RuleContext ctx;
  ctx.node = node;
  ctx.now = now;
  return evaluate_rule(doc.root(), ctx);
}
}  // namespace

TEST(Rules, NodeAttributeExpressions) {
  Node n;
  n.uname = "node1";
  n.attrs = {{"#uname", "node1"}, {"rack", "2"}, {"kind", "db"}};
  EXPECT_TRUE(eval(R"(<rule><expression attribute="#uname" operation="eq" value="node1"/></rule>)", &n));
  EXPECT_FALSE(eval(R"(<rule><expression attribute="#uname" operation="ne" value="node1"/></rule>)", &n));
  EXPECT_TRUE(eval(R"(<rule><expression attribute="rack" operation="gt" value="1" type="integer"/></rule>)", &n));
  EXPECT_TRUE(eval(R"(<rule><expression attribute="rack" operation="lt" value="10"/></rule>)", &n));  // numeric when both are
  EXPECT_TRUE(eval(R"(<rule><expression attribute="kind" operation="defined"/></rule>)", &n));
  EXPECT_TRUE(eval(R"(<rule><expression attribute="nope" operation="not_defined"/></rule>)", &n));
  EXPECT_FALSE(eval(R"(<rule boolean-op="and"><expression attribute="kind" operation="eq" value="db"/>
                       <expression attribute="rack" operation="eq" value="3"/></rule>)", &n));
  EXPECT_TRUE(eval(R"(<rule boolean-op="or"><expression attribute="kind" operation="eq" value="web"/>
                      <expression attribute="rack" operation="eq" value="2"/></rule>)", &n));
}

TEST(Rules, DatesAndIso8601) {
  EXPECT_EQ(parse_iso8601("1970-01-02"), 86400);
  EXPECT_EQ(parse_iso8601("1970-002"), 86400);  // ordinal date
  EXPECT_EQ(parse_iso8601("1970-01-01T01:00:00Z"), 3600);
  EXPECT_EQ(parse_iso8601("1970-01-01 02:00:00 +01:00"), 3600);
  EXPECT_FALSE(parse_iso8601("yesterday").has_value());
  const long long jan20 = *parse_iso8601("2005-01-20");
  EXPECT_TRUE(eval(R"(<rule><date_expression operation="gt" start="2005-01-01"/></rule>)", nullptr, jan20));
  EXPECT_FALSE(eval(R"(<rule><date_expression operation="lt" end="2005-01-01"/></rule>)", nullptr, jan20));
  EXPECT_TRUE(eval(R"(<rule><date_expression operation="in_range" start="2005-01-01" end="2005-02-01"/></rule>)",
                   nullptr, jan20));
  EXPECT_TRUE(eval(R"(<rule><date_expression operation="date_spec"><date_spec monthdays="15-25"/></date_expression></rule>)",
                   nullptr, jan20));
  EXPECT_FALSE(eval(R"(<rule><date_expression operation="date_spec"><date_spec months="2"/></date_expression></rule>)",
                    nullptr, jan20));
}

}  // namespace halab::scheduler
