// The executor's operation history (<lrm_rsc_op>) per node and resource:
// the role each resource has there, its failures and their on-fail policy,
// which nodes already know its state (no probe needed), recurring monitors.
#include <algorithm>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <tuple>

#include "stack/scheduler/remote.hpp"
#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

namespace {

struct HistOp {
  std::string id, task;
  long interval_ms = 0;
  int rc = 0, status = 0, target = 0, call_id = 0;
  long long last_rc_change = 0;
  std::string migrate_target;
};

int target_rc_of(const std::string& key) {
  // transition-key: action:transition:target-rc:uuid
  auto a = key.find(':');
  if (a == std::string::npos) return 0;
  auto b = key.find(':', a + 1);
  if (b == std::string::npos) return 0;
  return std::atoi(key.c_str() + b + 1);
}

// on-fail severity in pacemaker's order (higher wins).
int severity(OnFail f) {
  switch (f) {
    case OnFail::Ignore: return 0;
    case OnFail::Demote: return 1;
    case OnFail::Restart: return 2;
    case OnFail::RestartContainer: return 3;
    case OnFail::Stop: return 5;
    case OnFail::Standby: return 6;
    case OnFail::Block: return 4;
    case OnFail::Fence: return 7;
  }
  return 0;
}

OnFail on_fail_for(const Cluster& c, const Resource& r, const std::string& task, long interval_ms) {
  std::string text;
  Role op_role = Role::Unknown;
  for (const auto& op : r.ops)
    if (op.name == task && op.interval_ms == interval_ms) text = op.on_fail, op_role = op.role;
  if (text.empty()) {
    auto it = c.options.op_defaults.find("on-fail");
    if (it != c.options.op_defaults.end()) text = it->second;
  }
  // A demote fails as the Promoted role's monitor would (unless that one
  // demotes).
  if (text.empty() && task == "demote")
    for (const auto& op : r.ops)
      if (text.empty() && op.name == "monitor" && op.role == Role::Promoted && op.interval_ms > 0 && op.enabled &&
          !op.on_fail.empty() && op.on_fail != "demote")
        text = op.on_fail;
  // on-fail=demote is for promotes and the Promoted role's monitors only.
  if (text == "demote") {
    if (task == "promote" || (task == "monitor" && interval_ms > 0 && op_role == Role::Promoted)) return OnFail::Demote;
    text.clear();
  }
  if (text == "ignore") return OnFail::Ignore;
  if (text == "block") return OnFail::Block;
  if (text == "stop") return OnFail::Stop;
  if (text == "standby") return OnFail::Standby;
  if (text == "fence") return c.options.stonith_enabled ? OnFail::Fence : OnFail::Block;
  if (text == "restart") return OnFail::Restart;
  // A container filler's failures restart its container by default.
  if ((text.empty() || text == "restart-container") && r.container && !r.remote_node) return OnFail::RestartContainer;
  if (task == "stop") return c.options.stonith_enabled ? OnFail::Fence : OnFail::Block;
  return OnFail::Restart;
}

Resource* orphan_for(Cluster& c, const XmlElement& lrm_rsc) {
  auto r = std::make_unique<Resource>();
  r->id = lrm_rsc.attr_or("id", "");
  r->cls = lrm_rsc.attr_or("class", "");
  r->provider = lrm_rsc.attr_or("provider", "");
  r->type = lrm_rsc.attr_or("type", "");
  r->orphan = true;
  r->managed = c.options.stop_orphan_resources && !c.options.maintenance_mode;
  r->target_role = Role::Stopped;
  r->needs_nothing = r->is_fence_device();
  Resource* raw = r.get();
  c.all_resources.push_back(std::move(r));
  c.resources.push_back(raw);
  return raw;
}

bool feature_set_at_least(const std::string& v, int major, int minor, int patch) {
  int a = 0, b = 0, d = 0;
  if (std::sscanf(v.c_str(), "%d.%d.%d", &a, &b, &d) < 1) return false;
  if (a != major) return a > major;
  if (b != minor) return b > minor;
  return d >= patch;
}

}  // namespace

