#include "stack/totem/authkey_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

#include "stack/core/error.hpp"

namespace halab::totem {

namespace {
std::error_code last_error() { return {errno, std::generic_category()}; }

std::string octal(unsigned mode) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04o", mode);
  return buf;
}

struct Fd {
  int fd;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
}  // namespace

std::string authkey_problem(std::size_t size, unsigned mode, const std::string& path) {
  if (mode & 0007)
    return path + " is accessible to every user (mode " + octal(mode) +
           "); the cluster's secret must not be: chmod 0400 " + path;
  if (size < kAuthkeyMin || size > kAuthkeyMax)
    return path + " holds " + std::to_string(size) + " bytes; an authkey holds " + std::to_string(kAuthkeyMin) +
           " to " + std::to_string(kAuthkeyMax) + " (make one with 'halab keygen')";
  return "";
}

core::Bytes read_authkey_file(const std::string& path) {
  Fd f{::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW)};
  if (f.fd < 0) throw core::Error("cannot open authkey " + path, last_error());
  struct stat st {};
  if (::fstat(f.fd, &st) != 0) throw core::Error("cannot stat authkey " + path, last_error());
  if (!S_ISREG(st.st_mode)) throw core::Error("authkey " + path + " is not a regular file");
  if (auto why = authkey_problem(std::size_t(st.st_size), unsigned(st.st_mode & 07777), path); !why.empty())
    throw core::Error("refusing authkey: " + why);
  core::Bytes key(std::size_t(st.st_size));
  std::size_t got = 0;
  while (got < key.size()) {
    ssize_t n = ::read(f.fd, key.data() + got, key.size() - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw core::Error("cannot read authkey " + path, n < 0 ? last_error() : std::error_code{});
    got += std::size_t(n);
  }
  return key;
}

void write_authkey_file(const std::string& path, core::ByteView key) {
  const std::string tmp = path + ".tmp";
  ::unlink(tmp.c_str());
  Fd f{::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0400)};
  if (f.fd < 0) throw core::Error("cannot create " + tmp, last_error());
  if (::fchmod(f.fd, 0400) != 0) throw core::Error("cannot chmod " + tmp, last_error());  // umask-proof
  std::size_t put = 0;
  while (put < key.size()) {
    ssize_t n = ::write(f.fd, key.data() + put, key.size() - put);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw core::Error("cannot write " + tmp, last_error());
    put += std::size_t(n);
  }
  if (::fsync(f.fd) != 0) throw core::Error("cannot fsync " + tmp, last_error());
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto ec = last_error();
    ::unlink(tmp.c_str());
    throw core::Error("cannot rename " + tmp + " to " + path, ec);
  }
  auto slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  Fd d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
  if (d.fd >= 0) ::fsync(d.fd);
}

}  // namespace halab::totem
