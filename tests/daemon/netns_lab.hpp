#pragma once
// A lab of real halabd processes, each in its own network namespace, joined
// by veth pairs to a bridge in a namespace of the lab's own (as root).
// Used by the acceptance test and the benchmarks. Names carry the process
// id, so concurrent labs never collide; the destructor kills the daemons and
// deletes the namespaces (their veths go with them), and a new lab first
// removes namespaces left by labs whose process is gone.
#include <sys/types.h>

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

namespace halab::testlab {

struct NetnsLabOptions {
  int nodes = 3;
  std::string transport = "udpu";  // udp (multicast) | udpu | broadcast
  int token_ms = 0;                // 0: corosync's default
  std::string totem_extra;         // lines added inside totem { } (e.g. "  token_coefficient: 0\n")
  std::string halabd;              // path of the halabd binary
  std::string quorum_extra;        // lines added inside quorum { } (e.g. "  two_node: 1\n")
  std::string extra_sections;      // sections appended to corosync.conf (later layers' settings)
};

struct QuorumView {
  bool quorate = false;
  std::string members;  // "1 2 3"
  std::string ring;
};

class NetnsLab {
 public:
  // "" when the lab can run here, else why not (not root, no `ip netns`).
  static std::string unavailable();

  explicit NetnsLab(NetnsLabOptions opt);  // throws std::runtime_error
  ~NetnsLab();
  NetnsLab(const NetnsLab&) = delete;
  NetnsLab& operator=(const NetnsLab&) = delete;

  void start(int node);                 // 1-based
  void kill(int node, int sig);         // and reap
  void set_link(int node, bool up);     // the node's veth, inside its namespace
  bool running(int node) const;
  std::string state_dir(int node) const;
  std::string log(int node) const;      // the daemon's stderr
  std::optional<QuorumView> quorum(int node) const;  // through the control socket
  // True when every node in `ids` reports `members` (e.g. "1 2") and `quorate`.
  bool agree(const std::vector<int>& ids, const std::string& members, bool quorate) const;
  // Polls `pred` every 10 ms until it holds or `limit` passes.
  static bool wait_for(const std::function<bool()>& pred, std::chrono::milliseconds limit);
  std::string describe() const;  // every node's quorum view, for failure messages
  int nodes() const { return opt_.nodes; }
  // The node's network namespace (for `ip netns exec NS ...`) and address.
  std::string ns(int node) const;
  static std::string address(int node) { return "10.77.0." + std::to_string(node); }
  std::string config_path(int node) const;
  const std::string& dir() const { return dir_; }  // the lab's files (removed at the end)
  pid_t pid(int node) const { return pids_[std::size_t(node)]; }

 private:
  void cleanup();
  void write_config(int node);

  NetnsLabOptions opt_;
  std::string tag_;  // "hlab-<pid>-<seq>"
  std::string short_;  // veth prefix, <= 9 chars
  std::string dir_;
  std::vector<pid_t> pids_;
  bool ns_created_ = false;
};

}  // namespace halab::testlab
