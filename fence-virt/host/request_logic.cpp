#include "fence-virt/host/request_logic.hpp"

#include <algorithm>

namespace halab::fv {

RequestLogic::RequestLogic(HashType min_hash, Key key, StaticMap map)
    : min_hash_(min_hash), key_(std::move(key)), map_(std::move(map)) {}

AdmitResult RequestLogic::admit(std::span<const std::uint8_t> bytes, std::size_t size, bool multicast,
                                std::int64_t now_ms, Request& out) {
  AdmitResult r;
  if (size != kRequestSize || bytes.size() != kRequestSize) {
    r.reason = to_string(Error::bad_length);
    return r;
  }
  const AcceptPolicy policy{min_hash_, &key_};
  if (Error e = verify_request(bytes, policy, out); e != Error::ok) {
    r.reason = to_string(e);
    Request shown;
    if (decode(bytes, shown) == Error::ok) r.shown = shown;
    return r;
  }
  r.shown = out;
  if (history_.seen(out, now_ms)) {
    r.verdict = Admission::duplicate;
    r.reason = to_string(Error::replayed);
    return r;
  }
  if (multicast && check_callback_address(out) != Error::ok) {
    r.reason = to_string(Error::bad_address);
    return r;
  }
  r.verdict = Admission::accepted;
  return r;
}

Reply RequestLogic::execute(const Request& req, Backend& backend, const std::string& requester) const {
  Reply out;
  const bool guarded = req.op == Op::off || req.op == Op::on || req.op == Op::reboot || req.op == Op::status;
  // The requested string itself must be listed (as fence_virtd: a group naming a domain does
  // not cover requests for it by UUID, nor the reverse).
  if (guarded && !map_.empty() && !map_.allowed(requester, {req.domain})) {
    out.denied = true;
    out.result = Result::denied;
    out.bytes.push_back(static_cast<std::uint8_t>(out.result));
    return out;
  }
  std::vector<HostRecord> hosts;
  bool hostlist = false;
  switch (req.op) {
    case Op::off: out.result = backend.off(req.domain); break;
    case Op::on: out.result = backend.on(req.domain); break;
    case Op::reboot: out.result = backend.reboot(req.domain); break;
    case Op::status: out.result = backend.status(req.domain); break;
    case Op::devstatus: out.result = backend.monitor(); break;
    case Op::hostlist:
      hostlist = backend.list(hosts);
      if (!map_.empty())
        std::erase_if(hosts, [&](const HostRecord& h) { return !map_.allowed(requester, {h.domain, h.uuid}); });
      break;
    case Op::null: out.result = Result::failure; break;
  }
  if (!hostlist) {
    out.bytes.push_back(static_cast<std::uint8_t>(out.result));
    return out;
  }
  out.bytes.reserve(2 + (hosts.size() + 1) * kHostRecordSize);
  out.bytes.push_back(static_cast<std::uint8_t>(Result::hostlist));
  for (const auto& h : hosts) {
    auto rec = encode(h);
    out.bytes.insert(out.bytes.end(), rec.begin(), rec.end());
  }
  out.bytes.insert(out.bytes.end(), kHostRecordSize, 0);  // terminator record
  out.bytes.push_back(static_cast<std::uint8_t>(Result::success));
  out.result = Result::success;
  out.hosts = hosts.size();
  return out;
}

bool parse_reply(std::span<const std::uint8_t> bytes, ParsedReply& out) {
  out = {};
  if (bytes.empty()) return false;
  out.code = bytes[0];
  if (out.code != static_cast<std::uint8_t>(Result::hostlist)) return true;
  std::size_t pos = 1;
  while (pos + kHostRecordSize <= bytes.size()) {
    HostRecord h = decode_host(std::span<const std::uint8_t, kHostRecordSize>(bytes.data() + pos, kHostRecordSize));
    pos += kHostRecordSize;
    if (is_terminator(h)) {
      out.hostlist = true;
      out.code = static_cast<std::uint8_t>(Result::success);
      return true;
    }
    out.hosts.push_back(std::move(h));
  }
  return false;
}

}  // namespace halab::fv
