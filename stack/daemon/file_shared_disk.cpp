#include "stack/daemon/file_shared_disk.hpp"

#include <fcntl.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "stack/core/assert.hpp"
#include "stack/core/error.hpp"

namespace halab::daemon {

namespace {

constexpr unsigned char kMagic[4] = {'H', 'Q', 'D', 'S'};
constexpr std::size_t kHeader = 4 + 2;   // magic, payload length
constexpr std::size_t kTrailer = 4;      // checksum over header and payload
constexpr std::size_t kAlign = 4096;     // buffer alignment O_DIRECT accepts everywhere

std::uint32_t fnv1a(const unsigned char* d, std::size_t n) {
  std::uint32_t h = 2166136261u;
  for (std::size_t i = 0; i < n; ++i) h = (h ^ d[i]) * 16777619u;
  return h;
}

std::error_code last_error() { return {errno, std::generic_category()}; }

}  // namespace

std::string FileSharedDisk::check_path(const std::string& path) {
  if (path.empty()) return "no path given (the shared disk's file or block device)";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "cannot use '" + path + "': " + std::strerror(errno);
  if (!S_ISREG(st.st_mode) && !S_ISBLK(st.st_mode)) return "'" + path + "' is neither a file nor a block device";
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return "cannot open '" + path + "' read-write: " + std::strerror(errno);
  ::close(fd);
  return "";
}

FileSharedDisk::FileSharedDisk(const std::string& path, std::vector<NodeId> nodes)
    : path_(path), nodes_(std::move(nodes)) {
  std::sort(nodes_.begin(), nodes_.end());
  nodes_.erase(std::unique(nodes_.begin(), nodes_.end()), nodes_.end());
  if (auto why = check_path(path_); !why.empty()) throw core::Error("quorum disk: " + why);
  // O_DIRECT first, so reads see other hosts' writes rather than this
  // host's page cache; file systems that refuse it (tmpfs: EINVAL) get
  // plain O_DSYNC I/O, which on a file every node shares locally is enough.
  fd_ = ::open(path_.c_str(), O_RDWR | O_DSYNC | O_DIRECT | O_CLOEXEC);
  direct_ = fd_ >= 0;
  if (fd_ < 0 && errno == EINVAL) fd_ = ::open(path_.c_str(), O_RDWR | O_DSYNC | O_CLOEXEC);
  if (fd_ < 0) throw core::Error("quorum disk: cannot open '" + path_ + "'", last_error());
  struct stat st {};
  ::fstat(fd_, &st);
  if (S_ISBLK(st.st_mode)) {
    int lbs = 0;
    if (::ioctl(fd_, BLKSSZGET, &lbs) == 0 && lbs > 512) sector_ = std::size_t(lbs);
    std::uint64_t bytes = 0;
    if (::ioctl(fd_, BLKGETSIZE64, &bytes) == 0 && !nodes_.empty() &&
        (std::uint64_t(nodes_.back()) + 1) * sector_ > bytes) {
      ::close(fd_);
      throw core::Error("quorum disk: '" + path_ + "' has " + std::to_string(bytes) + " bytes, node id " +
                        std::to_string(nodes_.back()) + " needs " +
                        std::to_string((std::uint64_t(nodes_.back()) + 1) * sector_) + " (one " +
                        std::to_string(sector_) + "-byte sector per node id)");
    }
  }
  buf_ = static_cast<unsigned char*>(std::aligned_alloc(kAlign, std::max(kAlign, sector_)));
  HALAB_ASSERT(buf_ != nullptr);
  // Probe: some file systems accept O_DIRECT at open and refuse the I/O.
  if (direct_ && ::pread(fd_, buf_, sector_, 0) < 0 && errno == EINVAL) reopen_buffered();
}

FileSharedDisk::~FileSharedDisk() {
  if (fd_ >= 0) ::close(fd_);
  std::free(buf_);
}

void FileSharedDisk::reopen_buffered() {
  const int fd = ::open(path_.c_str(), O_RDWR | O_DSYNC | O_CLOEXEC);
  if (fd < 0) return;  // keep the direct one; its I/O errors withdraw the vote
  ::close(fd_);
  fd_ = fd;
  direct_ = false;
}

std::size_t FileSharedDisk::max_payload() const { return std::min<std::size_t>(sector_ - kHeader - kTrailer, 0xffff); }

std::error_code FileSharedDisk::write_slot(NodeId slot, core::ByteView data) {
  if (data.size() > max_payload()) return std::make_error_code(std::errc::message_size);
  std::memset(buf_, 0, sector_);
  std::memcpy(buf_, kMagic, 4);
  buf_[4] = static_cast<unsigned char>(data.size() >> 8);
  buf_[5] = static_cast<unsigned char>(data.size());
  if (!data.empty()) std::memcpy(buf_ + kHeader, data.data(), data.size());
  const std::uint32_t sum = fnv1a(buf_, kHeader + data.size());
  for (int i = 0; i < 4; ++i) buf_[kHeader + data.size() + i] = static_cast<unsigned char>(sum >> (24 - 8 * i));
  const off_t at = off_t(slot) * off_t(sector_);
  ssize_t n = ::pwrite(fd_, buf_, sector_, at);
  if (n < 0 && errno == EINVAL && direct_) {
    reopen_buffered();
    n = ::pwrite(fd_, buf_, sector_, at);
  }
  if (n < 0) return last_error();
  if (std::size_t(n) != sector_) return std::make_error_code(std::errc::io_error);
  return {};
}

std::optional<core::Bytes> FileSharedDisk::read_slot(NodeId slot) {
  const off_t at = off_t(slot) * off_t(sector_);
  ssize_t n = ::pread(fd_, buf_, sector_, at);
  if (n < 0 && errno == EINVAL && direct_) {
    reopen_buffered();
    n = ::pread(fd_, buf_, sector_, at);
  }
  if (n < 0 || std::size_t(n) != sector_) return std::nullopt;  // unreadable, or past the end: never written
  if (std::memcmp(buf_, kMagic, 4) != 0) return std::nullopt;  // never written (zeros), or overwritten
  const std::size_t len = (std::size_t(buf_[4]) << 8) | buf_[5];
  if (len > max_payload()) return std::nullopt;
  std::uint32_t sum = 0;
  for (int i = 0; i < 4; ++i) sum = (sum << 8) | buf_[kHeader + len + i];
  if (sum != fnv1a(buf_, kHeader + len)) return std::nullopt;
  return core::Bytes(buf_ + kHeader, buf_ + kHeader + len);
}

}  // namespace halab::daemon
