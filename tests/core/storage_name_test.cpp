#include <gtest/gtest.h>

#include "stack/core/error.hpp"
#include "stack/core/storage.hpp"

using namespace halab::core;

TEST(StorageName, AcceptsRelativePaths) {
  EXPECT_TRUE(valid_storage_name("cib.xml"));
  EXPECT_TRUE(valid_storage_name("cib/cib-12.raw"));
  EXPECT_TRUE(valid_storage_name("ringid_1"));
}

TEST(StorageName, RejectsEscapes) {
  for (const char* bad : {"", "/etc/passwd", "../x", "a/../b", "a//b", "a/", "./a", "a b", "a\nb"})
    EXPECT_FALSE(valid_storage_name(bad)) << bad;
  EXPECT_THROW(check_storage_name("../x"), Error);
}
