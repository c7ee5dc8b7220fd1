// The audits (docs/scenario-format.md, "Audits"): max-active, quorum,
// fencing, actions, stable. Each keeps its own view, built only from trace
// records, so it can be fed a synthetic trace in tests.
#include <algorithm>
#include <array>
#include <map>
#include <set>

#include "simnet/agents.hpp"
#include "simnet/audit.hpp"
#include "stack/core/time.hpp"

namespace halab::simnet {

StackEvent::StackEvent(std::string_view t) : text(t) {
  const auto sp = t.find(' ');
  kind = t.substr(0, sp);
}

std::string_view StackEvent::get(std::string_view key) const {
  std::size_t pos = kind.size();
  while (pos < text.size()) {
    while (pos < text.size() && text[pos] == ' ') ++pos;
    const std::size_t end = std::min(text.find(' ', pos), text.size());
    const std::string_view word = text.substr(pos, end - pos);
    if (word.size() > key.size() && word.compare(0, key.size(), key) == 0 && word[key.size()] == '=')
      return word.substr(key.size() + 1);
    pos = end;
  }
  return {};
}

std::vector<std::string_view> StackEvent::list(std::string_view key) const {
  std::vector<std::string_view> out;
  std::string_view v = get(key);
  while (!v.empty()) {
    const auto comma = v.find(',');
    if (comma != 0) out.push_back(v.substr(0, comma));
    if (comma == std::string_view::npos) break;
    v.remove_prefix(comma + 1);
  }
  return out;
}

namespace {

using Time = std::int64_t;
std::string at(Time t) { return core::format_duration(core::Duration(t)); }

ResourceState state_of(const TraceRecord& r) { return static_cast<ResourceState>(r.a & 0xff); }
ResourceCause cause_of(const TraceRecord& r) { return static_cast<ResourceCause>((r.a >> 8) & 0xff); }
bool counts_active(ResourceState s) { return s != ResourceState::inactive; }

Time duration_param(const Scenario::Audit& a, const char* key, Time dflt) {
  auto it = a.params.find(key);
  if (it == a.params.end()) return dflt;
  core::Duration d;
  core::parse_duration(it->second, d);  // checked by check_audit
  return d.count();
}

// ---------------------------------------------------------------- max-active

// Never more active copies of a resource than allowed: 1 for a primitive, or
// the declared clone-max, and never more promoted than promoted-max.
class MaxActive final : public Audit {
 public:
  MaxActive(const Scenario::Audit& d, std::set<std::string> excluded, const ResourceLimits& limits)
      : Audit(d), excluded_(std::move(excluded)), limits_(limits) {
    auto num = [&](const char* k, int dflt) {
      auto it = d.params.find(k);
      return it == d.params.end() ? dflt : std::atoi(it->second.c_str());
    };
    rsc_ = d.params.count("rsc") ? d.params.at("rsc") : "";
    explicit_ = d.params.count("clone-max") || d.params.count("max");
    max_ = num("clone-max", num("max", 1));
    promoted_max_ = num("promoted-max", max_);
    explicit_promoted_ = d.params.count("promoted-max") > 0;
  }
  void on_record(const TraceRecord& r) override {
    if (r.kind != TraceKind::resource) return;
    const std::string base = resource_of(r.text);
    if (rsc_.empty() ? excluded_.count(base) > 0 : base != rsc_) return;
    auto& per = state_[base][std::string(r.text)];
    if (per.size() <= r.node) per.resize(r.node + 1, ResourceState::inactive);
    per[r.node] = state_of(r);
    if (!counts_active(state_of(r))) return;
    int active = 0, promoted = 0;
    std::string where;
    for (auto& [inst, nodes_state] : state_[base])
      for (std::size_t n = 0; n < nodes_state.size(); ++n)
        if (counts_active(nodes_state[n])) {
          ++active;
          promoted += nodes_state[n] == ResourceState::promoted;
          where += (where.empty() ? "" : ", ") + inst + "@" + name(n) +
                   (nodes_state[n] == ResourceState::active ? "" : std::string(" (") + to_string(nodes_state[n]) + ")");
        }
    // The statement's own bound, else the configuration's, else a primitive's.
    int max = max_, promoted_max = promoted_max_;
    if (auto it = limits_.find(base); it != limits_.end()) {
      if (!explicit_) max = it->second.max;
      if (!explicit_promoted_) promoted_max = explicit_ ? max : it->second.promoted_max;
    }
    if (active > max)
      violate(r.t, base + ": " + std::to_string(active) + " active copies (at most " + std::to_string(max) + "): " + where);
    else if (promoted > promoted_max)
      violate(r.t, base + ": " + std::to_string(promoted) + " promoted (at most " + std::to_string(promoted_max) + "): " + where);
  }

