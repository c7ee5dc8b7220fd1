#pragma once
// The ping node: its votes count while a configured address answers.
//
// The check runs the system's `ping -n -q -c 1 -W <wait> <host>` through
// core::Processes, so on a real node it is the real ICMP echo and in simnet
// it is a modelled agent chosen by argv[0] ("ping"), which answers as the
// simulated network says. Exit status 0 means an answer.
//
// Safety: every node that reaches the address counts the vote, so the ping
// node breaks a split only when the split also cuts one side off from the
// address (the usual gateway placement); when both halves still reach it,
// both count it. The tests show this; fencing covers it.
#include <memory>
#include <string>

#include "stack/config/corosync_conf.hpp"
#include "stack/core/clock.hpp"
#include "stack/core/log.hpp"
#include "stack/core/process.hpp"
#include "stack/quorum/device.hpp"

namespace halab::quorum {

struct PingOptions {
  std::string host;                                           // ping { host: ... } (required)
  core::Duration interval = std::chrono::milliseconds(1000);  // between pings
  core::Duration wait = std::chrono::milliseconds(1000);      // ping -W: how long one ping waits for its answer
  core::Duration timeout = std::chrono::milliseconds(3000);   // device timeout: no answer this long = vote lost
  std::string program = "ping";
};

// From quorum { device { model: ping  timeout: MS  ping { host: H  interval: MS  wait: MS } } }.
// Returns an error message naming the key, or "".
std::string ping_options(const config::QuorumDeviceConf& conf, PingOptions& out);

class PingDevice : public QuorumDevice {
 public:
  PingDevice(core::Clock& clock, core::Processes& processes, core::Logger& logger, PingOptions opt);
  ~PingDevice() override;

  void start() override;
  bool alive() const override { return alive_; }
  bool cast_vote() const override { return alive_; }
  std::uint64_t pings() const { return pings_; }
  std::uint64_t answers() const { return answers_; }

 private:
  void tick();
  void on_result(const core::ProcessResult& r);
  void update();

  core::Clock& clock_;
  core::Processes& processes_;
  core::Log log_;
  PingOptions opt_;
  core::Timer timer_;
  bool in_flight_ = false;
  core::ProcessId child_ = 0;
  bool answered_ = false;
  core::Instant last_answer_{};
  bool alive_ = false;
  std::uint64_t pings_ = 0, answers_ = 0;
  // The child's `done` may run after we are gone; it checks this first.
  std::shared_ptr<bool> token_ = std::make_shared<bool>(true);
};

}  // namespace halab::quorum
