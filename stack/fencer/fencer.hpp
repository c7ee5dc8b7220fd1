#pragma once
// The fencer: fences nodes through fence devices, as pacemaker-fenced does.
//
//   Fencer f(env, {});
//   f.register_device(*device_from_params("ipmi-n2", "fence_ipmilan", params, err));
//   f.register_level({"n2", 1, {"ipmi-n2"}});
//   f.register_level({"n2", 2, {"pdu-a", "pdu-b"}});
//   f.fence("n2", "reboot", "n1", [](const FenceResult& r) { ... });
//
// Contract:
//  - Callbacks run later on the event loop, never inside a call.
//  - With topology levels for the target, levels are tried in index order;
//    a level succeeds when every one of its devices does (in order; a reboot
//    on a level of several devices is "off" on all, then "on" on all, so the
//    node is never powered by one supply while another is cycled). Without
//    levels, each device able to fence the target (pcmk_host_check:
//    static-list, dynamic-list via the agent's `list`, status via `status`,
//    none) is tried, highest priority first, then by id.
//  - Agents get the stdin key=value protocol: action=, the port under
//    pcmk_host_argument (default "port"; pcmk_host_map maps node -> port),
//    nodename=, and the device's own parameters. Each action has its timeout
//    (pcmk_<action>_timeout, else stonith-timeout) and is retried
//    pcmk_<action>_retries times (default 2) when it fails.
//  - A request identical (target, action) to one in progress is merged
//    into it: one fencing, every caller gets its result.
//  - One action at a time per device (pacemaker's pcmk_action_limit=1).
//  - "meatware" devices complete only when confirm(target) is called: a
//    human has made sure the node is down. confirm() with nothing pending
//    records a manual confirmation, as `stonith_admin --confirm` does.
//  - With stonith-watchdog-timeout set and no device able to fence the
//    target, off/reboot succeed after that timeout: the target's watchdog
//    (see watchdog.hpp) has reset it or stopped its resources by then.
//  - Every completed fencing is in history() (persisted) and goes to the
//    listeners.
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "stack/core/env.hpp"
#include "stack/fencer/device.hpp"
#include "stack/fencer/history.hpp"

namespace halab::fencer {

struct FencerOptions {
  core::Duration stonith_timeout = std::chrono::seconds(60);  // devices without pcmk_<action>_timeout
  core::Duration watchdog_timeout = core::Duration::zero();     // stonith-watchdog-timeout; zero: off
  std::string path_env = "/usr/sbin:/usr/bin:/sbin:/bin";
  core::Duration list_cache = std::chrono::seconds(60);  // how long a dynamic list stays valid
};

struct FenceResult {
  std::uint64_t id = 0;
  std::string target, action, origin;
  bool ok = false;
  bool no_device = false;  // nothing could fence the target
  std::string delegate;    // device(s) that did it, "watchdog" or "manual"
  std::string reason;      // why it failed: every level's error, in order
  core::WallTime completed{};
};
using FenceCallback = std::function<void(const FenceResult&)>;

// One run of a fence agent (after retries).
struct AgentResult {
  bool ok = false;
  int exit_code = -1;  // status: 0 on, 2 off
  bool timed_out = false;
  std::string output;
  std::string reason;
};
using AgentCallback = std::function<void(const AgentResult&)>;

class Fencer {
 public:
  Fencer(core::Env& env, FencerOptions options);
  ~Fencer();
  Fencer(const Fencer&) = delete;
  Fencer& operator=(const Fencer&) = delete;

  // stonith-watchdog-timeout as the CIB says it now (zero: off).
  void set_watchdog_timeout(core::Duration d) { options_.watchdog_timeout = d; }
  core::Duration watchdog_timeout() const { return options_.watchdog_timeout; }
  void register_device(DeviceConfig device);  // replaces a device of the same id
  bool remove_device(const std::string& id);
  const std::map<std::string, DeviceConfig>& devices() const { return devices_; }
  void register_level(TopologyLevel level);  // replaces (target, index)
  bool remove_level(const std::string& target, int index);
  std::vector<TopologyLevel> levels(const std::string& target) const;

  // action: off, on or reboot. Returns the request id.
  std::uint64_t fence(const std::string& target, const std::string& action, const std::string& origin,
                      FenceCallback done);
  // A human confirms `target` is down. True if a manual request was waiting.
  bool confirm(const std::string& target, const std::string& who = "manual");
  std::vector<std::string> awaiting_confirmation() const;

  // Runs one action of a device (status, list, monitor, on, off, metadata)
  // for `target` ("" when the action has none).
  void device_action(const std::string& device_id, const std::string& action, const std::string& target,
                     AgentCallback done);
  // The targets a device's `list` names.
  void list_targets(const std::string& device_id, std::function<void(std::vector<std::string>, std::string)> done);
  // Whether the device can fence the target, by its pcmk_host_check.
  void can_fence(const std::string& device_id, const std::string& target, std::function<void(bool)> done);

  const History& history() const { return history_; }
  // Runs `fn` later on the event loop (while this fencer lives).
  void post(std::function<void()> fn) { later(std::move(fn)); }
  void add_listener(FenceCallback listener) { listeners_.push_back(std::move(listener)); }

 private:
  struct Request;
  struct Slot {
    bool busy = false;
    std::deque<std::function<void()>> waiting;
  };
  void run_level(const std::shared_ptr<Request>& req);
  void run_devices(const std::shared_ptr<Request>& req, std::vector<std::string> devices, std::string action,
                   std::size_t index, std::function<void(bool)> then);
  void complete(const std::shared_ptr<Request>& req, bool ok, std::string delegate);
  void run_agent(const DeviceConfig& device, const std::string& action, const std::string& target, int attempts_left,
                 AgentCallback done);
  void acquire(const std::string& device_id, std::function<void()> fn);
  void release(const std::string& device_id);
  void later(std::function<void()> fn, core::Duration delay = core::Duration::zero());

  core::Env& env_;
  core::Log log_;
  FencerOptions options_;
  History history_;
  std::shared_ptr<int> alive_ = std::make_shared<int>(0);
  std::map<std::string, DeviceConfig> devices_;
  std::map<std::string, std::map<int, std::vector<std::string>>> topology_;
  std::map<std::string, Slot> slots_;
  struct ListCache {
    core::Instant at;
    std::vector<std::string> targets;
  };
  std::map<std::string, ListCache> lists_;
  std::map<std::string, std::vector<std::function<void()>>> meatware_;  // target -> waiting device actions
  std::vector<FenceCallback> listeners_;
  std::map<std::pair<std::string, std::string>, std::shared_ptr<Request>> pending_;  // (target, action)
  std::uint64_t next_id_ = 1;
};

}  // namespace halab::fencer
