#include "stack/quorum/ping_device.hpp"

#include <fmt/format.h>

#include <csignal>

namespace halab::quorum {

std::string ping_options(const config::QuorumDeviceConf& conf, PingOptions& out) {
  PingOptions o;
  if (conf.timeout) o.timeout = *conf.timeout;
  for (const auto& [key, value] : conf.model_options) {
    if (key == "host") {
      o.host = value;
    } else if (key == "interval" || key == "wait") {
      core::Duration d{};
      if (!core::parse_duration(value, d) || d <= core::Duration::zero())
        return fmt::format("quorum.device.ping.{}: '{}' is not a duration", key, value);
      (key == "interval" ? o.interval : o.wait) = d;
    } else {
      return fmt::format("quorum.device.ping.{}: unknown key", key);
    }
  }
  if (o.host.empty()) return "quorum.device.ping.host: the ping device needs a host";
  if (o.host.front() == '-') return fmt::format("quorum.device.ping.host: '{}' is not a host", o.host);
  out = o;
  return {};
}

PingDevice::PingDevice(core::Clock& clock, core::Processes& processes, core::Logger& logger, PingOptions opt)
    : clock_(clock), processes_(processes), log_(logger, "qdevice-ping"), opt_(std::move(opt)), timer_(clock) {}

PingDevice::~PingDevice() {
  *token_ = false;
  if (in_flight_) processes_.kill(child_, SIGKILL);
}

void PingDevice::start() { timer_.arm(core::Duration::zero(), [this] { tick(); }); }

void PingDevice::tick() {
  update();
  if (!in_flight_) {
    core::ProcessSpec spec;
    const auto wait_s = std::max<std::int64_t>(1, (core::to_ms(opt_.wait) + 999) / 1000);
    spec.argv = {opt_.program, "-n", "-q", "-c", "1", "-W", std::to_string(wait_s), opt_.host};
    spec.env = {"PATH=/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL=C"};
    spec.timeout = opt_.wait + std::chrono::seconds(1);
    in_flight_ = true;
    ++pings_;
    std::weak_ptr<bool> token = token_;
    child_ = processes_.spawn(std::move(spec), [this, token](core::ProcessResult r) {
      auto t = token.lock();
      if (!t || !*t) return;
      on_result(r);
    });
  }
  timer_.arm(opt_.interval, [this] { tick(); });
}

void PingDevice::on_result(const core::ProcessResult& r) {
  in_flight_ = false;
  if (r.ok()) {
    ++answers_;
    answered_ = true;
    last_answer_ = clock_.now();
  } else {
    log_.debug("no answer from {} ({}, exit {})", opt_.host, core::to_string(r.end), r.exit_code);
  }
  update();
}

void PingDevice::update() {
  const bool now_alive = answered_ && clock_.now() - last_answer_ < opt_.timeout;
  if (now_alive == alive_) return;
  alive_ = now_alive;
  log_.notice("ping device {}: {}", opt_.host, alive_ ? "answers, casting its vote" : "no answer, vote withdrawn");
  if (on_change) on_change();
}

}  // namespace halab::quorum
