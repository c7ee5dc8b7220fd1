#pragma once
// The control socket's protocol (`<state-dir>/halabd.sock`, a unix stream
// socket), shared by halabd and the `halab` tools. One request per
// connection; documented in docs/halabd.md.
//
//   request : VERB "\n" { ARG "\n" } "\n"          (an empty line ends it)
//   response: STATUS "\n" { NAME ": " VALUE "\n" } "\n" BODY   (the server closes)
//
// STATUS is "OK" or "ERR <CS_ERR_NAME>" (corosync's cs_error_t names, which
// the tools print as corosync's do); the body is text for the user (the
// tool's output on OK, the reason on ERR). Headers carry what the tool needs
// for its exit code (e.g. "Quorate: yes"). Arguments are single lines of
// text; a newline cannot be sent inside one.
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace halab::daemon {

inline constexpr std::size_t kMaxRequest = 64 * 1024;
inline constexpr const char* kSocketName = "halabd.sock";

struct Request {
  std::string verb;
  std::vector<std::string> args;
};

struct Response {
  std::string error;  // "" = OK; otherwise a CS_ERR_* name
  std::map<std::string, std::string> headers;
  std::string body;
  bool ok() const { return error.empty(); }
  static Response fail(std::string cs_error, std::string why) {
    Response r;
    r.error = std::move(cs_error);
    r.body = std::move(why);
    return r;
  }
};

// "" when the request cannot be encoded (an argument holds a newline, or
// the verb is empty).
std::string encode_request(const Request& r);
// Parses a complete request (through its empty line); nullopt when `text`
// is not one. `complete` tells whether the terminating empty line is in.
std::optional<Request> decode_request(std::string_view text, std::string* error = nullptr);
bool request_complete(std::string_view text);

std::string encode_response(const Response& r);
std::optional<Response> decode_response(std::string_view text, std::string* error = nullptr);

}  // namespace halab::daemon
