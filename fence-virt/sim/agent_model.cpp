// The modelled fence_halab_virt (simulated process, real protocol): see virt_host.hpp.
#include <algorithm>

#include "fence-virt/agent/answer.hpp"
#include "fence-virt/host/request_logic.hpp"
#include "fence-virt/sim/stream.hpp"
#include "fence-virt/sim/virt_host.hpp"
#include "stack/core/error.hpp"

namespace halab::fv::sim {

namespace {

using core::ByteView;
using core::Bytes;
using core::Endpoint;

Key key_of(const std::string& text) {
  return Key::from_contents(std::span(reinterpret_cast<const std::uint8_t*>(text.data()), text.size()));
}

template <std::size_t N>
void fill(core::Rng& rng, std::array<std::uint8_t, N>& a) {
  for (auto& b : a) b = static_cast<std::uint8_t>(rng.next());
}

class AgentRun {
 public:
  AgentRun(core::Env& env, std::shared_ptr<const VirtHostConfig> cfg, AgentOptions o, core::Ipv4 self,
           simnet::AgentModel::Finish finish, std::uint64_t run_number)
      : env_(env), cfg_(std::move(cfg)), o_(std::move(o)), self_(self), finish_(std::move(finish)),
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
    pending_.assign(b.begin(), b.end());
    to_ = Endpoint{o_.multicast_address.empty() ? cfg_->group
                                                : core::Ipv4::parse(o_.multicast_address).value_or(cfg_->group),
                   o_.port};
    deadline_.arm(std::chrono::seconds(o_.timeout_s), [this] { fail("Timed out waiting for response"); });
    tick();
  }

  // Resends our last message (the request, then each stream step) every retrans period
  // until the next step arrives.
  void tick() {
    sock_->send_to(to_, pending_);
    retrans_.arm(std::chrono::milliseconds(100 * std::max(1, o_.retrans_tenths)), [this] { tick(); });
  }

  void step(const Endpoint& to, Bytes msg) {
    to_ = to;
    pending_ = std::move(msg);
    tick();
  }

  void on_message(const Endpoint& from, ByteView d) {
    if (ended_ || d.empty()) return;
    if (host_ && from != *host_) return;  // one call-back per call (the real agent accepts one connection)
    switch (d[0]) {
      case kConnect: {
        if (host_) return;  // a repeat: our challenge is on its way again at the next tick
        host_ = from;
        fill(rng_, mine_);
        Bytes msg{kChallenge};
        msg.insert(msg.end(), mine_.begin(), mine_.end());
        return step(from, std::move(msg));
      }
      case kAnswerChallenge: {
        if (!host_ || d.size() != 1 + 2 * kHashSize || answered_) return;
        Digest answer{};
        std::copy_n(d.begin() + 1, kHashSize, answer.begin());
        if (!challenge_answer_valid(o_.auth, key_, mine_, answer))
          return fail("the daemon failed our challenge (wrong key or auth setting)");
        Challenge theirs{};
        std::copy_n(d.begin() + 1 + kHashSize, kHashSize, theirs.begin());
        const Digest ans = challenge_answer(o_.auth, key_, theirs);
        answered_ = true;
        Bytes msg{kAnswer};
        msg.insert(msg.end(), ans.begin(), ans.end());
        return step(from, std::move(msg));
      }
      case kClosed:
        return fail("connection closed during authentication (wrong key, hash or auth setting?)");
      case kResult: {
        // With authentication, a result only after both answers; without, it is the call-back.
        if (o_.auth != HashType::none && !answered_) return;
        ParsedReply p;
        if (!parse_reply(d.subspan(1), p)) return fail("host list cut short");
        CallOutcome out;
        out.answered = true;
        out.raw_result = p.code;
        out.result = static_cast<Result>(p.code);
        out.got_hostlist = p.hostlist;
        out.hosts = std::move(p.hosts);
        return end(agent_exit(o_.action, out));
      }
      default:
        return;
    }
  }

  void fail(const std::string& why) {
    CallOutcome out;
    out.error = why;
    end(agent_exit(o_.action, out));
  }

  void end(const AgentExit& e) {
    if (ended_) return;
    ended_ = true;
    retrans_.cancel();
    deadline_.cancel();
    core::ProcessResult r;
    r.end = core::ProcessResult::End::exited;
    r.exit_code = e.rc;
    r.out = e.out;
    r.err = e.err;
    finish_(std::move(r));
  }

  core::Env& env_;
  std::shared_ptr<const VirtHostConfig> cfg_;
  AgentOptions o_;
  core::Ipv4 self_;
  simnet::AgentModel::Finish finish_;
  core::Rng rng_;
  Key key_;
  core::Timer retrans_, deadline_, start_;
  std::unique_ptr<core::DatagramSocket> sock_;
  Bytes pending_;
  Endpoint to_;
  std::optional<Endpoint> host_;
  Challenge mine_{};
  bool answered_ = false, ended_ = false;
};

// fence_halab_virt's main, on a simulated node.
std::shared_ptr<void> run_agent(simnet::World& w, const std::shared_ptr<const VirtHostConfig>& cfg,
                                const simnet::AgentCall& call, core::Env& env, simnet::AgentModel::Finish finish,
                                std::uint64_t run_number) {
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
  const bool cmdline = argv.size() > 1;
  OptionsResult parsed = cmdline ? parse_command_line(std::vector<std::string>(argv.begin() + 1, argv.end()), o)
                                 : parse_stdin_text(call.spec->stdin_data, o);
  std::string warn;
  if (auto e = agent_early_exit(parsed, o, cmdline, warn)) return exit_now(e->rc, e->out, e->err);
  if (o.transport != Transport::multicast || o.family == IpFamily::ipv6)
    return exit_now(1, "", warn + "fence_halab_virt: simnet models only the IPv4 multicast listener\n");
  Key key;
  if (o.hash != HashType::none || o.auth != HashType::none) {
    if (o.key_file != cfg->key_file)
      return exit_now(1, "", warn + "fence_halab_virt: key file " + o.key_file +
                                 ": No such file or directory (use -k / key_file, or hash=none and auth=none for an "
                                 "unauthenticated daemon)\n");
    key = key_of(cfg->node_key.empty() ? cfg->key : cfg->node_key);
  }
  const int n = w.node_index(call.node);
  core::Ipv4 self{};
  for (auto a : w.node_addresses(n))
    if (cfg->subnet.contains(a)) self = a;
  if (self.is_any()) return exit_now(1, "", warn + "fence_halab_virt: no local address to send the request from\n");
  auto run = std::make_shared<AgentRun>(env, cfg, o, self, std::move(finish), run_number);
  run->start(key);
  return run;
}

}  // namespace

void define_virt_agent(simnet::World& world, std::shared_ptr<const VirtHostConfig> cfg) {
  simnet::AgentModel agent;
  agent.name = "fence_halab_virt";
  auto runs = std::make_shared<std::uint64_t>(0);
  simnet::World* w = &world;
  agent.run = [w, cfg, runs](const simnet::AgentCall& call, core::Env& env, simnet::AgentModel::Finish finish) {
    return run_agent(*w, cfg, call, env, std::move(finish), ++*runs);
  };
  world.define_agent(std::move(agent));
}

}  // namespace halab::fv::sim
