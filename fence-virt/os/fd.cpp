#include "fence-virt/os/fd.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/random.h>

#include <cerrno>
#include <cstring>

#include "stack/core/assert.hpp"

namespace halab::fv::os {

std::int64_t monotonic_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now().time_since_epoch()).count();
}

const char* to_string(IoStatus s) {
  switch (s) {
    case IoStatus::ok: return "ok";
    case IoStatus::timeout: return "timeout";
    case IoStatus::closed: return "closed by peer";
    case IoStatus::error: return "error";
  }
  return "unknown";
}

std::string errno_text(int err) { return std::strerror(err); }

IoStatus wait_fd(int fd, short events, Deadline deadline) {
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    if (left < 0) left = 0;
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, static_cast<int>(left));
    if (n > 0) return IoStatus::ok;  // readiness or error: the next read/write reports which
    if (n == 0) return IoStatus::timeout;
    if (errno != EINTR) return IoStatus::error;
  }
}

IoStatus read_exact(int fd, std::span<std::uint8_t> buf, Deadline deadline) {
  std::size_t got = 0;
  while (got < buf.size()) {
    ssize_t n = ::recv(fd, buf.data() + got, buf.size() - got, MSG_DONTWAIT);
    if (n > 0) { got += static_cast<std::size_t>(n); continue; }
    if (n == 0) return IoStatus::closed;
    if (errno == EINTR) continue;
    if (errno != EAGAIN && errno != EWOULDBLOCK) return IoStatus::error;
    if (auto s = wait_fd(fd, POLLIN, deadline); s != IoStatus::ok) return s;
  }
  return IoStatus::ok;
}

IoStatus write_all(int fd, std::span<const std::uint8_t> buf, Deadline deadline) {
  std::size_t put = 0;
  while (put < buf.size()) {
    ssize_t n = ::send(fd, buf.data() + put, buf.size() - put, MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n > 0) { put += static_cast<std::size_t>(n); continue; }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) return errno == EPIPE ? IoStatus::closed : IoStatus::error;
    if (auto s = wait_fd(fd, POLLOUT, deadline); s != IoStatus::ok) return s;
  }
  return IoStatus::ok;
}

void set_nonblocking(int fd, bool on) {
  int fl = ::fcntl(fd, F_GETFL);
  if (fl < 0) return;
  ::fcntl(fd, F_SETFL, on ? (fl | O_NONBLOCK) : (fl & ~O_NONBLOCK));
}

void set_cloexec(int fd) { ::fcntl(fd, F_SETFD, FD_CLOEXEC); }

Fd connect_stream(const sockaddr* addr, socklen_t len, Deadline deadline, std::string& err) {
  Fd fd(::socket(addr->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0));
  if (!fd.valid()) { err = "socket: " + errno_text(errno); return Fd(); }
  if (::connect(fd.get(), addr, len) == 0) return fd;
  if (errno != EINPROGRESS) { err = "connect: " + errno_text(errno); return Fd(); }
  auto s = wait_fd(fd.get(), POLLOUT, deadline);
  if (s != IoStatus::ok) { err = std::string("connect: ") + to_string(s); return Fd(); }
  int soerr = 0;
  socklen_t sl = sizeof soerr;
  ::getsockopt(fd.get(), SOL_SOCKET, SO_ERROR, &soerr, &sl);
  if (soerr != 0) { err = "connect: " + errno_text(soerr); return Fd(); }
  return fd;
}

void random_bytes(std::span<std::uint8_t> out) {
  std::size_t got = 0;
  while (got < out.size()) {
    ssize_t n = ::getrandom(out.data() + got, out.size() - got, 0);
    if (n < 0 && errno == EINTR) continue;
    HALAB_ASSERT_MSG(n > 0, "getrandom failed");
    got += static_cast<std::size_t>(n);
  }
}

bool read_key_file(const std::string& path, std::string& contents, std::string& err) {
  Fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (!fd.valid()) { err = "key file " + path + ": " + errno_text(errno); return false; }
  contents.clear();
  char buf[4096];
  while (contents.size() < 4096) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { err = "key file " + path + ": " + errno_text(errno); return false; }
    if (n == 0) break;
    contents.append(buf, static_cast<std::size_t>(n));
  }
  if (contents.size() > 4096) contents.resize(4096);
  if (contents.empty()) { err = "key file " + path + ": empty"; return false; }
  return true;
}

}  // namespace halab::fv::os
