#include <gtest/gtest.h>

#include "stack/core/time.hpp"

using namespace halab::core;

TEST(Duration, Parses) {
  Duration d;
  ASSERT_TRUE(parse_duration("1000", d));
  EXPECT_EQ(d, 1000ms);
  ASSERT_TRUE(parse_duration("1.5s", d));
  EXPECT_EQ(d, 1500ms);
  ASSERT_TRUE(parse_duration("30d", d));
  EXPECT_EQ(d, std::chrono::hours(720));
  ASSERT_TRUE(parse_duration("250us", d));
  EXPECT_EQ(d, 250us);
  EXPECT_FALSE(parse_duration("", d));
  EXPECT_FALSE(parse_duration("5 parsecs", d));
  EXPECT_FALSE(parse_duration("-3s", d));
  EXPECT_FALSE(parse_duration("s", d));
}

TEST(Duration, Formats) {
  EXPECT_EQ(format_duration(15ms), "15ms");
  EXPECT_EQ(format_duration(1250ms), "1.250s");
  EXPECT_EQ(format_duration(std::chrono::minutes(125)), "2h05m");
  EXPECT_EQ(format_duration(std::chrono::hours(50)), "2d02h");
}
