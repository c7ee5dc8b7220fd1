#include "stack/daemon/control_protocol.hpp"

namespace halab::daemon {

namespace {

// Splits off the next line (without its "\n"); false when none is complete.
bool next_line(std::string_view& text, std::string_view& line) {
  const auto nl = text.find('\n');
  if (nl == std::string_view::npos) return false;
  line = text.substr(0, nl);
  text.remove_prefix(nl + 1);
  return true;
}

}  // namespace

std::string encode_request(const Request& r) {
  if (r.verb.empty() || r.verb.find('\n') != std::string::npos) return "";
  std::string out = r.verb + "\n";
  for (const auto& a : r.args) {
    // An empty argument would end the request early.
    if (a.find('\n') != std::string::npos) return "";
    out += (a.empty() ? std::string("\x01") : a) + "\n";
  }
  return out + "\n";
}

bool request_complete(std::string_view text) {
  return text.size() >= 2 && (text.substr(0, 1) == "\n" || text.find("\n\n") != std::string_view::npos);
}

std::optional<Request> decode_request(std::string_view text, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<Request> {
    if (error) *error = why;
    return std::nullopt;
  };
  if (text.size() > kMaxRequest) return fail("request too long");
  Request r;
  std::string_view line;
  if (!next_line(text, line) || line.empty()) return fail("no verb");
  r.verb = std::string(line);
  for (;;) {
    if (!next_line(text, line)) return fail("request not terminated by an empty line");
    if (line.empty()) break;
    r.args.push_back(line == "\x01" ? std::string() : std::string(line));
  }
  if (!text.empty()) return fail("bytes after the request");
  return r;
}

std::string encode_response(const Response& r) {
  std::string out = r.ok() ? "OK\n" : "ERR " + r.error + "\n";
  for (const auto& [k, v] : r.headers) out += k + ": " + v + "\n";
  return out + "\n" + r.body;
}

std::optional<Response> decode_response(std::string_view text, std::string* error) {
  auto fail = [&](const char* why) -> std::optional<Response> {
    if (error) *error = why;
    return std::nullopt;
  };
  Response r;
  std::string_view line;
  if (!next_line(text, line)) return fail("no status line");
  if (line.substr(0, 4) == "ERR ") {
    r.error = std::string(line.substr(4));
    if (r.error.empty()) return fail("empty error name");
  } else if (line != "OK") {
    return fail("bad status line");
  }
  for (;;) {
    if (!next_line(text, line)) return fail("headers not terminated");
    if (line.empty()) break;
    const auto colon = line.find(": ");
    if (colon == std::string_view::npos) return fail("bad header");
    r.headers[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 2));
  }
  r.body = std::string(text);
  return r;
}

}  // namespace halab::daemon
