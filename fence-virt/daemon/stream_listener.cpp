// Stream listeners: tcp (address:port, default 127.0.0.1:1229) and vsock (any CID, port).
// The client connects and writes the request on the same connection the answer comes back on.
#include <arpa/inet.h>
#include <linux/vm_sockets.h>
#include <netinet/in.h>

#include <cerrno>

#include "fence-virt/daemon/listener.hpp"

namespace halab::fv {

namespace {

class StreamListener : public Listener {
 public:
  StreamListener(os::Fd fd, std::string desc) : fd_(std::move(fd)), desc_(std::move(desc)) {}
  int fd() const override { return fd_.get(); }
  std::string describe() const override { return desc_; }
  void on_readable(Server& server) override {
    sockaddr_storage peer{};
    socklen_t pl = sizeof peer;
    os::Fd conn(::accept4(fd_.get(), reinterpret_cast<sockaddr*>(&peer), &pl, SOCK_CLOEXEC | SOCK_NONBLOCK));
    if (!conn.valid()) return;
    server.handle_stream(std::move(conn), peer_text(peer));
  }

 private:
  static std::string peer_text(const sockaddr_storage& ss) {
    char text[INET6_ADDRSTRLEN] = "?";
    if (ss.ss_family == AF_INET) ::inet_ntop(AF_INET, &reinterpret_cast<const sockaddr_in*>(&ss)->sin_addr, text, sizeof text);
    else if (ss.ss_family == AF_INET6) ::inet_ntop(AF_INET6, &reinterpret_cast<const sockaddr_in6*>(&ss)->sin6_addr, text, sizeof text);
    else if (ss.ss_family == AF_VSOCK) return "cid:" + std::to_string(reinterpret_cast<const sockaddr_vm*>(&ss)->svm_cid);
    return text;
  }
  os::Fd fd_;
  std::string desc_;
};

std::unique_ptr<Listener> bind_and_listen(int family, const sockaddr* sa, socklen_t len, const std::string& where,
                                          std::string& err) {
  os::Fd fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) { err = where + ": socket: " + os::errno_text(errno); return nullptr; }
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (::bind(fd.get(), sa, len) < 0) { err = where + ": bind: " + os::errno_text(errno); return nullptr; }
  if (::listen(fd.get(), 16) < 0) { err = where + ": listen: " + os::errno_text(errno); return nullptr; }
  return std::make_unique<StreamListener>(std::move(fd), where);
}

}  // namespace

std::unique_ptr<Listener> open_tcp_listener(const ListenerConfig& cfg, std::string& err) {
  std::string where = "tcp " + cfg.address + " port " + std::to_string(cfg.port);
  if (cfg.ipv6) {
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(cfg.port);
    if (::inet_pton(AF_INET6, cfg.address.c_str(), &sa.sin6_addr) != 1) { err = where + ": not an IPv6 address"; return nullptr; }
    return bind_and_listen(AF_INET6, reinterpret_cast<sockaddr*>(&sa), sizeof sa, where, err);
  }
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(cfg.port);
  if (::inet_pton(AF_INET, cfg.address.c_str(), &sa.sin_addr) != 1) { err = where + ": not an IPv4 address"; return nullptr; }
  return bind_and_listen(AF_INET, reinterpret_cast<sockaddr*>(&sa), sizeof sa, where, err);
}

std::unique_ptr<Listener> open_vsock_listener(const ListenerConfig& cfg, std::string& err) {
  std::string where = "vsock any-cid port " + std::to_string(cfg.port);
  sockaddr_vm sa{};
  sa.svm_family = AF_VSOCK;
  sa.svm_cid = VMADDR_CID_ANY;
  sa.svm_port = cfg.port;
  return bind_and_listen(AF_VSOCK, reinterpret_cast<sockaddr*>(&sa), sizeof sa, where, err);
}

}  // namespace halab::fv
