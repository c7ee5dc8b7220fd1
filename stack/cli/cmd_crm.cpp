// `halab crm`: crmsh's command line. With CIB_file=PATH it works on that
// file. Command mode (`halab crm configure primitive ...`), scripts
// (`-f FILE`), commands on stdin, and interactive use with levels.
// `halab ra ...` is `halab crm ra ...`.
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <iostream>
#include <span>
#include <string>

#include "stack/cli/crm_host.hpp"
#include "stack/shell/lexer.hpp"

namespace halab::cli {

namespace {

const char* kUsage =
    "usage: halab crm [-F] [-f FILE] [--state-dir DIR] [LEVEL COMMAND ...]\n"
    "  crmsh's shell. With CIB_file=PATH in the environment it works on that CIB file;\n"
    "  otherwise on the running cluster, through halabd's control socket in DIR\n"
    "  (--state-dir, $HALAB_STATE_DIR, else /var/lib/halab)\n"
    "  -F, --force     commit even when verify reports errors\n"
    "  -f, --file FILE run the commands in FILE\n"
    "  without arguments: commands from stdin (a session; EOF commits), or a prompt on a terminal\n";

std::string quote_arg(const std::string& a) {
  if (!a.empty() && a.find_first_of(" \t'\"\\") == std::string::npos) return a;
  std::string o = "'";
  for (char c : a) o += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return o + "'";
}

int run_shell(std::span<char*> args, bool ra_only) {
  shell::SessionOptions opts;
  std::string file, state_dir;
  std::vector<std::string> words;
  if (ra_only) words.push_back("ra");
  for (std::size_t i = 1; i < args.size(); ++i) {
    std::string a = args[i];
    if (words.size() > (ra_only ? 1u : 0u) || ra_only) {
      words.push_back(a);
      continue;
    }
    if (a == "-h" || a == "--help") {
      std::printf("%s", kUsage);
      return 0;
    } else if (a == "-F" || a == "--force") {
      opts.force = true;
    } else if ((a == "-f" || a == "--file") && i + 1 < args.size()) {
      file = args[++i];
    } else if (a.rfind("--file=", 0) == 0) {
      file = a.substr(7);
    } else if (a == "--state-dir" && i + 1 < args.size()) {
      state_dir = args[++i];
    } else if (a.rfind("--state-dir=", 0) == 0) {
      state_dir = a.substr(12);
    } else if (a == "-D" || a == "-o" || a == "-H") {
      ++i;  // display / option / history settings: accepted, no effect
    } else if (a == "-d" || a == "-R" || a == "-w" || a == "--wait" || a == "-n" || a == "-y") {
    } else if (!a.empty() && a[0] == '-') {
      std::fprintf(stderr, "halab crm: unknown option %s\n%s", a.c_str(), kUsage);
      return 2;
    } else {
      words.push_back(a);
    }
  }
  CrmHost host(state_dir);
  cib::SchemaValidator schema;
  shell::Session session(host, schema, opts);
  bool ok = true;
  if (!words.empty()) {
    std::string line;
    for (auto& w : words) line += (line.empty() ? "" : " ") + quote_arg(w);
    ok = session.execute(line);
    ok = session.finish() && ok;
    return ok ? 0 : 1;
  }
  if (!file.empty() || !::isatty(0)) {
    std::string text;
    if (!file.empty()) {
      auto t = host.read_file(file);
      if (!t) {
        std::fprintf(stderr, "ERROR: cannot read %s\n", file.c_str());
        return 1;
      }
      text = *t;
    } else {
      text = *host.read_file("-");
    }
    for (auto& ll : shell::logical_lines(text)) {
      if (!session.execute(ll.text, ll.line)) ok = false;
      if (session.quit_requested()) break;
    }
    ok = session.finish() && ok;
    return ok ? 0 : 1;
  }
  opts.interactive = true;
  std::string line;
  for (;;) {
    std::fputs(session.prompt().c_str(), stdout);
    std::fflush(stdout);
    if (!std::getline(std::cin, line)) {
      std::fputs("\n", stdout);
      break;
    }
    std::string full = line;
    while (!full.empty() && full.back() == '\\' && std::getline(std::cin, line)) {
      full.pop_back();
      full += line;
    }
    session.execute(full);
    if (session.quit_requested()) break;
  }
  return session.finish() ? 0 : 1;
}

}  // namespace

int run_crm(std::span<char*> args) { return run_shell(args, false); }
int run_ra(std::span<char*> args) { return run_shell(args, true); }

}  // namespace halab::cli
