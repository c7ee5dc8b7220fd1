#pragma once
// The modelled host daemon (simulated): halab-fence-virtd's request logic on a simnet node,
// reached through core::Network (multicast request, call-back stream as datagrams:
// stream.hpp), its backend the modelled libvirt.
#include <map>
#include <memory>
#include <optional>
#include <tuple>

#include "fence-virt/host/request_logic.hpp"
#include "fence-virt/sim/virt_host.hpp"
#include "stack/core/env.hpp"

namespace halab::fv::sim {

class HostDaemon final : public core::Service {
 public:
  HostDaemon(core::Env& env, std::shared_ptr<const VirtHostConfig> cfg, Backend& backend, VirtHostStats& stats);

 private:
  struct Exchange {
    Request req;
    core::Endpoint callback;
    std::unique_ptr<core::DatagramSocket> sock;
    Challenge mine{};
    enum { awaiting_challenge, awaiting_answer, executing, done } phase = awaiting_challenge;
    core::Bytes last;  // the last message sent, resent when the agent repeats itself
    std::unique_ptr<core::Timer> expire, op;
  };
  using ExKey = std::tuple<std::uint32_t, std::uint8_t, std::string>;

  void refuse(const std::string& reason, const core::Endpoint& from);
  void on_request(const core::Endpoint& from, core::ByteView data);
  void on_stream(Exchange& x, core::ByteView d);
  void send(Exchange& x, core::Bytes msg);
  void execute(Exchange& x);

  core::Env& env_;
  std::shared_ptr<const VirtHostConfig> cfg_;
  Backend& backend_;
  VirtHostStats& stats_;
  RequestLogic logic_;
  core::Rng rng_;
  core::Log log_;
  std::unique_ptr<core::DatagramSocket> sock_;
  std::map<ExKey, std::unique_ptr<Exchange>> exchanges_;
};

}  // namespace halab::fv::sim
