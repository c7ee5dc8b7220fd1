#pragma once
// A test service: binds a UDP port, records what it receives (into a log
// that outlives crashes), and lets the test send through its socket.
#include <cstring>
#include <memory>
#include <vector>

#include "simnet/world.hpp"
#include "stack/core/error.hpp"

namespace halab::simnet::testing {

struct Received {
  SimTime t;  // global time of delivery
  core::Endpoint from, to;
  core::Bytes data;
};

struct ProbeLog {
  std::vector<Received> got;
  int boots = 0, destroyed = 0;
};

class Probe final : public core::Service {
 public:
  Probe(core::Env& env, World& world, ProbeLog& log, std::uint16_t port) : env(env), log_(log) {
    ++log.boots;
    core::BindOptions o;
    o.local = {core::Ipv4::any(), port};
    o.broadcast = true;
    o.reuse_address = true;
    socket = env.network.bind(o, [this, &world, port](const core::Endpoint& from, core::ByteView data) {
      log_.got.push_back(Received{world.now(), from, {}, core::Bytes(data.begin(), data.end())});
    });
  }
  ~Probe() override { ++log_.destroyed; }
  std::error_code send(const core::Endpoint& to, const core::Bytes& data) { return socket->send_to(to, data); }

  core::Env& env;
  std::unique_ptr<core::DatagramSocket> socket;

 private:
  ProbeLog& log_;
};

inline core::Ipv4 lan(int host) { return core::Ipv4::from_octets(10, 0, 0, static_cast<std::uint8_t>(host)); }

// A world with `n` probe nodes n1..nN on 10.0.0.0/24 (node i at 10.0.0.i+1).
struct ProbeWorld {
  explicit ProbeWorld(int n, std::uint64_t seed = 7, LinkModel model = {}, std::uint16_t port = 5000)
      : logs(n), world(seed) {
    world.add_network("lan", *core::Subnet::parse("10.0.0.0/24"), model);
    for (int i = 0; i < n; ++i)
      world.add_node("n" + std::to_string(i + 1), {lan(i + 1)}, [this, i, port](core::Env& env) {
        return std::make_unique<Probe>(env, world, logs[i], port);
      });
  }
  Probe& probe(int i) { return *static_cast<Probe*>(world.service(i)); }
  core::Endpoint ep(int i, std::uint16_t port = 5000) { return {lan(i + 1), port}; }

  std::vector<ProbeLog> logs;  // before the world: services write to it while the world goes
  World world;
};

// A ProcessSpec with just an argv.
inline core::ProcessSpec argv(std::vector<std::string> args) {
  core::ProcessSpec s;
  s.argv = std::move(args);
  return s;
}

inline core::Bytes u64_bytes(std::uint64_t a, std::uint64_t b = 0) {
  core::Bytes out(16);
  std::memcpy(out.data(), &a, 8);
  std::memcpy(out.data() + 8, &b, 8);
  return out;
}
inline std::uint64_t u64_at(const core::Bytes& d, int k) {
  std::uint64_t v = 0;
  std::memcpy(&v, d.data() + 8 * k, 8);
  return v;
}

}  // namespace halab::simnet::testing
