// fence_virt in simnet: the modelled libvirt host, host daemon and agent (see virt_host.hpp).
#include "fence-virt/sim/virt_host.hpp"

#include <algorithm>
#include <cctype>
#include <map>

#include "fence-virt/agent/options.hpp"
#include "fence-virt/daemon/backend.hpp"
#include "fence-virt/protocol/history.hpp"
#include "stack/core/assert.hpp"
#include "stack/core/error.hpp"

namespace halab::fv::sim {

namespace {

using core::ByteView;
using core::Bytes;
using core::Endpoint;

// The call-back "stream", as datagrams: [kind][payload].
enum Kind : std::uint8_t {
  kChallenge = 1,        // host -> agent: 64-byte challenge
  kAnswerChallenge = 2,  // agent -> host: answer (64) + the agent's challenge (64)
  kAnswerResult = 3,     // host -> agent: answer (64) + result byte [+ host records]
  kResult = 4,           // host -> agent, no auth: result byte [+ host records]
  kClosed = 5,           // host -> agent: authentication refused, "connection" closed
};

std::int64_t ms(const core::Clock& c) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(c.now().time_since_epoch()).count();
}

template <std::size_t N>
void fill(core::Rng& rng, std::array<std::uint8_t, N>& a) {
  for (auto& b : a) b = static_cast<std::uint8_t>(rng.next());
}

Key key_of(const std::string& text) {
  return Key::from_contents(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

// ---------------------------------------------------------------- libvirt

std::string uuid_for(const std::string& name) {
  // stable and unique enough for a model: the name's FNV-1a hash, spread over the UUID's digits
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", unsigned(h >> 32), unsigned(h >> 16) & 0xffff,
                unsigned(h >> 4) & 0xfff, unsigned(h) & 0xfff, static_cast<unsigned long long>(h & 0xffffffffffffull));
  return buf;
}

class SimLibvirt final : public Backend {
 public:
  SimLibvirt(simnet::World& w, std::vector<VirtDomain> domains) : w_(w), domains_(std::move(domains)) {
    for (auto& d : domains_)
      if (d.uuid.empty()) d.uuid = uuid_for(d.name);
  }
  Result off(const std::string& dom) override {
    const int n = node(dom);
    if (n < 0) return Result::failure;
    if (w_.is_up(n)) w_.power_off(n);  // virDomainDestroy; a domain already off stays off
    return Result::success;
  }
  Result on(const std::string& dom) override {
    const int n = node(dom);
    if (n < 0) return Result::failure;
    w_.power_on(n);
    return Result::success;
  }
  Result reboot(const std::string& dom) override {
    const int n = node(dom);
    if (n < 0) return Result::failure;
    w_.power_off(n);
    w_.power_on(n);
    return Result::success;
  }
  Result status(const std::string& dom) override {
    const int n = node(dom);
    if (n < 0) return Result::failure;
    return w_.is_up(n) ? Result::success : Result::off;
  }
  Result monitor() override { return Result::success; }
  bool list(std::vector<HostRecord>& out) override {
    for (auto& d : domains_) {
      const int n = w_.node_index(d.node);
      out.push_back({d.name, d.uuid, static_cast<std::uint8_t>(n >= 0 && w_.is_up(n) ? 1 : 5)});
    }
    std::sort(out.begin(), out.end(), [](const HostRecord& a, const HostRecord& b) {
      return std::lexicographical_compare(a.domain.begin(), a.domain.end(), b.domain.begin(), b.domain.end(),
                                          [](unsigned char x, unsigned char y) { return std::tolower(x) < std::tolower(y); });
    });
    return true;
  }

 private:
  int node(const std::string& dom) const {
    for (auto& d : domains_)
      if (d.name == dom || d.uuid == dom) return w_.node_index(d.node);
    return -1;
  }
  simnet::World& w_;
  std::vector<VirtDomain> domains_;
};

// ---------------------------------------------------------------- host daemon

class HostDaemon final : public core::Service {
 public:
  HostDaemon(core::Env& env, const VirtHostConfig& cfg, Backend& backend, VirtHostStats& stats)
      : env_(env), cfg_(cfg), backend_(backend), stats_(stats), key_(key_of(cfg.key)), rng_(env.rng("fence-virtd")),
        log_(env.log("fence-virtd")) {
    sock_ = env.network.bind({Endpoint{core::Ipv4::any(), cfg.port}, false, true},
                             [this](const Endpoint& from, ByteView d) { on_request(from, d); });
    sock_->join_multicast(cfg.group, core::Ipv4::any(), 2);
  }

 private:
  struct Exchange {
    Request req;
    Endpoint callback;
    std::unique_ptr<core::DatagramSocket> sock;
    Challenge challenge{};
    enum { challenged, executing, done } phase = challenged;
    Bytes last;  // the last message sent, resent on a duplicate
    std::unique_ptr<core::Timer> expire, op;
  };
  using ExKey = std::tuple<std::uint32_t, std::uint8_t, std::string>;

  void refuse(const std::string& why) {
    ++stats_.refused;
    stats_.log.push_back("refused: " + why);
    log_.warning("refused request: {}", why);
  }

  void on_request(const Endpoint& from, ByteView data) {
    Request req;
    const AcceptPolicy policy{cfg_.min_hash, &key_};
    if (Error e = verify_request(data, policy, req); e != Error::ok) return refuse(std::string(to_string(e)) + " from " + from.to_string());
    if (Error e = check_callback_address(req); e != Error::ok || req.family != kFamilyInet)
      return refuse(std::string(to_string(e == Error::ok ? Error::bad_address : e)) + " from " + from.to_string());
    const ExKey key{req.seqno, static_cast<std::uint8_t>(req.op), req.domain};
    if (auto it = exchanges_.find(key); it != exchanges_.end()) {
      // a retransmission of a request in progress: our last message was lost
      if (!it->second->last.empty()) {
        ++stats_.resent;
        it->second->sock->send_to(it->second->callback, it->second->last);
      }
      return;
    }
    if (history_.seen(req, ms(env_.clock))) return refuse(std::string(to_string(Error::replayed)) + " from " + from.to_string());
    auto ex = std::make_unique<Exchange>();
    ex->req = req;
    ex->callback = Endpoint{core::Ipv4::from_octets(req.address[0], req.address[1], req.address[2], req.address[3]), req.port};
    Exchange* x = ex.get();
    ex->sock = env_.network.bind({Endpoint{core::Ipv4::any(), 0}, false, false},
                                 [this, x](const Endpoint& f, ByteView d) { on_stream(*x, f, d); });
    ex->expire = std::make_unique<core::Timer>(env_.clock);
    ex->expire->arm(std::chrono::seconds(60), [this, key] { exchanges_.erase(key); });
    ex->op = std::make_unique<core::Timer>(env_.clock);
    exchanges_.emplace(key, std::move(ex));
    if (cfg_.auth == HashType::none) return execute(*x, std::nullopt);
    fill(rng_, x->challenge);
    x->last.assign(1, kChallenge);
    x->last.insert(x->last.end(), x->challenge.begin(), x->challenge.end());
    x->sock->send_to(x->callback, x->last);
  }

  void on_stream(Exchange& x, const Endpoint&, ByteView d) {
    if (d.empty() || d[0] != kAnswerChallenge || d.size() != 1 + 2 * kHashSize) return;
    if (x.phase == Exchange::executing) return;
    if (x.phase == Exchange::done) {
      ++stats_.resent;
      x.sock->send_to(x.callback, x.last);
      return;
    }
    Digest answer{};
    Challenge theirs{};
    std::copy_n(d.begin() + 1, kHashSize, answer.begin());
    std::copy_n(d.begin() + 1 + kHashSize, kHashSize, theirs.begin());
    if (!challenge_answer_valid(cfg_.auth, key_, x.challenge, answer)) {
      refuse("authentication failed for " + x.callback.to_string());
      x.last.assign(1, kClosed);
      x.phase = Exchange::done;
      x.sock->send_to(x.callback, x.last);
      return;
    }
    execute(x, challenge_answer(cfg_.auth, key_, theirs));
  }

  // The backend operation after libvirt's latency, then the answer.
  void execute(Exchange& x, std::optional<Digest> answer) {
    x.phase = Exchange::executing;
    x.op->arm(cfg_.libvirt_latency, [this, &x, answer] {
      const Request& r = x.req;
      Result res = Result::failure;
      std::vector<HostRecord> hosts;
      switch (r.op) {
        case Op::off: res = backend_.off(r.domain); break;
        case Op::on: res = backend_.on(r.domain); break;
        case Op::reboot: res = backend_.reboot(r.domain); break;
        case Op::status: res = backend_.status(r.domain); break;
        case Op::devstatus: res = backend_.monitor(); break;
        case Op::hostlist: res = backend_.list(hosts) ? Result::hostlist : Result::failure; break;
        case Op::null: res = Result::success; break;
      }
      history_.record(r, ms(env_.clock));
      ++stats_.served;
      stats_.log.push_back(std::string(to_string(r.op)) + " " + r.domain + ": " + to_string(res));
      log_.info("{} {}: {}", to_string(r.op), r.domain, to_string(res));
      x.last.assign(1, answer ? kAnswerResult : kResult);
      if (answer) x.last.insert(x.last.end(), answer->begin(), answer->end());
      x.last.push_back(static_cast<std::uint8_t>(res));
      if (res == Result::hostlist) {
        hosts.push_back({});  // the terminator
        for (auto& h : hosts) {
          auto b = encode(h);
          x.last.insert(x.last.end(), b.begin(), b.end());
        }
      }
      x.phase = Exchange::done;
      x.sock->send_to(x.callback, x.last);
    });
  }

  core::Env& env_;
  const VirtHostConfig& cfg_;
  Backend& backend_;
  VirtHostStats& stats_;
  Key key_;
  core::Rng rng_;
  core::Log log_;
  ReplayHistory history_;
  std::unique_ptr<core::DatagramSocket> sock_;
  std::map<ExKey, std::unique_ptr<Exchange>> exchanges_;
};

// ---------------------------------------------------------------- agent

Op wire_op(AgentAction a) {
  switch (a) {
    case AgentAction::off: return Op::off;
    case AgentAction::on: return Op::on;
    case AgentAction::reboot: return Op::reboot;
    case AgentAction::status: return Op::status;
    case AgentAction::monitor: return Op::devstatus;
    case AgentAction::list:
    case AgentAction::list_status: return Op::hostlist;
    default: return Op::null;
  }
}

class AgentRun : public std::enable_shared_from_this<AgentRun> {
 public:
  AgentRun(core::Env& env, const VirtHostConfig& cfg, AgentOptions o, core::Ipv4 self, simnet::AgentModel::Finish finish,
           std::uint64_t run_number)
      : env_(env), cfg_(cfg), o_(std::move(o)), self_(self), finish_(std::move(finish)),
        rng_(env.rng("fence_halab_virt").derive(run_number)),  // every run its own seqno and nonces
        retrans_(env.clock), deadline_(env.clock), start_(env.clock) {}

  void start(const Key& key) {
    key_ = key;
    const bool delayed = o_.delay_s > 0 && (o_.action == AgentAction::off || o_.action == AgentAction::on ||
                                            o_.action == AgentAction::reboot);
    start_.arm(delayed ? std::chrono::seconds(o_.delay_s) : core::Duration::zero(), [this] { send_request(); });
  }

 private:
  void send_request() {
    // the call-back listener on the request's port, as fence_xvm; another agent may hold it
    auto handler = [this](const Endpoint& f, ByteView d) { on_message(f, d); };
    try {
      sock_ = env_.network.bind({Endpoint{self_, o_.port}, false, false}, handler);
    } catch (const halab::core::Error&) {
      sock_ = env_.network.bind({Endpoint{self_, 0}, false, false}, handler);
    }
    Request r;
    r.op = wire_op(o_.action);
    r.hashtype = static_cast<std::uint8_t>(o_.hash);
    r.flags = o_.use_uuid ? kFlagUseUuid : 0;
    r.domain = o_.domain;
    r.addrlen = 4;
    r.family = kFamilyInet;
    const std::uint32_t a = self_.value;
    r.address[0] = std::uint8_t(a >> 24), r.address[1] = std::uint8_t(a >> 16), r.address[2] = std::uint8_t(a >> 8),
    r.address[3] = std::uint8_t(a);
    r.port = sock_->local_endpoint().port;
    fill(rng_, r.random);
    r.seqno = static_cast<std::uint32_t>(rng_.next());
    sign(r, key_);
    const RequestBytes b = encode(r);
    request_.assign(b.begin(), b.end());
    group_ = Endpoint{o_.multicast_address.empty() ? cfg_.group : core::Ipv4::parse(o_.multicast_address).value_or(cfg_.group),
                      o_.port};
    deadline_.arm(std::chrono::seconds(o_.timeout_s), [this] { end(1, "", "Timed out waiting for response"); });
    tick();
  }

  // Resends our last message every retrans period until the next one arrives.
  void tick() {
    if (host_stream_) sock_->send_to(*host_stream_, pending_);
    else sock_->send_to(group_, request_);
    retrans_.arm(std::chrono::milliseconds(100 * std::max(1, o_.retrans_tenths)), [this] { tick(); });
  }

  void on_message(const Endpoint& from, ByteView d) {
    if (ended_ || d.empty()) return;
    if (d[0] == kChallenge && d.size() == 1 + kHashSize && !host_stream_) {
      Challenge theirs{};
      std::copy_n(d.begin() + 1, kHashSize, theirs.begin());
      fill(rng_, mine_);
      const Digest ans = challenge_answer(o_.auth, key_, theirs);
      pending_.assign(1, kAnswerChallenge);
      pending_.insert(pending_.end(), ans.begin(), ans.end());
      pending_.insert(pending_.end(), mine_.begin(), mine_.end());
      host_stream_ = from;
      sock_->send_to(from, pending_);
      return;
    }
    if (d[0] == kClosed) return end(1, "", "connection closed during authentication");
    std::size_t pos = 1;
    if (d[0] == kAnswerResult && host_stream_ && d.size() >= 1 + kHashSize + 1) {
      Digest answer{};
      std::copy_n(d.begin() + 1, kHashSize, answer.begin());
      if (!challenge_answer_valid(o_.auth, key_, mine_, answer))
        return end(1, "", "the host daemon failed the challenge (wrong key?)");
      pos += kHashSize;
    } else if (!(d[0] == kResult && d.size() >= 2 && o_.auth == HashType::none)) {
      return;
    }
    const std::uint8_t code = d[pos++];
    std::string out, err;
    int rc = code;
    if (code == static_cast<std::uint8_t>(Result::hostlist)) {
      rc = 0;
      while (pos + kHashSize * 0 + kHostRecordSize <= d.size()) {
        HostRecord h = decode_host(std::span<const std::uint8_t, kHostRecordSize>(d.data() + pos, kHostRecordSize));
        pos += kHostRecordSize;
        if (is_terminator(h)) break;
        char line[200];
        std::snprintf(line, sizeof line, "%-32s %s %s\n", h.domain.c_str(), h.uuid.c_str(), h.state == 1 ? "on" : "off");
        out += line;
      }
    } else if (o_.action == AgentAction::list || o_.action == AgentAction::list_status) {
      err = "the host daemon could not list its domains (result " + std::to_string(code) + ")";
      rc = code ? code : 1;
    } else if (o_.action == AgentAction::status) {
      if (code == static_cast<std::uint8_t>(Result::success)) out = "Status: ON\n";
      if (code == static_cast<std::uint8_t>(Result::off)) out = "Status: OFF\n";
    }
    if (code == static_cast<std::uint8_t>(Result::denied)) err = "permission denied by the host daemon";
    end(rc, out, err);
  }

  void end(int rc, const std::string& out, const std::string& err) {
    if (ended_) return;
    ended_ = true;
    retrans_.cancel();
    deadline_.cancel();
    core::ProcessResult r;
    r.end = core::ProcessResult::End::exited;
    r.exit_code = rc;
    r.out = out;
    if (!err.empty()) r.err = "fence_halab_virt: " + err + "\n";
    finish_(std::move(r));
  }

  core::Env& env_;
  const VirtHostConfig& cfg_;
  AgentOptions o_;
  core::Ipv4 self_;
  simnet::AgentModel::Finish finish_;
  core::Rng rng_;
  Key key_;
  core::Timer retrans_, deadline_, start_;
  std::unique_ptr<core::DatagramSocket> sock_;
  Bytes request_, pending_;
  Endpoint group_;
  std::optional<Endpoint> host_stream_;
  Challenge mine_{};
  bool ended_ = false;
};

// The agent's command line / stdin handling, as fence_halab_virt's main.
std::shared_ptr<void> run_agent(simnet::World& w, const std::shared_ptr<VirtHostConfig>& cfg, const simnet::AgentCall& call,
                                core::Env& env, simnet::AgentModel::Finish finish, std::uint64_t run_number) {
  auto exit_now = [&](int rc, std::string out, std::string err) {
    core::ProcessResult r;
    r.end = core::ProcessResult::End::exited;
    r.exit_code = rc;
    r.out = std::move(out);
    r.err = std::move(err);
    finish(std::move(r));
    return std::shared_ptr<void>();
  };
  AgentOptions o;
  const auto& argv = call.spec->argv;
  OptionsResult parsed = argv.size() > 1 ? parse_command_line(std::vector<std::string>(argv.begin() + 1, argv.end()), o)
                                         : parse_stdin_text(call.spec->stdin_data, o);
  std::string warn;
  for (const auto& x : parsed.warnings) warn += "fence_halab_virt: warning: " + x + "\n";
  if (!parsed.ok) return exit_now(1, "", warn + "fence_halab_virt: " + parsed.error + "\n");
  if (o.help) return exit_now(0, agent_usage(), warn);
  if (o.action == AgentAction::metadata) return exit_now(0, agent_metadata_xml(), warn);
  if (o.action == AgentAction::validate_all) return exit_now(0, "", warn);
  if (needs_target(o.action) && o.domain.empty())
    return exit_now(1, "", warn + "fence_halab_virt: action '" + to_string(o.action) + "' needs a target (plug / -n)\n");
  if (o.transport != Transport::multicast || o.family == IpFamily::ipv6)
    return exit_now(1, "", warn + "fence_halab_virt: simnet models only the IPv4 multicast listener\n");
  Key key;
  if (o.hash != HashType::none || o.auth != HashType::none) {
    if (o.key_file != cfg->key_file)
      return exit_now(1, "", warn + "fence_halab_virt: key file " + o.key_file + ": No such file or directory (use -k / key_file, or hash=none and auth=none for an unauthenticated daemon)\n");
    key = key_of(cfg->key);
  }
  const int n = w.node_index(call.node);
  core::Ipv4 self{};
  for (auto a : w.node_addresses(n))
    if (cfg->subnet.contains(a)) self = a;
  if (self.is_any()) return exit_now(1, "", warn + "fence_halab_virt: no local address to send the request from\n");
  auto run = std::make_shared<AgentRun>(env, *cfg, o, self, std::move(finish), run_number);
  run->start(key);
  return run;
}

}  // namespace

VirtHost add_virt_host(simnet::World& world, const VirtHostConfig& config) {
  auto cfg = std::make_shared<VirtHostConfig>(config);
  if (cfg->address.is_any()) cfg->address = core::Ipv4{cfg->subnet.network.value + 250};
  auto backend = std::make_shared<SimLibvirt>(world, cfg->domains);
  VirtHost host;
  host.stats = std::make_shared<VirtHostStats>();
  auto stats = host.stats;
  host.node = world.add_node(cfg->host_name, {cfg->address}, [cfg, backend, stats](core::Env& env) {
    return std::make_unique<HostDaemon>(env, *cfg, *backend, *stats);
  });
  simnet::AgentModel agent;
  agent.name = "fence_halab_virt";
  auto runs = std::make_shared<std::uint64_t>(0);
  agent.run = [&world, cfg, runs](const simnet::AgentCall& call, core::Env& env, simnet::AgentModel::Finish finish) {
    return run_agent(world, cfg, call, env, std::move(finish), ++*runs);
  };
  world.define_agent(std::move(agent));
  return host;
}

}  // namespace halab::fv::sim
