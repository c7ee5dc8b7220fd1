// Multicast: UDP bound to <any>:port, joined to the group on the configured interface (or
// wherever the kernel routes the group). The reply goes over a TCP call-back (Server).
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

#include "fence-virt/daemon/listener.hpp"

namespace halab::fv {

namespace {

class MulticastListener : public Listener {
 public:
  MulticastListener(os::Fd fd, std::string desc) : fd_(std::move(fd)), desc_(std::move(desc)) {}
  int fd() const override { return fd_.get(); }
  std::string describe() const override { return desc_; }
  void on_readable(Server& server) override {
    // Drain what is queued, bounded so one flood cannot starve the loop forever.
    for (int i = 0; i < 64; ++i) {
      std::uint8_t buf[512];
      sockaddr_storage from{};
      socklen_t fl = sizeof from;
      ssize_t n = ::recvfrom(fd_.get(), buf, sizeof buf, MSG_DONTWAIT | MSG_TRUNC, reinterpret_cast<sockaddr*>(&from), &fl);
      if (n < 0) return;
      char text[INET6_ADDRSTRLEN] = "?";
      if (from.ss_family == AF_INET) ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&from)->sin_addr, text, sizeof text);
      else if (from.ss_family == AF_INET6) ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&from)->sin6_addr, text, sizeof text);
      std::size_t got = std::min<std::size_t>(static_cast<std::size_t>(n), sizeof buf);
      server.handle_datagram(std::span<const std::uint8_t>(buf, got), static_cast<std::size_t>(n), text);
    }
  }

 private:
  os::Fd fd_;
  std::string desc_;
};

}  // namespace

std::unique_ptr<Listener> open_multicast_listener(const ListenerConfig& cfg, std::string& err) {
  int family = cfg.ipv6 ? AF_INET6 : AF_INET;
  std::string where = "multicast " + cfg.address + " port " + std::to_string(cfg.port) +
                      (cfg.interface.empty() ? "" : " interface " + cfg.interface);
  unsigned ifindex = 0;
  if (!cfg.interface.empty()) {
    ifindex = ::if_nametoindex(cfg.interface.c_str());
    if (ifindex == 0) { err = where + ": no interface named '" + cfg.interface + "'"; return nullptr; }
  }
  os::Fd fd(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
  if (!fd.valid()) { err = where + ": socket: " + os::errno_text(errno); return nullptr; }
  int one = 1;
  ::setsockopt(fd.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  if (family == AF_INET) {
    in_addr group{};
    if (::inet_pton(AF_INET, cfg.address.c_str(), &group) != 1 || !IN_MULTICAST(ntohl(group.s_addr))) {
      err = where + ": '" + cfg.address + "' is not an IPv4 multicast address";
      return nullptr;
    }
    sockaddr_in sa{};
    sa.sin_family = AF_INET;
    sa.sin_port = htons(cfg.port);
    sa.sin_addr.s_addr = htonl(INADDR_ANY);
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
      err = where + ": bind: " + os::errno_text(errno);
      return nullptr;
    }
    ip_mreqn mreq{};
    mreq.imr_multiaddr = group;
    mreq.imr_ifindex = static_cast<int>(ifindex);
    if (::setsockopt(fd.get(), IPPROTO_IP, IP_ADD_MEMBERSHIP, &mreq, sizeof mreq) < 0) {
      err = where + ": joining the group: " + os::errno_text(errno) +
            (ifindex == 0 ? " (no route to the group: set interface = \"...\" in the listener, or add a route for 224.0.0.0/4)" : "");
      return nullptr;
    }
  } else {
    in6_addr group{};
    if (::inet_pton(AF_INET6, cfg.address.c_str(), &group) != 1 || !IN6_IS_ADDR_MULTICAST(&group)) {
      err = where + ": '" + cfg.address + "' is not an IPv6 multicast address";
      return nullptr;
    }
    sockaddr_in6 sa{};
    sa.sin6_family = AF_INET6;
    sa.sin6_port = htons(cfg.port);
    sa.sin6_addr = in6addr_any;
    if (::bind(fd.get(), reinterpret_cast<sockaddr*>(&sa), sizeof sa) < 0) {
      err = where + ": bind: " + os::errno_text(errno);
      return nullptr;
    }
    ipv6_mreq mreq{};
    mreq.ipv6mr_multiaddr = group;
    mreq.ipv6mr_interface = ifindex;
    if (::setsockopt(fd.get(), IPPROTO_IPV6, IPV6_JOIN_GROUP, &mreq, sizeof mreq) < 0) {
      err = where + ": joining the group: " + os::errno_text(errno);
      return nullptr;
    }
  }
  return std::make_unique<MulticastListener>(std::move(fd), where);
}

std::unique_ptr<Listener> open_listener(const ListenerConfig& cfg, std::string& err) {
  switch (cfg.kind) {
    case ListenerKind::multicast: return open_multicast_listener(cfg, err);
    case ListenerKind::tcp: return open_tcp_listener(cfg, err);
    case ListenerKind::vsock: return open_vsock_listener(cfg, err);
  }
  err = "unknown listener";
  return nullptr;
}

}  // namespace halab::fv
