#pragma once
// Logging: levels and subsystems, as corosync's logging {} section knows
// them (to_logfile, to_stderr, to_syslog, debug, timestamp, logger_subsys).
// Sinks write where the world says: file, syslog or stderr on a real node,
// the run's trace in simnet. Timestamps come from the node's Clock.
#include <fmt/format.h>

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "stack/core/clock.hpp"

namespace halab::core {

// syslog's order: lower is more severe.
enum class Level : std::uint8_t { crit = 2, error = 3, warning = 4, notice = 5, info = 6, debug = 7, trace = 8 };

const char* to_string(Level level);
bool parse_level(std::string_view text, Level& out);

struct LogRecord {
  Instant mono;
  WallTime wall;
  Level level;
  std::string_view node;
  std::string_view subsys;
  std::string_view message;
};

class LogSink {
 public:
  virtual ~LogSink() = default;
  virtual void write(const LogRecord& record) = 0;
};

class Logger {
 public:
  Logger(const Clock& clock, std::string node) : clock_(&clock), node_(std::move(node)) {}

  void add_sink(std::shared_ptr<LogSink> sink) { sinks_.push_back(std::move(sink)); }
  void clear_sinks() { sinks_.clear(); }
  void set_level(Level level) { default_level_ = level; }
  void set_level(std::string_view subsys, Level level) { subsys_levels_[std::string(subsys)] = level; }

  bool enabled(Level level, std::string_view subsys) const {
    if (sinks_.empty()) return false;
    auto it = subsys_levels_.find(subsys);
    Level limit = it == subsys_levels_.end() ? default_level_ : it->second;
    return level <= limit;
  }
  void write(Level level, std::string_view subsys, std::string_view message);
  const std::string& node() const { return node_; }

 private:
  const Clock* clock_;
  std::string node_;
  Level default_level_ = Level::info;
  std::map<std::string, Level, std::less<>> subsys_levels_;
  std::vector<std::shared_ptr<LogSink>> sinks_;
};

// A subsystem's handle: Log log{logger, "totem"}; log.info("ring {} formed", id);
class Log {
 public:
  Log(Logger& logger, std::string subsys) : logger_(&logger), subsys_(std::move(subsys)) {}

  template <class... A> void crit(fmt::format_string<A...> f, A&&... a) { emit(Level::crit, f, std::forward<A>(a)...); }
  template <class... A> void error(fmt::format_string<A...> f, A&&... a) { emit(Level::error, f, std::forward<A>(a)...); }
  template <class... A> void warning(fmt::format_string<A...> f, A&&... a) { emit(Level::warning, f, std::forward<A>(a)...); }
  template <class... A> void notice(fmt::format_string<A...> f, A&&... a) { emit(Level::notice, f, std::forward<A>(a)...); }
  template <class... A> void info(fmt::format_string<A...> f, A&&... a) { emit(Level::info, f, std::forward<A>(a)...); }
  template <class... A> void debug(fmt::format_string<A...> f, A&&... a) { emit(Level::debug, f, std::forward<A>(a)...); }
  template <class... A> void trace(fmt::format_string<A...> f, A&&... a) { emit(Level::trace, f, std::forward<A>(a)...); }

  bool enabled(Level level) const { return logger_->enabled(level, subsys_); }
  Logger& logger() const { return *logger_; }

 private:
  template <class... A> void emit(Level level, fmt::format_string<A...> f, A&&... a) {
    if (!logger_->enabled(level, subsys_)) return;  // no formatting cost when off
    logger_->write(level, subsys_, fmt::format(f, std::forward<A>(a)...));
  }
  Logger* logger_;
  std::string subsys_;
};

// Sinks every world can use. Syslog lives with the real world.
class StreamSink : public LogSink {  // stderr, or a file opened for append
 public:
  enum class Stamp { none, mono, wall };
  StreamSink(std::FILE* f, bool owns, Stamp stamp) : f_(f), owns_(owns), stamp_(stamp) {}
  ~StreamSink() override;
  static std::shared_ptr<StreamSink> open_file(const std::string& path, Stamp stamp);  // throws core::Error
  void write(const LogRecord& r) override;

 private:
  std::FILE* f_;
  bool owns_;
  Stamp stamp_;
};

// Keeps records in memory (tests).
class MemorySink : public LogSink {
 public:
  void write(const LogRecord& r) override;
  std::vector<std::string> lines;
};

}  // namespace halab::core
