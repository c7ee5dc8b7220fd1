#include "stack/core/real/syslog_sink.hpp"

#include <gtest/gtest.h>
#include <syslog.h>

namespace halab::core::real {
namespace {

TEST(SyslogSink, LevelsMapToSyslogPriorities) {
  EXPECT_EQ(SyslogSink::priority(Level::crit), LOG_CRIT);
  EXPECT_EQ(SyslogSink::priority(Level::error), LOG_ERR);
  EXPECT_EQ(SyslogSink::priority(Level::warning), LOG_WARNING);
  EXPECT_EQ(SyslogSink::priority(Level::notice), LOG_NOTICE);
  EXPECT_EQ(SyslogSink::priority(Level::info), LOG_INFO);
  EXPECT_EQ(SyslogSink::priority(Level::debug), LOG_DEBUG);
  EXPECT_EQ(SyslogSink::priority(Level::trace), LOG_DEBUG);
}

TEST(SyslogSink, FacilitiesByCorosyncName) {
  int f = -1;
  EXPECT_TRUE(SyslogSink::parse_facility("daemon", f));
  EXPECT_EQ(f, LOG_DAEMON);
  EXPECT_TRUE(SyslogSink::parse_facility("local5", f));
  EXPECT_EQ(f, LOG_LOCAL5);
  EXPECT_FALSE(SyslogSink::parse_facility("local8", f));
  EXPECT_FALSE(SyslogSink::parse_facility("", f));
}

}  // namespace
}  // namespace halab::core::real
