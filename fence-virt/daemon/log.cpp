#include "fence-virt/daemon/log.hpp"

#include <syslog.h>

#include <chrono>
#include <cstdio>
#include <ctime>

namespace halab::fv {

namespace {
const char* name(LogLevel l) {
  switch (l) {
    case LogLevel::error: return "error";
    case LogLevel::warning: return "warning";
    case LogLevel::notice: return "notice";
    case LogLevel::info: return "info";
    case LogLevel::debug: return "debug";
  }
  return "info";
}
}  // namespace

void DaemonLog::configure(bool to_stderr, int debug_level) {
  stderr_ = to_stderr;
  max_ = debug_level > 0 ? static_cast<int>(LogLevel::debug) : static_cast<int>(LogLevel::info);
  if (!stderr_) ::openlog("halab-fence-virtd", LOG_PID, LOG_DAEMON);
}

void DaemonLog::write(LogLevel l, std::string_view event, std::string_view fields) {
  if (!enabled(l)) return;
  if (!stderr_) {
    ::syslog(static_cast<int>(l), "%s %.*s %.*s", name(l), static_cast<int>(event.size()), event.data(),
             static_cast<int>(fields.size()), fields.data());
    return;
  }
  auto now = std::chrono::system_clock::now();
  std::time_t t = std::chrono::system_clock::to_time_t(now);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line = fmt::format("{}.{:03}Z {} {} {}\n", stamp, ms, name(l), event, fields);
  std::fwrite(line.data(), 1, line.size(), stderr);
  std::fflush(stderr);
}

std::string quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') out.push_back('\\');
    if (static_cast<unsigned char>(c) < 0x20) { out += fmt::format("\\x{:02x}", static_cast<unsigned char>(c)); continue; }
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

}  // namespace halab::fv
