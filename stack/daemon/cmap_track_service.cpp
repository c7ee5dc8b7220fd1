#include "stack/daemon/cmap_track_service.hpp"

#include <fmt/format.h>

#include <charconv>

namespace halab::daemon {

std::string format_cmap_change(const cmap::Change& c) {
  const char* what = c.event == cmap::kTrackAdd ? "create" : c.event == cmap::kTrackModify ? "modify" : "delete";
  const auto& v = c.event == cmap::kTrackDelete ? c.old_value : c.new_value;
  if (!v) return fmt::format("{}> {}", what, c.key);
  return fmt::format("{}> {} ({}) = {}", what, c.key, cmap::to_string(v->type()), v->to_string());
}

CmapTrackService::CmapTrackService(Node& node) : node_(node), expiry_(node.env().clock) {
  handler_ = node_.add_control_handler([this](const Request& r) { return handle(r); });
}

CmapTrackService::~CmapTrackService() {
  node_.remove_control_handler(handler_);
  for (auto& [id, s] : sessions_) node_.cmap().untrack(s.track);
}

void CmapTrackService::stop(std::uint64_t id) {
  auto it = sessions_.find(id);
  if (it == sessions_.end()) return;
  node_.cmap().untrack(it->second.track);
  sessions_.erase(it);
}

void CmapTrackService::expire() {
  const auto now = node_.env().clock.now();
  for (auto it = sessions_.begin(); it != sessions_.end();) {
    auto next = std::next(it);
    if (now - it->second.last_poll >= kIdleLimit) stop(it->first);
    it = next;
  }
  if (!sessions_.empty()) expiry_.arm(kIdleLimit / 3, [this] { expire(); });
}

std::optional<Response> CmapTrackService::handle(const Request& req) {
  auto session_of = [&](std::uint64_t& id) {
    if (req.args.size() != 1) return false;
    const auto& a = req.args[0];
    auto [p, ec] = std::from_chars(a.data(), a.data() + a.size(), id);
    return ec == std::errc() && p == a.data() + a.size() && sessions_.count(id) > 0;
  };
  if (req.verb == "cmap-track-start") {
    if (req.args.size() != 2 || (req.args[1] != "key" && req.args[1] != "prefix"))
      return Response::fail("CS_ERR_INVALID_PARAM", "cmap-track-start KEY key|prefix\n");
    const bool prefix = req.args[1] == "prefix";
    // A prefix may be empty or end in '.'; a key must be a valid name.
    if (!prefix && !cmap::valid_key(req.args[0]))
      return Response::fail("CS_ERR_INVALID_PARAM", "Can't track key " + req.args[0] + ". Error CS_ERR_INVALID_PARAM\n");
    if (sessions_.size() >= kMaxSessions)
      return Response::fail("CS_ERR_NO_RESOURCES", "too many cmap tracking sessions (" +
                                                       std::to_string(kMaxSessions) + ")\n");
    const std::uint64_t id = next_id_++;
    Session s;
    s.last_poll = node_.env().clock.now();
    s.track = node_.cmap().track(req.args[0], cmap::kTrackAll, prefix, [this, id](const cmap::Change& c) {
      auto it = sessions_.find(id);
      if (it == sessions_.end()) return;
      if (it->second.lines.size() >= kMaxBuffered) ++it->second.dropped;
      else it->second.lines.push_back(format_cmap_change(c));
    });
    sessions_.emplace(id, std::move(s));
    if (!expiry_.armed()) expiry_.arm(kIdleLimit / 3, [this] { expire(); });
    Response r;
    r.headers["Track-Id"] = std::to_string(id);
    return r;
  }
  if (req.verb == "cmap-track-poll") {
    std::uint64_t id = 0;
    if (!session_of(id)) return Response::fail("CS_ERR_NOT_EXIST", "no such cmap tracking session\n");
    auto& s = sessions_[id];
    s.last_poll = node_.env().clock.now();
    Response r;
    for (auto& l : s.lines) r.body += l + "\n";
    s.lines.clear();
    r.headers["Dropped"] = std::to_string(s.dropped);
    s.dropped = 0;
    return r;
  }
  if (req.verb == "cmap-track-stop") {
    std::uint64_t id = 0;
    if (!session_of(id)) return Response::fail("CS_ERR_NOT_EXIST", "no such cmap tracking session\n");
    stop(id);
    return Response{};
  }
  return std::nullopt;
}

}  // namespace halab::daemon
