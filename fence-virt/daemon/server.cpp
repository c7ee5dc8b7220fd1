#include "fence-virt/daemon/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <vector>

namespace halab::fv {

Server::Server(const ListenerConfig& cfg, Key key, Backend& backend, DaemonLog& log, StaticMap map, ServerTimeouts t)
    : cfg_(cfg), logic_(cfg.hash, std::move(key), std::move(map)), backend_(backend), log_(log), timeouts_(t) {}

void Server::refuse(const std::string& src, std::string_view reason, const Request* req) {
  ++stats_.refused;
  if (req)
    log_.log(LogLevel::warning, "request.refused", "reason={} src={} op={} domain={} seqno={} hash={}", reason, src,
             to_string(req->op), quoted(req->domain), req->seqno, to_string(static_cast<HashType>(req->hashtype)));
  else
    log_.log(LogLevel::warning, "request.refused", "reason={} src={}", reason, src);
}

bool Server::accept_request(std::span<const std::uint8_t> bytes, std::size_t size, bool multicast,
                            const std::string& src, Request& req) {
  const AdmitResult a = logic_.admit(bytes, size, multicast, os::monotonic_ms(), req);
  switch (a.verdict) {
    case Admission::accepted:
      log_.log(LogLevel::debug, "request.accepted", "src={} op={} domain={} seqno={} hash={}", src, to_string(req.op),
               quoted(req.domain), req.seqno, to_string(static_cast<HashType>(req.hashtype)));
      return true;
    case Admission::duplicate:
      // Per-interface copies and retransmissions of one call land here too: info for those
      // is enough, and a refused replay stays visible.
      ++stats_.refused;
      log_.log(LogLevel::info, "request.duplicate", "reason={} src={} op={} domain={} seqno={}", a.reason, src,
               to_string(req.op), quoted(req.domain), req.seqno);
      return false;
    case Admission::refused:
      refuse(src, a.reason, a.shown ? &*a.shown : nullptr);
      if (size != kRequestSize) log_.log(LogLevel::debug, "request.length", "src={} bytes={}", src, size);
      return false;
  }
  return false;
}

void Server::handle_datagram(std::span<const std::uint8_t> bytes, std::size_t size, const std::string& src) {
  Request req;
  if (!accept_request(bytes, size, true, src, req)) return;
  sockaddr_storage ss{};
  socklen_t len = 0;
  char text[INET6_ADDRSTRLEN] = "?";
  if (req.family == kFamilyInet) {
    auto* a = reinterpret_cast<sockaddr_in*>(&ss);
    a->sin_family = AF_INET;
    a->sin_port = htons(req.port);
    std::memcpy(&a->sin_addr, req.address.data(), 4);
    len = sizeof *a;
    ::inet_ntop(AF_INET, &a->sin_addr, text, sizeof text);
  } else {
    auto* a = reinterpret_cast<sockaddr_in6*>(&ss);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(req.port);
    std::memcpy(&a->sin6_addr, req.address.data(), 16);
    len = sizeof *a;
    ::inet_ntop(AF_INET6, &a->sin6_addr, text, sizeof text);
  }
  std::string callback = std::string(text) + ":" + std::to_string(req.port);
  std::string err;
  os::Fd conn = os::connect_stream(reinterpret_cast<sockaddr*>(&ss), len, os::deadline_in(timeouts_.connect_back), err);
  if (!conn.valid()) {
    log_.log(LogLevel::warning, "callback.failed", "src={} callback={} op={} domain={} error={}", src, callback,
             to_string(req.op), quoted(req.domain), quoted(err));
    return;
  }
  serve(conn.get(), req, src, text);
}

void Server::handle_stream(os::Fd conn, const std::string& src) {
  RequestBytes buf{};
  auto st = os::read_exact(conn.get(), buf, os::deadline_in(timeouts_.read_request));
  if (st != os::IoStatus::ok) {
    refuse(src, st == os::IoStatus::closed ? "truncated" : "read_timeout", nullptr);
    return;
  }
  Request req;
  if (!accept_request(buf, buf.size(), false, src, req)) return;  // closing the connection is the refusal
  serve(conn.get(), req, src, src);
}

bool Server::authenticate(int fd, const Request& req, const std::string& src) {
  if (cfg_.auth == HashType::none) return true;
  // The daemon answers the client's challenge first, then challenges it.
  Challenge theirs{};
  auto dl = os::deadline_in(timeouts_.auth_step);
  if (auto s = os::read_exact(fd, theirs, dl); s != os::IoStatus::ok) {
    refuse(src, std::string("auth_read_") + (s == os::IoStatus::closed ? "closed" : "timeout"), &req);
    return false;
  }
  Digest answer = challenge_answer(cfg_.auth, logic_.key(), theirs);
  if (os::write_all(fd, answer, os::deadline_in(timeouts_.auth_step)) != os::IoStatus::ok) {
    refuse(src, "auth_write_failed", &req);
    return false;
  }
  Challenge mine{};
  os::random_bytes(mine);
  dl = os::deadline_in(timeouts_.auth_step);
  Digest reply{};
  if (os::write_all(fd, mine, dl) != os::IoStatus::ok || os::read_exact(fd, reply, dl) != os::IoStatus::ok) {
    refuse(src, "auth_no_answer", &req);
    return false;
  }
  if (!challenge_answer_valid(cfg_.auth, logic_.key(), mine, reply)) {
    refuse(src, "auth_failed", &req);
    return false;
  }
  return true;
}

void Server::serve(int fd, const Request& req, const std::string& src, const std::string& requester) {
  if (!authenticate(fd, req, src)) return;
  auto t0 = os::Clock::now();
  const Reply reply = logic_.execute(req, backend_, requester);
  if (reply.denied)
    log_.log(LogLevel::warning, "request.denied", "reason=static_map requester={} op={} domain={}", requester,
             to_string(req.op), quoted(req.domain));
  const Result r = reply.result;
  const std::vector<std::uint8_t>& out = reply.bytes;
  auto st = os::write_all(fd, out, os::deadline_in(timeouts_.auth_step));
  // Recorded even if the result could not be written: the action itself happened.
  logic_.completed(req, os::monotonic_ms());
  ++stats_.served;
  double ms = std::chrono::duration<double, std::milli>(os::Clock::now() - t0).count();
  log_.log(r == Result::failure ? LogLevel::warning : LogLevel::info, "request.done",
           "op={} domain={} src={} seqno={} result={} code={} hosts={} ms={:.2f}{}", to_string(req.op), quoted(req.domain),
           src, req.seqno, to_string(r), static_cast<int>(r), reply.hosts, ms,
           st == os::IoStatus::ok ? "" : " write=failed");
}

}  // namespace halab::fv
