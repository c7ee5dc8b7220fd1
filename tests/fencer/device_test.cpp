// Fence device attributes and list parsing.
#include <gtest/gtest.h>

#include "stack/fencer/device.hpp"

namespace halab::fencer {
namespace {

using namespace std::chrono_literals;

TEST(FenceDevice, PacemakerAttributes) {
  std::string error;
  auto d = device_from_params("ipmi", "fence_ipmilan",
                              {{"ip", "10.0.0.9"},
                               {"username", "admin"},
                               {"pcmk_host_map", "n1:1;n2:2 n3=x"},
                               {"pcmk_reboot_action", "off"},
                               {"pcmk_off_timeout", "90s"},
                               {"pcmk_off_retries", "5"},
                               {"pcmk_host_argument", "plug"},
                               {"pcmk_delay_base", "2"},
                               {"priority", "10"}},
                              error);
  ASSERT_FALSE(d) << "n3=x is not node:port";
  EXPECT_EQ(error, "fence device ipmi: pcmk_host_map: entry 'n3=x' is not node:port");
  d = device_from_params("ipmi", "fence_ipmilan",
                         {{"ip", "10.0.0.9"},
                          {"pcmk_host_map", "n1:1;n2:2"},
                          {"pcmk_reboot_action", "off"},
                          {"pcmk_off_timeout", "90s"},
                          {"pcmk_off_retries", "5"},
                          {"pcmk_host_argument", "plug"},
                          {"pcmk_delay_base", "2"},
                          {"priority", "10"}},
                         error);
  ASSERT_TRUE(d) << error;
  EXPECT_EQ(d->params, (std::map<std::string, std::string>{{"ip", "10.0.0.9"}}));
  EXPECT_EQ(d->host_check, HostCheck::static_list);
  EXPECT_EQ(d->port_for("n2"), "2");
  EXPECT_EQ(d->port_for("n5"), "n5");
  EXPECT_EQ(d->agent_action("reboot"), "off");
  EXPECT_EQ(d->agent_action("on"), "on");
  EXPECT_EQ(d->timeout("off"), 90s);
  EXPECT_EQ(d->timeout("on"), 60s);
  EXPECT_EQ(d->retry_count("off"), 5);
  EXPECT_EQ(d->retry_count("on"), 2);
  EXPECT_EQ(d->host_argument, "plug");
  EXPECT_EQ(d->delay, 2s);
  EXPECT_EQ(d->priority, 10);

  auto dyn = device_from_params("x", "fence_xvm", {}, error);
  ASSERT_TRUE(dyn);
  EXPECT_EQ(dyn->host_check, HostCheck::dynamic_list);

  EXPECT_FALSE(device_from_params("x", "fence_x", {{"pcmk_host_check", "maybe"}}, error));
  EXPECT_NE(error.find("pcmk_host_check: 'maybe'"), std::string::npos);
  EXPECT_FALSE(device_from_params("x", "fence_x", {{"pcmk_off_timeout", "soon"}}, error));
  EXPECT_FALSE(device_from_params("x", "fence_x", {{"pcmk_off_retries", "-1"}}, error));
  EXPECT_FALSE(device_from_params("x", "../bin/sh", {}, error));
}

TEST(FenceDevice, ListOutput) {
  EXPECT_EQ(parse_list_output("n1,\nn2,node-two\r\n\nplug3\n"),
            (std::vector<std::string>{"n1", "n2", "node-two", "plug3"}));
  EXPECT_TRUE(parse_list_output("").empty());
  // fence_xvm / fence_halab_virt: "domain uuid state", padded
  EXPECT_EQ(parse_list_output("vm1                              0f6b-11 on\nvm2                              77aa-2 off\n"),
            (std::vector<std::string>{"vm1", "0f6b-11", "vm2", "77aa-2"}));
  EXPECT_EQ(split_list("a, b;c  d"), (std::vector<std::string>{"a", "b", "c", "d"}));
}

}  // namespace
}  // namespace halab::fencer
