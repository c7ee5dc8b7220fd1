#pragma once
// The authkey file on a real node. This is start-up plumbing for halabd and
// the CLI, not protocol code: it is the one place in stack/totem that uses
// the OS directly (open/fstat), because the key's file mode is a security
// property that core::Storage does not model. The protocol only ever sees the
// key's bytes.
#include <string>

#include "stack/core/network.hpp"

namespace halab::totem {

inline constexpr std::size_t kAuthkeyMin = 128;   // corosync 2's fixed key size
inline constexpr std::size_t kAuthkeyMax = 4096;
inline constexpr std::size_t kAuthkeyDefault = 256;

// Why a key with this content and mode (st_mode & 07777) must not be used,
// or "" when it is fine. Refuses keys others may read or write.
std::string authkey_problem(std::size_t size, unsigned mode, const std::string& path);

// Reads and checks the key; throws core::Error naming the path and the problem.
core::Bytes read_authkey_file(const std::string& path);

// Writes `key` to `path` with mode 0400, atomically (temp file, fsync, rename,
// directory fsync). Throws core::Error.
void write_authkey_file(const std::string& path, core::ByteView key);

}  // namespace halab::totem
