// halab cfgtool / quorumtool / cmapctl: corosync-cfgtool, corosync-quorumtool
// and corosync-cmapctl's options and output, talking to halabd's control
// socket (docs/halabd.md).
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "stack/cpg/cpgtool_format.hpp"
#include "stack/daemon/control_client.hpp"

namespace halab::cli {
using daemon::ctl_call;
using daemon::take_state_dir;

namespace {

std::vector<std::string> to_vector(std::span<char*> args) {
  std::vector<std::string> v;
  for (std::size_t i = 1; i < args.size(); ++i) v.emplace_back(args[i]);
  return v;
}

// Sends `req`; on no answer prints `no_daemon` (corosync's wording) and the
// reason. Returns nullopt then.
std::optional<daemon::Response> call(const std::string& dir, daemon::Request req, const char* no_daemon) {
  auto r = ctl_call(dir, req);
  if (!r.response) {
    std::fprintf(stderr, "%s\n(%s)\n", no_daemon, r.error.c_str());
    return std::nullopt;
  }
  return r.response;
}

// Prints the body (stdout on OK, stderr on ERR); 0 on OK, 1 on ERR.
int show(const daemon::Response& r) {
  std::fputs(r.body.c_str(), r.ok() ? stdout : stderr);
  return r.ok() ? 0 : 1;
}

volatile std::sig_atomic_t g_track_stop = 0;
void on_track_signal(int) { g_track_stop = 1; }

// corosync-cmapctl -t KEY / -T PREFIX: prints changes as they come until
// "q" on stdin, SIGINT/SIGTERM, or `timeout_s` (halab's --timeout; 0 = none).
// The daemon buffers the changes (cmap-track-*), the tool polls every 100 ms.
int track(const std::string& dir, const std::string& key, bool prefix, double timeout_s, const char* no_daemon) {
  auto r = call(dir, {"cmap-track-start", {key, prefix ? "prefix" : "key"}}, no_daemon);
  if (!r) return 1;
  if (!r->ok()) return show(*r);
  const std::string id = r->headers["Track-Id"];
  struct sigaction sa {};
  sa.sa_handler = on_track_signal;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
  std::printf("Type \"q\" to finish\n");
  std::fflush(stdout);
  const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s);
  bool stdin_open = true;
  std::string typed;
  int rc = 0;
  while (!g_track_stop) {
    if (timeout_s > 0 && std::chrono::steady_clock::now() >= end) break;
    pollfd p{0, POLLIN, 0};
    if (::poll(&p, stdin_open ? 1 : 0, 100) > 0 && (p.revents & (POLLIN | POLLHUP))) {
      char buf[256];
      const ssize_t n = ::read(0, buf, sizeof buf);
      if (n <= 0) stdin_open = false;  // no terminal: run until a signal or --timeout
      else typed.append(buf, std::size_t(n));
      if (typed.find('q') != std::string::npos) break;
      if (typed.size() > 4096) typed.clear();
    }
    auto polled = ctl_call(dir, {"cmap-track-poll", {id}});
    if (!polled.response || !polled.response->ok()) {
      std::fprintf(stderr, "Tracking ended: %s\n",
                   polled.response ? polled.response->body.c_str() : polled.error.c_str());
      rc = 1;
      break;
    }
    std::fputs(polled.response->body.c_str(), stdout);
    if (auto d = polled.response->headers["Dropped"]; !d.empty() && d != "0")
      std::printf("(%s changes dropped: halabd's buffer for this session was full)\n", d.c_str());
    std::fflush(stdout);
  }
  ctl_call(dir, {"cmap-track-stop", {id}});
  return rc;
}

const char* kCfgNoDaemon = "Could not initialize corosync configuration API error CS_ERR_LIBRARY";

void cfgtool_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: halab cfgtool [--state-dir DIR] [-s] [-a nodeid] [-r] [-R] [-H]\n"
               "  -s          show the status of the links (rings)\n"
               "  -a NODEID   show the addresses of a node\n"
               "  -r          mark FAULTY rings active again (this node)\n"
               "  -R          tell halabd to reload corosync.conf\n"
               "  -H          tell halabd to shut down\n");
}

}  // namespace

int run_cfgtool(std::span<char*> argv) {
  auto args = to_vector(argv);
  const auto dir = take_state_dir(args);
  if (args.empty() || args[0] == "-h" || args[0] == "--help") {
    cfgtool_usage(args.empty() ? stderr : stdout);
    return args.empty() ? 1 : 0;
  }
  daemon::Request req;
  const auto& o = args[0];
  if (o == "-s" && args.size() == 1) req.verb = "cfg-status";
  else if (o == "-a" && args.size() == 2) req = {"cfg-addrs", {args[1]}};
  else if (o == "-R" && args.size() == 1) req.verb = "cfg-reload";
  else if (o == "-r" && args.size() == 1) req.verb = "cfg-reset-rings";
  else if (o == "-H" && args.size() == 1) req.verb = "cfg-shutdown";
  else {
    cfgtool_usage(stderr);
    return 1;
  }
  auto r = call(dir, req, kCfgNoDaemon);
  if (!r) return 1;
  if (req.verb == "cfg-reload") {
    std::printf("Reloading corosync.conf...\n");
    if (!r->ok()) {
      std::fprintf(stderr, "Could not reload configuration. Error %s\n", r->error.c_str());
      return show(*r);
    }
    std::fputs(r->body.c_str(), stdout);
    std::printf("Done\n");
    return 0;
  }
  if (req.verb == "cfg-reset-rings" && r->ok()) {
    std::printf("Re-enabling all failed rings.\n");
    return 0;
  }
  if (req.verb == "cfg-shutdown" && r->ok()) {
    std::printf("Shutting down halabd\n");
    return 0;
  }
  if (req.verb == "cfg-status") std::printf("Printing link status.\n");
  return show(*r);
}

