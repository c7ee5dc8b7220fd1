#include "stack/daemon/bench_service.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace halab::daemon {

namespace {
constexpr std::size_t kHeader = 24;  // run id, seq, send time (ns)

void put64(std::uint8_t* p, std::uint64_t v) { std::memcpy(p, &v, 8); }
std::uint64_t get64(const std::uint8_t* p) {
  std::uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
bool parse(std::string_view t, std::uint64_t& out) {
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), out);
  return ec == std::errc() && p == t.data() + t.size();
}
}  // namespace

BenchService::BenchService(Node& node) : node_(node), retry_(node.env().clock) {
  handler_ = node_.add_control_handler([this](const Request& r) { return handle(r); });
}

BenchService::~BenchService() { node_.remove_control_handler(handler_); }

std::optional<Response> BenchService::handle(const Request& req) {
  if (req.verb == "bench-start") {
    std::uint64_t count = 0, size = 0, window = 0;
    if (req.args.size() != 3 || !parse(req.args[0], count) || !parse(req.args[1], size) ||
        !parse(req.args[2], window) || count == 0 || window == 0 || size < kHeader || size > cpg::Cpg::kMaxMessage)
      return Response::fail("CS_ERR_INVALID_PARAM", "bench-start COUNT SIZE(24..50000) WINDOW\n");
    count_ = count, size_ = size, window_ = window;
    sent_ = own_delivered_ = 0;
    latencies_ns_.clear();
    latencies_ns_.reserve(count);
    ++run_id_;
    running_ = true;
    started_ = node_.env().clock.now();
    if (!joining_) {
      pid_ = node_.new_local_pid();
      cpg::GroupCallbacks cb;
      cb.deliver = [this](const cpg::Address& from, core::ByteView m) { on_message(from, m); };
      cb.confchg = [this](const cpg::GroupConfig& g) {
        for (const auto& j : g.joined)
          if (j.who.node == node_.node_id() && j.who.pid == pid_) {
            joined_ = true;
            started_ = node_.env().clock.now();  // the run starts once we can send
            pump();
          }
      };
      const auto r = node_.cpg().join(kBenchGroup, pid_, std::move(cb));
      if (r != cpg::Result::ok)
        return Response::fail("CS_ERR_TRY_AGAIN", std::string("cannot join ") + kBenchGroup + ": " + cpg::to_string(r) + "\n");
      joining_ = true;
    }
    pump();
    return Response{};
  }
  if (req.verb == "bench-result") {
    Response r;
    r.headers["Done"] = running_ ? "no" : "yes";
    r.headers["Delivered-Own"] = std::to_string(own_delivered_);
    r.headers["Delivered-Others"] = std::to_string(others_delivered_);
    if (!running_ && own_delivered_ > 0) {
      auto l = latencies_ns_;
      std::sort(l.begin(), l.end());
      const double secs = core::to_seconds(finished_ - started_);
      auto pct = [&](double p) { return double(l[std::min(l.size() - 1, std::size_t(p * double(l.size())))]) / 1e3; };
      r.headers["Elapsed-S"] = fmt::format("{:.6f}", secs);
      r.headers["Msgs-Per-S"] = fmt::format("{:.1f}", double(own_delivered_) / secs);
      r.headers["MiB-Per-S"] = fmt::format("{:.3f}", double(own_delivered_ * size_) / secs / 1048576.0);
      r.headers["Latency-P50-Us"] = fmt::format("{:.1f}", pct(0.50));
      r.headers["Latency-P99-Us"] = fmt::format("{:.1f}", pct(0.99));
      r.headers["Latency-Max-Us"] = fmt::format("{:.1f}", double(l.back()) / 1e3);
    }
    return r;
  }
  return std::nullopt;
}

void BenchService::pump() {
  if (!running_ || !joined_) return;
  const auto now = node_.env().clock.now();
  while (sent_ < count_ && sent_ - own_delivered_ < window_) {
    core::Bytes m(size_, 0x5a);
    put64(m.data(), run_id_);
    put64(m.data() + 8, sent_);
    put64(m.data() + 16, std::uint64_t(now.time_since_epoch().count()));
    if (node_.cpg().mcast(kBenchGroup, pid_, m) != cpg::Result::ok) {
      // Queue full: come back shortly.
      retry_.arm(std::chrono::milliseconds(1), [this] { pump(); });
      return;
    }
    ++sent_;
  }
}

void BenchService::on_message(const cpg::Address& from, core::ByteView p) {
  if (p.size() < kHeader) return;
  if (from.node != node_.node_id() || from.pid != pid_) {
    ++others_delivered_;
    return;
  }
  if (!running_ || get64(p.data()) != run_id_) return;
  const auto now = node_.env().clock.now();
  const auto sent_at = core::Instant(core::Duration(std::int64_t(get64(p.data() + 16))));
  latencies_ns_.push_back(std::int64_t((now - sent_at).count()));
  if (++own_delivered_ == count_) {
    running_ = false;
    finished_ = now;
    retry_.cancel();
    return;
  }
  pump();
}

}  // namespace halab::daemon
