#include "fence-virt/agent/client.hpp"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <linux/vm_sockets.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <thread>

#include "fence-virt/os/fd.hpp"

namespace halab::fv {

namespace {

using namespace std::chrono;

void debug(const AgentOptions& o, const std::string& s) {
  if (o.debug > 0) std::fprintf(stderr, "fence_halab_virt: %s\n", s.c_str());
}

Request base_request(const AgentOptions& o, Op op) {
  Request r;
  r.op = op;
  r.hashtype = static_cast<std::uint8_t>(o.hash);
  r.flags = o.use_uuid ? kFlagUseUuid : 0;
  r.domain = o.domain;
  std::uint8_t seq[4];
  os::random_bytes(seq);
  r.seqno = std::uint32_t(seq[0]) | std::uint32_t(seq[1]) << 8 | std::uint32_t(seq[2]) << 16 | std::uint32_t(seq[3]) << 24;
  return r;
}

RequestBytes signed_bytes(Request r, const Key& key) {
  os::random_bytes(r.random);
  sign(r, key);
  return encode(r);
}

// Client half of the stream exchange: challenge first, then answer, then the result.
CallOutcome exchange(int fd, const AgentOptions& o, const Key& key, os::Deadline dl) {
  CallOutcome out;
  if (o.auth != HashType::none) {
    Challenge mine{};
    os::random_bytes(mine);
    Digest answer{};
    if (os::write_all(fd, mine, dl) != os::IoStatus::ok || os::read_exact(fd, answer, dl) != os::IoStatus::ok) {
      out.error = "connection closed during authentication (wrong key, hash or auth setting?)";
      return out;
    }
    if (!challenge_answer_valid(o.auth, key, mine, answer)) {
      out.error = "the daemon failed our challenge (wrong key or auth setting)";
      return out;
    }
    Challenge theirs{};
    if (os::read_exact(fd, theirs, dl) != os::IoStatus::ok) {
      out.error = "connection closed during authentication";
      return out;
    }
    if (os::write_all(fd, challenge_answer(o.auth, key, theirs), dl) != os::IoStatus::ok) {
      out.error = "connection closed during authentication";
      return out;
    }
  }
  std::uint8_t code = 0;
  auto st = os::read_exact(fd, std::span(&code, 1), dl);
  if (st != os::IoStatus::ok) {
    out.error = std::string("no result from the daemon (") + os::to_string(st) + "; authentication refused?)";
    return out;
  }
  out.answered = true;
  out.raw_result = code;
  out.result = static_cast<Result>(code);
  if (code != static_cast<std::uint8_t>(Result::hostlist)) return out;
  // Host list: records until the all-empty terminator; the final result byte is optional.
  for (int n = 0; n < 100000; ++n) {
    std::array<std::uint8_t, kHostRecordSize> rec{};
    if (os::read_exact(fd, rec, dl) != os::IoStatus::ok) {
      out.answered = false;
      out.error = "host list cut short";
      return out;
    }
    HostRecord h = decode_host(rec);
    if (is_terminator(h)) break;
    out.hosts.push_back(std::move(h));
  }
  out.got_hostlist = true;
  out.result = Result::success;
  out.raw_result = 0;
  return out;
}

bool want_ipv6(const AgentOptions& o) {
  if (o.family == IpFamily::ipv6) return true;
  if (o.family == IpFamily::ipv4) return false;
  return o.multicast_address.find(':') != std::string::npos;
}

CallOutcome call_multicast(const AgentOptions& o, const Key& key, Op op, os::Deadline dl) {
  CallOutcome out;
  bool v6 = want_ipv6(o);
  int family = v6 ? AF_INET6 : AF_INET;
  std::string group = o.multicast_address.empty() ? (v6 ? "ff05::3:1" : "225.0.0.12") : o.multicast_address;
  sockaddr_storage gsa{};
  socklen_t glen = 0;
  if (v6) {
    auto* a = reinterpret_cast<sockaddr_in6*>(&gsa);
    a->sin6_family = AF_INET6;
    a->sin6_port = htons(o.port);
    if (::inet_pton(AF_INET6, group.c_str(), &a->sin6_addr) != 1) { out.error = "bad multicast address " + group; return out; }
    glen = sizeof *a;
  } else {
    auto* a = reinterpret_cast<sockaddr_in*>(&gsa);
    a->sin_family = AF_INET;
    a->sin_port = htons(o.port);
    if (::inet_pton(AF_INET, group.c_str(), &a->sin_addr) != 1) { out.error = "bad multicast address " + group; return out; }
    glen = sizeof *a;
  }
  auto retrans = milliseconds(o.retrans_tenths * 100);

  // The call-back listener, on the same port number; another agent may hold it briefly.
  os::Fd lsn;
  for (;;) {
    lsn = os::Fd(::socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0));
    if (!lsn.valid()) { out.error = "socket: " + os::errno_text(errno); return out; }
    int one = 1;
    ::setsockopt(lsn.get(), SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_storage any{};
    socklen_t alen;
    if (v6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(&any);
      a->sin6_family = AF_INET6; a->sin6_port = htons(o.port); a->sin6_addr = in6addr_any; alen = sizeof *a;
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(&any);
      a->sin_family = AF_INET; a->sin_port = htons(o.port); a->sin_addr.s_addr = htonl(INADDR_ANY); alen = sizeof *a;
    }
    if (::bind(lsn.get(), reinterpret_cast<sockaddr*>(&any), alen) == 0 && ::listen(lsn.get(), 5) == 0) break;
    if (errno != EADDRINUSE) { out.error = "call-back listener on port " + std::to_string(o.port) + ": " + os::errno_text(errno); return out; }
    if (os::Clock::now() + retrans > dl) { out.error = "call-back port " + std::to_string(o.port) + " stays in use"; return out; }
    debug(o, "call-back port busy, retrying");
    std::this_thread::sleep_for(retrans);
  }

  // One signed copy per local address of the family, each sent out of that address.
  struct Copy { sockaddr_storage src; socklen_t len; unsigned ifindex; RequestBytes bytes; };
  std::vector<Copy> copies;
  Request base = base_request(o, op);
  base.port = o.port;
  ifaddrs* ifs = nullptr;
  if (::getifaddrs(&ifs) != 0) { out.error = "getifaddrs: " + os::errno_text(errno); return out; }
  for (ifaddrs* i = ifs; i; i = i->ifa_next) {
    if (!i->ifa_addr || i->ifa_addr->sa_family != family || !(i->ifa_flags & IFF_UP)) continue;
    Request r = base;
    r.address.fill(0);
    Copy c{};
    if (v6) {
      auto* a = reinterpret_cast<sockaddr_in6*>(i->ifa_addr);
      if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr) || IN6_IS_ADDR_LINKLOCAL(&a->sin6_addr)) continue;
      r.addrlen = 16; r.family = kFamilyInet6;
      std::memcpy(r.address.data(), &a->sin6_addr, 16);
      std::memcpy(&c.src, a, sizeof *a); c.len = sizeof *a;
      c.ifindex = ::if_nametoindex(i->ifa_name);
    } else {
      auto* a = reinterpret_cast<sockaddr_in*>(i->ifa_addr);
      r.addrlen = 4; r.family = kFamilyInet;
      std::memcpy(r.address.data(), &a->sin_addr, 4);
      std::memcpy(&c.src, a, sizeof *a); c.len = sizeof *a;
    }
    c.bytes = signed_bytes(r, key);
    copies.push_back(c);
  }
  ::freeifaddrs(ifs);
  if (copies.empty()) { out.error = "no local address to send the request from"; return out; }

