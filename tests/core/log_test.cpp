#include <gtest/gtest.h>

#include "stack/core/log.hpp"

using namespace halab::core;

namespace {
struct FixedClock : Clock {
  Instant now() const override { return Instant(5s); }
  WallTime wall_now() const override { return WallTime(5s); }
  TimerId schedule(Duration, Callback) override { return 0; }
  void cancel(TimerId) override {}
};
}  // namespace

TEST(Logger, FiltersBySubsystemLevel) {
  FixedClock clock;
  Logger logger(clock, "node1");
  auto sink = std::make_shared<MemorySink>();
  logger.add_sink(sink);
  logger.set_level(Level::notice);
  logger.set_level("totem", Level::debug);
  Log totem(logger, "totem"), cib(logger, "cib");
  totem.debug("token {}", 7);
  cib.debug("hidden");
  cib.notice("epoch {}", 3);
  ASSERT_EQ(sink->lines.size(), 2u);
  EXPECT_EQ(sink->lines[0], "debug totem: token 7");
  EXPECT_EQ(sink->lines[1], "notice cib: epoch 3");
}

TEST(Level, Parses) {
  Level l;
  ASSERT_TRUE(parse_level("warning", l));
  EXPECT_EQ(l, Level::warning);
  ASSERT_TRUE(parse_level("err", l));
  EXPECT_EQ(l, Level::error);
  EXPECT_FALSE(parse_level("loud", l));
}
