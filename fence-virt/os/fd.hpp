#pragma once
// Thin POSIX helpers shared by the host daemon and the fence agent: an owning fd, blocking
// I/O bounded by a deadline (poll), connect with a time-out, the key file, random bytes.
// Host tools only: stack code never uses these.
#include <chrono>
#include <cstdint>
#include <span>
#include <string>
#include <sys/socket.h>
#include <unistd.h>

namespace halab::fv::os {

class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(Fd&& o) noexcept : fd_(o.release()) {}
  Fd& operator=(Fd&& o) noexcept { if (this != &o) { reset(); fd_ = o.release(); } return *this; }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { int f = fd_; fd_ = -1; return f; }
  void reset() { if (fd_ >= 0) ::close(fd_); fd_ = -1; }

 private:
  int fd_ = -1;
};

using Clock = std::chrono::steady_clock;
using Deadline = Clock::time_point;
inline Deadline deadline_in(std::chrono::milliseconds d) { return Clock::now() + d; }
std::int64_t monotonic_ms();

enum class IoStatus { ok, timeout, closed, error };
const char* to_string(IoStatus s);

// Waits for `events` (POLLIN/POLLOUT) until the deadline.
IoStatus wait_fd(int fd, short events, Deadline deadline);
IoStatus read_exact(int fd, std::span<std::uint8_t> buf, Deadline deadline);
IoStatus write_all(int fd, std::span<const std::uint8_t> buf, Deadline deadline);

// Non-blocking connect bounded by the deadline; returns an invalid Fd and sets `err` on failure.
Fd connect_stream(const sockaddr* addr, socklen_t len, Deadline deadline, std::string& err);

void set_nonblocking(int fd, bool on);
void set_cloexec(int fd);

// Fills `out` from getrandom(2); aborts only if the kernel refuses (no entropy source at all).
void random_bytes(std::span<std::uint8_t> out);

// Reads a key file: whole file, at most 4096 bytes used. Empty files are an error.
bool read_key_file(const std::string& path, std::string& contents, std::string& err);

std::string errno_text(int err);

}  // namespace halab::fv::os
