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
}

static void json_string(std::FILE* f, std::string_view s) {
  std::fputc('"', f);
  for (unsigned char c : s) {
    if (c == '"' || c == '\\') std::fputc('\\', f), std::fputc(c, f);
    else if (c < 0x20) std::fprintf(f, "\\u%04x", c);
    else std::fputc(c, f);
  }
  std::fputc('"', f);
}

void Trace::write_json(TraceKind kind, std::int64_t t, std::uint32_t node, std::uint64_t a, std::uint64_t b,
                       std::uint64_t c, std::string_view text) {
  std::FILE* f = json_;
  std::fprintf(f, "{\"t\":%lld.%09lld,\"ev\":\"%s\"", static_cast<long long>(t / 1000000000),
               static_cast<long long>(t % 1000000000), to_string(kind));
  auto name = [&](std::uint64_t n) -> std::string_view {
    return n < node_names.size() ? std::string_view(node_names[n]) : std::string_view("?");
  };
  if (node != kWorldNode) {
    std::fputs(",\"node\":", f);
    json_string(f, name(node));
  }
  auto endpoint = [&](const char* key, std::uint64_t v) {
    const core::Endpoint e{core::Ipv4{static_cast<std::uint32_t>(v >> 16)}, static_cast<std::uint16_t>(v)};
    std::fprintf(f, ",\"%s\":\"%s\"", key, e.to_string().c_str());
  };
  switch (kind) {
    case TraceKind::send:  // a = from endpoint, b = to endpoint, c = size | copies << 32
      endpoint("from", a);
      endpoint("to", b);
      std::fprintf(f, ",\"size\":%llu", static_cast<unsigned long long>(c & 0xffffffff));
      break;
    case TraceKind::deliver:  // a = from endpoint, b = to endpoint, c = size | latency
      endpoint("from", a);
      endpoint("to", b);
      std::fprintf(f, ",\"size\":%llu", static_cast<unsigned long long>(c & 0xffffffff));
      break;
    case TraceKind::drop:  // a = from endpoint, b = to endpoint, c = reason | dst node << 8
      endpoint("from", a);
      endpoint("to", b);
      std::fprintf(f, ",\"reason\":\"%s\",\"dst\":", to_string(static_cast<DropReason>(c & 0xff)));
      json_string(f, name(c >> 8));
      break;
    case TraceKind::timer:
      std::fprintf(f, ",\"id\":%llu", static_cast<unsigned long long>(a));
      break;
    case TraceKind::drift:
      std::fprintf(f, ",\"ppb\":%lld", static_cast<long long>(a));
      break;
    case TraceKind::step:
      std::fprintf(f, ",\"ns\":%lld", static_cast<long long>(a));
      break;
    case TraceKind::process_end:
      std::fprintf(f, ",\"pid\":%llu,\"end\":%llu,\"code\":%lld", static_cast<unsigned long long>(a),
                   static_cast<unsigned long long>(b), static_cast<long long>(c));
      break;
    default:
      if (a) std::fprintf(f, ",\"a\":%llu", static_cast<unsigned long long>(a));
      if (b) std::fprintf(f, ",\"b\":%llu", static_cast<unsigned long long>(b));
      break;
  }
  if (!text.empty()) {
    std::fputs(",\"text\":", f);
    json_string(f, text);
  }
  std::fputs("}\n", f);
}

}  // namespace halab::simnet
