#include "stack/core/log.hpp"

#include <cerrno>
#include <cstring>
#include <ctime>

#include "stack/core/error.hpp"

namespace halab::core {

const char* to_string(Level level) {
  switch (level) {
    case Level::crit: return "crit";
    case Level::error: return "error";
    case Level::warning: return "warning";
    case Level::notice: return "notice";
    case Level::info: return "info";
    case Level::debug: return "debug";
    case Level::trace: return "trace";
  }
  return "?";
}

bool parse_level(std::string_view text, Level& out) {
  static constexpr Level all[] = {Level::crit, Level::error, Level::warning, Level::notice,
                                  Level::info, Level::debug, Level::trace};
  for (Level l : all)
    if (text == to_string(l)) return out = l, true;
  if (text == "err") return out = Level::error, true;
  if (text == "warn") return out = Level::warning, true;
  return false;
}

void Logger::write(Level level, std::string_view subsys, std::string_view message) {
  LogRecord r{clock_->now(), clock_->wall_now(), level, node_, subsys, message};
  for (auto& s : sinks_) s->write(r);
}

StreamSink::~StreamSink() {
  if (owns_ && f_) std::fclose(f_);
}

std::shared_ptr<StreamSink> StreamSink::open_file(const std::string& path, Stamp stamp) {
  std::FILE* f = std::fopen(path.c_str(), "ae");
  if (!f) throw Error("cannot open log file " + path, std::error_code(errno, std::generic_category()));
  return std::make_shared<StreamSink>(f, true, stamp);
}

void StreamSink::write(const LogRecord& r) {
  char stamp[64] = "";
  if (stamp_ == Stamp::wall) {
    const auto secs = std::chrono::duration_cast<std::chrono::seconds>(r.wall.time_since_epoch()).count();
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(r.wall.time_since_epoch()).count() % 1000;
    std::time_t t = static_cast<std::time_t>(secs);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char day[32];
    std::strftime(day, sizeof day, "%b %d %H:%M:%S", &tm);
    std::snprintf(stamp, sizeof stamp, "%s.%03lld ", day, static_cast<long long>(ms));
  } else if (stamp_ == Stamp::mono) {
    std::snprintf(stamp, sizeof stamp, "%12.6f ", to_seconds(r.mono.time_since_epoch()));
  }
  // corosync's shape: "Nov 24 17:55:31.123 node1 [TOTEM] notice: message"
  std::string sub(r.subsys);
  for (auto& c : sub) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  std::fprintf(f_, "%s%.*s [%s] %s: %.*s\n", stamp, static_cast<int>(r.node.size()), r.node.data(), sub.c_str(),
               to_string(r.level), static_cast<int>(r.message.size()), r.message.data());
  std::fflush(f_);
}

void MemorySink::write(const LogRecord& r) {
  lines.push_back(std::string(to_string(r.level)) + " " + std::string(r.subsys) + ": " + std::string(r.message));
}

}  // namespace halab::core
