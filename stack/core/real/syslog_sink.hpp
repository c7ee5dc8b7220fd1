#pragma once
// Log records to syslog(3), as corosync's to_syslog does.
#include <string>

#include "stack/core/log.hpp"

namespace halab::core::real {

class SyslogSink final : public LogSink {
 public:
  // openlog(ident, LOG_PID | LOG_NDELAY, facility). syslog has one identity
  // per process: the last SyslogSink constructed names it.
  explicit SyslogSink(std::string ident, int facility = default_facility());
  ~SyslogSink() override;
  void write(const LogRecord& record) override;

  static int priority(Level level);  // syslog priority for a level; trace is LOG_DEBUG
  static int default_facility();     // LOG_DAEMON
  // corosync.conf's syslog_facility names: daemon, local0..local7. False if unknown.
  static bool parse_facility(std::string_view name, int& out);

 private:
  std::string ident_;  // openlog() keeps the pointer
};

}  // namespace halab::core::real
