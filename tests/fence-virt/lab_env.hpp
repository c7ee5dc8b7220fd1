#pragma once
// A private libvirt lab for the `real` fence-virt tests: a network namespace with only `lo`
// (multicast routed to it), libvirtd with only its built-in test driver (empty driver dir,
// private socket dir, no TCP), one held connection so the test driver's state is shared by
// every client, and three defined domains vm1 (running), vm2 (running), vm3 (off).
// The test process itself enters the namespace, so every child it starts runs inside it.
// Everything started is killed by pid; the namespace and work dir are removed.
#include <sys/types.h>

#include <chrono>
#include <string>
#include <vector>

namespace halab::fv::test {

struct RunResult {
  int rc = -1;          // exit code, or -1 if killed on time-out / not started
  std::string output;   // stdout and stderr together
  double ms = 0;        // wall clock from spawn to exit
};

class LabEnv {
 public:
  LabEnv() = default;
  ~LabEnv() { teardown(); }
  LabEnv(const LabEnv&) = delete;
  LabEnv& operator=(const LabEnv&) = delete;

  // False with skip_reason() when something needed is missing (root, ip, libvirtd, ...).
  bool setup();
  void teardown();
  const std::string& skip_reason() const { return skip_; }

  const std::string& work() const { return work_; }
  const std::string& uri() const { return uri_; }
  const std::string& key_file() const { return key_; }

  // Starts a long-running process (inside the namespace) with output to `log`.
  pid_t spawn(const std::vector<std::string>& argv, const std::string& log);
  void stop(pid_t pid);  // SIGTERM, then SIGKILL after 2 s
  // libvirtd with only built-in drivers, its socket at DIR/run/libvirt-sock; -1 and `err`.
  pid_t start_libvirtd(const std::string& dir, std::string& err);
  bool alive(pid_t pid) const;
  // Runs to completion; killed after `timeout`.
  RunResult run(const std::vector<std::string>& argv, std::chrono::milliseconds timeout = std::chrono::seconds(20),
                const std::string& stdin_text = "", bool use_stdin = false);

  std::string domstate(const std::string& dom);  // "running", "shut off", ...
  std::string domid(const std::string& dom);
  bool virsh(const std::vector<std::string>& args);  // true on rc 0

  // Waits (bounded) until `path` contains `needle`; returns whether it did.
  static bool wait_for_text(const std::string& path, const std::string& needle,
                            std::chrono::milliseconds timeout = std::chrono::seconds(3));
  static std::string read_file(const std::string& path);
  static void write_file(const std::string& path, const std::string& text, int mode = 0600);
  // Waits until a TCP/UDP port is bound in the namespace (by trying to bind it ourselves).
  static bool wait_port_bound(int type, int port, std::chrono::milliseconds timeout = std::chrono::seconds(5));

 private:
  std::string ns_, work_, uri_, key_;
  std::vector<pid_t> pids_;
  int orig_netns_ = -1;
  bool entered_ = false;
  bool ns_made_ = false;
  bool runlv_existed_ = true;
  std::string skip_;
};

// Absolute path of a program on PATH, or "" (tests skip when a peer is missing).
std::string which(const std::string& prog);

}  // namespace halab::fv::test
