// daemon::FileSharedDisk: the quorum disk's slots on a real file, seen
// through two independent opens (as two hosts would), corrupted and short
// sectors, paths that cannot be used.
#include "stack/daemon/file_shared_disk.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "stack/core/error.hpp"

using namespace halab;
using daemon::FileSharedDisk;
using quorum::NodeId;
namespace fs = std::filesystem;

namespace {

class FileDisk : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("halab-fdisk-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    path_ = (dir_ / "qdisk").string();
    std::ofstream(path_).close();  // an empty file: every slot reads as never written
  }
  void TearDown() override { fs::remove_all(dir_); }
  // Overwrites bytes of the file behind the disk's back.
  void poke(off_t at, const std::string& bytes) {
    const int fd = ::open(path_.c_str(), O_WRONLY);
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::pwrite(fd, bytes.data(), bytes.size(), at), ssize_t(bytes.size()));
    ::close(fd);
  }
  fs::path dir_;
  std::string path_;
};

core::Bytes slot_bytes(NodeId node, std::uint64_t seq, NodeId master) {
  return quorum::encode_slot(quorum::DiskSlot{node, seq, master});
}

TEST_F(FileDisk, SlotsRoundTripBetweenTwoIndependentOpens) {
  FileSharedDisk a(path_, {2, 1}), b(path_, {1, 2});
  EXPECT_EQ(a.slots(), (std::vector<NodeId>{1, 2}));
  EXPECT_FALSE(b.read_slot(1)) << "never written";
  ASSERT_FALSE(a.write_slot(1, slot_bytes(1, 7, 1)));
  ASSERT_FALSE(b.write_slot(2, slot_bytes(2, 3, 1)));
  auto one = b.read_slot(1);
  ASSERT_TRUE(one);
  auto s = quorum::decode_slot(*one);
  ASSERT_TRUE(s);
  EXPECT_EQ(s->node, 1u);
  EXPECT_EQ(s->seq, 7u);
  auto two = a.read_slot(2);
  ASSERT_TRUE(two);
  EXPECT_EQ(quorum::decode_slot(*two)->seq, 3u);
  // A newer write replaces the slot, and slot 2's sector is untouched.
  ASSERT_FALSE(a.write_slot(1, slot_bytes(1, 8, 1)));
  EXPECT_EQ(quorum::decode_slot(*b.read_slot(1))->seq, 8u);
  EXPECT_EQ(quorum::decode_slot(*b.read_slot(2))->seq, 3u);
  // One sector per node id, at id * sector.
  EXPECT_EQ(fs::file_size(path_), 3 * a.sector_size());
}

TEST_F(FileDisk, CorruptedOrShortSectorsReadAsNothing) {
  FileSharedDisk a(path_, {1, 2});
  ASSERT_FALSE(a.write_slot(1, slot_bytes(1, 1, 1)));
  ASSERT_FALSE(a.write_slot(2, slot_bytes(2, 1, 1)));
  ASSERT_TRUE(a.read_slot(1));
  poke(off_t(a.sector_size()) + 10, "\x5a");  // a payload byte of slot 1
  FileSharedDisk b(path_, {1, 2});
  EXPECT_FALSE(b.read_slot(1));
  EXPECT_FALSE(a.read_slot(1));
  ASSERT_TRUE(b.read_slot(2)) << "the neighbouring slot is intact";
  poke(off_t(2 * a.sector_size()) + 4, "\xff\xff");  // a length beyond the sector
  EXPECT_FALSE(b.read_slot(2));
  // A write repairs the slot; truncating the file mid-sector makes it short.
  ASSERT_FALSE(a.write_slot(2, slot_bytes(2, 2, 1)));
  ASSERT_TRUE(b.read_slot(2));
  fs::resize_file(path_, 2 * a.sector_size() + 100);
  EXPECT_FALSE(b.read_slot(2));
  EXPECT_FALSE(b.read_slot(9)) << "past the end";
}

TEST_F(FileDisk, PayloadLargerThanASectorIsRefused) {
  FileSharedDisk a(path_, {1});
  EXPECT_TRUE(a.write_slot(1, core::Bytes(a.max_payload() + 1, 1)));
  EXPECT_FALSE(a.write_slot(1, core::Bytes(a.max_payload(), 1)));
  EXPECT_EQ(a.read_slot(1)->size(), a.max_payload());
}

