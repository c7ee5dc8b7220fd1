#include "stack/shell/lexer.hpp"

#include <cctype>

#include "stack/core/error.hpp"

namespace halab::shell {
namespace {
std::string strip(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}
}  // namespace

std::vector<LogicalLine> logical_lines(std::string_view text) {
  std::vector<LogicalLine> out;
  std::string buf;
  int start = 0, n = 0;
  bool open = false;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    std::size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    if (pos == text.size() && nl == text.size()) break;
    ++n;
    std::string s = strip(text.substr(pos, nl - pos));
    pos = nl + 1;
    if (!open) start = n;
    if (!s.empty() && s.back() == '\\') {
      while (!s.empty() && s.back() == '\\') s.pop_back();
      buf += s;
      open = true;
      continue;
    }
    out.push_back({start, buf + s});
    buf.clear();
    open = false;
  }
  if (open) out.push_back({start, buf});
  return out;
}

std::vector<std::string> split_words(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool have = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (have) out.push_back(cur);
      cur.clear();
      have = false;
    } else if (c == '\'') {
      have = true;
      auto end = line.find('\'', i + 1);
      if (end == std::string_view::npos) throw core::Error("No closing quotation");
      cur += line.substr(i + 1, end - i - 1);
      i = end;
    } else if (c == '"') {
      have = true;
      ++i;
      for (; i < line.size() && line[i] != '"'; ++i) {
        if (line[i] == '\\' && i + 1 < line.size() && (line[i + 1] == '"' || line[i + 1] == '\\')) ++i;
        cur += line[i];
      }
      if (i >= line.size()) throw core::Error("No closing quotation");
    } else if (c == '\\') {
      have = true;
      if (i + 1 < line.size()) cur += line[++i];
    } else {
      have = true;
      cur += c;
    }
  }
  if (have) out.push_back(cur);
  return out;
}

std::string quote_value(std::string_view v) {
  bool bare = !v.empty();
  for (char c : v)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '.' || c == '-')) bare = false;
  if (bare) return std::string(v);
  std::string out = "\"";
  for (char c : v) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

}  // namespace halab::shell
