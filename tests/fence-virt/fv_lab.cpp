#include "tests/fence-virt/fv_lab.hpp"

#include <linux/vm_sockets.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

namespace halab::fv::test {

namespace {
FvLab* g_lab = nullptr;
}

std::string vsock_unavailable_reason() {
  int l = ::socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (l < 0) return "AF_VSOCK sockets not supported by this kernel";
  sockaddr_vm sa{};
  sa.svm_family = AF_VSOCK;
  sa.svm_cid = VMADDR_CID_ANY;
  sa.svm_port = VMADDR_PORT_ANY;
  socklen_t len = sizeof sa;
  if (::bind(l, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0 || ::listen(l, 1) != 0 ||
      ::getsockname(l, reinterpret_cast<sockaddr*>(&sa), &len) != 0) {
    ::close(l);
    return "cannot listen on AF_VSOCK";
  }
  int c = ::socket(AF_VSOCK, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  sa.svm_cid = VMADDR_CID_LOCAL;
  bool ok = ::connect(c, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  if (!ok && errno == EINPROGRESS) {
    pollfd p{c, POLLOUT, 0};
    int soerr = 0;
    socklen_t sl = sizeof soerr;
    ok = ::poll(&p, 1, 300) == 1 && ::getsockopt(c, SOL_SOCKET, SO_ERROR, &soerr, &sl) == 0 && soerr == 0;
  }
  ::close(c);
  ::close(l);
  return ok ? "" : "no loopback vsock transport (vsock_loopback module) in this environment: the vsock "
                   "listener and client are built (and the listener's start-up is tested) but cannot be "
                   "exercised end to end here";
}

FvLab* FvLab::get() {
  if (!g_lab) g_lab = new FvLab;  // owned by gtest once registered (main.cpp)
  return g_lab;
}

std::string FvLab::conf(const std::string& listener, int port, const std::string& extra) const {
  std::string iface = listener == "multicast" ? "\t\tinterface = \"lo\";\n" : "";
  return "# written by the fence-virt lab\n"
         "fence_virtd {\n\tlistener = \"" + listener + "\";\n\tbackend = \"libvirt\";\n"
         "\tmodule_path = \"/usr/lib/x86_64-linux-gnu/fence-virt\";\n}\n"
         "listeners {\n\t" + listener + " {\n\t\tkey_file = \"" + env.key_file() + "\";\n\t\tport = \"" +
         std::to_string(port) + "\";\n" + iface + extra + "\t}\n}\n"
         "backends {\n\tlibvirt {\n\t\turi = \"" + env.uri() + "\";\n\t}\n}\n";
}

void FvLab::ensure_state(const std::string& dom, bool running) {
  std::string s = env.domstate(dom);
  if (running && s != "running") env.virsh({"start", dom});
  if (!running && s != "shut off") env.virsh({"destroy", dom});
}

void FvLab::SetUp() {
  agent = std::string(HALAB_FV_BIN_DIR) + "/fence_halab_virt";
  halabd = std::string(HALAB_FV_BIN_DIR) + "/halab-fence-virtd";
  if (!env.setup()) return;
  const std::string& w = env.work();
  have_real = !which("fence_virtd").empty() && !which("fence_xvm").empty() && !which("fence_virt").empty();

  auto start = [&](const std::vector<std::string>& cmd, const std::string& confname, const std::string& text,
                   const std::string& log) {
    LabEnv::write_file(w + "/" + confname, text);
    std::vector<std::string> argv = cmd;
    argv.insert(argv.end(), {"-F", "-d", "1", "-f", w + "/" + confname, "-p", w + "/" + confname + ".pid"});
    return env.spawn(argv, log);
  };
  halab_mcast_log = w + "/halab-mcast.log";
  halab_tcp_log = w + "/halab-tcp.log";
  halab_mcast = start({halabd}, "halab-mcast.conf", conf("multicast", halab_ports.mcast), halab_mcast_log);
  halab_tcp = start({halabd}, "halab-tcp.conf", conf("tcp", halab_ports.tcp), halab_tcp_log);
  if (have_real) {
    real_mcast_log = w + "/real-mcast.log";
    real_tcp_log = w + "/real-tcp.log";
    start({"fence_virtd"}, "real-mcast.conf", conf("multicast", real_ports.mcast), real_mcast_log);
    start({"fence_virtd"}, "real-tcp.conf", conf("tcp", real_ports.tcp), real_tcp_log);
  }
  vsock_skip = vsock_unavailable_reason();
  if (vsock_skip.empty()) {
    halab_ports.vsock = 20000 + (::getpid() % 20000) * 2;
    real_ports.vsock = halab_ports.vsock + 1;
    start({halabd}, "halab-vsock.conf", conf("vsock", halab_ports.vsock), w + "/halab-vsock.log");
    if (have_real) start({"fence_virtd"}, "real-vsock.conf", conf("vsock", real_ports.vsock), w + "/real-vsock.log");
    if (!LabEnv::wait_for_text(w + "/halab-vsock.log", "daemon.ready")) vsock_skip = "halab vsock daemon did not start";
  }
  bool up = LabEnv::wait_port_bound(SOCK_DGRAM, halab_ports.mcast) && LabEnv::wait_port_bound(SOCK_STREAM, halab_ports.tcp);
  if (have_real)
    up = up && LabEnv::wait_port_bound(SOCK_DGRAM, real_ports.mcast) && LabEnv::wait_port_bound(SOCK_STREAM, real_ports.tcp);
  if (!up) {
    std::fprintf(stderr, "daemons did not come up:\n%s\n%s\n", LabEnv::read_file(halab_mcast_log).c_str(),
                 LabEnv::read_file(halab_tcp_log).c_str());
    return;
  }
  ready = true;
}

void FvLab::TearDown() {
  if (ready && std::getenv("HALAB_FV_SHOW_LOGS")) {
    std::fprintf(stderr, "--- halab multicast log\n%s", LabEnv::read_file(halab_mcast_log).c_str());
    std::fprintf(stderr, "--- halab tcp log\n%s", LabEnv::read_file(halab_tcp_log).c_str());
  }
  env.teardown();
  ready = false;
}

}  // namespace halab::fv::test
