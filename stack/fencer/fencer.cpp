#include "stack/fencer/fencer.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "stack/core/assert.hpp"
#include "stack/core/error.hpp"

namespace halab::fencer {

struct Fencer::Request {
  std::uint64_t id = 0;
  std::string target, action, origin;
  FenceCallback done;
  struct Level {
    std::string name;  // "level 1", "device X"
    std::vector<std::string> devices;
    bool check_first = false;  // no topology: ask the device whether it can fence the target
  };
  std::vector<Level> levels;
  std::size_t level = 0;
  std::vector<std::string> errors;
  std::string last_device_error;
  std::vector<FenceCallback> merged;  // identical requests that arrived while this one ran
  bool attempted = false;  // some device was asked to act (not just whether it could)
  bool no_device = false;
};

Fencer::Fencer(core::Env& env, FencerOptions options)
    : env_(env), log_(env.log("fencer")), options_(std::move(options)), history_(env.storage) {
  for (const auto& w : history_.warnings()) log_.warning("{}", w);
}

Fencer::~Fencer() = default;

void Fencer::later(std::function<void()> fn, core::Duration delay) {
  auto alive = std::weak_ptr<int>(alive_);
  env_.clock.schedule(delay, [alive, fn = std::move(fn)] {
    if (!alive.expired()) fn();
  });
}

void Fencer::register_device(DeviceConfig device) {
  log_.info("device {} ({}) registered, host check {}", device.id, device.agent, to_string(device.host_check));
  lists_.erase(device.id);
  const std::string id = device.id;
  devices_[id] = std::move(device);
}

bool Fencer::remove_device(const std::string& id) {
  lists_.erase(id);
  return devices_.erase(id) > 0;
}

void Fencer::register_level(TopologyLevel level) {
  HALAB_ASSERT(level.index >= 1);
  topology_[level.target][level.index] = std::move(level.devices);
}

bool Fencer::remove_level(const std::string& target, int index) {
  auto it = topology_.find(target);
  if (it == topology_.end()) return false;
  const bool removed = it->second.erase(index) > 0;
  if (it->second.empty()) topology_.erase(it);
  return removed;
}

std::vector<TopologyLevel> Fencer::levels(const std::string& target) const {
  std::vector<TopologyLevel> out;
  auto it = topology_.find(target);
  if (it == topology_.end()) return out;
  for (const auto& [index, devs] : it->second) out.push_back({target, index, devs});
  return out;
}

// ---- running agents ---------------------------------------------------------

namespace {

// Fence agents print tracebacks, warnings and usage hints around the line
// that matters ("Failed: ..."): keep that one, else the last line.
std::string telling_line(const std::string& err) {
  std::string last, failed;
  std::size_t pos = 0;
  while (pos < err.size()) {
    auto eol = err.find('\n', pos);
    if (eol == std::string::npos) eol = err.size();
    std::string line = err.substr(pos, eol - pos);
    pos = eol + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.pop_back();
    if (line.empty()) continue;
    last = line;
    if (failed.empty() && line.find("Failed") != std::string::npos) failed = line;
  }
  return failed.empty() ? last : failed;
}

}  // namespace

void Fencer::acquire(const std::string& device_id, std::function<void()> fn) {
  auto& slot = slots_[device_id];
  if (slot.busy) {
    slot.waiting.push_back(std::move(fn));
    return;
  }
  slot.busy = true;
  fn();
}

void Fencer::release(const std::string& device_id) {
  auto& slot = slots_[device_id];
  HALAB_ASSERT(slot.busy);
  if (slot.waiting.empty()) {
    slot.busy = false;
    return;
  }
  auto next = std::move(slot.waiting.front());
  slot.waiting.pop_front();
  next();
}

void Fencer::run_agent(const DeviceConfig& device, const std::string& action, const std::string& target,
                       int attempts_left, AgentCallback done) {
  const std::string agent_action = device.agent_action(action);
  core::ProcessSpec spec;
  spec.argv = {device.agent};
  spec.env = {"PATH=" + options_.path_env, "LANG=C", "LC_ALL=C"};
  std::string in = "action=" + agent_action + "\n";
  if (!target.empty()) {
    if (device.host_argument != "none") in += device.host_argument + "=" + device.port_for(target) + "\n";
    in += "nodename=" + target + "\n";
  }
  for (const auto& [k, v] : device.params) {
    if (k == "action" || k == "nodename" || (!target.empty() && k == device.host_argument)) continue;
    in += k + "=" + v + "\n";
  }
  spec.stdin_data = std::move(in);
  auto it = device.timeouts.find(action);
  spec.timeout = it != device.timeouts.end() ? it->second : options_.stonith_timeout;
  const core::Duration timeout = spec.timeout;
  auto alive = std::weak_ptr<int>(alive_);
  env_.processes.spawn(std::move(spec), [this, alive, device, action, agent_action, target, attempts_left, timeout,
                                         done = std::move(done)](core::ProcessResult pr) mutable {
    if (alive.expired()) return;
    AgentResult r;
    r.exit_code = pr.exit_code;
    r.output = pr.out;
    using End = core::ProcessResult::End;
    const bool status_like = action == "status" || action == "monitor";
    r.ok = pr.end == End::exited && (pr.exit_code == 0 || (status_like && action == "status" && pr.exit_code == 2));
    if (!r.ok) {
      std::string err = pr.err;
      while (!err.empty() && (err.back() == '\n' || err.back() == ' ')) err.pop_back();
      err = telling_line(err);
      switch (pr.end) {
        case End::spawn_failed: r.reason = fmt::format("cannot run {}: {}", device.agent, pr.error); break;
        case End::timed_out:
          r.timed_out = true;
          r.reason = fmt::format("{} {} timed out after {}", device.agent, agent_action, core::format_duration(timeout));
          break;
        case End::signaled: r.reason = fmt::format("{} killed by signal {}", device.agent, pr.signal); break;
        case End::exited:
          r.reason = fmt::format("{} {} exited {}{}{}", device.agent, agent_action, pr.exit_code, err.empty() ? "" : ": ", err);
          break;
      }
      const bool retryable = pr.end != End::spawn_failed && action != "status" && action != "list" &&
                             action != "monitor" && action != "metadata";
      if (retryable && attempts_left > 1) {
        log_.warning("device {}: {} (retrying, {} attempts left)", device.id, r.reason, attempts_left - 1);
        return run_agent(device, action, target, attempts_left - 1, std::move(done));
      }
    }
    done(r);
  });
}

void Fencer::device_action(const std::string& device_id, const std::string& action, const std::string& target,
                           AgentCallback done) {
  auto it = devices_.find(device_id);
  if (it == devices_.end()) {
    AgentResult r;
    r.reason = "no fence device '" + device_id + "'";
    return later([done = std::move(done), r] { done(r); });
  }
  const DeviceConfig device = it->second;
  if (device.is_meatware()) {
    if (action == "off" || action == "reboot") {
      log_.notice("device {}: waiting for a human to confirm that {} is down", device.id, target);
      meatware_[target].push_back([done] {
        AgentResult r;
        r.ok = true;
        r.exit_code = 0;
        done(r);
      });
      return;
    }
    AgentResult r;
    r.ok = action == "monitor" || action == "status";
    r.exit_code = r.ok ? 0 : 1;
    if (!r.ok) r.reason = "meatware device " + device.id + " cannot " + action;
    return later([done = std::move(done), r] { done(r); });
  }
  const bool fencing = action == "off" || action == "on" || action == "reboot";
  const int attempts = fencing ? device.retry_count(action) + 1 : 1;
  acquire(device_id, [this, device, action, target, attempts, done = std::move(done)]() mutable {
    auto go = [this, device, action, target, attempts, done = std::move(done)]() mutable {
      run_agent(device, action, target, attempts, [this, id = device.id, done = std::move(done)](const AgentResult& r) {
        release(id);
        done(r);
      });
    };
    if (device.delay > core::Duration::zero() && (action == "off" || action == "reboot"))
      later(std::move(go), device.delay);
    else
      go();
  });
}

void Fencer::list_targets(const std::string& device_id,
                          std::function<void(std::vector<std::string>, std::string)> done) {
  auto cached = lists_.find(device_id);
  if (cached != lists_.end() && env_.clock.now() - cached->second.at < options_.list_cache)
    return later([done = std::move(done), t = cached->second.targets] { done(t, ""); });
  device_action(device_id, "list", "", [this, device_id, done = std::move(done)](const AgentResult& r) {
    if (!r.ok) return done({}, r.reason);
    auto targets = parse_list_output(r.output);
    lists_[device_id] = ListCache{env_.clock.now(), targets};
    done(std::move(targets), "");
  });
}

void Fencer::can_fence(const std::string& device_id, const std::string& target, std::function<void(bool)> done) {
  auto it = devices_.find(device_id);
  if (it == devices_.end()) return later([done = std::move(done)] { done(false); });
  const DeviceConfig& d = it->second;
  auto by_status = [this, device_id, target, done](std::string why) {
    device_action(device_id, "status", target, [this, device_id, target, done, why](const AgentResult& r) {
      if (!r.ok)
        log_.info("device {} cannot fence {}: {}{}{}", device_id, target, why, why.empty() ? "" : "; ", r.reason);
      done(r.ok);
    });
  };
  switch (d.host_check) {
    case HostCheck::none: return later([done] { done(true); });
    case HostCheck::automatic:
    case HostCheck::static_list: {
      const bool yes = std::find(d.host_list.begin(), d.host_list.end(), target) != d.host_list.end() ||
                       d.host_map.count(target) > 0;
      return later([done, yes] { done(yes); });
    }
    case HostCheck::status: return by_status("");
    case HostCheck::dynamic_list:
      return list_targets(device_id, [done, target, by_status](std::vector<std::string> t, std::string why) {
        // An agent without `list` (fence_dummy, say) is asked for the target's status instead.
        if (!why.empty()) return by_status("list failed: " + why);
        done(std::find(t.begin(), t.end(), target) != t.end());
      });
  }
}

// ---- fencing requests -------------------------------------------------------

std::uint64_t Fencer::fence(const std::string& target, const std::string& action, const std::string& origin,
                            FenceCallback done) {
  // An identical request in progress answers this one too (as pacemaker
  // merges them): a node is not power-cycled twice for one failure.
  if (auto it = pending_.find({target, action}); it != pending_.end()) {
    log_.info("fence {} {} (requested by {}) merged into request {}", action, target, origin, it->second->id);
    it->second->merged.push_back(std::move(done));
    return it->second->id;
  }
  auto req = std::make_shared<Request>();
  req->id = next_id_++;
  req->target = target;
  req->action = action;
  req->origin = origin;
  req->done = std::move(done);
  pending_[{target, action}] = req;
  log_.notice("fence {} {} (requested by {}, request {})", action, target, origin, req->id);
  if (action != "off" && action != "on" && action != "reboot") {
    req->errors.push_back("unknown fencing action '" + action + "' (off, on or reboot)");
    later([this, req] { complete(req, false, ""); });
    return req->id;
  }
  auto topo = topology_.find(target);
  if (topo != topology_.end()) {
    for (const auto& [index, devs] : topo->second) req->levels.push_back({fmt::format("level {}", index), devs, false});
  } else {
    std::vector<const DeviceConfig*> order;
    for (const auto& [id, d] : devices_) order.push_back(&d);
    std::stable_sort(order.begin(), order.end(), [](auto* a, auto* b) { return a->priority > b->priority; });
    for (auto* d : order) req->levels.push_back({"device " + d->id, {d->id}, true});
  }
  later([this, req] { run_level(req); });
  return req->id;
}

void Fencer::run_level(const std::shared_ptr<Request>& req) {
  if (req->level >= req->levels.size()) {
    if (!req->attempted && options_.watchdog_timeout > core::Duration::zero() && req->action != "on") {
      log_.notice("no fence device for {}: it counts as fenced by its watchdog after {}", req->target,
                  core::format_duration(options_.watchdog_timeout));
      return later([this, req] { complete(req, true, "watchdog"); }, options_.watchdog_timeout);
    }
    if (!req->attempted) {
      req->no_device = true;
      req->errors.push_back("no fence device can fence " + req->target);
    }
    return complete(req, false, "");
  }
  const auto& level = req->levels[req->level];
  auto next_level = [this, req](std::string error) {
    req->errors.push_back(req->levels[req->level].name + ": " + error);
    ++req->level;
    run_level(req);
  };
  auto execute = [this, req, next_level] {
    req->attempted = true;
    const auto& lv = req->levels[req->level];
    auto finished = [this, req, next_level](bool ok) {
      if (ok) {
        std::string delegate;
        for (const auto& d : req->levels[req->level].devices) delegate += (delegate.empty() ? "" : ",") + d;
        return complete(req, true, delegate);
      }
      next_level(req->last_device_error);
    };
    if (req->action == "reboot" && lv.devices.size() > 1) {
      run_devices(req, lv.devices, "off", 0, [this, req, finished](bool ok) {
        if (!ok) return finished(false);
        run_devices(req, req->levels[req->level].devices, "on", 0, finished);
      });
    } else {
      run_devices(req, lv.devices, req->action, 0, finished);
    }
  };
  if (level.devices.empty()) return next_level("no devices");
  if (!level.check_first) return execute();
  const std::string device = level.devices.front();
  can_fence(device, req->target, [req, next_level, execute](bool yes) {
    if (!yes) return next_level("cannot fence " + req->target);
    execute();
  });
}

void Fencer::run_devices(const std::shared_ptr<Request>& req, std::vector<std::string> devices, std::string action,
                         std::size_t index, std::function<void(bool)> then) {
  if (index >= devices.size()) return then(true);
  const std::string id = devices[index];
  if (!devices_.count(id)) {
    req->last_device_error = "device " + id + " is not registered";
    return later([then] { then(false); });
  }
  device_action(id, action, req->target,
                [this, req, devices, action, index, then, id](const AgentResult& r) mutable {
                  if (!r.ok) {
                    req->last_device_error = r.reason.empty() ? "device " + id + " failed" : r.reason;
                    log_.warning("fencing {} with {} failed: {}", req->target, id, req->last_device_error);
                    return then(false);
                  }
                  run_devices(req, std::move(devices), std::move(action), index + 1, std::move(then));
                });
}

void Fencer::complete(const std::shared_ptr<Request>& req, bool ok, std::string delegate) {
  FenceResult res;
  res.id = req->id;
  res.target = req->target;
  res.action = req->action;
  res.origin = req->origin;
  res.ok = ok;
  res.delegate = std::move(delegate);
  res.completed = env_.clock.wall_now();
  res.no_device = req->no_device;
  for (const auto& e : req->errors) res.reason += (res.reason.empty() ? "" : "; ") + e;
  if (ok)
    log_.notice("{} of {} by {} (request {}): OK", req->action, req->target, res.delegate, req->id);
  else
    log_.error("{} of {} (request {}) failed: {}", req->action, req->target, req->id, res.reason);
  try {
    history_.record({res.target, res.action, ok ? HistoryEntry::State::success : HistoryEntry::State::failed,
                     res.origin, res.delegate, res.reason, res.completed});
  } catch (const core::Error& e) {
    log_.error("cannot persist fencing history: {}", e.what());
  }
  if (auto it = pending_.find({req->target, req->action}); it != pending_.end() && it->second == req) pending_.erase(it);
  auto listeners = listeners_;
  auto alive = std::weak_ptr<int>(alive_);
  if (req->done) req->done(res);
  if (alive.expired()) return;
  for (auto& m : req->merged) {
    if (m) m(res);
    if (alive.expired()) return;
  }
  for (auto& l : listeners) l(res);
}

bool Fencer::confirm(const std::string& target, const std::string& who) {
  auto it = meatware_.find(target);
  if (it != meatware_.end() && !it->second.empty()) {
    auto waiting = std::move(it->second);
    meatware_.erase(it);
    log_.notice("{} confirmed that {} is down", who, target);
    for (auto& w : waiting) later(std::move(w));
    return true;
  }
  // Nothing pending: the administrator tells the cluster the node is safely down.
  auto req = std::make_shared<Request>();
  req->id = next_id_++;
  req->target = target;
  req->action = "off";
  req->origin = who;
  later([this, req] { complete(req, true, "manual"); });
  return false;
}

std::vector<std::string> Fencer::awaiting_confirmation() const {
  std::vector<std::string> out;
  for (const auto& [t, w] : meatware_)
    if (!w.empty()) out.push_back(t);
  return out;
}

}  // namespace halab::fencer
