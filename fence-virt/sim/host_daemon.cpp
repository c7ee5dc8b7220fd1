#include "fence-virt/sim/host_daemon.hpp"

#include <algorithm>

#include "fence-virt/sim/stream.hpp"

namespace halab::fv::sim {

namespace {

using core::ByteView;
using core::Bytes;
using core::Endpoint;

std::int64_t ms(const core::Clock& c) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(c.now().time_since_epoch()).count();
}

Key key_of(const std::string& text) {
  return Key::from_contents(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

}  // namespace

HostDaemon::HostDaemon(core::Env& env, std::shared_ptr<const VirtHostConfig> cfg, Backend& backend, VirtHostStats& stats)
    : env_(env), cfg_(std::move(cfg)), backend_(backend), stats_(stats), logic_(cfg_->min_hash, key_of(cfg_->key)),
      rng_(env.rng("fence-virtd")), log_(env.log("fence-virtd")) {
  sock_ = env.network.bind({Endpoint{core::Ipv4::any(), cfg_->port}, false, true},
                           [this](const Endpoint& from, ByteView d) { on_request(from, d); });
  sock_->join_multicast(cfg_->group, core::Ipv4::any(), 2);
  log_.notice("daemon.ready listener=multicast (simulated) where=\"multicast {} port {}\" hash={} auth={}",
              cfg_->group.to_string(), cfg_->port, to_string(cfg_->min_hash), to_string(cfg_->auth));
}

void HostDaemon::refuse(const std::string& reason, const Endpoint& from) {
  ++stats_.refused;
  stats_.log.push_back("refused: " + reason + " from " + from.to_string());
  log_.warning("request.refused reason={} src={}", reason, from.addr.to_string());
}

void HostDaemon::on_request(const Endpoint& from, ByteView data) {
  // A retransmission of a request in progress: our last message was lost.
  if (data.size() == kRequestSize) {
    Request peek;
    if (decode(data, peek) == Error::ok) {
      const ExKey key{peek.seqno, static_cast<std::uint8_t>(peek.op), peek.domain};
      if (auto it = exchanges_.find(key); it != exchanges_.end()) {
        if (!it->second->last.empty()) {
          ++stats_.resent;
          it->second->sock->send_to(it->second->callback, it->second->last);
        }
        return;
      }
    }
  }
  Request req;
  const AdmitResult a = logic_.admit(data, data.size(), true, ms(env_.clock), req);
  if (a.verdict == Admission::duplicate) {
    ++stats_.duplicates;
    stats_.log.push_back("duplicate: " + a.reason + " from " + from.to_string());
    log_.info("request.duplicate reason={} src={} op={} domain=\"{}\" seqno={}", a.reason, from.addr.to_string(),
              to_string(req.op), req.domain, req.seqno);
    return;
  }
  if (a.verdict == Admission::refused) return refuse(a.reason, from);
  if (req.family != kFamilyInet) return refuse(to_string(Error::bad_address), from);  // simnet is IPv4
  const ExKey key{req.seqno, static_cast<std::uint8_t>(req.op), req.domain};
  auto ex = std::make_unique<Exchange>();
  ex->req = req;
  ex->callback = Endpoint{core::Ipv4::from_octets(req.address[0], req.address[1], req.address[2], req.address[3]), req.port};
  Exchange* x = ex.get();
  ex->sock = env_.network.bind({Endpoint{core::Ipv4::any(), 0}, false, false},
                               [this, x](const Endpoint&, ByteView d) { on_stream(*x, d); });
  ex->expire = std::make_unique<core::Timer>(env_.clock);
  ex->expire->arm(std::chrono::seconds(60), [this, key] { exchanges_.erase(key); });
  ex->op = std::make_unique<core::Timer>(env_.clock);
  exchanges_.emplace(key, std::move(ex));
  if (cfg_->auth == HashType::none) return execute(*x);
  send(*x, Bytes{kConnect});
}

void HostDaemon::send(Exchange& x, Bytes msg) {
  x.last = std::move(msg);
  x.sock->send_to(x.callback, x.last);
}

void HostDaemon::on_stream(Exchange& x, ByteView d) {
  if (d.empty()) return;
  const bool repeat = (d[0] == kChallenge && x.phase != Exchange::awaiting_challenge) ||
                      (d[0] == kAnswer && x.phase != Exchange::awaiting_answer);
  if (repeat) {
    if (x.phase != Exchange::executing) {  // our reply was lost
      ++stats_.resent;
      x.sock->send_to(x.callback, x.last);
    }
    return;
  }
  if (d[0] == kChallenge && d.size() == 1 + kHashSize) {
    // The daemon answers the agent's challenge first, then challenges it (as halab-fence-virtd).
    Challenge theirs{};
    std::copy_n(d.begin() + 1, kHashSize, theirs.begin());
    const Digest answer = challenge_answer(cfg_->auth, logic_.key(), theirs);
    for (auto& b : x.mine) b = static_cast<std::uint8_t>(rng_.next());
    Bytes msg{kAnswerChallenge};
    msg.insert(msg.end(), answer.begin(), answer.end());
    msg.insert(msg.end(), x.mine.begin(), x.mine.end());
    x.phase = Exchange::awaiting_answer;
    return send(x, std::move(msg));
  }
  if (d[0] == kAnswer && d.size() == 1 + kHashSize) {
    Digest answer{};
    std::copy_n(d.begin() + 1, kHashSize, answer.begin());
    if (!challenge_answer_valid(cfg_->auth, logic_.key(), x.mine, answer)) {
      refuse("auth_failed", x.callback);
      x.phase = Exchange::done;
      return send(x, Bytes{kClosed});
    }
    execute(x);
  }
}

// The backend operation after libvirt's latency, then the result.
void HostDaemon::execute(Exchange& x) {
  x.phase = Exchange::executing;
  x.op->arm(cfg_->libvirt_latency, [this, &x] {
    const Request& r = x.req;
    const Reply reply = logic_.execute(r, backend_, x.callback.addr.to_string());
    logic_.completed(r, ms(env_.clock));
    ++stats_.served;
    stats_.log.push_back(std::string(to_string(r.op)) + " " + r.domain + ": " + to_string(reply.result));
    if (reply.result == Result::failure)
      log_.warning("request.done op={} domain=\"{}\" src={} seqno={} result={} code={} hosts={}", to_string(r.op), r.domain,
                   x.callback.addr.to_string(), r.seqno, to_string(reply.result), static_cast<int>(reply.result),
                   reply.hosts);
    else
      log_.info("request.done op={} domain=\"{}\" src={} seqno={} result={} code={} hosts={}", to_string(r.op), r.domain,
                x.callback.addr.to_string(), r.seqno, to_string(reply.result), static_cast<int>(reply.result),
                reply.hosts);
    Bytes msg{kResult};
    msg.insert(msg.end(), reply.bytes.begin(), reply.bytes.end());
    x.phase = Exchange::done;
    send(x, std::move(msg));
  });
}

}  // namespace halab::fv::sim
