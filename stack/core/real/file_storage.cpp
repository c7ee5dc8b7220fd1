#include "stack/core/real/file_storage.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <utility>

#include "stack/core/error.hpp"

namespace halab::core::real {

namespace {

// Process-wide, so two FileStorage objects never pick the same temp name.
std::uint64_t temp_counter = 0;

std::error_code errno_code(int e = errno) { return {e, std::system_category()}; }

// Closes on every path out, including a throw.
struct Fd {
  int fd = -1;
  explicit Fd(int f) : fd(f) {}
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int release() { return std::exchange(fd, -1); }
};

void fsync_dir(const std::string& dir) {
  Fd d(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (d.fd < 0) throw Error("cannot open directory " + dir + " to sync it", errno_code());
  if (::fsync(d.fd) != 0) throw Error("cannot sync directory " + dir, errno_code());
}

std::string parent_of(const std::string& name) {
  auto slash = name.rfind('/');
  return slash == std::string::npos ? std::string() : name.substr(0, slash);
}

void make_dir_tree(const std::string& path) {  // mkdir -p for the storage root
  std::size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    const std::string prefix = path.substr(0, pos);
    if (prefix.empty()) continue;
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST)
      throw Error("cannot create storage directory " + prefix, errno_code());
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
    throw Error("storage directory " + path + " is not a directory", errno_code(ENOTDIR));
}

}  // namespace

FileStorage::FileStorage(std::string dir) : dir_(std::move(dir)) {
  if (dir_.empty()) throw Error("storage directory: empty path");
  while (dir_.size() > 1 && dir_.back() == '/') dir_.pop_back();
  make_dir_tree(dir_);
  remove_temp_files("");
}

void FileStorage::remove_temp_files(const std::string& relative) {
  const std::string path = relative.empty() ? dir_ : path_of(relative);
  DIR* d = ::opendir(path.c_str());
  if (!d) return;
  std::vector<std::string> subdirs;
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (is_temp_name(name)) {
      ::unlinkat(::dirfd(d), name.c_str(), 0);
    } else if (valid_storage_name(name)) {
      struct stat st {};
      if (::fstatat(::dirfd(d), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(st.st_mode))
        subdirs.push_back(relative.empty() ? name : relative + "/" + name);
    }
  }
  ::closedir(d);
  for (const auto& s : subdirs) remove_temp_files(s);
}

// Creates the directories of `relative` under the root and makes each new
// entry durable in its parent, whatever the write's Sync: a later durable
// write into the directory then only needs to sync the directory itself.
// Directories are created rarely, so this costs little.
void FileStorage::make_dirs(const std::string& relative) {
  if (relative.empty()) return;
  std::size_t pos = 0;
  while (true) {
    pos = relative.find('/', pos);
    const std::string sub = relative.substr(0, pos);
    const std::string path = path_of(sub);
    if (::mkdir(path.c_str(), 0700) == 0) {
      const std::string up = parent_of(sub);
      fsync_dir(up.empty() ? dir_ : path_of(up));
    } else if (errno != EEXIST) {
      throw Error("cannot create directory " + path, errno_code());
    }
    if (pos == std::string::npos) break;
    ++pos;
  }
}

void FileStorage::write(std::string_view name, ByteView data, Sync sync) {
  check_storage_name(name);
  const std::string target = path_of(name);
  const std::string parent_rel = parent_of(std::string(name));
  const std::string parent = parent_rel.empty() ? dir_ : path_of(parent_rel);
  make_dirs(parent_rel);

  // Named apart from the target so a name near NAME_MAX still has room.
  const std::string temp = parent + "/#tmp." + std::to_string(::getpid()) + "." + std::to_string(++temp_counter);
  Fd f(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600));
  if (f.fd < 0) throw Error("cannot create " + temp, errno_code());
  auto fail = [&](const std::string& what) {
    const auto ec = errno_code();
    if (f.fd >= 0) ::close(f.release());
    ::unlink(temp.c_str());
    throw Error(what, ec);
  };
  std::size_t done = 0;
  while (done < data.size()) {
    const ssize_t n = ::write(f.fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("cannot write " + target);
    }
    done += static_cast<std::size_t>(n);
  }
  if (sync == Sync::durable && ::fsync(f.fd) != 0) fail("cannot sync " + target);
  if (::close(f.release()) != 0) fail("cannot write " + target);
  if (::rename(temp.c_str(), target.c_str()) != 0) fail("cannot replace " + target);
  if (sync == Sync::durable) fsync_dir(parent);
}

std::optional<Bytes> FileStorage::read(std::string_view name) const {
  check_storage_name(name);
  const std::string path = path_of(name);
  Fd f(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (f.fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) return std::nullopt;
    throw Error("cannot open " + path, errno_code());
  }
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw Error("cannot stat " + path, errno_code());
  if (!S_ISREG(st.st_mode)) throw Error("cannot read " + path + ": not a regular file");
  Bytes out;
  out.reserve(static_cast<std::size_t>(st.st_size));
  std::uint8_t buf[65536];
  while (true) {
    const ssize_t n = ::read(f.fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw Error("cannot read " + path, errno_code());
    }
    if (n == 0) break;
    out.insert(out.end(), buf, buf + n);
  }
  return out;
}

std::vector<std::string> FileStorage::list(std::string_view dir) const {
  if (!dir.empty()) check_storage_name(dir);
  const std::string path = dir.empty() ? dir_ : path_of(dir);
  std::vector<std::string> names;
  DIR* d = ::opendir(path.c_str());
  if (!d) {
    if (errno == ENOENT || errno == ENOTDIR) return names;
    throw Error("cannot list " + path, errno_code());
  }
  while (dirent* e = ::readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == ".." || !valid_storage_name(name)) continue;  // temp files carry '#'
    struct stat st {};
    if (::fstatat(::dirfd(d), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
      names.push_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

bool FileStorage::remove(std::string_view name, Sync sync) {
  check_storage_name(name);
  const std::string path = path_of(name);
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw Error("cannot remove " + path + ": is a directory");
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) return false;
    throw Error("cannot remove " + path, errno_code());
  }
  if (sync == Sync::durable) {
    const std::string parent_rel = parent_of(std::string(name));
    fsync_dir(parent_rel.empty() ? dir_ : path_of(parent_rel));
  }
  return true;
}

}  // namespace halab::core::real
