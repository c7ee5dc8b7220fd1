// halab simulate: crm_simulate's options and output, on halab's scheduler.
// A CLI tool at the top of the stack: it reads and writes files directly.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "stack/cli/command.hpp"
#include "stack/core/error.hpp"
#include "stack/scheduler/graph_render.hpp"
#include "stack/scheduler/inject.hpp"
#include "stack/scheduler/rules.hpp"
#include "stack/scheduler/scheduler.hpp"

namespace halab::cli {

namespace {

namespace sch = halab::scheduler;

const char* kUsage =
    "usage: halab simulate -x FILE [options]\n"
    "\n"
    "Runs halab's scheduler (pacemaker 2.1.5 behaviour) on a CIB, as crm_simulate does.\n"
    "\n"
    "  -x, --xml-file FILE     the CIB to use\n"
    "  -R, --run               run the scheduler: print status and Transition Summary\n"
    "  -S, --simulate          also execute the transition and print the revised status\n"
    "  -s, --show-scores       print allocation scores\n"
    "  -D, --save-dotfile FILE write the transition graph as DOT\n"
    "      --svg FILE          render the transition graph as SVG (Graphviz)\n"
    "  -G, --save-graph FILE   write the transition graph XML\n"
    "  -t, --set-datetime DATE the time to evaluate rules and failures at (ISO 8601)\n"
    "  -u, --node-up NODE      bring NODE online first\n"
    "  -d, --node-down NODE    take NODE offline (cleanly) first\n"
    "  -f, --node-fail NODE    make NODE fail (unclean) first\n"
    "  -i, --op-inject OP      inject RSC_TASK_INTERVAL@NODE=RC into the history first\n"
    "  -q, --quorum BOOL       set whether the cluster has quorum\n"
    "  -Q, --quiet             print only what was asked for (graphs, scores)\n"
    "  -L, --live-check        not available: halab simulate works on files only\n"
    "      --trace-flags FILE  debugging: write the scheduler's action creations, orderings,\n"
    "                          flag-propagation visits and reasons, in the shape of pacemaker's\n"
    "                          trace log (see docs/simulate.md)\n";

bool write_file(const std::string& path, const std::string& data) {
  std::ofstream f(path, std::ios::binary);
  f << data;
  f.close();
  if (!f) {
    std::fprintf(stderr, "halab simulate: cannot write %s\n", path.c_str());
    return false;
  }
  return true;
}

}  // namespace

int run_simulate(std::span<char*> args) {
  std::string xml_file, dot_file, svg_file, graph_file, when, trace_file;
  bool run = false, simulate = false, scores = false, quiet = false;
  std::vector<std::pair<sch::NodeChange, std::string>> node_changes;
  std::vector<std::string> op_injects;
  std::optional<bool> quorum;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string a = args[i];
    std::string inline_value;
    if (a.rfind("--", 0) == 0) {
      auto eq = a.find('=');
      if (eq != std::string::npos) {
        inline_value = a.substr(eq + 1);
        a = a.substr(0, eq);
      }
    }
    auto value = [&](const char* what) -> std::string {
      if (!inline_value.empty()) return inline_value;
      if (i + 1 >= args.size()) throw core::Error(std::string("option ") + what + " needs a value");
      return args[++i];
    };
    if (a == "-h" || a == "--help") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "-x" || a == "--xml-file") xml_file = value("-x");
    else if (a == "-R" || a == "--run") run = true;
    else if (a == "-S" || a == "--simulate") simulate = run = true;
    else if (a == "-s" || a == "--show-scores") scores = true;
    else if (a == "-D" || a == "--save-dotfile") dot_file = value("-D");
    else if (a == "--svg") svg_file = value("--svg");
    else if (a == "-G" || a == "--save-graph") graph_file = value("-G");
    else if (a == "--trace-flags") trace_file = value("--trace-flags");
    else if (a == "-t" || a == "--set-datetime") when = value("-t");
    else if (a == "-u" || a == "--node-up") node_changes.emplace_back(sch::NodeChange::Up, value("-u"));
    else if (a == "-d" || a == "--node-down") node_changes.emplace_back(sch::NodeChange::Down, value("-d"));
    else if (a == "-f" || a == "--node-fail") node_changes.emplace_back(sch::NodeChange::Fail, value("-f"));
    else if (a == "-i" || a == "--op-inject") op_injects.push_back(value("-i"));
    else if (a == "-q" || a == "--quorum") {
      std::string v = value("-q");
      quorum = v == "true" || v == "1" || v == "yes" || v == "on";
    } else if (a == "-Q" || a == "--quiet") quiet = true;
    else if (a == "--output-as") (void)value("--output-as");
    else if (a == "-L" || a == "--live-check") {
      std::fprintf(stderr, "halab simulate: -L/--live-check is not available; use -x FILE\n");
      return 2;
    } else {
      std::fprintf(stderr, "halab simulate: unknown option '%s'\n%s", a.c_str(), kUsage);
      return 2;
    }
  }
  if (xml_file.empty()) {
    if (const char* env = std::getenv("CIB_file")) xml_file = env;
  }
  if (xml_file.empty()) {
    std::fprintf(stderr, "halab simulate: no CIB given (-x FILE)\n%s", kUsage);
    return 2;
  }
  auto doc = sch::XmlDocument::parse_file(xml_file);
  if (doc.root().name() != "cib") throw core::Error(xml_file + ": root element is <" + std::string(doc.root().name()) + ">, not <cib>");

  sch::ScheduleOptions opts;
  std::string out, date_line;
  if (!when.empty()) {
    auto t = sch::parse_iso8601(when);
    if (!t) throw core::Error("-t '" + when + "': not an ISO 8601 date/time");
    opts.now = *t;
  } else if (auto ed = doc.root().attr("execution-date")) {
    opts.now = std::atoll(ed->c_str());
    std::time_t tt = std::time_t(opts.now);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%SZ", &tm);
    date_line = std::string("Using the original execution date of: ") + buf + "\n";
    out += date_line;
  } else {
    opts.now = static_cast<long long>(std::time(nullptr));  // crm_simulate's default: now
  }

  const bool show_status = !quiet;
  auto before = sch::schedule(doc.root(), opts);
  if (show_status) {
    // crm_mon's summary line, printed when something is disabled or blocked.
    int total = 0, disabled = 0, blocked = 0;
    for (auto& r : before->all_resources) {
      if (r->is_group() || r->orphan) continue;
      ++total;
      const bool off = r->target_role == sch::Role::Stopped || (r->parent && r->parent->target_role == sch::Role::Stopped);
      disabled += off;
      blocked += r->blocked;
    }
    if (disabled + blocked > 0)
      out += std::to_string(disabled) + " of " + std::to_string(total) + " resource instances DISABLED and " +
             std::to_string(blocked) + " BLOCKED from further action due to failure\n\n";
  }
  if (show_status) out += "Current cluster status:\n" + sch::cluster_status(*before, false) + "\n";

  const bool modified = !node_changes.empty() || !op_injects.empty() || quorum.has_value();
  if (modified) {
    if (show_status) out += "Performing Requested Modifications:\n";
    if (quorum) {
      sch::inject_quorum(doc, *quorum);
      if (show_status) out += std::string("  * Setting quorum: ") + (*quorum ? "true" : "false") + "\n";
    }
    // crm_simulate applies node-up, then node-down, then node-fail.
    std::stable_sort(node_changes.begin(), node_changes.end(),
                     [](const auto& a, const auto& b) { return int(a.first) < int(b.first); });
    for (auto& [change, node] : node_changes) {
      sch::inject_node(doc, node, change);
      if (show_status)
        out += change == sch::NodeChange::Up     ? "  * Bringing node " + node + " online\n"
               : change == sch::NodeChange::Down ? "  * Taking node " + node + " offline\n"
                                                 : "  * Failing node " + node + "\n";
    }
    for (auto& spec : op_injects) {
      sch::inject_op(doc, spec);
      if (show_status) out += "  * Injecting " + spec + " into the configuration\n";
    }
    if (show_status) out += "\n";
  }
  // The trace is of the final run (after any modifications), as it is the
  // one whose transition is printed.
  std::vector<std::string> trace;
  if (!trace_file.empty()) {
    opts.flag_trace = &trace;
    if (!modified) before = sch::schedule(doc.root(), opts);
  }
  auto cluster = modified ? sch::schedule(doc.root(), opts) : std::move(before);
  if (!trace_file.empty()) {
    std::string text;
    for (auto& l : trace) text += l + "\n";
    if (!write_file(trace_file, text)) return 1;
  }
  for (auto& w : cluster->warnings) std::fprintf(stderr, "halab simulate: warning: %s\n", w.c_str());

  if (scores) {
    if (show_status) out += "Assignment Scores:\n";
    for (auto& l : sch::allocation_scores(*cluster)) out += l + "\n";
    if (show_status) out += "\n";
  }
  if (run || scores) {
    if (show_status || run) {
      out += "Transition Summary:\n";
      for (auto& l : sch::transition_summary(*cluster)) out += l + "\n";
    }
  }
  if (simulate) {
    out += "\nExecuting Cluster Transition:\n";
    for (auto& l : sch::execution_lines(*cluster)) out += l + "\n";
    out += date_line;  // crm_simulate repeats it after executing
    out += "\nRevised Cluster Status:\n" + sch::cluster_status(*cluster, true);
  }
  std::fputs(out.c_str(), stdout);
  int rc = 0;
  if (!dot_file.empty() && !write_file(dot_file, sch::graph_dot(*cluster))) rc = 1;
  if (!svg_file.empty() && !write_file(svg_file, sch::render_dot(sch::graph_dot(*cluster), "svg"))) rc = 1;
  if (!graph_file.empty() && !write_file(graph_file, sch::graph_xml(*cluster))) rc = 1;
  return rc;
}

}  // namespace halab::cli

// Graphviz (gvc, its plugins, fontconfig) keeps buffers it never frees; LeakSanitizer builds
// (the asan preset) should not report it as ours.
extern "C" const char* __lsan_default_suppressions() { return "leak:libgvc.so\nleak:libfontconfig.so\nleak:libgvplugin\nleak:libpango\nleak:libcairo\n"; }