int run_quorumtool(std::span<char*> argv) {
  auto args = to_vector(argv);
  const auto dir = take_state_dir(args);
  bool status = false, list = false, hex = false, ips = false;
  std::string expected, votes, nodeid;
  auto usage = [](std::FILE* f) {
    std::fprintf(f,
                 "usage: halab quorumtool [--state-dir DIR] [-s] [-l] [-H] [-i] [-e expected] [-v votes [-n nodeid]]\n"
                 "  -s  show quorum status (exit 0 quorate, 2 not quorate)\n"
                 "  -l  list nodes\n"
                 "  -H  node ids in hexadecimal\n"
                 "  -i  node addresses instead of names\n"
                 "  -e  change expected votes for the cluster\n"
                 "  -v  change the votes of a node (-n, default this node)\n");
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    auto value = [&](std::string& out) {
      if (i + 1 >= args.size()) return false;
      out = args[++i];
      return true;
    };
    if (a == "-s") status = true;
    else if (a == "-l") list = true;
    else if (a == "-H") hex = true;
    else if (a == "-i") ips = true;
    else if (a == "-e" && value(expected)) {}
    else if (a == "-v" && value(votes)) {}
    else if (a == "-n" && value(nodeid)) {}
    else if (a == "-h" || a == "--help") return usage(stdout), 0;
    else return usage(stderr), 1;
  }
  if (!status && !list && expected.empty() && votes.empty()) status = true;  // corosync's default is -s
  const char* no_daemon = "Cannot initialize QUORUM service";
  if (!expected.empty()) {
    auto r = call(dir, {"quorum-expected", {expected}}, no_daemon);
    if (!r) return 1;
    if (!r->ok()) return std::fprintf(stderr, "Unable to set expected votes: %s", r->body.c_str()), 1;
  }
  if (!votes.empty()) {
    if (nodeid.empty()) {
      auto p = call(dir, {"ping", {}}, no_daemon);
      if (!p) return 1;
      nodeid = p->headers["Node-Id"];
    }
    auto r = call(dir, {"quorum-votes", {nodeid, votes}}, no_daemon);
    if (!r) return 1;
    if (!r->ok()) return std::fprintf(stderr, "Unable to set votes %s for nodeid: %s: %s", votes.c_str(),
                                      nodeid.c_str(), r->body.c_str()), 1;
  }
  if (!status && !list) return 0;
  daemon::Request req{status ? "quorum-status" : "quorum-list", {}};
  if (hex) req.args.push_back("hex");
  if (ips) req.args.push_back("ips");
  auto r = call(dir, req, no_daemon);
  if (!r) return 1;
  if (!r->ok()) return show(*r);
  std::fputs(r->body.c_str(), stdout);
  if (status && r->headers["Quorate"] != "yes") return 2;
  return 0;
}

