#include "simnet/trace.hpp"

#include <cerrno>
#include <system_error>

#include "stack/core/address.hpp"
#include "stack/core/error.hpp"

namespace halab::simnet {

const char* to_string(TraceKind kind) {
  switch (kind) {
    case TraceKind::boot: return "boot";
    case TraceKind::crash: return "crash";
    case TraceKind::restart: return "restart";
    case TraceKind::pause: return "pause";
    case TraceKind::resume: return "resume";
    case TraceKind::drift: return "drift";
    case TraceKind::step: return "step";
    case TraceKind::partition: return "partition";
    case TraceKind::heal: return "heal";
    case TraceKind::degrade: return "degrade";
    case TraceKind::timer: return "timer";
    case TraceKind::send: return "send";
    case TraceKind::drop: return "drop";
    case TraceKind::deliver: return "deliver";
    case TraceKind::spawn: return "spawn";
    case TraceKind::process_end: return "process-end";
    case TraceKind::log: return "log";
    case TraceKind::fence: return "fence";
    case TraceKind::link_down: return "link-down";
    case TraceKind::link_up: return "link-up";
    case TraceKind::note: return "note";
    case TraceKind::resource: return "resource";
    case TraceKind::event: return "event";
    case TraceKind::admin: return "admin";
  }
  return "?";
}

const char* to_string(DropReason reason) {
  switch (reason) {
    case DropReason::loss: return "loss";
    case DropReason::partition: return "partition";
    case DropReason::node_down: return "node-down";
    case DropReason::no_socket: return "no-socket";
    case DropReason::queue_full: return "queue-full";
    case DropReason::no_route: return "no-route";
  }
  return "?";
}

Trace::~Trace() { close_json(); }

void Trace::open_json(const std::string& path) {
  close_json();
  json_ = std::fopen(path.c_str(), "we");
  if (!json_) throw core::Error("cannot write trace file " + path, std::error_code(errno, std::generic_category()));
  buffer_ = std::make_unique<char[]>(1 << 16);
  std::setvbuf(json_, buffer_.get(), _IOFBF, 1 << 16);
}

void Trace::close_json() {
  if (json_) std::fclose(json_);
  json_ = nullptr;
}

void Trace::record_text(TraceKind kind, std::int64_t t, std::uint32_t node, std::uint64_t a, std::string_view text) {
  fold(static_cast<std::uint64_t>(kind) | (std::uint64_t(node) << 8));
  fold(static_cast<std::uint64_t>(t));
  fold(a);
  std::uint64_t h = 0xcbf29ce484222325ull;  // FNV-1a over the text
  for (unsigned char ch : text) h = (h ^ ch) * 0x100000001b3ull;
  fold(h);
  fold(text.size());
  ++count_;
  if (json_) write_json(kind, t, node, a, 0, 0, text);
  if (listener_) listener_->on_record(TraceRecord{kind, t, node, a, 0, 0, text});
}

namespace {
void json_string(std::string& f, std::string_view s) {
  f += '"';
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') f += '\\', f += char(c);
    else if (c < 0x20) {
      char b[8];
      std::snprintf(b, sizeof b, "\\u%04x", c);
      f += b;
    } else f += char(c);
  }
  f += '"';
}
template <class... A> void put(std::string& f, const char* fmt, A... a) {
  char b[160];
  std::snprintf(b, sizeof b, fmt, a...);
  f += b;
}
}  // namespace

void Trace::write_json(TraceKind kind, std::int64_t t, std::uint32_t node, std::uint64_t a, std::uint64_t b,
                       std::uint64_t c, std::string_view text) {
  std::string line = format_json(TraceRecord{kind, t, node, a, b, c, text});
  line += '\n';
  std::fwrite(line.data(), 1, line.size(), json_);
}

std::string Trace::format_json(const TraceRecord& r) const {
  const TraceKind kind = r.kind;
  const std::int64_t t = r.t;
  const std::uint64_t a = r.a, b = r.b, c = r.c;
  std::string f;
  f.reserve(128 + r.text.size());
  put(f, "{\"t\":%lld.%09lld,\"ev\":\"%s\"", static_cast<long long>(t / 1000000000),
      static_cast<long long>(t % 1000000000), to_string(kind));
  auto name = [&](std::uint64_t n) -> std::string_view {
    return n < node_names.size() ? std::string_view(node_names[n]) : std::string_view("?");
  };
  if (r.node != kWorldNode) {
    f += ",\"node\":";
    json_string(f, name(r.node));
  }
  auto endpoint = [&](const char* key, std::uint64_t v) {
    const core::Endpoint e{core::Ipv4{static_cast<std::uint32_t>(v >> 16)}, static_cast<std::uint16_t>(v)};
    put(f, ",\"%s\":\"%s\"", key, e.to_string().c_str());
  };
  switch (kind) {
    case TraceKind::send:  // a = from endpoint, b = to endpoint, c = size | copies << 32
      endpoint("from", a);
      endpoint("to", b);
      put(f, ",\"size\":%llu", static_cast<unsigned long long>(c & 0xffffffff));
      break;
    case TraceKind::deliver:  // a = from endpoint, b = to endpoint, c = size | latency
      endpoint("from", a);
      endpoint("to", b);
      put(f, ",\"size\":%llu", static_cast<unsigned long long>(c & 0xffffffff));
      break;
    case TraceKind::drop:  // a = from endpoint, b = to endpoint, c = reason | dst node << 8
      endpoint("from", a);
      endpoint("to", b);
      put(f, ",\"reason\":\"%s\",\"dst\":", to_string(static_cast<DropReason>(c & 0xff)));
      json_string(f, name(c >> 8));
      break;
    case TraceKind::timer:
      put(f, ",\"id\":%llu", static_cast<unsigned long long>(a));
      break;
    case TraceKind::drift:
      put(f, ",\"ppb\":%lld", static_cast<long long>(a));
      break;
    case TraceKind::step:
      put(f, ",\"ns\":%lld", static_cast<long long>(a));
      break;
    case TraceKind::process_end:
      put(f, ",\"pid\":%llu,\"end\":%llu,\"code\":%lld", static_cast<unsigned long long>(a),
          static_cast<unsigned long long>(b), static_cast<long long>(c));
      break;
    case TraceKind::resource: {
      static const char* states[] = {"inactive", "active", "promoted", "failed"};
      static const char* causes[] = {"agent", "node-down", "injected", "halt"};
      put(f, ",\"state\":\"%s\",\"cause\":\"%s\"", states[a & 3], causes[(a >> 8) & 3]);
      break;
    }
    default:
      if (a) put(f, ",\"a\":%llu", static_cast<unsigned long long>(a));
      if (b) put(f, ",\"b\":%llu", static_cast<unsigned long long>(b));
      break;
  }
  if (!r.text.empty()) {
    f += ",\"text\":";
    json_string(f, r.text);
  }
  f += '}';
  return f;
}

}  // namespace halab::simnet
