#pragma once
// A lab of real halabd processes, each in its own network namespace, joined
// by veth pairs to a bridge in a namespace of the lab's own (as root); or,
// with `loopback`, on 127.0.0.1, .2, .3 ... of this host (no root needed;
// every transport: multicast and broadcast loop back to the host's other
// sockets; each daemon is told its node with --nodeid, and the lab's port is
// derived from the process id so concurrent labs do not collide).
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
  bool loopback = false;           // 127.0.0.x on this host instead of namespaces
  bool crypto = true;              // aes256/sha256 with a shared authkey; false: none/none
  // "halabd", or "corosync": the real corosync 3 (/usr/sbin/corosync, udpu
  // without crypto: corosync 3 encrypts only on knet) in the same topology,
  // each in its own mount namespace with a private /run (its pid file is the
  // fixed /var/run/corosync.pid) and system.state_dir in the lab. Queried with
  // corosync-quorumtool inside the node's namespace (its IPC sockets are
  // abstract, so per network namespace). Namespaces only.
  std::string daemon = "halabd";
  // Arguments added to the daemon's command line (e.g. "-p": no real-time
  // priority, for halabd as for corosync).
  std::vector<std::string> daemon_args;
};

struct QuorumView {
  bool quorate = false;
  std::string members;  // "1 2 3"
  std::string ring;
};

class NetnsLab {
 public:
  // "" when the namespace lab can run here, else why not (not root, no `ip netns`).
  static std::string unavailable();
  // "" when real corosync can run in the namespace lab, else why not.
  static std::string corosync_unavailable();

  explicit NetnsLab(NetnsLabOptions opt);  // throws std::runtime_error
  ~NetnsLab();
  NetnsLab(const NetnsLab&) = delete;
  NetnsLab& operator=(const NetnsLab&) = delete;

  void start(int node);                 // 1-based
  void kill(int node, int sig);         // and reap
  void set_link(int node, bool up);     // the node's veth, inside its namespace (not in loopback mode)
  // Whether set_link can cut a node off: only with namespaces. On loopback
  // nothing short of root (iptables, or a namespace) separates one 127.0.0.x
  // from the others, and a fault injected inside halabd would not be honest.
  bool can_cut() const { return !opt_.loopback; }
  bool loopback() const { return opt_.loopback; }
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
  // The node's network namespace (for `ip netns exec NS ...`; "" in loopback
  // mode), its address and the lab's mcastport.
  std::string ns(int node) const;
  std::string address(int node) const;
  int port() const { return port_; }
  std::string dir() const { return dir_; }
  std::string config_path(int node) const;
  pid_t pid(int node) const { return pids_[std::size_t(node)]; }

 private:
  void cleanup();
  std::optional<QuorumView> corosync_quorum(int node) const;
  void write_config(int node);

  NetnsLabOptions opt_;
  std::string tag_;  // "hlab-<pid>-<seq>"
  std::string short_;  // veth prefix, <= 9 chars
  std::string dir_;
  std::vector<pid_t> pids_;
  int port_ = 5405;
  bool ns_created_ = false;
};

}  // namespace halab::testlab
