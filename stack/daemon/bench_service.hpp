#pragma once
// A bench-only CPG client: measures agreed-order throughput and latency of
// CPG messages through the Node (the path the controller's traffic takes),
// driven by two hidden control requests (docs/halabd.md, "Benchmark
// requests"). It joins the group "halabd-bench" at its first bench-start
// and stays in it.
//
//   bench-start COUNT SIZE WINDOW   this node sends COUNT messages of SIZE
//                                   bytes, at most WINDOW not yet delivered
//                                   back to it (WINDOW 1: one at a time)
//   bench-result                    progress / figures of the last run
//
// Latency is from send to the sender's own agreed delivery (the round every
// member's delivery waits for); throughput is messages delivered over the
// run's time. Figures come from the node's Clock.
#include <optional>
#include <vector>

#include "stack/core/clock.hpp"
#include "stack/daemon/control_protocol.hpp"
#include "stack/daemon/node.hpp"

namespace halab::daemon {

inline constexpr const char* kBenchGroup = "halabd-bench";

class BenchService : public core::Service {
 public:
  // Registers its requests with the node (Node::add_control_handler).
  explicit BenchService(Node& node);
  ~BenchService() override;
  std::optional<Response> handle(const Request& req);

 private:
  void pump();
  void on_message(const cpg::Address& from, core::ByteView payload);

  Node& node_;
  ListenerId handler_ = 0;
  std::uint32_t pid_ = 0;
  bool joining_ = false, joined_ = false;
  core::Timer retry_;
  bool running_ = false;
  std::uint64_t count_ = 0, size_ = 0, window_ = 1;
  std::uint64_t sent_ = 0, own_delivered_ = 0, others_delivered_ = 0;
  std::uint64_t run_id_ = 0;
  core::Instant started_{}, finished_{};
  std::vector<std::int64_t> latencies_ns_;
};

}  // namespace halab::daemon
