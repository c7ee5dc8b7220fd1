#pragma once
// cmap tracking for `halab cmapctl -t KEY / -T PREFIX` (corosync-cmapctl's
// tracking) over the one-request-per-connection control socket: the daemon
// keeps a tracker per session, buffers its changes as they happen (cmap's own
// tracking, so no change is missed between two polls), and the tool polls.
//
//   cmap-track-start KEY key|prefix   header Track-Id
//   cmap-track-poll ID                body: one line per change, in order,
//                                     "create> key (type) = value" /
//                                     "modify> ..." / "delete> key (type) = old";
//                                     header Dropped (changes lost to a full buffer)
//   cmap-track-stop ID
//
// Bounds: at most kMaxSessions sessions, kMaxBuffered changes buffered per
// session (further ones are counted as dropped), and a session nobody polled
// for kIdleLimit (a tool that died) is removed.
#include <deque>
#include <map>
#include <optional>
#include <string>

#include "stack/core/clock.hpp"
#include "stack/daemon/control_protocol.hpp"
#include "stack/daemon/node.hpp"

namespace halab::daemon {

class CmapTrackService : public core::Service {
 public:
  static constexpr std::size_t kMaxSessions = 32;
  static constexpr std::size_t kMaxBuffered = 10000;
  static constexpr core::Duration kIdleLimit = std::chrono::seconds(30);

  explicit CmapTrackService(Node& node);
  ~CmapTrackService() override;
  std::optional<Response> handle(const Request& req);
  std::size_t sessions() const { return sessions_.size(); }

 private:
  struct Session {
    cmap::TrackId track = 0;
    std::deque<std::string> lines;
    std::uint64_t dropped = 0;
    core::Instant last_poll{};
  };
  void expire();
  void stop(std::uint64_t id);

  Node& node_;
  ListenerId handler_ = 0;
  std::map<std::uint64_t, Session> sessions_;
  std::uint64_t next_id_ = 1;
  core::Timer expiry_;
};

// corosync-cmapctl's line for one tracked change (without the newline).
std::string format_cmap_change(const cmap::Change& c);

}  // namespace halab::daemon
