#include "stack/executor/executor.hpp"

#include "stack/core/assert.hpp"
#include "stack/core/error.hpp"

namespace halab::executor {

struct Executor::Job {
  CallId id = 0;
  ResourceDef rsc;
  OpRequest op;
  OpCallback done;
  bool recurring = false;
  bool cancelled = false;
  bool probe = false;
  core::Instant queued_at{};
  core::Instant started_at{};
  core::WallTime started_wall{};
  core::TimerId next_run = 0;  // recurring: the timer that queues the next run
};

struct Executor::Resource {
  std::deque<std::shared_ptr<Job>> waiting;
  std::shared_ptr<Job> running;
  std::map<CallId, std::shared_ptr<Job>> recurring;
  bool active = false;  // last known state: started and not since found stopped
};

namespace {

constexpr const char* kRsctmpMarker = ".halab-rsctmp";

bool is_monitor(const std::string& action) { return action == "monitor" || action == "status"; }

}  // namespace

Executor::Executor(core::Env& env, ExecutorOptions options, StonithOps* stonith)
    : env_(env), log_(env.log("executor")), options_(std::move(options)), stonith_(stonith) {
  if (!options_.state_dir.empty() && !options_.rsctmp.empty()) {
    options_.paths.rsctmp = options_.state_dir + "/" + options_.rsctmp;
    options_.paths.varrun = options_.paths.rsctmp;
    prepare_rsctmp();
  }
}

Executor::~Executor() {
  for (auto& [id, r] : resources_)
    for (auto& [cid, job] : r.recurring)
      if (job->next_run != 0) env_.clock.cancel(job->next_run);
}

void Executor::prepare_rsctmp() {
  const std::string& dir = options_.rsctmp;
  try {
    if (options_.clear_rsctmp) {
      for (const auto& name : env_.storage.list(dir)) {
        if (name == kRsctmpMarker) continue;
        const std::string path = dir + "/" + name;
        if (core::valid_storage_name(path)) env_.storage.remove(path, core::Sync::none);
      }
    }
    // Storage makes directories as needed: the marker makes HA_RSCTMP exist.
    env_.storage.write(dir + "/" + kRsctmpMarker, std::string_view("agents' HA_RSCTMP of node " + env_.node + "\n"),
                       core::Sync::none);
  } catch (const core::Error& e) {
    log_.error("cannot prepare HA_RSCTMP {}: {}", options_.paths.rsctmp, e.what());
  }
}

CallId Executor::execute(const ResourceDef& rsc, OpRequest op, OpCallback done) {
  HALAB_ASSERT(done != nullptr);
  auto job = std::make_shared<Job>();
  job->id = next_call_++;
  job->rsc = rsc;
  job->op = std::move(op);
  job->done = std::move(done);
  job->recurring = job->op.interval > core::Duration::zero();
  if (job->recurring) {
    // One recurring op per (action, interval), as in pacemaker: a new one replaces the old.
    cancel(rsc.id, job->op.action, job->op.interval);
    resources_[rsc.id].recurring[job->id] = job;
  }
  enqueue(job);
  return job->id;
}

void Executor::enqueue(const std::shared_ptr<Job>& job) {
  job->queued_at = env_.clock.now();
  auto& r = resources_[job->rsc.id];
  r.waiting.push_back(job);
  run_next(job->rsc.id);
}

bool Executor::cancel(const std::string& rsc_id, const std::string& action, core::Duration interval) {
  auto it = resources_.find(rsc_id);
  if (it == resources_.end()) return false;
  auto& r = it->second;
  for (auto jt = r.recurring.begin(); jt != r.recurring.end(); ++jt) {
    auto job = jt->second;
    if (job->op.action != action || job->op.interval != interval) continue;
    r.recurring.erase(jt);
    job->cancelled = true;
    if (job->next_run != 0) env_.clock.cancel(job->next_run);
    job->next_run = 0;
    std::erase(r.waiting, job);
    OpResult res = base_result(*job);
    res.status = ExecStatus::cancelled;
    res.rc = 0;
    auto alive = std::weak_ptr<int>(alive_);
    env_.clock.schedule(core::Duration::zero(), [alive, job, res] {
      if (alive.expired()) return;
      auto done = job->done;
      done(res);
    });
    log_.debug("{} {} interval {}: cancelled", rsc_id, action, core::format_duration(interval));
    return true;
  }
  return false;
}

void Executor::forget(const std::string& rsc_id) {
  auto it = resources_.find(rsc_id);
  if (it == resources_.end()) return;
  std::vector<std::pair<std::string, core::Duration>> ops;
  for (auto& [id, job] : it->second.recurring) ops.emplace_back(job->op.action, job->op.interval);
  for (auto& [action, interval] : ops) cancel(rsc_id, action, interval);
  it->second.active = false;
}

std::vector<RecurringOp> Executor::recurring() const {
  std::vector<RecurringOp> out;
  for (const auto& [id, r] : resources_)
    for (const auto& [cid, job] : r.recurring) out.push_back({id, job->op.action, job->op.interval, cid});
  return out;
}

std::size_t Executor::queued(const std::string& rsc_id) const {
  auto it = resources_.find(rsc_id);
  if (it == resources_.end()) return 0;
  return it->second.waiting.size() + (it->second.running ? 1 : 0);
}

void Executor::run_next(const std::string& rsc_id) {
  auto& r = resources_[rsc_id];
  if (r.running || r.waiting.empty()) return;
  auto job = r.waiting.front();
  r.waiting.pop_front();
  HALAB_ASSERT(!job->cancelled);
  r.running = job;
  launch(r, job);
}

OpResult Executor::base_result(const Job& job) const {
  OpResult res;
  res.rsc_id = job.rsc.id;
  res.action = job.op.action;
  res.interval = job.op.interval;
  res.call_id = job.id;
  res.probe = job.probe;
  return res;
}

void Executor::launch(Resource& r, const std::shared_ptr<Job>& job) {
  const auto& rsc = job->rsc;
  const auto& action = job->op.action;
  job->probe = action == "monitor" && !job->recurring && !r.active;
  job->started_at = env_.clock.now();
  job->started_wall = env_.clock.wall_now();
  OpResult res = base_result(*job);

  auto reject = [&](ExecStatus status, int rc, std::string why) {
    res.status = status;
    res.rc = rc;
    res.exit_reason = std::move(why);
    log_.warning("{} ({}) {}: {}", rsc.id, rsc.spec(), action, res.exit_reason);
    finish_later(job, std::move(res));
  };
  if (action.empty()) return reject(ExecStatus::invalid, 2, "operation has no action");
  if (!valid_agent_name(rsc.type)) return reject(ExecStatus::invalid, 2, "invalid agent type '" + rsc.type + "'");

  std::string standard = rsc.standard;
  if (standard == "service") {
    auto it = service_class_.find(rsc.type);
    standard = it == service_class_.end() ? "service" : it->second;
  }
  const bool lsb_like = standard == "lsb" || standard == "service";
  if (standard == "ocf") {
    if (!valid_agent_name(rsc.provider))
      return reject(ExecStatus::invalid, 2, "ocf resource " + rsc.id + " has no valid provider");
    return run_process(job, "ocf", ocf_command(options_.paths, rsc, job->op));
  }
  if (lsb_like || standard == "systemd") {
    static const char* const supported[] = {"start", "stop", "monitor", "status", "restart", "reload", "force-reload"};
    bool ok = action == "meta-data";
    for (const char* a : supported) ok = ok || action == a;
    if (!ok)
      return reject(ExecStatus::not_supported, 3,
                    fmt::format("{} resources do not support the {} action", rsc.standard, action));
    if (action == "meta-data") {
      res.status = ExecStatus::done;
      res.rc = 0;
      res.output = generated_metadata(rsc, rsc.spec());
      return finish_later(job, std::move(res));
    }
    if (standard == "systemd") return run_process(job, "systemd", systemd_command(options_.paths, rsc, job->op));
    return run_process(job, standard, lsb_command(options_.paths, rsc, job->op));
  }
  if (standard == "stonith") {
    if (stonith_ == nullptr) return reject(ExecStatus::not_supported, 3, "no fencer to run stonith resources");
    auto alive = std::weak_ptr<int>(alive_);
    stonith_->stonith_op(rsc, job->op, [this, alive, job, res](OpResult out) mutable {
      if (alive.expired()) return;
      res.rc = out.rc;
      res.status = out.status;
      res.exit_reason = std::move(out.exit_reason);
      res.output = std::move(out.output);
      res.exec_time = env_.clock.now() - job->started_at;
      finish(job, std::move(res));
    });
    return;
  }
  reject(ExecStatus::invalid, 2, "unknown resource class '" + rsc.standard + "'");
}

void Executor::run_process(const std::shared_ptr<Job>& job, const std::string& standard, core::ProcessSpec spec) {
  log_.debug("{}: {} {} (timeout {})", job->rsc.id, spec.argv[0], job->op.action,
             core::format_duration(job->op.timeout));
  auto alive = std::weak_ptr<int>(alive_);
  env_.processes.spawn(std::move(spec), [this, alive, job, standard](core::ProcessResult pr) {
    if (alive.expired()) return;
    if (standard == "service") {
      // pacemaker's resolution: the init script if there is one, else systemd.
      const bool no_script = pr.end == core::ProcessResult::End::spawn_failed;
      service_class_[job->rsc.type] = no_script ? "systemd" : "lsb";
      if (no_script) return run_process(job, "systemd", systemd_command(options_.paths, job->rsc, job->op));
    }
    OpResult res = base_result(*job);
    interpret(standard == "service" ? "lsb" : standard, job->op, pr, res);
    if (res.status == ExecStatus::timeout)
      res.exit_reason = fmt::format("{} {} timed out after {} (process group killed)", job->rsc.id, job->op.action,
                                    core::format_duration(job->op.timeout));
    finish(job, std::move(res));
  });
}

void Executor::finish_later(const std::shared_ptr<Job>& job, OpResult result) {
  auto alive = std::weak_ptr<int>(alive_);
  env_.clock.schedule(core::Duration::zero(), [this, alive, job, result = std::move(result)]() mutable {
    if (alive.expired()) return;
    finish(job, std::move(result));
  });
}

void Executor::finish(const std::shared_ptr<Job>& job, OpResult res) {
  auto& r = resources_[job->rsc.id];
  HALAB_ASSERT(r.running == job);
  r.running.reset();
  res.last_run = job->started_wall;
  res.queue_time = job->started_at - job->queued_at;
  if (res.exec_time == core::Duration::zero()) res.exec_time = env_.clock.now() - job->started_at;

  const auto& a = job->op.action;
  if (res.status == ExecStatus::done) {
    const bool running_rc = res.rc == 0 || res.rc == 8 || res.rc == 190 || res.rc == 191;
    if ((a == "start" || a == "promote" || a == "demote" || a == "migrate_from") && res.rc == 0) r.active = true;
    if (a == "stop" && res.rc == 0) r.active = false;
    if (is_monitor(a)) r.active = running_rc;
  }
  log_.info("{} {}{}: {} ({}){}{}", job->rsc.id, a,
            job->recurring ? " interval " + core::format_duration(job->op.interval) : std::string(),
            to_string(res.status), describe_rc(res.rc), res.exit_reason.empty() ? "" : ": ", res.exit_reason);

  auto alive = std::weak_ptr<int>(alive_);
  const std::string rsc_id = job->rsc.id;
  if (!job->cancelled) {
    if (job->recurring) {
      job->next_run = env_.clock.schedule(job->op.interval, [this, alive, job] {
        if (alive.expired()) return;
        job->next_run = 0;
        if (!job->cancelled) enqueue(job);
      });
    }
    auto done = job->done;  // the callback may cancel or replace this job
    done(res);
    if (alive.expired()) return;
  }
  run_next(rsc_id);
}

}  // namespace halab::executor
