// halabd: one node's daemon. Today it hosts the messaging layer (Node:
// Totem, votequorum, cmap); the CIB, controller, executor and fencer join it
// through Node::add_service as they land. See docs/halabd.md.
//
//   halabd [--config FILE] [--state-dir DIR] [--nodeid N] [--foreground]
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>

#include "stack/core/error.hpp"
#include "stack/core/real/real_world.hpp"
#include "stack/core/real/syslog_sink.hpp"
#include "stack/daemon/hosted.hpp"
#include "stack/daemon/control.hpp"
#include "stack/daemon/control_server.hpp"
#include "stack/daemon/crm_service.hpp"
#include "stack/daemon/file_shared_disk.hpp"
#include "stack/daemon/host.hpp"
#include "stack/daemon/node.hpp"
#include "stack/fencer/real/watchdogs.hpp"
#include "stack/totem/authkey_file.hpp"
#include "stack/totem/totem_service.hpp"

using namespace halab;

namespace {

struct Args {
  std::string config = "/etc/halab/corosync.conf";
  std::string state_dir = "/var/lib/halab";
  bool foreground = false;
  bool realtime = true;
  std::string watchdog = "process";
  std::optional<std::uint32_t> nodeid;  // which nodelist entry is this node, when several are local
};

void usage(std::FILE* out) {
  std::fprintf(out,
               "usage: halabd [--config FILE] [--state-dir DIR] [--nodeid N] [--foreground]\n"
               "  --config FILE     corosync.conf to run (default /etc/halab/corosync.conf)\n"
               "  --state-dir DIR   state directory, control socket DIR/halabd.sock\n"
               "                    (default $HALAB_STATE_DIR, else /var/lib/halab)\n"
               "  --nodeid N        this node is the nodelist entry with node id N (needed when\n"
               "                    several entries are addresses of this host, e.g. 127.0.0.x;\n"
               "                    totem.interface.bindnetaddr set to the address also says it)\n"
               "  --foreground, -f  do not daemonize\n"
               "  --no-realtime, -p do not run with real-time priority (SCHED_RR), as corosync -p\n"
               "  --watchdog WD     self-fencing watchdog when the CIB sets stonith-watchdog-timeout:\n"
               "                    process (default: a guard process that kills halabd) or none\n");
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw core::Error("cannot read " + path, std::error_code(errno, std::generic_category()));
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Loaded {
  std::string text;
  config::CorosyncConf conf;
  std::vector<std::string> warnings;
};

// The quorum disk's options when quorum.device.model is disk; throws
// core::Error (file:line: error: key: message) for bad options, a missing
// path, or a path this host cannot open read-write.
std::optional<quorum::DiskOptions> disk_options(const config::CorosyncConf& conf, const std::string& file) {
  const auto& d = conf.quorum.device;
  if (!d || d->model != "disk") return std::nullopt;
  auto where = [&](const std::string& key) {
    auto it = d->model_option_lines.find(key);
    return file + ":" + std::to_string(it != d->model_option_lines.end() ? it->second : d->line) + ": error: ";
  };
  quorum::DiskOptions o;
  if (auto e = quorum::disk_options(*d, o); !e.empty()) throw core::Error(where(e.substr(19, e.find(':') - 19)) + e);
  if (o.path.empty())
    throw core::Error(where("path") + "quorum.device.disk.path: missing (the shared file or block device every node reaches)");
  if (auto why = daemon::FileSharedDisk::check_path(o.path); !why.empty())
    throw core::Error(where("path") + "quorum.device.disk.path: " + why);
  return o;
}

// Every nodelist entry's node id: the quorum disk's slots.
std::vector<quorum::NodeId> nodelist_ids(const config::CorosyncConf& conf) {
  std::vector<quorum::NodeId> ids;
  for (const auto& n : conf.nodelist) {
    if (n.nodeid) ids.push_back(*n.nodeid);
    else if (auto a = core::Ipv4::parse(n.ring0_addr)) ids.push_back(totem::node_id_for(conf, *a));
  }
  return ids;
}

// Parses and checks the configuration; throws core::Error with every error
// line (file:line: error: key: message).
Loaded load_config(const std::string& path) {
  Loaded l;
  l.text = read_file(path);
  auto r = config::parse_corosync_conf(l.text, path);
  std::string errors;
  for (const auto& d : r.diagnostics) {
    if (d.severity == config::Diagnostic::Severity::error) errors += (errors.empty() ? "" : "\n") + d.to_string();
    else l.warnings.push_back(d.to_string());
  }
  if (!errors.empty()) throw core::Error(errors);
  l.conf = std::move(r.conf);
  if (auto e = daemon::resolve_nodelist(l.conf, path); !e.empty()) throw core::Error(e);
  disk_options(l.conf, path);
  return l;
}

std::string key_path(const config::CorosyncConf& conf, const std::string& config_path) {
  if (!conf.totem.keyfile.empty()) return conf.totem.keyfile;
  auto dir = std::filesystem::path(config_path).parent_path();
  return (dir.empty() ? std::filesystem::path(".") : dir).append("authkey").string();
}

void apply_logging(core::Logger& logger, const config::LoggingConf& l, bool foreground) {
  using Stamp = core::StreamSink::Stamp;
  logger.clear_sinks();
  const Stamp stamp = l.timestamp ? Stamp::wall : Stamp::none;
  if (l.to_stderr && foreground) logger.add_sink(std::make_shared<core::StreamSink>(stderr, false, stamp));
  if (l.to_logfile && !l.logfile.empty()) logger.add_sink(core::StreamSink::open_file(l.logfile, Stamp::wall));
  if (l.to_syslog) {
    int facility = core::real::SyslogSink::default_facility();
    core::real::SyslogSink::parse_facility(l.syslog_facility, facility);
    logger.add_sink(std::make_shared<core::real::SyslogSink>("halabd", facility));
  }
  auto level = [](const std::string& d) {
    return d == "trace" ? core::Level::trace : d == "on" ? core::Level::debug : core::Level::info;
  };
  logger.set_level(level(l.debug));
  for (const auto& s : l.logger_subsys)
    if (s.debug) logger.set_level(s.subsys, level(*s.debug));
}

// The parent waits on this pipe until the child is serving (one byte 0) or
// has failed (the message); so `halabd` without -f reports start-up errors.
struct ReadyPipe {
  int fd = -1;
  void ok() {
    if (fd < 0) return;
    const char zero = 0;
    (void)!::write(fd, &zero, 1);
    ::close(fd);
    fd = -1;
  }
  void fail(const std::string& msg) {
    if (fd < 0) return;
    (void)!::write(fd, msg.data(), msg.size());
    ::close(fd);
    fd = -1;
  }
};

int run(const Args& args, ReadyPipe& ready) {
  auto loaded = load_config(args.config);
  const auto& conf = loaded.conf;

  core::Bytes key;
  if (conf.totem.crypto_cipher != config::Cipher::none || conf.totem.crypto_hash != config::Hash::none)
    key = totem::read_authkey_file(key_path(conf, args.config));

  const auto addrs = daemon::find_local_addresses(conf, daemon::local_interfaces(), args.nodeid);
  std::filesystem::create_directories(args.state_dir);
  ::chmod(args.state_dir.c_str(), 0700);

  core::real::RealWorld world({daemon::local_node_name(conf, addrs[0]), args.state_dir, std::nullopt, {}});
  apply_logging(world.logger(), conf.logging, args.foreground);
  auto log = core::Log(world.logger(), "MAIN");
  for (const auto& w : loaded.warnings) log.warning("{}", w);

  const std::string sock = args.state_dir + "/" + daemon::kSocketName;
  bool stopping = false;
  daemon::ControlHooks hooks;
  hooks.version = HALAB_VERSION;
  hooks.pid = ::getpid();
  hooks.shutdown = [&] { stopping = true; };

  // The quorum disk outlives the node that uses it.
  std::unique_ptr<daemon::FileSharedDisk> disk;
  if (auto dopt = disk_options(conf, args.config)) {
    try {
      disk = std::make_unique<daemon::FileSharedDisk>(dopt->path, nodelist_ids(conf));
    } catch (const core::Error& e) {
      const auto& d = *conf.quorum.device;
      auto it = d.model_option_lines.find("path");
      throw core::Error(args.config + ":" + std::to_string(it != d.model_option_lines.end() ? it->second : d.line) +
                        ": error: quorum.device.disk.path: " + e.what());
    }
    log.notice("quorum disk {}: {}-byte sectors, {}", dopt->path, disk->sector_size(),
               disk->direct() ? "O_DIRECT|O_DSYNC" : "O_DSYNC (no O_DIRECT here)");
  }

  // The control socket first: "already running" must win over "cannot bind".
  std::unique_ptr<daemon::Node> node;
  daemon::ControlServer server(world.io(), sock, [&](const daemon::Request& r, const daemon::ControlServer::Reply& reply) {
    if (!node) return reply(daemon::Response::fail("CS_ERR_TRY_AGAIN", "halabd is starting\n"));
    try {
      if (node->handle_async_request(r, reply)) return;
      reply(daemon::handle_request(*node, r, hooks));
    } catch (const std::exception& e) {
      // A request must never take the node down; say what failed instead.
      log.error("control request '{}' failed: {}", r.verb, e.what());
      reply(daemon::Response::fail("CS_ERR_LIBRARY", std::string(e.what()) + "\n"));
    }
  });
  server.set_after_response([&] {
    if (stopping) world.stop();
  });

  // The self-fencing watchdog, unarmed until the CIB sets
  // stonith-watchdog-timeout (CrmService arms it).
  std::unique_ptr<fencer::Watchdog> watchdog;
  if (args.watchdog == "process") {
    watchdog = std::make_unique<fencer::real::ProcessWatchdog>();
  } else if (args.watchdog != "none") {
    // A device starts counting when opened and cannot be re-armed after
    // its magic close; halabd does not drive one yet.
    throw core::Error("--watchdog " + args.watchdog + ": only 'process' and 'none' are supported");
  }

  daemon::NodeOptions no;
  no.conf = conf;
  no.conf_text = loaded.text;
  no.key = key;
  no.local_addrs = addrs;
  no.state_dir = args.state_dir;
  no.shared_disk = disk.get();
  auto env = world.env();
  log.notice("halabd {} starting: node {} ({}), config {}, state {}", HALAB_VERSION, world.node(),
             addrs[0].to_string(), args.config, args.state_dir);
  node = std::make_unique<daemon::Node>(env, no);
  daemon::add_hosted_services(*node);
  if (watchdog)
    if (auto* crm = node->find_service<daemon::CrmService>()) crm->set_watchdog(std::move(watchdog));
  hooks.reload = [&]() -> daemon::Response {
    try {
      auto fresh = load_config(args.config);
      cmap::load_config(node->cmap(), fresh.conf, node->node_id());
      apply_logging(world.logger(), fresh.conf.logging, args.foreground);
      std::string note;
      if (fresh.conf.effective_token() != conf.effective_token() ||
          fresh.conf.totem.transport != conf.totem.transport || fresh.conf.nodelist.size() != conf.nodelist.size())
        note = "totem settings and the nodelist take effect at the next start\n";
      log.notice("configuration reloaded from {}", args.config);
      daemon::Response r;
      r.body = note;
      return r;
    } catch (const std::exception& e) {
      return daemon::Response::fail("CS_ERR_INVALID_PARAM", std::string(e.what()) + "\n");
    }
  };

  {
    std::ofstream pid(args.state_dir + "/halabd.pid", std::ios::trunc);
    pid << ::getpid() << "\n";
  }
  // Totem's token must be passed on time even on a CPU-loaded machine, or a
  // busy moment looks like a failed node (a false membership change).
  // corosync runs SCHED_RR at the highest priority for the same reason.
  // Agents and other children go back to normal scheduling at fork.
  if (args.realtime) {
    sched_param sp{};
    sp.sched_priority = ::sched_get_priority_max(SCHED_RR);
    if (::sched_setscheduler(0, SCHED_RR | SCHED_RESET_ON_FORK, &sp) != 0)
      log.warning("cannot run with real-time priority (SCHED_RR): {}; a loaded machine may delay the token",
                  std::strerror(errno));
  }
  // SIGTERM / SIGINT: a clean shutdown through the cluster (the DC moves this
  // node's resources away first, pacemaker's do_shutdown); a second signal
  // stops at once.
  boost::asio::signal_set signals(world.io(), SIGTERM, SIGINT);
  int signals_seen = 0;
  std::function<void()> wait_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& ec, int sig) {
      if (ec) return;
      auto* crm = node ? node->find_service<daemon::CrmService>() : nullptr;
      if (++signals_seen == 1 && crm) {
        log.notice("signal {}: shutting down cleanly (a second signal stops at once)", sig);
        crm->request_shutdown([&] { world.stop(); });
      } else {
        world.stop();
      }
      wait_signal();
    });
  };
  wait_signal();
  ready.ok();
  world.run();
  log.notice("halabd shutting down{}", stopping ? " (cfgtool -H)" : "");
  node.reset();
  ::unlink((args.state_dir + "/halabd.pid").c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Args args;
  if (const char* s = std::getenv("HALAB_STATE_DIR"); s && *s) args.state_dir = s;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char* opt) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "halabd: %s needs a value\n", opt);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--config" || a == "-c") args.config = value("--config");
    else if (a.rfind("--config=", 0) == 0) args.config = a.substr(9);
    else if (a == "--state-dir") args.state_dir = value("--state-dir");
    else if (a.rfind("--state-dir=", 0) == 0) args.state_dir = a.substr(12);
    else if (a == "--nodeid" || a.rfind("--nodeid=", 0) == 0) {
      const std::string v = a == "--nodeid" ? value("--nodeid") : a.substr(9);
      char* end = nullptr;
      errno = 0;
      const unsigned long long id = std::strtoull(v.c_str(), &end, 0);
      if (v.empty() || *end || errno || id == 0 || id > 0xffffffffULL || v[0] == '-') {
        std::fprintf(stderr, "halabd: --nodeid: '%s' is not a node id (1..4294967295)\n", v.c_str());
        return 2;
      }
      args.nodeid = std::uint32_t(id);
    } else if (a == "--foreground" || a == "-f") args.foreground = true;
    else if (a == "--no-realtime" || a == "-p") args.realtime = false;
    else if (a == "--watchdog") args.watchdog = value("--watchdog");
    else if (a.rfind("--watchdog=", 0) == 0) args.watchdog = a.substr(11);
    else if (a == "--help" || a == "-h") return usage(stdout), 0;
    else if (a == "--version" || a == "-v") return std::printf("halabd %s\n", HALAB_VERSION), 0;
    else {
      std::fprintf(stderr, "halabd: unknown option '%s'\n", a.c_str());
      usage(stderr);
      return 2;
    }
  }
  // Absolute paths: the background daemon leaves the working directory.
  if (!args.state_dir.empty() && args.state_dir.front() != '/')
    args.state_dir = std::filesystem::absolute(args.state_dir).string();
  if (!args.config.empty() && args.config.front() != '/') args.config = std::filesystem::absolute(args.config).string();
  ::signal(SIGPIPE, SIG_IGN);

  ReadyPipe ready;
  if (!args.foreground) {
    int fds[2];
    if (::pipe2(fds, O_CLOEXEC) != 0) return std::perror("halabd: pipe"), 1;
    const pid_t pid = ::fork();
    if (pid < 0) return std::perror("halabd: fork"), 1;
    if (pid > 0) {
      ::close(fds[1]);
      std::string msg;
      char buf[512];
      ssize_t n;
      while ((n = ::read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0) msg.append(buf, std::size_t(n));
      if (msg.size() == 1 && msg[0] == 0) return 0;
      std::fprintf(stderr, "halabd: %s\n", msg.empty() ? "exited during start-up" : msg.c_str());
      return 1;
    }
    ::close(fds[0]);
    ready.fd = fds[1];
    ::setsid();
    ::umask(0077);
    if (::chdir("/") != 0) { /* "/" always exists; nothing depends on the cwd */ }
    const int null = ::open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
  }
  try {
    return run(args, ready);
  } catch (const std::exception& e) {
    if (ready.fd >= 0) ready.fail(e.what());
    else std::fprintf(stderr, "halabd: %s\n", e.what());
    return 1;
  }
}
