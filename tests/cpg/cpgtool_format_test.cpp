// corosync-cpgtool's layouts and options, from a group list.
#include "stack/cpg/cpgtool_format.hpp"

#include <gtest/gtest.h>

using namespace halab::cpg;

namespace {
std::vector<GroupInfo> sample() {
  return {{"crmd", {{1, 2515}, {2, 2471}}}, {"a\\b\x01", {{3, 7}}}};
}
std::string addrs(NodeId n) { return "192.168.100." + std::to_string(10 + n); }
}  // namespace

TEST(CpgtoolFormat, ColumnsAsCorosyncPrintsThem) {
  const auto out = format_cpgtool(sample(), {}, addrs);
  EXPECT_EQ(out,
            "Group Name\t       PID\t   Node ID\n"
            "crmd\n"
            "\t\t      2515\t         1 (192.168.100.11)\n"
            "\t\t      2471\t         2 (192.168.100.12)\n"
            "a\\\\b\\x01\n"
            "\t\t         7\t         3 (192.168.100.13)\n");
  // Without addresses the parentheses stay, empty (corosync: no address known).
  EXPECT_NE(format_cpgtool(sample(), {}).find("         1 ()\n"), std::string::npos);
}

TEST(CpgtoolFormat, DelimitedNamesOnlyAndRaw) {
  CpgtoolOptions o;
  o.delimiter = ',';
  EXPECT_EQ(format_cpgtool(sample(), o), "GRP_NAME,PID,NODEID\ncrmd,2515,1\ncrmd,2471,2\na\\\\b\\x01,7,3\n");
  o.names_only = true;
  EXPECT_EQ(format_cpgtool(sample(), o), "crmd,a\\\\b\\x01,\n");
  o.delimiter = 0;
  EXPECT_EQ(format_cpgtool(sample(), o), "crmd\na\\\\b\\x01\n");
  o.escape = false;
  EXPECT_EQ(format_cpgtool(sample(), o), "crmd\na\\b\x01\n");
  EXPECT_EQ(cpgtool_group_name("\xff", true), "\\xFF");
  EXPECT_EQ(format_cpgtool({}, {}), "Group Name\t       PID\t   Node ID\n");
  o.names_only = true;
  EXPECT_EQ(format_cpgtool({}, o), "");
}

TEST(CpgtoolFormat, OptionsParseAsGetopt) {
  auto a = parse_cpgtool_args({"-e", "-d", ";", "-n"});
  ASSERT_TRUE(a.ok()) << a.error;
  EXPECT_FALSE(a.options.escape);
  EXPECT_EQ(a.options.delimiter, ';');
  EXPECT_TRUE(a.options.names_only);
  a = parse_cpgtool_args({"-ned,x"});  // clustered, the rest of the word is -d's argument; its first char counts
  ASSERT_TRUE(a.ok());
  EXPECT_TRUE(a.options.names_only);
  EXPECT_FALSE(a.options.escape);
  EXPECT_EQ(a.options.delimiter, ',');
  EXPECT_EQ(parse_cpgtool_args({"-d", ""}).options.delimiter, 0);
  EXPECT_TRUE(parse_cpgtool_args({"-h"}).options.help);
  EXPECT_EQ(parse_cpgtool_args({"-x"}).error, "invalid option -- 'x'");
  EXPECT_EQ(parse_cpgtool_args({"-d"}).error, "option requires an argument -- 'd'");
  EXPECT_NE(cpgtool_usage("halab cpgtool").find("halab cpgtool [-d delimiter] [-e] [-n] [-h]"), std::string::npos);
}
