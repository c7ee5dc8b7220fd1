#pragma once
// Running commands and waiting for conditions in the tests that drive real
// processes (halab, halabd) from outside.
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <utility>

namespace halab::test {

// `cmd` through sh with stderr folded into stdout: {exit code (-1 if it did
// not exit normally), output}.
inline std::pair<int, std::string> run_shell(const std::string& cmd) {
  FILE* p = ::popen((cmd + " 2>&1").c_str(), "r");
  if (!p) return {-1, ""};
  std::string out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int rc = ::pclose(p);
  return {WIFEXITED(rc) ? WEXITSTATUS(rc) : -1, out};
}

// Polls `pred` every `poll` until it holds or `limit` has passed (then one
// last look).
inline bool wait_until(const std::function<bool()>& pred, std::chrono::milliseconds limit,
                       std::chrono::milliseconds poll = std::chrono::milliseconds(50)) {
  const auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (pred()) return true;
    std::this_thread::sleep_for(poll);
  }
  return pred();
}

}  // namespace halab::test
