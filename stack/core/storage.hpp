#pragma once
// Durable storage: a node's state directory, as named files.
//
// Crash semantics (both worlds):
//  - write() is atomic: after any crash a reader finds the old content or the
//    new content of the file, never a mix, never a partial file.
//  - Sync::durable: when write()/remove() returns, the change survives a
//    crash (file fsync, rename, directory fsync).
//  - Sync::none: the change is visible at once but may be lost by a crash
//    (the file then holds its previous durable content, or is absent).
//
// Names are relative paths: [A-Za-z0-9._-] components separated by '/',
// no "." or ".." components. Directories are created as needed.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "stack/core/network.hpp"  // Bytes, ByteView

namespace halab::core {

enum class Sync { none, durable };

class Storage {
 public:
  virtual ~Storage() = default;
  // Throws core::Error (naming the file) on I/O failure or a bad name.
  virtual void write(std::string_view name, ByteView data, Sync sync) = 0;
  virtual std::optional<Bytes> read(std::string_view name) const = 0;
  // Files directly in `dir` ("" is the top), sorted by name.
  virtual std::vector<std::string> list(std::string_view dir) const = 0;
  // Returns whether the file existed.
  virtual bool remove(std::string_view name, Sync sync) = 0;

  void write(std::string_view name, std::string_view text, Sync sync) {
    write(name, ByteView(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()), sync);
  }
  std::optional<std::string> read_text(std::string_view name) const {
    auto b = read(name);
    if (!b) return std::nullopt;
    return std::string(b->begin(), b->end());
  }
};

// Throws core::Error when `name` is not a valid storage name.
void check_storage_name(std::string_view name);
bool valid_storage_name(std::string_view name);

}  // namespace halab::core
