#pragma once
// The real world's durable storage: a directory of files.
//
// write(): a temporary file beside the target, written in full, fsync'd
// (Sync::durable), renamed over the target, then the directory fsync'd
// (Sync::durable). rename() replaces atomically, so a process killed at any
// moment leaves the old or the new file, never a mix.
//
// New directories are always made durable in their parent (rare, cheap),
// so a durable write never depends on an unsynced directory above it.
//
// Sync::none skips both fsyncs: the change may be lost by a power failure or
// kernel crash. The file is still replaced by rename, and ext4, xfs and
// btrfs flush a file's data before a rename that replaces another file
// becomes durable, so in practice a crash leaves old or new content there
// too; only Sync::durable promises it.
//
// Temporary files carry a '#' (never part of a valid storage name), so
// list() and read() cannot see them; the constructor removes those left by a
// crash. One FileStorage per directory at a time.
#include <string>

#include "stack/core/storage.hpp"

namespace halab::core::real {

class FileStorage final : public Storage {
 public:
  // Creates `dir` (and its parents) when missing. Throws core::Error.
  explicit FileStorage(std::string dir);

  void write(std::string_view name, ByteView data, Sync sync) override;
  std::optional<Bytes> read(std::string_view name) const override;
  std::vector<std::string> list(std::string_view dir) const override;
  bool remove(std::string_view name, Sync sync) override;
  using Storage::write;

  const std::string& dir() const { return dir_; }
  std::string path_of(std::string_view name) const { return dir_ + "/" + std::string(name); }
  static bool is_temp_name(std::string_view file_name) { return file_name.find('#') != std::string_view::npos; }

 private:
  void make_dirs(const std::string& relative);
  void remove_temp_files(const std::string& relative);

  std::string dir_;
};

}  // namespace halab::core::real