 private:
  std::string name(std::size_t n) const { return n < nodes.size() ? nodes[n] : "?"; }
  std::set<std::string> excluded_;
  ResourceLimits limits_;  // a copy: make_audits' default argument is a temporary
  std::string rsc_;
  bool explicit_ = false, explicit_promoted_ = false;
  int max_ = 1, promoted_max_ = 1;
  std::map<std::string, std::map<std::string, std::vector<ResourceState>>> state_;
};

// Per node: how many modelled resource instances are active there, and since when.
struct ActiveCount {
  std::map<std::uint32_t, std::map<std::string, bool, std::less<>>> active;
  std::map<std::uint32_t, Time> since;
  // Returns true when the record's instance became active there.
  bool update(const TraceRecord& r) {
    auto& m = active[r.node];
    const bool before = !m.empty();
    bool started = false;
    if (counts_active(state_of(r))) started = m.emplace(std::string(r.text), true).second;
    else if (auto it = m.find(r.text); it != m.end()) m.erase(it);
    if (!before && !m.empty()) since[r.node] = r.t;
    return started;
  }
  bool any(std::uint32_t node) const {
    auto it = active.find(node);
    return it != active.end() && !it->second.empty();
  }
  std::string list(std::uint32_t node) const {
    std::string s;
    if (auto it = active.find(node); it != active.end())
      for (auto& [k, _] : it->second) s += (s.empty() ? "" : ", ") + k;
    return s;
  }
};

// ---------------------------------------------------------------- quorum

// Under no-quorum-policy=stop a node whose own view is inquorate runs no
// resource once `grace` has passed since it lost quorum; under freeze it
// starts none. The view is the node's latest `quorum` event.
class Quorum final : public Audit {
 public:
  explicit Quorum(const Scenario::Audit& d) : Audit(d) {
    grace_ = duration_param(d, "grace", 5'000'000'000);
    auto it = d.params.find("no-quorum-policy");
    policy_ = it == d.params.end() ? "stop" : it->second;
  }
  void on_record(const TraceRecord& r) override {
    if (policy_ == "ignore") return;
    if (r.kind == TraceKind::event) {
      const StackEvent e(r.text);
      if (e.kind != "quorum") return;
      const bool quorate = e.get("quorate") == "1";
      if (quorate) inquorate_.erase(r.node);
      else if (!inquorate_.count(r.node)) inquorate_[r.node] = r.t;
    } else if (r.kind == TraceKind::crash) {
      inquorate_.erase(r.node);  // its stack is gone; a new one reports afresh
    } else if (r.kind == TraceKind::resource) {
      const bool started = active_.update(r);
      if (policy_ == "freeze" && started && inquorate_.count(r.node) && r.t > inquorate_[r.node] + grace_)
        violate(r.t, nodes_name(r.node) + " started " + std::string(r.text) + " while inquorate since " +
                         at(inquorate_[r.node]));
    }
    if (policy_ != "stop") return;
    for (auto& [node, since] : inquorate_) {
      if (!active_.any(node)) continue;
      const Time due = std::max(since + grace_, active_.since[node]);
      if (r.t > due)
        violate(due, nodes_name(node) + " inquorate since " + at(since) + " still runs " + active_.list(node) +
                         " after the grace of " + at(grace_));
    }
  }
  void at_end(Time end) override {
    TraceRecord r{TraceKind::note, end + 1, kWorldNode, 0, 0, 0, {}};
    on_record(r);
  }

 private:
  std::string nodes_name(std::uint32_t n) const { return n < nodes.size() ? nodes[n] : "?"; }
  Time grace_;
  std::string policy_;
  std::map<std::uint32_t, Time> inquorate_;
  ActiveCount active_;
};

// ---------------------------------------------------------------- fencing

// With fencing enabled, what a node held when it was lost uncleanly (crash or
// power-off not done by fencing) is not started elsewhere until that node has
// been fenced or has booted again: until then nobody could know it was down.
// A clone's copy started elsewhere is a recovery only when, counting the lost
// node's copy, there would be more than the clone allows (an anonymous clone
// on every node starts its own copy on a node that comes back).
class Fencing final : public Audit {
 public:
  Fencing(const Scenario::Audit& d, const ResourceLimits& limits) : Audit(d), limits_(limits) {}
  void on_record(const TraceRecord& r) override {
    switch (r.kind) {
      case TraceKind::fence:
        fenced_at_[r.node] = r.t;
        release(r.node);
        break;
      case TraceKind::boot:
      case TraceKind::restart:
        release(r.node);
        break;
      case TraceKind::resource: {
        const std::string inst(r.text);
        if (cause_of(r) == ResourceCause::node_down && !counts_active(state_of(r))) {
          active_on_[inst].erase(r.node);
          auto f = fenced_at_.find(r.node);
          if (f == fenced_at_.end() || f->second != r.t) claims_[inst].insert({r.node, r.t});
        } else if (counts_active(state_of(r))) {
          active_on_[inst].insert(r.node);
          auto c = claims_.find(inst);
          if (c == claims_.end()) break;
          std::size_t lost = 0;
          const std::pair<std::uint32_t, Time>* other = nullptr;
          for (auto& claim : c->second)
            if (claim.first != r.node) {
              ++lost;
              other = &claim;
            }
          if (other && active_on_[inst].size() + lost > max_of(inst))
            violate(r.t, inst + " started on " + name(r.node) + " while " + name(other->first) +
                             ", which held it, was lost at " + at(other->second) + " and neither fenced nor rebooted");
        } else {
          active_on_[inst].erase(r.node);
        }
        break;
      }
      default:
        break;
    }
  }

