#pragma once
// Structured log lines for the host daemon: `<time> <level> <event> key=value ...`
// to stderr in the foreground, to syslog (daemon facility) otherwise.
#include <fmt/format.h>

#include <string>
#include <string_view>

namespace halab::fv {

enum class LogLevel { error = 3, warning = 4, notice = 5, info = 6, debug = 7 };

class DaemonLog {
 public:
  void configure(bool to_stderr, int debug_level);
  bool enabled(LogLevel l) const { return static_cast<int>(l) <= max_; }
  // `fields` is already `key=value key=value`; use quoted() for free text.
  void write(LogLevel l, std::string_view event, std::string_view fields);

  template <class... A>
  void log(LogLevel l, std::string_view event, fmt::format_string<A...> f, A&&... a) {
    if (enabled(l)) write(l, event, fmt::format(f, std::forward<A>(a)...));
  }

 private:
  bool stderr_ = true;
  int max_ = static_cast<int>(LogLevel::info);
};

// `"text"` with quotes and backslashes escaped, so a value with blanks stays one field.
std::string quoted(std::string_view text);

}  // namespace halab::fv