TEST_F(FileDisk, OnTmpfsWithoutODirectItStillRoundTrips) {
  if (!fs::is_directory("/dev/shm")) GTEST_SKIP() << "no /dev/shm (tmpfs) here";
  const std::string p = "/dev/shm/halab-fdisk-" + std::to_string(::getpid());
  std::ofstream(p).close();
  {
    FileSharedDisk a(p, {1}), b(p, {1});
    ASSERT_FALSE(a.write_slot(1, slot_bytes(1, 5, 1)));
    ASSERT_TRUE(b.read_slot(1));
    EXPECT_EQ(quorum::decode_slot(*b.read_slot(1))->seq, 5u);
  }
  fs::remove(p);
}

TEST_F(FileDisk, UnusablePathsAreClearErrors) {
  EXPECT_NE(FileSharedDisk::check_path(path_ + ".missing").find("No such file"), std::string::npos);
  EXPECT_NE(FileSharedDisk::check_path(dir_.string()).find("neither a file nor a block device"), std::string::npos);
  EXPECT_NE(FileSharedDisk::check_path("").find("no path"), std::string::npos);
  EXPECT_EQ(FileSharedDisk::check_path(path_), "");
  try {
    FileSharedDisk d(path_ + ".missing", {1});
    FAIL() << "opened a missing file";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find(path_ + ".missing"), std::string::npos) << e.what();
  }
  if (::geteuid() != 0) {
    fs::permissions(path_, fs::perms::owner_read);
    EXPECT_NE(FileSharedDisk::check_path(path_).find("read-write"), std::string::npos);
  }
}

// `losetup ARGS`'s first output line ("" on failure).
std::string losetup(const std::string& args) {
  FILE* p = ::popen(("losetup " + args + " 2>/dev/null").c_str(), "r");
  if (!p) return "";
  char buf[256] = {};
  std::string out = std::fgets(buf, sizeof buf, p) ? buf : "";
  ::pclose(p);
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

// Two loop devices over one backing file, with 4096-byte logical blocks:
// two block devices with page caches of their own, as two hosts see a
// shared LUN. A read through one sees a write through the other only
// because both bypass the page cache (O_DIRECT).
TEST_F(FileDisk, TwoBlockDevicesOverOneLunSeeEachOthersWritesIn4096ByteSectors) {
  if (::geteuid() != 0) GTEST_SKIP() << "loop devices need root";
  fs::resize_file(path_, 1 << 20);
  const std::string a_dev = losetup("-f --show --sector-size 4096 " + path_);
  if (a_dev.empty()) GTEST_SKIP() << "losetup cannot attach a loop device here";
  const std::string b_dev = losetup("-f --show --sector-size 4096 " + path_);
  struct Detach {
    std::string a, b;
    ~Detach() {
      losetup("-d " + a);
      if (!b.empty()) losetup("-d " + b);
    }
  } detach{a_dev, b_dev};
  ASSERT_FALSE(b_dev.empty());
  {
    FileSharedDisk a(a_dev, {1, 2}), b(b_dev, {1, 2});
    EXPECT_EQ(a.sector_size(), 4096u);
    EXPECT_TRUE(a.direct());
    EXPECT_FALSE(b.read_slot(1)) << "never written";  // a buffered reader would now cache the zeros
    ASSERT_FALSE(a.write_slot(1, slot_bytes(1, 42, 1)));
    auto seen = b.read_slot(1);
    ASSERT_TRUE(seen);
    EXPECT_EQ(quorum::decode_slot(*seen)->seq, 42u);
    ASSERT_FALSE(b.write_slot(2, slot_bytes(2, 9, 1)));
    EXPECT_EQ(quorum::decode_slot(*a.read_slot(2))->seq, 9u);
  }
  // 1 MiB holds slots 0..255 of 4096 bytes: node id 300 has no sector.
  try {
    FileSharedDisk d(a_dev, {1, 300});
    FAIL() << "accepted a device too small for node id 300";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("node id 300 needs 1232896"), std::string::npos) << e.what();
  }
}

}  // namespace
