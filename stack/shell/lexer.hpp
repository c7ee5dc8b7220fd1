#pragma once
// crmsh's input reading: continuation lines and shell-like word splitting.
#include <string>
#include <string_view>
#include <vector>

namespace halab::shell {

struct LogicalLine {
  int line = 0;  // first physical line, 1-based
  std::string text;
};

// Joins lines ending in '\' the way crmsh does: every physical line is
// stripped, the trailing backslashes removed, and the pieces concatenated
// with no separator (so "a \" + "b" gives "a b", "a\" + "b" gives "ab").
std::vector<LogicalLine> logical_lines(std::string_view text);

// POSIX shell-like splitting (Python's shlex.split): whitespace separates,
// '...' is literal, "..." honours \" and \\, a backslash outside quotes
// escapes the next character. Throws core::Error on an open quote.
std::vector<std::string> split_words(std::string_view line);

// crmsh's value quoting for `show`: bare when it matches [\w.-]+, else "...".
std::string quote_value(std::string_view v);

}  // namespace halab::shell
