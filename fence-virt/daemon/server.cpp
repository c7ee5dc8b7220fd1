#include "fence-virt/daemon/server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstring>
#include <vector>

namespace halab::fv {

Server::Server(const ListenerConfig& cfg, Key key, Backend& backend, DaemonLog& log, StaticMap map, ServerTimeouts t)
    : cfg_(cfg), key_(std::move(key)), backend_(backend), log_(log), map_(std::move(map)), timeouts_(t) {}

void Server::refuse(const std::string& src, std::string_view reason, const Request* req) {
  ++stats_.refused;
  if (req)
    log_.log(LogLevel::warning, "request.refused", "reason={} src={} op={} domain={} seqno={} hash={}", reason, src,
             to_string(req->op), quoted(req->domain), req->seqno, to_string(static_cast<HashType>(req->hashtype)));
  else
    log_.log(LogLevel::warning, "request.refused", "reason={} src={}", reason, src);
}

bool Server::accept_request(std::span<const std::uint8_t> bytes, const std::string& src, Request& req) {
  AcceptPolicy policy{cfg_.hash, &key_};
  Error e = verify_request(bytes, policy, req);
  if (e != Error::ok) {
    // Log what we can of a refused request: decode without the policy for the fields.
    Request shown;
    bool decoded = decode(bytes, shown) == Error::ok;
    refuse(src, to_string(e), decoded ? &shown : nullptr);
    return false;
  }
  if (history_.seen(req, os::monotonic_ms())) {
    // Per-interface copies and retransmissions of one call land here too: debug for those
    // is enough, but a refused replay must be visible, so log at notice.
    ++stats_.refused;
    log_.log(LogLevel::info, "request.duplicate", "reason=replayed src={} op={} domain={} seqno={}", src,
             to_string(req.op), quoted(req.domain), req.seqno);
    return false;
  }
  log_.log(LogLevel::debug, "request.accepted", "src={} op={} domain={} seqno={} hash={}", src, to_string(req.op),
           quoted(req.domain), req.seqno, to_string(static_cast<HashType>(req.hashtype)));
  return true;
}

void Server::handle_datagram(std::span<const std::uint8_t> bytes, std::size_t size, const std::string& src) {
  if (size != kRequestSize) {
    refuse(src, to_string(Error::bad_length), nullptr);
    log_.log(LogLevel::debug, "request.length", "src={} bytes={}", src, size);
    return;
  }
  Request req;
  if (!accept_request(bytes, src, req)) return;
  if (check_callback_address(req) != Error::ok) {
    refuse(src, to_string(Error::bad_address), &req);
    return;
  }
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
  if (!accept_request(buf, src, req)) return;  // closing the connection is the refusal
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
  Digest answer = challenge_answer(cfg_.auth, key_, theirs);
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
  if (!challenge_answer_valid(cfg_.auth, key_, mine, reply)) {
    refuse(src, "auth_failed", &req);
    return false;
  }
  return true;
}

bool Server::permitted(const Request& req, const std::string& requester) {
  if (map_.empty()) return true;
  // The requested string itself must be listed (as fence_virtd: a group naming a domain
  // does not cover requests for it by UUID, nor the reverse).
  if (map_.allowed(requester, {req.domain})) return true;
  log_.log(LogLevel::warning, "request.denied", "reason=static_map requester={} op={} domain={}", requester,
           to_string(req.op), quoted(req.domain));
  return false;
}

void Server::serve(int fd, const Request& req, const std::string& src, const std::string& requester) {
  if (!authenticate(fd, req, src)) return;
  auto t0 = os::Clock::now();
  Result r = Result::failure;
  std::vector<HostRecord> hosts;
  bool hostlist = false;
  bool guarded = req.op == Op::off || req.op == Op::on || req.op == Op::reboot || req.op == Op::status;
  if (guarded && !permitted(req, requester)) {
    r = Result::denied;
  } else switch (req.op) {
    case Op::off: r = backend_.off(req.domain); break;
    case Op::on: r = backend_.on(req.domain); break;
    case Op::reboot: r = backend_.reboot(req.domain); break;
    case Op::status: r = backend_.status(req.domain); break;
    case Op::devstatus: r = backend_.monitor(); break;
    case Op::hostlist:
      hostlist = backend_.list(hosts);
      if (!map_.empty())
        std::erase_if(hosts, [&](const HostRecord& h) { return !map_.allowed(requester, {h.domain, h.uuid}); });
      break;
    case Op::null: r = Result::failure; break;
  }
  std::vector<std::uint8_t> out;
  if (hostlist) {
    out.reserve(2 + (hosts.size() + 1) * kHostRecordSize);
    out.push_back(static_cast<std::uint8_t>(Result::hostlist));
    for (const auto& h : hosts) {
      auto rec = encode(h);
      out.insert(out.end(), rec.begin(), rec.end());
    }
    out.insert(out.end(), kHostRecordSize, 0);  // terminator record
    out.push_back(static_cast<std::uint8_t>(Result::success));
    r = Result::success;
  } else {
    out.push_back(static_cast<std::uint8_t>(r));
  }
  auto st = os::write_all(fd, out, os::deadline_in(timeouts_.auth_step));
  // Recorded even if the result could not be written: the action itself happened.
  history_.record(req, os::monotonic_ms());
  ++stats_.served;
  double ms = std::chrono::duration<double, std::milli>(os::Clock::now() - t0).count();
  log_.log(r == Result::failure ? LogLevel::warning : LogLevel::info, "request.done",
           "op={} domain={} src={} seqno={} result={} code={} hosts={} ms={:.2f}{}", to_string(req.op), quoted(req.domain),
           src, req.seqno, to_string(r), static_cast<int>(r), hosts.size(), ms,
           st == os::IoStatus::ok ? "" : " write=failed");
}

}  // namespace halab::fv