 private:
  void release(std::uint32_t node) {
    for (auto it = claims_.begin(); it != claims_.end();) {
      for (auto c = it->second.begin(); c != it->second.end();) c = c->first == node ? it->second.erase(c) : std::next(c);
      it = it->second.empty() ? claims_.erase(it) : std::next(it);
    }
  }
  std::size_t max_of(const std::string& inst) const {
    auto it = limits_.find(resource_of(inst));
    return it == limits_.end() ? 1 : std::size_t(std::max(1, it->second.max));
  }
  std::string name(std::uint32_t n) const { return n < nodes.size() ? nodes[n] : "?"; }
  ResourceLimits limits_;  // a copy, as MaxActive's
  std::map<std::uint32_t, Time> fenced_at_;
  std::map<std::string, std::set<std::uint32_t>> active_on_;  // instance -> nodes where it is active
  std::map<std::string, std::set<std::pair<std::uint32_t, Time>>> claims_;  // instance -> (node lost holding it, when)
};

// ---------------------------------------------------------------- actions

// Every action the stack dispatches gets a result or is aborted within
// `timeout`; a dispatcher that dies takes its open actions with it.
class Actions final : public Audit {
 public:
  explicit Actions(const Scenario::Audit& d) : Audit(d) { timeout_ = duration_param(d, "timeout", 120'000'000'000); }
  void on_record(const TraceRecord& r) override {
    if (r.kind == TraceKind::event) {
      const StackEvent e(r.text);
      if (e.kind == "action-dispatch") {
        open_[{r.node, std::string(e.get("id"))}] = Open{r.t, std::string(e.get("transition")), std::string(r.text)};
      } else if (e.kind == "action-result" || e.kind == "action-abort") {
        open_.erase({r.node, std::string(e.get("id"))});
      } else if (e.kind == "transition-abort" || e.kind == "transition-end") {
        const std::string_view t = e.get("id");
        for (auto it = open_.begin(); it != open_.end();)
          it = it->first.first == r.node && it->second.transition == t ? open_.erase(it) : std::next(it);
      }
    } else if (r.kind == TraceKind::crash) {
      for (auto it = open_.begin(); it != open_.end();) it = it->first.first == r.node ? open_.erase(it) : std::next(it);
    }
    check(r.t);
  }
  void at_end(Time end) override { check(end + 1); }

 private:
  struct Open {
    Time t;
    std::string transition, what;
  };
  void check(Time now) {
    for (auto& [key, o] : open_)
      if (now > o.t + timeout_)
        violate(o.t + timeout_, "no result for '" + o.what + "' dispatched by " +
                                    (key.first < nodes.size() ? nodes[key.first] : "?") + " at " + at(o.t) + " within " +
                                    at(timeout_));
  }
  Time timeout_;
  std::map<std::pair<std::uint32_t, std::string>, Open> open_;
};

// ---------------------------------------------------------------- stable

// The cluster settles: no resource changes state by its agent and no
// transition starts more than `within` after the latest fault.
class Stable final : public Audit {
 public:
  explicit Stable(const Scenario::Audit& d) : Audit(d) { within_ = duration_param(d, "within", 60'000'000'000); }
  void on_record(const TraceRecord& r) override {
    switch (r.kind) {
      case TraceKind::fence:
        fenced_at_[r.node] = r.t;
        return;
      case TraceKind::crash:
      case TraceKind::restart:
        if (auto f = fenced_at_.find(r.node); f != fenced_at_.end() && f->second == r.t) return;  // fencing's doing
        fault(r);
        return;
      case TraceKind::boot:
      case TraceKind::pause:
      case TraceKind::resume:
      case TraceKind::drift:
      case TraceKind::step:
      case TraceKind::partition:
      case TraceKind::heal:
      case TraceKind::degrade:
      case TraceKind::link_down:
      case TraceKind::link_up:
      case TraceKind::admin:
        fault(r);
        return;
      case TraceKind::resource:
        if (cause_of(r) == ResourceCause::agent) activity(r, std::string(r.text) + " " + to_string(state_of(r)));
        else if (cause_of(r) == ResourceCause::injected) fault(r);
        return;
      case TraceKind::event: {
        const StackEvent e(r.text);
        if (e.kind == "transition-start") activity(r, std::string(r.text));
        return;
      }
      default:
        return;
    }
  }

 private:
  void fault(const TraceRecord& r) { last_fault_ = r.t; }
  void activity(const TraceRecord& r, const std::string& what) {
    if (r.t > last_fault_ + within_)
      violate(r.t, "still changing " + at(r.t - last_fault_) + " after the last fault (at " + at(last_fault_) +
                       "; bound " + at(within_) + "): " + what + (r.node < nodes.size() ? " on " + nodes[r.node] : ""));
  }
  Time within_;
  Time last_fault_ = 0;
  std::map<std::uint32_t, Time> fenced_at_;
};

// ---------------------------------------------------------------- constraints

// Mandatory constraints hold on the world's ground truth.
//  - order (first A then B): B is never started while no copy of A is
//    active, and (symmetrical) A's last copy is never stopped while B is
//    active: both would be the stack's doing (an agent's start or stop), so
//    they are checked at once. A failure or a node's death is not.
//  - colocation (B with A, INFINITY): B is not active on a node where A is
//    not (promoted, for with-rsc-role=Promoted) for longer than `grace`
//    (default 30s): colocation orders nothing, so within one transition
//    either may move first, and recovering a failed A takes time.
class Constraints final : public Audit {
 public:
  Constraints(const Scenario::Audit& d, const MandatoryConstraints& c) : Audit(d), constraints_(c) {
    grace_ = duration_param(d, "grace", 30'000'000'000);
    for (std::size_t i = 0; i < constraints_.size(); ++i) {
      for (auto& p : constraints_[i].dependent) watch_[p].push_back(i);
      for (auto& p : constraints_[i].required) watch_[p].push_back(i);
    }
  }
  void on_record(const TraceRecord& r) override {
    if (r.kind == TraceKind::resource) {
      const std::string base = resource_of(r.text);
      auto w = watch_.find(base);
      if (w != watch_.end()) {
        auto& states = state_[base][std::string(r.text)];
        if (states.size() <= r.node) states.resize(r.node + 1, ResourceState::inactive);
        const ResourceState before = states[r.node];
        states[r.node] = state_of(r);
        if (cause_of(r) == ResourceCause::agent)
          for (std::size_t i : w->second) check_order(r, i, base, before);
      }
    }
    check_colocations(r.t);
  }
  void at_end(Time end) override { check_colocations(end + 1); }

 private:
  // Is any copy of these primitives active (on `node`, or anywhere: -1)?
  bool active(const std::vector<std::string>& prims, long node, bool promoted_only) const {
    for (auto& p : prims) {
      auto it = state_.find(p);
      if (it == state_.end()) continue;
      for (auto& [inst, per] : it->second)
        for (std::size_t n = 0; n < per.size(); ++n)
          if ((node < 0 || long(n) == node) &&
              (promoted_only ? per[n] == ResourceState::promoted : counts_active(per[n])))
            return true;
    }
    return false;
  }
  void check_order(const TraceRecord& r, std::size_t i, const std::string& base, ResourceState before) {
    const auto& c = constraints_[i];
    if (c.kind != MandatoryConstraint::Kind::order) return;
    const bool is_then = std::find(c.dependent.begin(), c.dependent.end(), base) != c.dependent.end();
    const bool is_first = std::find(c.required.begin(), c.required.end(), base) != c.required.end();
    const bool started = !counts_active(before) && counts_active(state_of(r));
    const bool stopped = counts_active(before) && !counts_active(state_of(r));
    if (is_then && started && !active(c.required, -1, false))
      violate(r.t, "order " + c.id + ": " + std::string(r.text) + " started on " + name(r.node) + " while " +
                       join(c.required) + " ran nowhere");
    if (is_first && stopped && c.symmetrical && !active(c.required, -1, false) && active(c.dependent, -1, false))
      violate(r.t, "order " + c.id + ": the last copy of " + join(c.required) + " stopped (on " + name(r.node) +
                       ") while " + join(c.dependent) + " still ran");
  }
  void check_colocations(Time now) {
    for (std::size_t i = 0; i < constraints_.size(); ++i) {
      const auto& c = constraints_[i];
      if (c.kind != MandatoryConstraint::Kind::colocation) continue;
      for (std::size_t n = 0; n < nodes.size(); ++n) {
        const bool broken = active(c.dependent, long(n), false) && !active(c.required, long(n), c.required_promoted);
        auto key = std::make_pair(i, n);
        if (!broken) {
          since_.erase(key);
          continue;
        }
        auto [it, fresh] = since_.emplace(key, now);
        if (!fresh && now > it->second + grace_)
          violate(it->second + grace_, "colocation " + c.id + ": " + join(c.dependent) + " active on " + name(n) +
                                           " without " + join(c.required) + (c.required_promoted ? " promoted" : "") +
                                           " there since " + at(it->second) + " (grace " + at(grace_) + ")");
      }
    }
  }
  static std::string join(const std::vector<std::string>& v) {
    std::string s;
    for (auto& x : v) s += (s.empty() ? "" : "+") + x;
    return s;
  }
  std::string name(std::size_t n) const { return n < nodes.size() ? nodes[n] : "?"; }
  MandatoryConstraints constraints_;  // a copy, as max-active's limits
  Time grace_;
  std::map<std::string, std::vector<std::size_t>> watch_;  // primitive -> constraints naming it
  std::map<std::string, std::map<std::string, std::vector<ResourceState>>> state_;  // primitive -> instance -> per node
  std::map<std::pair<std::size_t, std::size_t>, Time> since_;  // (colocation, node) broken since
};

// ---------------------------------------------------------------- cib

// The CIB converges: at the end of a run whose last fault lies `within`
// (default 60s) or more behind, the live nodes that share one membership
// hold one CIB (the same version and digest, from the `cib` records the
// stack emits), and no committed configuration update is lost: the
// converged configuration version (admin_epoch, epoch) is at least the
// highest one any node held while its partition was quorate. (Status
// updates, num_updates, are rebuilt by every DC and may be lost.)
class CibAudit final : public Audit {
 public:
  explicit CibAudit(const Scenario::Audit& d) : Audit(d) { within_ = duration_param(d, "within", 60'000'000'000); }
  void on_record(const TraceRecord& r) override {
    switch (r.kind) {
      case TraceKind::crash:
        forget(r.node);
        last_fault_ = r.t;
        return;
      case TraceKind::boot:
      case TraceKind::restart:
      case TraceKind::partition:
      case TraceKind::heal:
      case TraceKind::degrade:
      case TraceKind::link_down:
      case TraceKind::link_up:
      case TraceKind::pause:
      case TraceKind::resume:
      case TraceKind::admin:
        last_fault_ = r.t;
        return;
      case TraceKind::event:
        break;
      default:
        return;
    }
    const StackEvent e(r.text);
    auto& n = nodes_[r.node];
    if (e.kind == "membership") {
      n.members = std::string(e.get("members"));
    } else if (e.kind == "quorum") {
      n.quorate = e.get("quorate") == "1";
    } else if (e.kind == "cib") {
      n.version = parse(e.get("version"));
      n.digest = std::string(e.get("digest"));
      n.reported = true;
      if (n.quorate) {
        const std::pair<long, long> config{n.version[0], n.version[1]};
        if (config > committed_) {
          committed_ = config;
          committed_at_ = r.t;
          committed_by_ = r.node;
        }
      }
    }
  }
  void at_end(Time end) override {
    if (end - last_fault_ < within_) return;  // not settled: nothing to judge
    // Groups of nodes that name the same membership.
    std::map<std::string, std::vector<std::uint32_t>> groups;
    for (auto& [id, n] : nodes_)
      if (n.reported && !n.members.empty()) groups[n.members].push_back(id);
    for (auto& [members, ids] : groups) {
      std::string seen;
      bool differ = false;
      for (auto id : ids) {
        const auto& n = nodes_[id];
        seen += (seen.empty() ? "" : ", ") + name(id) + " at " + str(n.version) + " (" + n.digest.substr(0, 8) + ")";
        differ = differ || n.version != nodes_[ids[0]].version || n.digest != nodes_[ids[0]].digest;
      }
      if (differ) {
        violate(end, "the CIB did not converge in membership {" + members + "} " + at(end - last_fault_) +
                         " after the last fault: " + seen);
        return;
      }
      const auto& v = nodes_[ids[0]].version;
      if (std::pair<long, long>{v[0], v[1]} < committed_) {
        violate(end, "a committed update was lost: " + name(committed_by_) + " held configuration " +
                         std::to_string(committed_.first) + "." + std::to_string(committed_.second) + " at " +
                         at(committed_at_) + " with quorum; membership {" + members + "} converged at " + str(v));
        return;
      }
    }
  }

 private:
  struct View {
    std::string members, digest;
    std::array<long, 3> version{};
    bool quorate = false, reported = false;
  };
  static std::array<long, 3> parse(std::string_view s) {
    std::array<long, 3> v{};
    std::size_t i = 0;
    for (char c : s) {
      if (c == '.') {
        if (++i == 3) break;
      } else if (c >= '0' && c <= '9') {
        v[i] = v[i] * 10 + (c - '0');
      }
    }
    return v;
  }
  static std::string str(const std::array<long, 3>& v) {
    return std::to_string(v[0]) + "." + std::to_string(v[1]) + "." + std::to_string(v[2]);
  }
  void forget(std::uint32_t node) { nodes_.erase(node); }
  std::string name(std::uint32_t n) const { return n < nodes.size() ? nodes[n] : "?"; }
  Time within_;
  Time last_fault_ = 0;
  std::map<std::uint32_t, View> nodes_;
  std::pair<long, long> committed_{0, 0};
  Time committed_at_ = 0;
  std::uint32_t committed_by_ = 0;
};

const std::map<std::string, std::vector<std::string>>& audit_params() {
  static const std::map<std::string, std::vector<std::string>> m = {
      {"max-active", {"rsc", "max", "clone-max", "promoted-max"}},
      {"quorum", {"grace", "no-quorum-policy"}},
      {"fencing", {}},
      {"actions", {"timeout"}},
      {"stable", {"within"}},
      {"constraints", {"grace"}},
      {"cib", {"within"}},
  };
  return m;
}

}  // namespace

void check_audit(const Scenario& sc, const Scenario::Audit& a) {
  auto fail = [&](const std::string& m) { throw ScenarioError(sc.file, a.line, "audit " + a.name + ": " + m); };
  auto it = audit_params().find(a.name);
  if (it == audit_params().end())
    throw ScenarioError(sc.file, a.line, "unknown audit '" + a.name + "' (max-active, quorum, fencing, actions, stable, constraints, cib)");
  for (auto& [k, v] : a.params) {
    if (std::find(it->second.begin(), it->second.end(), k) == it->second.end()) {
      std::string known;
      for (auto& p : it->second) known += (known.empty() ? "" : ", ") + p;
      fail("unknown parameter '" + k + "'" + (known.empty() ? " (it takes none)" : " (known: " + known + ")"));
    }
    if (k == "grace" || k == "timeout" || k == "within") {
      core::Duration d;
      if (!core::parse_duration(v, d) || v.empty() || !std::isalpha(static_cast<unsigned char>(v.back())))
        fail("bad duration " + k + "=" + v + " (want e.g. 5s)");
    } else if (k == "max" || k == "clone-max" || k == "promoted-max") {
      char* end = nullptr;
      const long n = std::strtol(v.c_str(), &end, 10);
      if (*end || v.empty() || n < 0 || n > 100000) fail(k + " must be a count, not '" + v + "'");
    } else if (k == "no-quorum-policy" && v != "stop" && v != "freeze" && v != "ignore") {
      fail("no-quorum-policy is stop, freeze or ignore (as pacemaker's), not '" + v + "'");
    } else if (k == "rsc" && v.empty()) {
      fail("rsc= names no resource");
    }
  }
  if (a.name == "max-active" && !a.params.count("rsc") && (a.params.count("clone-max") || a.params.count("promoted-max")))
    fail("clone-max and promoted-max apply to one resource: add rsc=NAME");
}

std::vector<std::unique_ptr<Audit>> make_audits(const Scenario& sc, const ResourceLimits& limits,
                                                const MandatoryConstraints& constraints) {
  std::set<std::string> declared;  // resources with their own max-active statement
  for (auto& a : sc.audits)
    if (a.name == "max-active" && a.params.count("rsc")) declared.insert(a.params.at("rsc"));
  std::vector<std::unique_ptr<Audit>> out;
  for (auto& a : sc.audits) {
    std::unique_ptr<Audit> x;
    if (a.name == "max-active") x = std::make_unique<MaxActive>(a, a.params.count("rsc") ? std::set<std::string>{} : declared, limits);
    else if (a.name == "quorum") x = std::make_unique<Quorum>(a);
    else if (a.name == "fencing") x = std::make_unique<Fencing>(a, limits);
    else if (a.name == "actions") x = std::make_unique<Actions>(a);
    else if (a.name == "stable") x = std::make_unique<Stable>(a);
    else if (a.name == "constraints") x = std::make_unique<Constraints>(a, constraints);
    else if (a.name == "cib") x = std::make_unique<CibAudit>(a);
    else throw ScenarioError(sc.file, a.line, "unknown audit '" + a.name + "'");
    for (auto& n : sc.nodes) x->nodes.push_back(n.name);
    out.push_back(std::move(x));
  }
  return out;
}

}  // namespace halab::simnet
