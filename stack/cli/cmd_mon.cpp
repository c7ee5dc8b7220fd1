// `halab mon` (and `halab crm status`): crm_mon's view of the CIB named by
// CIB_file, or else of the running cluster's (halabd's `cib-query` on the
// control socket under --state-dir / HALAB_STATE_DIR), one-shot (-1) or
// redrawn every -i seconds until interrupted.
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <span>
#include <string>
#include <thread>

#include "stack/core/error.hpp"
#include "stack/daemon/control_client.hpp"
#include "stack/mon/mon.hpp"

namespace halab::cli {

namespace {

const char* kUsage =
    "usage: halab mon [-1] [-r] [-f] [-A] [-o] [-n] [-i SEC] [--output-as=text]\n"
    "  crm_mon's view of the cluster: the running one (halabd, --state-dir DIR), or with\n"
    "  CIB_file=PATH that CIB file.\n"
    "  -1, --one-shot            print once and exit\n"
    "  -i, --interval SEC        redraw every SEC seconds (default 5) until interrupted\n"
    "  -r, --inactive            list inactive resources too (Full List of Resources)\n"
    "  -A, --show-node-attributes  node attributes\n"
    "  -f, --failcounts          Migration Summary (fail counts)\n"
    "  -o, -n                    accepted; operations and group-by-node are not shown yet\n";

volatile sig_atomic_t g_stop = 0;
void on_signal(int) { g_stop = 1; }

long long wall_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// The CIB to show: CIB_file's, else the running cluster's through halabd.
// Throws core::Error naming what failed.
scheduler::XmlDocument load_cib(const char* file, const std::string& state_dir) {
  if (file && *file) return scheduler::XmlDocument::parse_file(file);
  auto r = daemon::ctl_call(state_dir, {"cib-query", {}});
  if (!r.response) throw core::Error("Connection to cluster failed: " + r.error);
  if (!r.response->ok()) throw core::Error("cib-query: " + r.response->error + ": " + r.response->body);
  return scheduler::XmlDocument::parse_string(r.response->body, "cib-query");
}

}  // namespace

// Shared with `halab crm status` and `crm resource locate/list`.
bool mon_print(const std::vector<std::string>& args_in, bool one_shot_default) {
  std::vector<std::string> args = args_in;
  const std::string state_dir = daemon::take_state_dir(args);
  mon::MonOptions o;
  bool one_shot = one_shot_default;
  int interval = 5;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "-1" || a == "--one-shot") one_shot = true;
    else if (a == "-r" || a == "--inactive" || a == "inactive" || a == "full") o.inactive = true;
    else if (a == "-A" || a == "--show-node-attributes") o.node_attributes = true;
    else if (a == "-f" || a == "--failcounts" || a == "failcounts") o.failcounts = true;
    else if (a == "-o" || a == "--operations") o.operations = true;
    else if (a == "-n" || a == "--group-by-node" || a == "bynode") {
    } else if ((a == "-i" || a == "--interval") && i + 1 < args.size()) interval = std::max(1, std::atoi(args[++i].c_str()));
    else if (a.starts_with("--interval=")) interval = std::max(1, std::atoi(a.c_str() + 11));
    else if (a == "--output-as=text" || a == "simple" || a == "-s") {
    } else if (a.starts_with("--output-as")) {
      std::fprintf(stderr, "halab mon: only text output is implemented yet (%s)\n", a.c_str());
      return false;
    } else if (a == "-h" || a == "--help") {
      std::printf("%s", kUsage);
      return true;
    } else {
      std::fprintf(stderr, "halab mon: unknown option %s\n%s", a.c_str(), kUsage);
      return false;
    }
  }
  const char* file = std::getenv("CIB_file");
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  for (;;) {
    std::string text;
    try {
      auto doc = load_cib(file, state_dir);
      o.now = wall_now();
      text = mon::render_text(doc.root(), o);
    } catch (const core::Error& e) {
      std::fprintf(stderr, "crm_mon: %s\n", e.what());
      return false;
    }
    if (!one_shot && ::isatty(1)) std::fputs("\x1b[H\x1b[2J", stdout);
    std::fputs(text.c_str(), stdout);
    std::fflush(stdout);
    if (one_shot) return true;
    for (int t = 0; t < interval * 10 && !g_stop; ++t) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (g_stop) return true;
    if (!::isatty(1)) std::fputs("\n", stdout);
  }
}

bool locate_print(const std::string& rsc) {
  const char* file = std::getenv("CIB_file");
  if (!file || !*file) return false;
  try {
    auto doc = scheduler::XmlDocument::parse_file(file);
    std::fputs(mon::locate_text(doc.root(), rsc).c_str(), stdout);
    return true;
  } catch (const core::Error& e) {
    std::fprintf(stderr, "ERROR: %s\n", e.what());
    return true;
  }
}

int run_mon(std::span<char*> args) {
  std::vector<std::string> a(args.begin() + 1, args.end());
  return mon_print(a, false) ? 0 : 1;
}

}  // namespace halab::cli
