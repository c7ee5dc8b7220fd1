// corosync.conf syntax: "name {", "key: value", "}", comment lines.
#include <string>

#include "stack/config/corosync_conf.hpp"

namespace halab::config {

namespace {

std::string_view trim(std::string_view s) {
  const char* ws = " \t\r\f\v";
  auto b = s.find_first_not_of(ws);
  if (b == std::string_view::npos) return {};
  auto e = s.find_last_not_of(ws);
  return s.substr(b, e - b + 1);
}

// corosync only knows whole-line comments. We also strip a trailing comment
// that starts with whitespace + '#', because configs copied from documents
// (the seed's among them) annotate values that way; a '#' inside a value
// with no blank before it (a path, a password) is kept.
std::string_view strip_trailing_comment(std::string_view s) {
  for (std::size_t i = 1; i < s.size(); ++i)
    if (s[i] == '#' && (s[i - 1] == ' ' || s[i - 1] == '\t')) return s.substr(0, i);
  return s;
}

bool valid_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
                    c == '-' || c == '.';
    if (!ok) return false;
  }
  return true;
}

std::string path_of(const std::vector<ConfSection*>& stack, std::string_view leaf) {
  std::string p;
  for (std::size_t i = 1; i < stack.size(); ++i) {
    p += stack[i]->name;
    p += '.';
  }
  p += leaf;
  if (leaf.empty() && !p.empty()) p.pop_back();
  return p;
}

}  // namespace

ConfSection parse_tree(std::string_view text, std::string_view file, std::vector<Diagnostic>& diags) {
  ConfSection root;
  std::vector<ConfSection*> stack{&root};
  auto error = [&](int line, std::string key, std::string msg) {
    diags.push_back({Diagnostic::Severity::error, std::string(file), line, std::move(key), std::move(msg)});
  };
  int lineno = 0;
  std::size_t pos = 0;
  while (pos <= text.size()) {
    auto nl = text.find('\n', pos);
    std::string_view raw = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() + 1 : nl + 1;
    ++lineno;
    std::string_view line = trim(raw);
    if (line.empty() || line.front() == '#') continue;
    line = trim(strip_trailing_comment(line));
    if (line.empty()) continue;

    if (line == "}") {
      if (stack.size() == 1) {
        error(lineno, "", "'}' without a matching section");
        continue;
      }
      stack.pop_back();
      continue;
    }
    if (line.back() == '{') {
      auto name = trim(line.substr(0, line.size() - 1));
      if (!valid_name(name)) {
        error(lineno, path_of(stack, std::string(name)), "section name '" + std::string(name) + "' is not valid");
        name = "?";
      }
      if (stack.size() >= 16) {
        error(lineno, path_of(stack, std::string(name)), "sections nested too deeply");
        continue;
      }
      ConfSection s;
      s.name = std::string(name);
      s.line = lineno;
      stack.back()->sections.push_back(std::move(s));
      stack.push_back(&stack.back()->sections.back());
      continue;
    }
    auto colon = line.find(':');
    if (colon == std::string_view::npos) {
      error(lineno, path_of(stack, ""), "expected 'key: value', 'name {' or '}', found '" + std::string(line) + "'");
      continue;
    }
    auto key = trim(line.substr(0, colon));
    auto value = trim(line.substr(colon + 1));
    if (!valid_name(key)) {
      error(lineno, path_of(stack, std::string(key)), "key '" + std::string(key) + "' is not valid");
      continue;
    }
    if (value.find('{') != std::string_view::npos || value.find('}') != std::string_view::npos) {
      error(lineno, path_of(stack, std::string(key)), "braces belong on their own line");
      continue;
    }
    if (stack.size() == 1) {
      error(lineno, std::string(key), "key outside any section");
      continue;
    }
    stack.back()->items.push_back({std::string(key), std::string(value), lineno});
  }
  for (std::size_t i = stack.size() - 1; i >= 1; --i)
    error(stack[i]->line, path_of({stack.begin(), stack.begin() + i + 1}, ""),
          "section '" + stack[i]->name + "' is not closed (missing '}')");
  return root;
}

std::string Diagnostic::to_string() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line);
  s += severity == Severity::error ? ": error: " : ": warning: ";
  if (!key.empty()) s += key + ": ";
  s += message;
  return s;
}

}  // namespace halab::config
