#include "stack/daemon/control_server.hpp"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <cerrno>
#include <cstring>

#include "stack/core/error.hpp"

namespace halab::daemon {

namespace asio = boost::asio;
using local = asio::local::stream_protocol;

bool socket_answers(const std::string& path) {
  const int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_un sa{};
  sa.sun_family = AF_UNIX;
  if (path.size() >= sizeof sa.sun_path) {
    ::close(fd);
    return false;
  }
  std::memcpy(sa.sun_path, path.c_str(), path.size() + 1);
  const bool ok = ::connect(fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) == 0;
  ::close(fd);
  return ok;
}

namespace {

// What sessions share with the server; a session that completes after the
// server is gone (the daemon shutting down) finds `alive` false.
struct Shared {
  ControlServer::Handler handler;
  std::function<void()> after;
  bool alive = true;
};

// One connection: read a request (bounded in size and time), answer, close.
struct Session : std::enable_shared_from_this<Session> {
  Session(asio::io_context& io, local::socket s, std::shared_ptr<Shared> sh)
      : socket(std::move(s)), timer(io), shared(std::move(sh)) {}

  void start() {
    timer.expires_after(std::chrono::seconds(5));
    timer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
      if (!ec) {
        boost::system::error_code ignored;
        self->socket.close(ignored);
      }
    });
    read_more();
  }
  void read_more() {
    socket.async_read_some(asio::buffer(chunk), [self = shared_from_this()](const boost::system::error_code& ec,
                                                                            std::size_t n) {
      if (ec || !self->shared->alive) {
        self->timer.cancel();
        return;
      }
      self->in.append(self->chunk.data(), n);
      if (self->in.size() > kMaxRequest) return self->answer(Response::fail("CS_ERR_INVALID_PARAM", "request too long\n"));
      if (!request_complete(self->in)) return self->read_more();
      std::string error;
      auto req = decode_request(self->in, &error);
      if (!req) return self->answer(Response::fail("CS_ERR_INVALID_PARAM", "bad request: " + error + "\n"));
      // The request is in: from now on the answer may take the cluster's time.
      self->timer.expires_after(std::chrono::seconds(120));
      self->timer.async_wait([self](const boost::system::error_code& ec) {
        if (!ec) self->answer(Response::fail("CS_ERR_TIMEOUT", "no answer within 120 s\n"));
      });
      self->shared->handler(*req, [self](Response r) { self->answer(r); });
    });
  }
  void answer(const Response& r) {
    if (answered) return;
    answered = true;
    out = encode_response(r);
    asio::async_write(socket, asio::buffer(out), [self = shared_from_this()](const boost::system::error_code&, std::size_t) {
      boost::system::error_code ignored;
      self->socket.shutdown(local::socket::shutdown_both, ignored);
      self->socket.close(ignored);
      self->timer.cancel();
      if (self->shared->alive && self->shared->after) self->shared->after();
    });
  }

  local::socket socket;
  asio::steady_timer timer;
  std::shared_ptr<Shared> shared;
  std::array<char, 4096> chunk{};
  std::string in, out;
  bool answered = false;
};

}  // namespace

struct ControlServer::Impl {
  Impl(asio::io_context& io) : io(io), acceptor(io) {}
  void accept() {
    acceptor.async_accept([this](const boost::system::error_code& ec, local::socket s) {
      if (ec == asio::error::operation_aborted || !acceptor.is_open()) return;
      if (!ec) std::make_shared<Session>(io, std::move(s), shared)->start();
      accept();
    });
  }
  asio::io_context& io;
  local::acceptor acceptor;
  std::shared_ptr<Shared> shared = std::make_shared<Shared>();
};

ControlServer::ControlServer(asio::io_context& io, std::string path, Handler handler)
    : impl_(std::make_unique<Impl>(io)), path_(std::move(path)) {
  impl_->shared->handler = std::move(handler);
  if (path_.size() >= sizeof(sockaddr_un{}.sun_path))
    throw core::Error("control socket path " + path_ + " is too long for a unix socket");
  struct stat st{};
  if (::lstat(path_.c_str(), &st) == 0) {
    if (socket_answers(path_))
      throw core::Error("another halabd is running: its control socket " + path_ + " answers");
    if (!S_ISSOCK(st.st_mode)) throw core::Error(path_ + " exists and is not a socket; remove it or pick another --state-dir");
    ::unlink(path_.c_str());  // stale: left by a daemon that died
  }
  boost::system::error_code ec;
  impl_->acceptor.open(local(), ec);
  if (!ec) {
    // Only root (the owner) may talk to the daemon: umask for the bind, then chmod.
    const mode_t old = ::umask(0177);
    impl_->acceptor.bind(local::endpoint(path_), ec);
    ::umask(old);
  }
  if (!ec) impl_->acceptor.listen(16, ec);
  if (ec)
    throw core::Error("cannot listen on control socket " + path_ + ": " + ec.message());
  ::chmod(path_.c_str(), 0600);
  impl_->accept();
}

void ControlServer::set_after_response(std::function<void()> fn) { impl_->shared->after = std::move(fn); }

ControlServer::~ControlServer() {
  impl_->shared->alive = false;
  boost::system::error_code ignored;
  impl_->acceptor.close(ignored);
  ::unlink(path_.c_str());
}

}  // namespace halab::daemon