void unpack_history(Cluster& c, const XmlElement& cib) {
  // Migrations: (resource, source, target name) whose last operation on the
  // source is a completed migrate_to, and (resource, node) pairs with a
  // migrate_from result.
  std::vector<std::tuple<Resource*, Node*, std::string>> migrated_away;
  std::map<std::pair<Resource*, std::string>, bool> migrate_from_seen;  // -> is the node's last operation
  // Cluster nodes first; remote nodes once their connections' state is
  // known, and only while they are up; guest nodes last (a bundle may run
  // its containers on a remote node).
  for (int pass = 0; pass < 3; ++pass) {
  if (pass >= 1) determine_remote_online(c);
  for (const auto& state : cib.first_child("status").children("node_state")) {
    Node* n = nullptr;
    const auto id = state.attr_or("id", "");
    for (auto& cand : c.nodes)
      if (cand->id == id) n = cand.get();
    if (!n) continue;
    const int node_pass = !n->remote ? 0 : n->guest ? 2 : 1;
    if (node_pass != pass) continue;
    if (n->guest) {
      // A guest node's history is known once its connection and container
      // are started (failed or not: what runs there may need recovering);
      // with fencing enabled it is read anyway (pacemaker's last pass over
      // the nodes not unpacked yet): what it says is active there makes the
      // guest reset.
      const Resource* conn = n->remote_rsc;
      if (!conn || !conn->container) continue;
      if ((conn->role != Role::Started || conn->container->role != Role::Started) && !c.options.stonith_enabled)
        continue;
    } else {
      if (n->remote && !n->online) continue;
      // Offline nodes run nothing, unless fencing will be needed to be sure.
      if (!n->online && !c.options.stonith_enabled) continue;
    }
    auto lrm_resources = state.first_child("lrm").first_child("lrm_resources");
    for (const auto& lr : lrm_resources.children("lrm_resource")) {
      const auto rid = lr.attr_or("id", "");
      bool orphan_instance = false;
      Resource* r = find_history_resource(c, n, rid, orphan_instance);
      std::vector<HistOp> ops;
      for (const auto& x : lr.children("lrm_rsc_op")) {
        HistOp op;
        op.id = x.attr_or("id", "");
        op.task = x.attr_or("operation", "");
        op.interval_ms = std::atol(x.attr_or("interval", "0").c_str());
        op.rc = std::atoi(x.attr_or("rc-code", "0").c_str());
        // OCF "degraded" results count as success.
        if (op.rc == 190) op.rc = 0;
        if (op.rc == 191) op.rc = 8;
        op.status = std::atoi(x.attr_or("op-status", "0").c_str());
        op.call_id = std::atoi(x.attr_or("call-id", "0").c_str());
        op.target = target_rc_of(x.attr_or("transition-key", ""));
        op.last_rc_change = std::atoll(x.attr_or("last-rc-change", x.attr_or("last-run", "0")).c_str());
        op.migrate_target = x.attr_or("migrate_target", "");
        ops.push_back(op);
      }
      std::stable_sort(ops.begin(), ops.end(), [](const HistOp& a, const HistOp& b) {
        auto k = [](const HistOp& o) { return o.call_id < 0 ? INT_MAX : o.call_id; };
        return k(a) < k(b);
      });
      bool any_active = false;
      for (const auto& op : ops)
        if (!(op.task == "monitor" && op.interval_ms == 0 && op.rc == 7) && op.task != "stop") any_active = true;
      if (!r) {
        // pacemaker keeps an orphan for any history (a stopped one is only
        // cleaned up, digests.cpp).
        if (ops.empty()) continue;
        r = orphan_for(c, lr);
      }
      r->history[n->index] = lr;
      int counted = 0, ignored_failures = 0, counted_failures = 0;
      Role role = Role::Stopped;
      OnFail on_fail = OnFail::Ignore;
      std::set<std::string> monitors;
      std::set<long> stopped_monitors;  // role=Stopped monitors since the last start or stop
      // A failure of an operation configured with on-fail=block: the
      // failure-timeout is ignored on this node (nothing expires).
      bool never_expire = false;
      for (const auto& op : ops) {
        if (op.status != 0 && op.status != 4) continue;
        const bool probe = op.task == "monitor" && op.interval_ms == 0;
        if (op.rc == op.target || (probe && (op.rc == 0 || op.rc == 7 || op.rc == 8))) continue;
        for (const auto& cfg : r ? r->ops : std::vector<OpConfig>{})
          if (cfg.name == op.task && cfg.interval_ms == op.interval_ms && cfg.on_fail == "block") never_expire = true;
      }
      if (never_expire && r) r->never_expire_on.insert(n->index);
      for (const auto& op : ops) {
        if (op.task == "notify" || op.status == 1) continue;
        if (op.status == -1 || op.call_id == -1) {  // pending
          ++counted;
          r->pending_node = n;
          if (op.task == "start" || op.task == "migrate_from") role = Role::Started, r->pending_task = "Starting";
          else if (op.task == "stop") r->pending_task = "Stopping";
          else if (op.task == "promote") role = Role::Promoted;
          else if (op.task == "monitor" && op.interval_ms == 0) r->pending_task = "Monitoring";
          continue;
        }
        const bool probe = op.task == "monitor" && op.interval_ms == 0;
        const int target = op.target;
        // Like pacemaker's remap: "done" and "error" statuses are judged by
        // the result code against the expected one.
        const bool judged = op.status == 0 || op.status == 4;
        bool ok = false;
        if (judged && op.task == "monitor" && op.interval_ms > 0 && op.rc == 7 && target == 7)
          stopped_monitors.insert(op.interval_ms);
        if (judged && op.rc == target && (op.task == "start" || op.task == "stop" || op.task == "migrate_from"))
          stopped_monitors.clear();
        if (judged && op.rc == 7 && (probe || target == 7 || !r->managed)) {
          role = Role::Stopped;
          on_fail = OnFail::Ignore;
          monitors.clear();
          ++counted;
          continue;
        }
        if (judged) ok = op.rc == target || (probe && (op.rc == 0 || op.rc == 8));
        if (!ok && !never_expire && r->failure_timeout_s > 0 && op.last_rc_change > 0 && c.now > 0 &&
            c.now >= op.last_rc_change + r->failure_timeout_s) {
          // An expired failure no longer counts; its fail count is cleared.
          r->expired_on.insert(n->index);
          continue;
        }
        if (!ok && r->failure_timeout_s > 0 && op.last_rc_change > 0 && c.now > 0)
          c.recheck_at(op.last_rc_change + r->failure_timeout_s);
        ++counted;
        bool pretended = false;
        // on-fail=ignore: pacemaker pretends the failed operation succeeded
        // (the failure is still counted for display, never for recovery).
        if (!ok && op.status != 7 && on_fail_for(c, *r, op.task, op.interval_ms) == OnFail::Ignore) {
          ignored_failures++;
          ok = true;
          pretended = true;
        }
        // A filler's failed stop counts as done; its container restarts.
        if (!ok && op.status != 7 && op.task == "stop" &&
            on_fail_for(c, *r, op.task, op.interval_ms) == OnFail::RestartContainer) {
          ok = true;
          pretended = true;
          r->restart_container = true;
        }
        if (ok) {
          // Like pacemaker's clear_past_failure: a completed start, stop,
          // promote or migrate_from ends a recoverable failure's effect.
          const bool clears = op.task == "start" || op.task == "stop" || op.task == "promote" ||
                              op.task == "migrate_from";
          if (clears && (on_fail == OnFail::Block || on_fail == OnFail::Ignore || on_fail == OnFail::Restart ||
                         on_fail == OnFail::RestartContainer))
            on_fail = OnFail::Ignore;
          if (op.task == "start" || op.task == "migrate_from") role = Role::Started;
          else if (op.task == "stop") {
            role = Role::Stopped;
            monitors.clear();
          } else if (op.task == "promote") role = Role::Promoted;
          else if (op.task == "demote") role = Role::Unpromoted;
          else if (op.task == "migrate_to") role = Role::Started;
          else if (op.task == "monitor") {
            const int rc = pretended ? target : op.rc;
            if (rc == 7) role = Role::Stopped;
            else if (rc == 8) role = Role::Promoted;
            else if (role == Role::Stopped || role == Role::Unknown) role = Role::Started;
            if (op.interval_ms > 0 && rc != 7) monitors.insert(op.task + "_" + std::to_string(op.interval_ms));
          }
          continue;
        }
        // A failure.
        OnFail f = on_fail_for(c, *r, op.task, op.interval_ms);
        // A missing agent is a hard failure whatever on-fail says.
        if (op.status == 7 && f == OnFail::Ignore) f = OnFail::Restart;
        if (f == OnFail::Ignore) ignored_failures++;
        else counted_failures++;
        // Hard errors ban the node: invalid parameters, insufficient
        // privileges, unimplemented (one-shot), not installed, not configured.
        if (op.rc == 2 || op.rc == 4 || op.rc == 5 || op.rc == 6 || (op.rc == 3 && op.interval_ms == 0)) {
          n->attrs["#ban-" + r->id] = "1";
          if (op.rc == 6) r->target_role = Role::Stopped;
        }
        if (op.task == "stop") n->attrs["#ban-" + r->id] = "1";
        // A connection's failed monitor resets its remote node (remote.cpp).
        if (op.task == "monitor" && op.interval_ms > 0) r->monitor_failed = true;
        if (severity(f) > severity(on_fail)) on_fail = f;
        if (op.task == "promote") role = Role::Promoted;
        // A failed demote leaves it unpromoted (it will be recovered);
        // blocked, it stays promoted and is to stop.
        else if (op.task == "demote") role = f == OnFail::Block ? Role::Promoted : Role::Unpromoted;
        else if (probe && op.rc == 5) role = Role::Stopped;
        else if (role == Role::Stopped || role == Role::Unknown) role = Role::Started;
        if (op.task == "start" && c.options.start_failure_is_fatal) n->attrs["#start-failed-" + r->id] = "1";
        if (op.task == "monitor" && op.interval_ms > 0) monitors.insert(op.task + "_" + std::to_string(op.interval_ms));
      }
      // A managed resource thought active on a node that is down: with
      // fencing the node is fenced, and what was running there no longer
      // counts as failed (it can start again after the node is shot).
      // (A guest node is reset by recovering its container instead:
      // reset_unclean_guests, remote.cpp.)
      if (role != Role::Stopped && role != Role::Unknown && !n->online && !n->maintenance && r->managed &&
          c.options.stonith_enabled && !n->unclean && !n->guest) {
        n->unclean = true;
        n->fence_reason = r->id + " is thought to be active there";
      }
      if (n->unclean) on_fail = OnFail::Ignore;
      // Recurring monitors that must stop: maintenance, or disabled in the configuration.
      if (n->online && !r->orphan) {
        for (const auto& key : monitors) {
          const long interval = std::atol(key.substr(key.find('_') + 1).c_str());
          bool disabled = false;
          for (const auto& op : r->ops)
            if (op.name == "monitor" && op.interval_ms == interval && !op.enabled) disabled = true;
          const bool maintenance = n->maintenance || r->maintenance || c.options.maintenance_mode;
          if (maintenance || disabled) r->cancels.emplace_back(n->index, interval);
        }
      }
      // Nothing is managed on a node in maintenance.
      if (n->maintenance && role != Role::Stopped && role != Role::Unknown) r->managed = false;
      // Failures of operations with on-fail=ignore do not count toward
      // migration-threshold.
      if (ignored_failures > 0 && counted_failures == 0) r->failcount_ignored.insert(n->index);
      r->monitors_on[n->index] = monitors;
      r->stopped_monitors_on[n->index] = stopped_monitors;
      for (const auto& op : ops)
        if (op.task == "migrate_from" && op.status != -1 && op.call_id != -1)
          migrate_from_seen[{r, n->uname}] = &op == &ops.back();
      if (!ops.empty()) {
        const HistOp& last = ops.back();
        if (last.task == "migrate_to" && last.status == 0 && last.rc == last.target && !last.migrate_target.empty())
          migrated_away.emplace_back(r, n, last.migrate_target);
      }
      if (counted > 0 || ops.empty()) r->probed_on.insert(n->index);
      // A stopped instance does not keep an old-style numbered history name
      // (pacemaker resets it, so it is not taken for an orphan).
      if ((role == Role::Stopped || role == Role::Unknown) && r->clone_name.find(':') != std::string::npos)
        r->clone_name.clear();
      if (role != Role::Stopped && role != Role::Unknown) {
        if (on_fail != OnFail::Ignore) {
          r->failed = true;
          r->failed_on.push_back(n);
        }
        r->running_on.push_back(n);
        n->running.push_back(r);
        if (int(role) > int(r->role)) r->role = role;
        switch (on_fail) {
          case OnFail::Block: r->managed = false; r->blocked = true; break;
          case OnFail::Fence:
            if (n->guest) {
              n->guest_reset = true;
            } else if (!n->unclean) {
              n->unclean = true;
              n->fence_reason = r->id + " failed there";
            }
            break;
          case OnFail::Standby: n->standby = true; n->standby_onfail = true; break;
          case OnFail::Stop: r->target_role = Role::Stopped; break;
          case OnFail::Demote: r->demote_on.insert(n->index); break;
          default: break;
        }
      }
    }
  }
  }
  // A migration that reached its target (migrate_from done there, whatever
  // its result) leaves the source "dangling": not running there any more,
  // but still to be stopped.
  // One that the target has moved on from (or that never reached a target
  // that is now down) leaves the resource failed on the source.
  for (auto& [r, source, target] : migrated_away) {
    auto& on = r->running_on;
    if (std::find(on.begin(), on.end(), source) == on.end()) continue;
    auto seen = migrate_from_seen.find({r, target});
    const Node* target_node = c.find_node(target);
    const bool target_down = !target_node || !target_node->online;
    if (seen == migrate_from_seen.end() || !seen->second) {
      if (seen != migrate_from_seen.end() || target_down) {
        if (!r->failed) r->failed_on.push_back(source);
        r->failed = true;
      }
      continue;
    }
    on.erase(std::remove(on.begin(), on.end(), source), on.end());
    auto& running = source->running;
    running.erase(std::remove(running.begin(), running.end(), r), running.end());
    r->dangling_on.push_back(source);
  }
  // multiple-active=block: a resource active on several nodes is left alone
  // (with its whole group when the group says so); stop_only: it is
  // stopped everywhere and kept from starting again.
  for (auto& r : c.all_resources) {
    if (r->running_on.size() < 2 || r->is_group() || r->is_clone()) continue;
    auto it = r->meta.find("multiple-active");
    const std::string policy = it == r->meta.end() ? "stop_start" : it->second;
    if (policy == "block") {
      r->managed = false;
      r->blocked = true;
      Resource* g = r->parent;
      if (g && g->is_group() && g->meta.count("multiple-active") && g->meta.at("multiple-active") == "block")
        for (Resource* member : g->children) {
          member->managed = false;
          member->blocked = true;
        }
    } else if (policy == "stop_only") {
      for (auto& n : c.nodes) n->attrs["#ban-" + r->id] = "1";
    }
  }
  // Fail counts from transient attributes: fail-count-RSC, and (from feature
  // set 3.0.13 on, as pacemaker reads them) fail-count-RSC#op_interval.
  const bool per_op = feature_set_at_least(cib.attr_or("crm_feature_set", ""), 3, 0, 13);
  for (auto& n : c.nodes) {
    for (auto& [k, v] : n->attrs) {
      if (k.rfind("fail-count-", 0) != 0) continue;
      std::string rest = k.substr(11);
      auto hash = rest.find('#');
      if (hash != std::string::npos && !per_op) continue;
      if (Resource* fr = c.find_resource(hash == std::string::npos ? rest : rest.substr(0, hash));
          fr && fr->failcount_ignored.count(n->index))
        continue;
      std::string rid = hash == std::string::npos ? rest : rest.substr(0, hash);
      // Anonymous clone instances all count their configured id's failures.
      std::vector<Resource*> targets;
      if (Resource* r = c.find_resource(rid)) targets.push_back(r);
      else
        for (auto& cand : c.all_resources)
          if (cand->base_id == rid && !cand->is_group() && cand->clone_parent() && !cand->clone_parent()->clone.unique)
            targets.push_back(cand.get());
      for (Resource* r : targets) {
        if (r->failcount_ignored.count(n->index)) continue;
        if (r->failure_timeout_s > 0 && c.now > 0 && !r->never_expire_on.count(n->index)) {
          const std::string lf = n->attr("last-failure-" + rest);
          const long long when = std::atoll(lf.c_str());
          if (when > 0 && c.now >= when + r->failure_timeout_s) continue;
          if (when > 0) c.recheck_at(when + r->failure_timeout_s);
        }
        r->failcount[n->index] = add_scores(r->failcount[n->index], parse_score_or(v, 0));
      }
    }
  }
}

}  // namespace halab::scheduler
