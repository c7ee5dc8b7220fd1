#pragma once
// Real watchdogs for SelfFencing (OS-level: these use devices, fork and
// signals directly, so they live beside the real world, not in stack logic).
#include <memory>
#include <string>

#include "stack/fencer/watchdog.hpp"

namespace halab::fencer::real {

// The kernel watchdog (/dev/watchdog: a hardware timer, or the softdog
// module). When it fires the kernel resets the machine. Opening it starts
// the countdown; disarm() does the magic close ('V').
class DeviceWatchdog final : public Watchdog {
 public:
  // Null (and `error` set) when the device cannot be opened.
  static std::unique_ptr<DeviceWatchdog> open(const std::string& path, std::string& error);
  ~DeviceWatchdog() override;
  void arm(core::Duration timeout) override;
  void kick() override;
  void disarm() override;
  std::string describe() const override { return "watchdog device " + path_; }

 private:
  DeviceWatchdog(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

// Where no watchdog device exists: a forked guard process that SIGKILLs
// this process (and its process group, when it leads one) unless kicked in
// time, and also when this process dies without disarming. It cannot reset
// the machine: resources that agents started outside this process group
// keep running, so it is weaker than a device watchdog.
class ProcessWatchdog final : public Watchdog {
 public:
  ProcessWatchdog() = default;
  ~ProcessWatchdog() override;  // disarms
  void arm(core::Duration timeout) override;  // forks the guard (throws core::Error if it cannot)
  void kick() override;
  void disarm() override;
  std::string describe() const override { return "process-level watchdog"; }
  int guard_pid() const { return pid_; }

 private:
  int fd_ = -1;  // write end of the guard's pipe
  int pid_ = -1;
};

// /dev/watchdog when it opens, else a ProcessWatchdog; `why` says which and why.
std::unique_ptr<Watchdog> best_watchdog(std::string& why);

}  // namespace halab::fencer::real
