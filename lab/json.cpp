#include "lab/json.hpp"

#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "stack/core/error.hpp"

namespace halab::lab {

Json& Json::push(Json v) {
  arr_.push_back(std::move(v));
  return arr_.back();
}

Json& Json::operator[](const std::string& key) {
  for (auto& [k, v] : obj_)
    if (k == key) return v;
  obj_.emplace_back(key, Json());
  return obj_.back().second;
}

bool Json::has(const std::string& key) const {
  for (auto& [k, v] : obj_)
    if (k == key) return true;
  return false;
}

const Json& Json::at(const std::string& key) const {
  for (auto& [k, v] : obj_)
    if (k == key) return v;
  throw core::Error("missing key '" + key + "'");
}

double Json::number() const {
  if (type_ != Type::number) throw core::Error("expected a number");
  return num_;
}
bool Json::boolean() const {
  if (type_ != Type::boolean) throw core::Error("expected true or false");
  return bool_;
}
const std::string& Json::string() const {
  if (type_ != Type::string) throw core::Error("expected a string");
  return str_;
}

namespace {
void quote(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\n': out += "\\n"; break;
      case '\t': out += "\\t"; break;
      case '\r': out += "\\r"; break;
      default:
        if (c < 0x20) {
          char b[8];
          std::snprintf(b, sizeof b, "\\u%04x", c);
          out += b;
        } else out += char(c);
    }
  }
  out += '"';
}

void dump_to(const Json& j, std::string& out) {
  switch (j.type()) {
    case Json::Type::null: out += "null"; break;
    case Json::Type::boolean: out += j.boolean() ? "true" : "false"; break;
    case Json::Type::number: {
      const double d = j.number();
      char b[40];
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9e15) std::snprintf(b, sizeof b, "%.0f", d);
      else if (std::isfinite(d)) std::snprintf(b, sizeof b, "%.17g", d);
      else std::snprintf(b, sizeof b, "null");
      out += b;
      break;
    }
    case Json::Type::string: quote(out, j.string()); break;
    case Json::Type::array: {
      out += '[';
      bool first = true;
      for (auto& v : j.items()) {
        if (!first) out += ',';
        first = false;
        dump_to(v, out);
      }
      out += ']';
      break;
    }
    case Json::Type::object: {
      out += '{';
      bool first = true;
      for (auto& [k, v] : j.members()) {
        if (!first) out += ',';
        first = false;
        quote(out, k);
        out += ':';
        dump_to(v, out);
      }
      out += '}';
      break;
    }
  }
}

struct Parser {
  std::string_view s;
  const std::string& where;
  std::size_t i = 0;
  int depth = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw core::Error(where + ": offset " + std::to_string(i) + ": " + what);
  }
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
  }
  bool lit(std::string_view w) {
    if (s.substr(i, w.size()) == w) {
      i += w.size();
      return true;
    }
    return false;
  }
  std::string str() {
    ++i;  // opening quote
    std::string out;
    while (true) {
      if (i >= s.size()) fail("unterminated string");
      const char c = s[i++];
      if (c == '"') return out;
      if (c != '\\') {
        out += c;
        continue;
      }
      if (i >= s.size()) fail("unterminated escape");
      const char e = s[i++];
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'u': {
          if (i + 4 > s.size()) fail("short \\u escape");
          const unsigned v = unsigned(std::strtoul(std::string(s.substr(i, 4)).c_str(), nullptr, 16));
          i += 4;
          if (v < 0x80) out += char(v);
          else if (v < 0x800) { out += char(0xc0 | (v >> 6)); out += char(0x80 | (v & 0x3f)); }
          else { out += char(0xe0 | (v >> 12)); out += char(0x80 | ((v >> 6) & 0x3f)); out += char(0x80 | (v & 0x3f)); }
          break;
        }
        default: out += e;
      }
    }
  }
  Json value() {
    if (++depth > 64) fail("nested too deeply");
    ws();
    if (i >= s.size()) fail("unexpected end");
    Json v;
    const char c = s[i];
    if (c == '{') {
      ++i;
      v = Json::object();
      ws();
      if (i < s.size() && s[i] == '}') ++i;
      else
        while (true) {
          ws();
          if (i >= s.size() || s[i] != '"') fail("expected a key");
          std::string k = str();
          ws();
          if (i >= s.size() || s[i] != ':') fail("expected ':'");
          ++i;
          v[k] = value();
          ws();
          if (i < s.size() && s[i] == ',') { ++i; continue; }
          if (i < s.size() && s[i] == '}') { ++i; break; }
          fail("expected ',' or '}'");
        }
    } else if (c == '[') {
      ++i;
      v = Json::array();
      ws();
      if (i < s.size() && s[i] == ']') ++i;
      else
        while (true) {
          v.push(value());
          ws();
          if (i < s.size() && s[i] == ',') { ++i; continue; }
          if (i < s.size() && s[i] == ']') { ++i; break; }
          fail("expected ',' or ']'");
        }
    } else if (c == '"') {
      v = Json(str());
    } else if (lit("true")) {
      v = Json(true);
    } else if (lit("false")) {
      v = Json(false);
    } else if (lit("null")) {
    } else if (c == '-' || (c >= '0' && c <= '9')) {
      std::size_t j = i;
      while (j < s.size() && (std::isdigit((unsigned char)s[j]) || s[j] == '-' || s[j] == '+' || s[j] == '.' || s[j] == 'e' || s[j] == 'E')) ++j;
      const std::string num(s.substr(i, j - i));
      char* end = nullptr;
      const double d = std::strtod(num.c_str(), &end);
      if (!end || *end) fail("bad number '" + num + "'");
      i = j;
      v = Json(d);
    } else {
      fail(std::string("unexpected '") + c + "'");
    }
    --depth;
    return v;
  }
};
}  // namespace

std::string Json::dump() const {
  std::string out;
  dump_to(*this, out);
  return out;
}

Json Json::parse(std::string_view text, const std::string& where) {
  Parser p{text, where};
  Json v = p.value();
  p.ws();
  if (p.i != text.size()) p.fail("trailing characters");
  return v;
}

}  // namespace halab::lab