int run_cmapctl(std::span<char*> argv) {
  auto args = to_vector(argv);
  const auto dir = take_state_dir(args);
  const char* no_daemon = "Failed to initialize the cmap API. Error CS_ERR_LIBRARY";
  auto usage = [](std::FILE* f) {
    std::fprintf(f,
                 "usage: halab cmapctl [--state-dir DIR] [-b] [-q] [-g key...] [-s key type value] [-d key...]\n"
                 "                     [-D prefix...] [-t key | -T prefix [--timeout SECONDS]] [prefix...]\n"
                 "  (no option)  print every key, or the keys under each PREFIX\n"
                 "  -g KEY       print one key   (-q: its value only)\n"
                 "  -s KEY TYPE VALUE   set a key; TYPE is [i|u][8|16|32|64], flt, dbl, str or bin\n"
                 "                      (bin: VALUE is a file name, - for stdin)\n"
                 "  -d KEY       delete a key;  -D PREFIX: delete every key under it\n"
                 "  -t KEY       track changes of a key;  -T PREFIX: of every key under it\n"
                 "               (until \"q\", SIGINT or --timeout SECONDS)\n"
                 "  -b           accepted for corosync's sake: binary values always print in hex\n");
  };
  enum class Mode { list, get, set, del, del_prefix, track, track_prefix } mode = Mode::list;
  bool quiet = false;
  double timeout_s = 0;
  std::vector<std::string> params;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "-b") continue;
    if (a == "--timeout" || a.rfind("--timeout=", 0) == 0) {
      const std::string v = a == "--timeout" ? (i + 1 < args.size() ? args[++i] : "") : a.substr(10);
      char* e = nullptr;
      timeout_s = std::strtod(v.c_str(), &e);
      if (v.empty() || *e || timeout_s <= 0) {
        std::fprintf(stderr, "halab cmapctl: --timeout: '%s' is not a number of seconds\n", v.c_str());
        return 1;
      }
      continue;
    }
    if (a == "-q") quiet = true;
    else if (a == "-g") mode = Mode::get;
    else if (a == "-s") mode = Mode::set;
    else if (a == "-d") mode = Mode::del;
    else if (a == "-D") mode = Mode::del_prefix;
    else if (a == "-t") mode = Mode::track;
    else if (a == "-T") mode = Mode::track_prefix;
    else if (a == "-h" || a == "--help") return usage(stdout), 0;
    else if (!a.empty() && a[0] == '-') return usage(stderr), 1;
    else params.push_back(a);
  }
  int rc = 0;
  switch (mode) {
    case Mode::track:
    case Mode::track_prefix:
      if (params.size() != 1) return usage(stderr), 1;
      return track(dir, params[0], mode == Mode::track_prefix, timeout_s, no_daemon);
    case Mode::list: {
      if (params.empty()) params.push_back("");
      for (const auto& p : params) {
        daemon::Request req{"cmap-list", {}};
        if (!p.empty()) req.args.push_back(p);
        auto r = call(dir, req, no_daemon);
        if (!r) return 1;
        rc |= show(*r);
      }
      return rc;
    }
    case Mode::get:
      if (params.empty()) return usage(stderr), 1;
      for (const auto& k : params) {
        auto r = call(dir, {"cmap-get", {k}}, no_daemon);
        if (!r) return 1;
        if (r->ok() && quiet) std::printf("%s\n", r->headers["Value"].c_str());
        else rc |= show(*r);
      }
      return rc;
    case Mode::set: {
      if (params.size() != 3) return usage(stderr), 1;
      std::string value = params[2];
      if (params[1] == "bin") {
        std::ostringstream data;
        if (value == "-") data << std::cin.rdbuf();
        else {
          std::ifstream in(value, std::ios::binary);
          if (!in) return std::fprintf(stderr, "Can't open file %s\n", value.c_str()), 1;
          data << in.rdbuf();
        }
        value.clear();
        static const char* hexd = "0123456789abcdef";
        for (unsigned char c : data.str()) value += hexd[c >> 4], value += hexd[c & 15];
      }
      auto r = call(dir, {"cmap-set", {params[0], params[1], value}}, no_daemon);
      if (!r) return 1;
      return show(*r);
    }
    case Mode::del:
    case Mode::del_prefix:
      if (params.empty()) return usage(stderr), 1;
      for (const auto& k : params) {
        auto r = call(dir, {mode == Mode::del ? "cmap-delete" : "cmap-delete-prefix", {k}}, no_daemon);
        if (!r) return 1;
        rc |= show(*r);
      }
      return rc;
  }
  return 0;
}

int run_cpgtool(std::span<char*> argv) {
  auto args = to_vector(argv);
  const auto dir = take_state_dir(args);
  // Checked here too, so a usage error needs no daemon (as corosync-cpgtool's getopt).
  auto parsed = cpg::parse_cpgtool_args(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "halab cpgtool: %s\n%s", parsed.error.c_str(), cpg::cpgtool_usage("halab cpgtool").c_str());
    return 1;
  }
  if (parsed.options.help) {
    std::fputs(cpg::cpgtool_usage("halab cpgtool").c_str(), stdout);
    return 0;
  }
  auto r = call(dir, {"cpg-list", args}, "Couldn't initialise CPG service");
  if (!r) return 1;
  return show(*r);
}

// cibadmin's query of the running cluster's CIB (this node's copy: reads
// are local, as in pacemaker). Only -Q / --query so far.
int run_cibadmin(std::span<char*> argv) {
  auto args = to_vector(argv);
  const auto dir = take_state_dir(args);
  bool query = false;
  for (const auto& a : args) {
    if (a == "-Q" || a == "--query") {
      query = true;
    } else if (a == "-h" || a == "--help") {
      std::fputs("usage: halab cibadmin -Q|--query [--state-dir DIR]\n  print the running cluster's CIB\n", stdout);
      return 0;
    } else {
      std::fprintf(stderr, "halab cibadmin: unknown option '%s' (only -Q/--query is supported)\n", a.c_str());
      return 1;
    }
  }
  if (!query) {
    std::fputs("halab cibadmin: say what to do: -Q (query)\n", stderr);
    return 1;
  }
  auto r = call(dir, {"cib-query", {}}, "Could not connect to the CIB manager: Transport endpoint is not connected");
  if (!r) return 102;  // cibadmin's exit status when it cannot connect
  return show(*r);
}

}  // namespace halab::cli
