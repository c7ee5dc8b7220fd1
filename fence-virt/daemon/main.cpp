// halab-fence-virtd: fence_virtd's command line and fence_virt.conf, one listener, the
// libvirt backend, one request at a time.
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <string>

#include "fence-virt/daemon/config.hpp"
#include "fence-virt/daemon/libvirt_backend.hpp"
#include "fence-virt/daemon/listener.hpp"
#include "fence-virt/daemon/log.hpp"
#include "fence-virt/daemon/server.hpp"

using namespace halab::fv;

namespace {

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

void usage(FILE* f) {
  std::fprintf(f,
               "Usage: halab-fence-virtd [options]\n"
               "  -F               Do not daemonize.\n"
               "  -f <file>        Use <file> as configuration file (default /etc/fence_virt.conf).\n"
               "  -d <level>       Set debugging level to <level>.\n"
               "  -c               Configuration mode (not supported: edit the file).\n"
               "  -l               List plugins.\n"
               "  -w               Wait for initialization (always the case).\n"
               "  -p <file>        Use <file> to record the active process id.\n"
               "  -V               Print the version and exit.\n"
               "  -h               This help.\n");
}

bool pid_alive_in(const std::string& pidfile, long& pid) {
  FILE* f = std::fopen(pidfile.c_str(), "r");
  if (!f) return false;
  pid = 0;
  bool got = std::fscanf(f, "%ld", &pid) == 1;
  std::fclose(f);
  return got && pid > 0 && (::kill(static_cast<pid_t>(pid), 0) == 0 || errno == EPERM);
}

bool write_pidfile(const std::string& pidfile, std::string& err) {
  std::string tmp = pidfile + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) { err = "pid file " + tmp + ": " + std::strerror(errno); return false; }
  std::string text = std::to_string(::getpid()) + "\n";
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
  ::close(fd);
  if (!ok || ::rename(tmp.c_str(), pidfile.c_str()) != 0) { err = "pid file " + pidfile + ": " + std::strerror(errno); return false; }
  return true;
}

// fence_virtd insists on private config and key files; so do we.
bool make_private(const std::string& path, std::string& err) {
  struct stat st{};
  if (::stat(path.c_str(), &st) != 0) { err = path + ": " + std::strerror(errno); return false; }
  if ((st.st_mode & 077) == 0) return true;
  if (::chmod(path.c_str(), st.st_mode & 0700) != 0) { err = path + ": cannot make it mode 0600: " + std::strerror(errno); return false; }
  return true;
}

int fail(const std::string& msg) {
  std::fprintf(stderr, "halab-fence-virtd: %s\n", msg.c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  std::string conf_path = "/etc/fence_virt.conf";
  std::string pidfile = "/run/halab-fence-virtd.pid";
  bool foreground = false;
  int debug = -1;
  int c;
  while ((c = ::getopt(argc, argv, "Ff:d:cwlp:hV")) != -1) {
    switch (c) {
      case 'F': foreground = true; break;
      case 'f': conf_path = optarg; break;
      case 'd': {
        char* end = nullptr;
        long d = std::strtol(optarg, &end, 10);
        if (*optarg == '\0' || *end != '\0' || d < 0) return fail(std::string("-d: '") + optarg + "' is not a debug level");
        debug = static_cast<int>(d);
        break;
      }
      case 'c': return fail("-c (interactive configuration) is not supported; write the file, see docs/fence-virt.md");
      case 'w': break;
      case 'l':
        std::printf("listeners: multicast tcp vsock (built in)\nbackends: libvirt (built in)\n");
        return 0;
      case 'p': pidfile = optarg; break;
      case 'V': std::printf("halab-fence-virtd %s\n", HALAB_VERSION); return 0;
      case 'h': usage(stdout); return 0;
      default: usage(stderr); return 1;
    }
  }
  if (optind < argc) return fail(std::string("unexpected argument '") + argv[optind] + "'");

  DaemonConfig cfg;
  ConfError cerr;
  if (!load_daemon_config(conf_path, cfg, cerr)) return fail(cerr.text());
  if (debug >= 0) cfg.debug = debug;
  foreground = foreground || cfg.foreground;

  DaemonLog log;
  log.configure(true, cfg.debug);  // stderr until daemonized: start-up errors reach the user
  for (const auto& w : cfg.warnings) log.log(LogLevel::warning, "config.warning", "{}", quoted(w));

  std::string err;
  if (!make_private(conf_path, err)) return fail(err);
  Key key;
  const ListenerConfig& lc = cfg.listener;
  bool need_key = lc.hash != HashType::none || lc.auth != HashType::none;
  std::string contents;
  if (os::read_key_file(lc.key_file, contents, err)) {
    if (!make_private(lc.key_file, err)) return fail(err);
    key = Key::from_contents(std::span(reinterpret_cast<const std::uint8_t*>(contents.data()), contents.size()));
  } else if (need_key) {
    return fail(err + " (listeners/" + to_string(lc.kind) + "/key_file in " + conf_path +
                "; create one with: dd if=/dev/urandom of=" + lc.key_file + " bs=4096 count=1)");
  }

  long other = 0;
  if (pid_alive_in(pidfile, other)) return fail("already running as pid " + std::to_string(other) + " (pid file " + pidfile + ")");

  LibvirtBackend backend(cfg.uris, log);
  if (!backend.connect(err)) return fail(err);
  auto listener = open_listener(lc, err);
  if (!listener) return fail(err);

  if (!foreground) {
    if (::daemon(0, 0) != 0) return fail(std::string("daemon: ") + std::strerror(errno));
    log.configure(false, cfg.debug);
  }
  if (!write_pidfile(pidfile, err)) return fail(err);

  sigset_t block, empty;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  sigaddset(&block, SIGHUP);
  sigprocmask(SIG_BLOCK, &block, nullptr);
  struct sigaction sa{};
  sa.sa_handler = on_signal;
  sigaction(SIGTERM, &sa, nullptr);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGHUP, &sa, nullptr);
  ::signal(SIGPIPE, SIG_IGN);
  sigemptyset(&empty);

  Server server(lc, std::move(key), backend, log, StaticMap(cfg.groups));
  log.log(LogLevel::notice, "daemon.ready", "listener={} where={} hash={} auth={} key={} uris={} groups={} pid={}",
          to_string(lc.kind), quoted(listener->describe()), to_string(lc.hash), to_string(lc.auth), quoted(lc.key_file),
          cfg.uris.size(), cfg.groups.size(), ::getpid());
  while (!g_stop) {
    pollfd p{listener->fd(), POLLIN, 0};
    int n = ::ppoll(&p, 1, nullptr, &empty);  // signals are delivered only here: no lost wake-up
    if (n < 0) {
      if (errno == EINTR) continue;
      log.log(LogLevel::error, "daemon.poll_failed", "error={}", quoted(std::strerror(errno)));
      break;
    }
    if (p.revents & POLLIN) listener->on_readable(server);
  }
  log.log(LogLevel::notice, "daemon.stop", "served={} refused={}", server.stats().served, server.stats().refused);
  ::unlink(pidfile.c_str());
  return 0;
}
