#include "stack/fencer/real/watchdogs.hpp"

#include <fcntl.h>
#include <linux/watchdog.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "stack/core/error.hpp"

namespace halab::fencer::real {

std::unique_ptr<DeviceWatchdog> DeviceWatchdog::open(const std::string& path, std::string& error) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) {
    error = path + ": " + std::strerror(errno);
    return nullptr;
  }
  return std::unique_ptr<DeviceWatchdog>(new DeviceWatchdog(fd, path));
}

DeviceWatchdog::~DeviceWatchdog() {
  if (fd_ >= 0) ::close(fd_);  // without the magic 'V': an unclean exit still resets
}

void DeviceWatchdog::arm(core::Duration timeout) {
  int seconds = static_cast<int>(std::max<std::int64_t>(1, core::to_ms(timeout) / 1000));
  if (::ioctl(fd_, WDIOC_SETTIMEOUT, &seconds) != 0)
    throw core::Error("cannot set the timeout of " + path_, std::error_code(errno, std::generic_category()));
  kick();
}

void DeviceWatchdog::kick() {
  if (fd_ < 0) return;
  int dummy = 0;
  ::ioctl(fd_, WDIOC_KEEPALIVE, &dummy);
}

void DeviceWatchdog::disarm() {
  if (fd_ < 0) return;
  (void)!::write(fd_, "V", 1);
  ::close(fd_);
  fd_ = -1;
}

namespace {

[[noreturn]] void guard(int fd, pid_t target, core::Duration timeout) {
  const int ms = static_cast<int>(std::max<std::int64_t>(1, core::to_ms(timeout)));
  const pid_t group = ::getpgid(target) == target ? target : 0;
  while (true) {
    pollfd p{fd, POLLIN, 0};
    const int n = ::poll(&p, 1, ms);
    if (n < 0 && errno == EINTR) continue;
    if (n > 0) {
      char buf[64];
      const ssize_t got = ::read(fd, buf, sizeof buf);
      if (got < 0 && errno == EINTR) continue;
      if (got > 0) {
        if (std::memchr(buf, 'V', static_cast<std::size_t>(got)) != nullptr) ::_exit(0);
        continue;  // kicked
      }
      // EOF: the daemon died without disarming; fall through to the kill.
    }
    if (group != 0) ::kill(-group, SIGKILL);
    ::kill(target, SIGKILL);
    ::_exit(1);
  }
}

}  // namespace

ProcessWatchdog::~ProcessWatchdog() { disarm(); }

void ProcessWatchdog::arm(core::Duration timeout) {
  disarm();
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0)
    throw core::Error("process watchdog: cannot create a pipe", std::error_code(errno, std::generic_category()));
  const pid_t target = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]), ::close(fds[1]);
    throw core::Error("process watchdog: cannot fork", std::error_code(errno, std::generic_category()));
  }
  if (pid == 0) {
    ::close(fds[1]);
    ::setpgid(0, 0);  // out of the group it may have to kill
    // A guard that a loaded machine delays would kill late, after the
    // survivors already took over: real-time priority where allowed (the
    // daemon's own is reset at fork).
    sched_param sp{};
    sp.sched_priority = ::sched_get_priority_max(SCHED_RR);
    (void)::sched_setscheduler(0, SCHED_RR, &sp);
    guard(fds[0], target, timeout);
  }
  ::close(fds[0]);
  fd_ = fds[1];
  pid_ = pid;
}

void ProcessWatchdog::kick() {
  if (fd_ >= 0) (void)!::write(fd_, "k", 1);
}

void ProcessWatchdog::disarm() {
  if (fd_ < 0) return;
  (void)!::write(fd_, "V", 1);
  ::close(fd_);
  fd_ = -1;
  int status;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  pid_ = -1;
}

std::unique_ptr<Watchdog> best_watchdog(std::string& why) {
  std::string error;
  if (::access("/dev/watchdog", F_OK) == 0) {
    if (auto dev = DeviceWatchdog::open("/dev/watchdog", error)) {
      why = "using /dev/watchdog";
      return dev;
    }
    why = "cannot use " + error + "; using a process-level watchdog";
  } else {
    why = "no /dev/watchdog (load softdog for one); using a process-level watchdog";
  }
  return std::make_unique<ProcessWatchdog>();
}

}  // namespace halab::fencer::real