  for (int round = 0;; ++round) {
    for (const auto& c : copies) {
      os::Fd u(::socket(family, SOCK_DGRAM | SOCK_CLOEXEC, 0));
      if (!u.valid()) continue;
      if (v6) {
        unsigned hops = 2;
        ::setsockopt(u.get(), IPPROTO_IPV6, IPV6_MULTICAST_HOPS, &hops, sizeof hops);
        ::setsockopt(u.get(), IPPROTO_IPV6, IPV6_MULTICAST_IF, &c.ifindex, sizeof c.ifindex);
        // The request names this address as its call-back: send it from there.
        sockaddr_in6 src;
        std::memcpy(&src, &c.src, sizeof src);
        src.sin6_port = 0;
        ::bind(u.get(), reinterpret_cast<sockaddr*>(&src), sizeof src);
      } else {
        unsigned char ttl = 2;
        ::setsockopt(u.get(), IPPROTO_IP, IP_MULTICAST_TTL, &ttl, sizeof ttl);
        in_addr ifaddr = reinterpret_cast<const sockaddr_in*>(&c.src)->sin_addr;
        ::setsockopt(u.get(), IPPROTO_IP, IP_MULTICAST_IF, &ifaddr, sizeof ifaddr);
      }
      if (::sendto(u.get(), c.bytes.data(), c.bytes.size(), 0, reinterpret_cast<sockaddr*>(&gsa), glen) < 0)
        debug(o, "sendto: " + os::errno_text(errno));
    }
    auto until = std::min(os::Clock::now() + retrans, dl);
    if (os::wait_fd(lsn.get(), POLLIN, until) == os::IoStatus::ok) {
      os::Fd conn(::accept4(lsn.get(), nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK));
      if (conn.valid()) {
        lsn.reset();  // free the port for the next agent at once
        return exchange(conn.get(), o, key, dl);
      }
    }
    if (os::Clock::now() >= dl) break;
    debug(o, "no call-back yet, resending (round " + std::to_string(round + 2) + ")");
  }
  out.error = "Timed out waiting for response";
  return out;
}

