// Durable writes must fsync the file before the rename and the directory
// after it; Sync::none must not sync at all. This binary replaces fsync()
// (the library is linked statically, so its calls land here) to record
// which file each call synced.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "stack/core/real/file_storage.hpp"
#include "tests/core/real/test_util.hpp"

namespace {
std::vector<std::string> g_synced;  // what each fsync() call referred to, in order
}

extern "C" int fsync(int fd) {
  char path[4096];
  const std::string link = "/proc/self/fd/" + std::to_string(fd);
  const ssize_t n = ::readlink(link.c_str(), path, sizeof path - 1);
  g_synced.push_back(n > 0 ? std::string(path, static_cast<std::size_t>(n)) : "?");
  using Fn = int (*)(int);
  static Fn real = reinterpret_cast<Fn>(::dlsym(RTLD_NEXT, "fsync"));
  return real ? real(fd) : 0;
}

namespace halab::core::real {
namespace {

using testing::slurp;
using testing::TempDir;

TEST(FileStorageSync, DurableWriteSyncsTheTempFileThenTheDirectory) {
  TempDir dir;
  FileStorage s(dir.path());
  const std::string root = std::filesystem::canonical(dir.path()).string();
  g_synced.clear();
  s.write("cib.xml", "<cib/>", Sync::durable);
  ASSERT_EQ(g_synced.size(), 2u);
  // The data reaches the disk under the temporary name, before the rename.
  EXPECT_EQ(g_synced[0].rfind(root + "/#tmp.", 0), 0u) << g_synced[0];
  EXPECT_EQ(g_synced[1], root);
  EXPECT_EQ(slurp(dir / "cib.xml"), "<cib/>");
}

TEST(FileStorageSync, DurableWriteIntoNewSubdirectoriesSyncsTheirParents) {
  TempDir dir;
  FileStorage s(dir.path());
  const std::string root = std::filesystem::canonical(dir.path()).string();
  g_synced.clear();
  s.write("a/b/f", "x", Sync::durable);
  // New a (entry in root), new b (entry in a), the data, then b's entry for f.
  ASSERT_EQ(g_synced.size(), 4u);
  EXPECT_EQ(g_synced[0], root);
  EXPECT_EQ(g_synced[1], root + "/a");
  EXPECT_EQ(g_synced[2].rfind(root + "/a/b/#tmp.", 0), 0u) << g_synced[2];
  EXPECT_EQ(g_synced[3], root + "/a/b");
  g_synced.clear();
  s.write("a/b/f", "y", Sync::durable);  // directories exist now
  ASSERT_EQ(g_synced.size(), 2u);
  EXPECT_EQ(g_synced[1], root + "/a/b");
}

TEST(FileStorageSync, DurableRemoveSyncsTheDirectory) {
  TempDir dir;
  FileStorage s(dir.path());
  const std::string root = std::filesystem::canonical(dir.path()).string();
  s.write("sub/f", "x", Sync::none);
  g_synced.clear();
  EXPECT_TRUE(s.remove("sub/f", Sync::durable));
  EXPECT_EQ(g_synced, std::vector<std::string>{root + "/sub"});
}

TEST(FileStorageSync, UnsyncedChangesSyncNothingButNewDirectories) {
  TempDir dir;
  FileStorage s(dir.path());
  const std::string root = std::filesystem::canonical(dir.path()).string();
  g_synced.clear();
  s.write("x/y", "1", Sync::none);  // creates x: its entry in the root is synced
  EXPECT_EQ(g_synced, std::vector<std::string>{root});
  g_synced.clear();
  s.write("x/y", "2", Sync::none);
  s.write("z", "3", Sync::none);
  EXPECT_TRUE(s.remove("x/y", Sync::none));
  EXPECT_EQ(g_synced, std::vector<std::string>{});
}

}  // namespace
}  // namespace halab::core::real
