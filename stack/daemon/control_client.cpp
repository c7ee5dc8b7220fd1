#include "stack/daemon/control_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>

namespace halab::daemon {

std::string take_state_dir(std::vector<std::string>& args) {
  std::string dir;
  for (std::size_t i = 0; i < args.size();) {
    if (args[i] == "--state-dir" && i + 1 < args.size()) {
      dir = args[i + 1];
      args.erase(args.begin() + long(i), args.begin() + long(i) + 2);
    } else if (args[i].rfind("--state-dir=", 0) == 0) {
      dir = args[i].substr(12);
      args.erase(args.begin() + long(i));
    } else {
      ++i;
    }
  }
  if (dir.empty())
    if (const char* e = std::getenv("HALAB_STATE_DIR"); e && *e) dir = e;
  return dir.empty() ? "/var/lib/halab" : dir;
}

namespace {
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};
std::string errno_text() { return std::strerror(errno); }
}  // namespace

CtlResult ctl_call(const std::string& state_dir, const Request& req, int timeout_ms) {
  CtlResult out;
  const std::string path = state_dir + "/" + kSocketName;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  auto left_ms = [&] {
    auto d = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return int(std::max<long>(0, d.count()));
  };
  const std::string wire = encode_request(req);
  if (wire.empty()) return out.error = "request cannot be encoded (newline in an argument)", out;

  Fd s{::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)};
  if (s.fd < 0) return out.error = "socket: " + errno_text(), out;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) return out.error = path + ": path too long", out;
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  if (::connect(s.fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0)
    return out.error = "no halabd answers on " + path + ": " + errno_text(), out;

  std::size_t off = 0;
  while (off < wire.size()) {
    pollfd p{s.fd, POLLOUT, 0};
    if (::poll(&p, 1, left_ms()) <= 0) return out.error = "timed out sending to " + path, out;
    const ssize_t n = ::send(s.fd, wire.data() + off, wire.size() - off, MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR || errno == EAGAIN) continue;
      return out.error = "send to " + path + ": " + errno_text(), out;
    }
    off += std::size_t(n);
  }
  std::string in;
  char buf[8192];
  for (;;) {
    pollfd p{s.fd, POLLIN, 0};
    const int pr = ::poll(&p, 1, left_ms());
    if (pr == 0) return out.error = "halabd on " + path + " did not answer in time", out;
    if (pr < 0) {
      if (errno == EINTR) continue;
      return out.error = "poll: " + errno_text(), out;
    }
    const ssize_t n = ::recv(s.fd, buf, sizeof buf, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return out.error = "receive from " + path + ": " + errno_text(), out;
    }
    if (n == 0) break;
    in.append(buf, std::size_t(n));
    if (in.size() > (64u << 20)) return out.error = "answer too long", out;
  }
  std::string error;
  out.response = decode_response(in, &error);
  if (!out.response) out.error = "bad answer from halabd: " + error;
  return out;
}

}  // namespace halab::daemon
