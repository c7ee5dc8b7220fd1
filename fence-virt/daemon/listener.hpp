#pragma once
// Listeners: the socket a request arrives on. Each owns one fd the daemon polls; when it is
// readable the listener receives (multicast datagram) or accepts (tcp, vsock) and hands the
// request to the Server.
#include <memory>
#include <string>

#include "fence-virt/daemon/config.hpp"
#include "fence-virt/daemon/server.hpp"

namespace halab::fv {

class Listener {
 public:
  virtual ~Listener() = default;
  virtual int fd() const = 0;
  virtual void on_readable(Server& server) = 0;
  virtual std::string describe() const = 0;  // for the start-up log line
};

// Opens the configured listener; on failure returns null with a reason naming the address.
std::unique_ptr<Listener> open_multicast_listener(const ListenerConfig& cfg, std::string& err);
std::unique_ptr<Listener> open_tcp_listener(const ListenerConfig& cfg, std::string& err);
std::unique_ptr<Listener> open_vsock_listener(const ListenerConfig& cfg, std::string& err);
std::unique_ptr<Listener> open_listener(const ListenerConfig& cfg, std::string& err);

}  // namespace halab::fv
