#pragma once
// Request handling shared by every listener, on OS sockets: the checks and the operation are
// host/request_logic.hpp's (shared with the simulated host); this adds the call-back
// connection, the stream authentication and the logs. One request at a time, as fence_virtd.
#include <chrono>
#include <span>
#include <string>

#include "fence-virt/host/backend.hpp"
#include "fence-virt/host/request_logic.hpp"
#include "fence-virt/daemon/config.hpp"
#include "fence-virt/daemon/log.hpp"
#include "fence-virt/host/static_map.hpp"
#include "fence-virt/os/fd.hpp"
#include "fence-virt/protocol/hash.hpp"

namespace halab::fv {

struct ServerTimeouts {
  std::chrono::milliseconds connect_back{5000};  // multicast call-back connect
  std::chrono::milliseconds read_request{1000};  // tcp/vsock: the 176 bytes after accept
  std::chrono::milliseconds auth_step{10000};    // each challenge-response step
};

struct ServerStats {
  std::uint64_t served = 0;
  std::uint64_t refused = 0;
};

class Server {
 public:
  Server(const ListenerConfig& cfg, Key key, Backend& backend, DaemonLog& log, StaticMap map = {}, ServerTimeouts t = {});

  // A multicast datagram of `size` bytes (may be larger than `bytes` if truncated on receive).
  void handle_datagram(std::span<const std::uint8_t> bytes, std::size_t size, const std::string& src);
  // An accepted tcp/vsock connection; the request is read from it.
  void handle_stream(os::Fd conn, const std::string& src);

  const ServerStats& stats() const { return stats_; }

 private:
  bool accept_request(std::span<const std::uint8_t> bytes, std::size_t size, bool multicast, const std::string& src,
                      Request& req);
  // `requester` is who the static map checks: the call-back address (multicast), the peer
  // address (tcp) or CID (vsock).
  void serve(int fd, const Request& req, const std::string& src, const std::string& requester);
  bool authenticate(int fd, const Request& req, const std::string& src);
  void refuse(const std::string& src, std::string_view reason, const Request* req);

  ListenerConfig cfg_;
  RequestLogic logic_;
  Backend& backend_;
  DaemonLog& log_;
  ServerTimeouts timeouts_;
  ServerStats stats_;
};

}  // namespace halab::fv