CallOutcome call_stream(const AgentOptions& o, const Key& key, Op op, os::Deadline dl) {
  CallOutcome out;
  sockaddr_storage ss{};
  socklen_t len = 0;
  std::string where;
  if (o.transport == Transport::vsock) {
    auto* a = reinterpret_cast<sockaddr_vm*>(&ss);
    a->svm_family = AF_VSOCK;
    a->svm_cid = o.vsock_cid;
    a->svm_port = o.port;
    len = sizeof *a;
    where = "vsock cid " + std::to_string(o.vsock_cid) + " port " + std::to_string(o.port);
  } else {
    std::string addr = o.tcp_address.empty() ? (o.family == IpFamily::ipv6 ? "::1" : "127.0.0.1") : o.tcp_address;
    where = "tcp " + addr + " port " + std::to_string(o.port);
    auto* a4 = reinterpret_cast<sockaddr_in*>(&ss);
    auto* a6 = reinterpret_cast<sockaddr_in6*>(&ss);
    if (::inet_pton(AF_INET, addr.c_str(), &a4->sin_addr) == 1) {
      a4->sin_family = AF_INET; a4->sin_port = htons(o.port); len = sizeof *a4;
    } else if (::inet_pton(AF_INET6, addr.c_str(), &a6->sin6_addr) == 1) {
      a6->sin6_family = AF_INET6; a6->sin6_port = htons(o.port); len = sizeof *a6;
    } else {
      out.error = "'" + addr + "' is not a numeric IP address";
      return out;
    }
  }
  std::string err;
  os::Fd fd = os::connect_stream(reinterpret_cast<sockaddr*>(&ss), len, dl, err);
  if (!fd.valid()) { out.error = where + ": " + err; return out; }
  RequestBytes bytes = signed_bytes(base_request(o, op), key);
  if (os::write_all(fd.get(), bytes, dl) != os::IoStatus::ok) { out.error = where + ": cannot send the request"; return out; }
  return exchange(fd.get(), o, key, dl);
}

}  // namespace

CallOutcome call_daemon(const AgentOptions& o, const Key& key, Op op) {
  auto dl = os::deadline_in(seconds(o.timeout_s));
  if (o.transport == Transport::multicast) return call_multicast(o, key, op, dl);
  return call_stream(o, key, op, dl);
}

}  // namespace halab::fv
