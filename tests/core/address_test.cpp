#include <gtest/gtest.h>

#include "stack/core/address.hpp"

using namespace halab::core;

TEST(Ipv4, ParsesAndFormats) {
  auto a = Ipv4::parse("192.168.1.20");
  ASSERT_TRUE(a);
  EXPECT_EQ(a->value, 0xC0A80114u);
  EXPECT_EQ(a->to_string(), "192.168.1.20");
  EXPECT_TRUE(Ipv4::parse("239.255.1.1")->is_multicast());
  EXPECT_FALSE(Ipv4::parse("10.0.0.1")->is_multicast());
}

TEST(Ipv4, RejectsMalformed) {
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1..2.3", "a.b.c.d", "1.2.3.4 ", "-1.2.3.4"})
    EXPECT_FALSE(Ipv4::parse(bad)) << bad;
}

TEST(Subnet, ContainsAndBroadcast) {
  auto s = Subnet::parse("192.168.1.0/24");
  ASSERT_TRUE(s);
  EXPECT_TRUE(s->contains(*Ipv4::parse("192.168.1.77")));
  EXPECT_FALSE(s->contains(*Ipv4::parse("192.168.2.1")));
  EXPECT_EQ(s->broadcast().to_string(), "192.168.1.255");
  EXPECT_FALSE(Subnet::parse("10.0.0.0/33"));
}

TEST(Endpoint, ParsesAndFormats) {
  auto e = Endpoint::parse("10.0.0.1:5405");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->port, 5405);
  EXPECT_EQ(e->to_string(), "10.0.0.1:5405");
  EXPECT_FALSE(Endpoint::parse("10.0.0.1:70000"));
  EXPECT_FALSE(Endpoint::parse("10.0.0.1"));
  EXPECT_FALSE(Endpoint::parse("10.0.0.1:"));
}
