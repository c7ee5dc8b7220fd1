#pragma once
// The run's trace: every event becomes a compact record (kind, time, node and
// up to three integers) folded into a running 64-bit hash. When a trace file
// is requested the same record is also written as one JSON line; without one
// nothing is formatted, so tracing costs a few multiplications per event.
#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace halab::simnet {

enum class TraceKind : std::uint8_t {
  boot, crash, restart, pause, resume, drift, step, partition, heal, degrade,
  timer, send, drop, deliver, spawn, process_end, log, fence, link_down, link_up, note,
  // Appended for the lab (issue 7); earlier kinds keep their numbers, so traces of runs
  // that do not use them keep their hashes.
  resource,  // a modelled resource changed state: node, a = ResourceState | ResourceCause << 8, text = instance
  event,     // a record the stack emitted (log subsystem "event"): text = "KIND key=value ..."
  admin,     // an administrative action of the scenario (standby, maintenance, ...): text
};
const char* to_string(TraceKind kind);

// Why a datagram was not delivered.
enum class DropReason : std::uint8_t { loss, partition, node_down, no_socket, queue_full, no_route };
const char* to_string(DropReason reason);

// One record as listeners see it (text only for the text-carrying kinds).
struct TraceRecord {
  TraceKind kind;
  std::int64_t t;
  std::uint32_t node;
  std::uint64_t a, b, c;
  std::string_view text;
};

// Told every record as it is made (the lab's audits). A listener does not change the hash.
class TraceListener {
 public:
  virtual ~TraceListener() = default;
  virtual void on_record(const TraceRecord& r) = 0;
};

class Trace {
 public:
  Trace() = default;
  ~Trace();
  Trace(const Trace&) = delete;
  Trace& operator=(const Trace&) = delete;

  // Starts writing JSON lines to `path` (throws core::Error when it cannot).
  void open_json(const std::string& path);
  void close_json();
  bool json() const { return json_ != nullptr; }

  // Names used by the JSON writer for node and network indices.
  std::vector<std::string> node_names;

  void set_listener(TraceListener* l) { listener_ = l; }
  // The record as one JSON object (no newline), as the trace file has it.
  std::string format_json(const TraceRecord& r) const;

  void record(TraceKind kind, std::int64_t t, std::uint32_t node, std::uint64_t a = 0, std::uint64_t b = 0,
              std::uint64_t c = 0) {
    // The five words are mixed by independent multiplications (which the CPU
    // runs in parallel), then folded into the chain once.
    const std::uint64_t w = ((static_cast<std::uint64_t>(kind) | (std::uint64_t(node) << 8)) * 0x9e3779b97f4a7c15ull) ^
                            (static_cast<std::uint64_t>(t) * 0xc2b2ae3d27d4eb4full) ^
                            (a * 0x165667b19e3779f9ull) ^ (rotl(b, 21) * 0xd6e8feb86659fd93ull) ^
                            (rotl(c, 42) * 0xff51afd7ed558ccdull);
    fold(w);
    ++count_;
    if (json_) write_json(kind, t, node, a, b, c, {});
    if (listener_) listener_->on_record(TraceRecord{kind, t, node, a, b, c, {}});
  }
  // A record carrying text (log lines, fault descriptions).
  void record_text(TraceKind kind, std::int64_t t, std::uint32_t node, std::uint64_t a, std::string_view text);

  std::uint64_t hash() const { return hash_ ^ (hash_ >> 31); }
  std::uint64_t count() const { return count_; }

 private:
  static std::uint64_t rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  void fold(std::uint64_t w) {
    hash_ ^= w;
    hash_ *= 0x9fb21c651e98df25ull;
    hash_ ^= hash_ >> 28;
  }
  void write_json(TraceKind kind, std::int64_t t, std::uint32_t node, std::uint64_t a, std::uint64_t b,
                  std::uint64_t c, std::string_view text);

  std::uint64_t hash_ = 0x6a09e667f3bcc909ull;
  std::uint64_t count_ = 0;
  std::FILE* json_ = nullptr;
  TraceListener* listener_ = nullptr;
  std::unique_ptr<char[]> buffer_;  // stdio buffer of json_
};

inline constexpr std::uint32_t kWorldNode = 0xffffffu;

}  // namespace halab::simnet
