#pragma once
// The quorum disk on a real file or block device that every node can reach
// (a shared LUN, or a file on storage all nodes mount). This is OS-facing
// glue like the control socket, so it lives in the daemon layer; the stack's
// QuorumDisk sees it only through quorum::SharedDisk, exactly like simnet's
// MemorySharedDisk (docs/quorum.md says why it is not in stack/core).
//
// Layout: slot N is the sector at offset N * sector_size (512, or the block
// device's logical block size). A sector holds a small frame (magic, length,
// the slot's bytes, a checksum) padded with zeros; a sector that is short,
// all zeros, or whose frame does not check reads as nullopt.
//
// Writes are pwrite with O_DSYNC, and O_DIRECT where the file system takes
// it (not tmpfs), so another host reading the device sees them; reads are
// pread, with O_DIRECT bypassing this host's page cache. The calls block
// the caller, like qdiskd's: a disk path that hangs (NFS hard mount,
// multipath queue_if_no_path) hangs halabd's event loop with it.
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "stack/quorum/quorum_disk.hpp"

namespace halab::daemon {

using NodeId = quorum::NodeId;

class FileSharedDisk : public quorum::SharedDisk {
 public:
  // Opens `path` read-write. `nodes` are the slots to look at (the
  // nodelist's node ids). Throws core::Error naming the path and why
  // (missing, not writable, a block device too small for the highest slot).
  FileSharedDisk(const std::string& path, std::vector<NodeId> nodes);
  ~FileSharedDisk() override;
  FileSharedDisk(const FileSharedDisk&) = delete;
  FileSharedDisk& operator=(const FileSharedDisk&) = delete;

  std::error_code write_slot(NodeId slot, core::ByteView data) override;
  std::optional<core::Bytes> read_slot(NodeId slot) override;
  // The configured nodes (their slots may be empty: read_slot says so).
  std::vector<NodeId> slots() override { return nodes_; }

  std::size_t sector_size() const { return sector_; }
  bool direct() const { return direct_; }  // O_DIRECT in use
  // Largest slot payload a sector carries.
  std::size_t max_payload() const;

  // "" when `path` can be opened read-write as a quorum disk, else why not
  // (for checking a configuration before starting).
  static std::string check_path(const std::string& path);

 private:
  void reopen_buffered();

  std::string path_;
  std::vector<NodeId> nodes_;
  int fd_ = -1;
  bool direct_ = false;
  std::size_t sector_ = 512;
  unsigned char* buf_ = nullptr;  // one aligned sector (O_DIRECT needs it)
};

}  // namespace halab::daemon
