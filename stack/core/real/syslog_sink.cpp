#include "stack/core/real/syslog_sink.hpp"

#include <syslog.h>

#include <cctype>

namespace halab::core::real {

SyslogSink::SyslogSink(std::string ident, int facility) : ident_(std::move(ident)) {
  ::openlog(ident_.c_str(), LOG_PID | LOG_NDELAY, facility);
}

SyslogSink::~SyslogSink() { ::closelog(); }

int SyslogSink::default_facility() { return LOG_DAEMON; }

int SyslogSink::priority(Level level) {
  switch (level) {
    case Level::crit: return LOG_CRIT;
    case Level::error: return LOG_ERR;
    case Level::warning: return LOG_WARNING;
    case Level::notice: return LOG_NOTICE;
    case Level::info: return LOG_INFO;
    case Level::debug:
    case Level::trace: return LOG_DEBUG;
  }
  return LOG_INFO;
}

bool SyslogSink::parse_facility(std::string_view name, int& out) {
  static constexpr struct {
    const char* name;
    int value;
  } known[] = {{"daemon", LOG_DAEMON}, {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
               {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5}, {"local6", LOG_LOCAL6},
               {"local7", LOG_LOCAL7}, {"user", LOG_USER}};
  for (const auto& k : known)
    if (name == k.name) return out = k.value, true;
  return false;
}

void SyslogSink::write(const LogRecord& r) {
  // syslog adds its own time stamp, host and pid: corosync's "[TOTEM] message".
  std::string sub(r.subsys);
  for (auto& c : sub) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  ::syslog(priority(r.level), "[%s] %.*s", sub.c_str(), static_cast<int>(r.message.size()), r.message.data());
}

}  // namespace halab::core::real
