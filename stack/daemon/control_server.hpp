#pragma once
// The control socket's server side: daemon plumbing, not stack logic. A unix
// stream socket at <state-dir>/halabd.sock (mode 0600), served on the
// daemon's io_context; one request per connection (control_protocol.hpp),
// answered by a handler that runs on the event loop like everything else
// (now or, for requests that wait on the cluster, later: up to 120 s).
#include <boost/asio/io_context.hpp>
#include <functional>
#include <memory>
#include <string>

#include "stack/daemon/control_protocol.hpp"

namespace halab::daemon {

// Whether a live listener accepts connections on `path` (false when the
// file is absent or a stale socket left by a dead daemon).
bool socket_answers(const std::string& path);

class ControlServer {
 public:
  // The handler answers through `reply`, at once or later (a CIB update
  // answers once the cluster has committed it); exactly once.
  using Reply = std::function<void(Response)>;
  using Handler = std::function<void(const Request&, Reply reply)>;
  // Throws core::Error when the socket cannot be created (naming the path),
  // or when a live daemon already answers on it. A stale socket file is
  // replaced.
  ControlServer(boost::asio::io_context& io, std::string path, Handler handler);
  ~ControlServer();  // closes and removes the socket file
  const std::string& path() const { return path_; }
  // Called after a response has been written (the connection closed).
  void set_after_response(std::function<void()> fn);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string path_;
};

}  // namespace halab::daemon
