#include "lab/failover.hpp"

#include <algorithm>

#include "simnet/agents.hpp"
#include "simnet/audit.hpp"

namespace halab::lab {

const char* phase_name(int p) {
  static const char* names[] = {"detection", "membership", "fencing", "scheduling", "stop/start"};
  return p >= 0 && p < kPhases ? names[p] : "?";
}

Json to_json(const Failover& f) {
  Json j = Json::object();
  j["node"] = f.node;
  j["cause"] = f.cause;
  j["t0_ns"] = f.t0_ns;
  Json& p = j["phases_ns"] = Json::array();
  for (auto v : f.phase_ns) p.push(v);
  j["total_ns"] = f.total_ns;
  if (!f.transition.empty()) j["transition"] = f.transition;
  return j;
}

Failover failover_from_json(const Json& j) {
  Failover f;
  f.node = j.at("node").string();
  f.cause = j.at("cause").string();
  f.t0_ns = std::int64_t(j.at("t0_ns").number());
  const auto& p = j.at("phases_ns").items();
  for (std::size_t i = 0; i < p.size() && i < kPhases; ++i) f.phase_ns[i] = std::int64_t(p[i].number());
  f.total_ns = std::int64_t(j.at("total_ns").number());
  if (j.has("transition")) f.transition = j.at("transition").string();
  return f;
}

Json to_json(const TransitionGraph& g) {
  Json j = Json::object();
  j["node"] = g.node;
  j["id"] = g.id;
  j["t_ns"] = g.t_ns;
  j["dot"] = g.dot;
  return j;
}

TransitionGraph graph_from_json(const Json& j) {
  return TransitionGraph{j.at("node").string(), j.at("id").string(), std::int64_t(j.at("t_ns").number()),
                         j.at("dot").string()};
}

void FailoverMeter::on_record(const simnet::TraceRecord& r) {
  using simnet::TraceKind;
  switch (r.kind) {
    case TraceKind::resource: {
      const auto state = static_cast<simnet::ResourceState>(r.a & 0xff);
      const auto cause = static_cast<simnet::ResourceCause>((r.a >> 8) & 0xff);
      const std::string inst(r.text);
      if (state == simnet::ResourceState::inactive &&
          (cause == simnet::ResourceCause::node_down || cause == simnet::ResourceCause::injected)) {
        auto it = std::find_if(open_.begin(), open_.end(), [&](const Open& o) { return o.node == r.node && o.f.t0_ns == r.t; });
        if (it == open_.end()) {
          Open o;
          o.node = r.node;
          o.f.node = name(r.node);
          const auto fz = fenced_at_.find(r.node);
          o.f.cause = cause == simnet::ResourceCause::injected ? "injected"
                      : fz != fenced_at_.end() && fz->second == r.t ? "fenced"
                                                                      : "node-down";
          o.f.t0_ns = r.t;
          if (o.f.cause == "fenced") o.fence = r.t;  // the fence came first, in the same instant
          open_.push_back(std::move(o));
          it = open_.end() - 1;
        }
        it->lost[inst] = false;
      } else if (state == simnet::ResourceState::active || state == simnet::ResourceState::promoted) {
        for (std::size_t i = 0; i < open_.size();) {
          Open& o = open_[i];
          if (auto l = o.lost.find(inst); l != o.lost.end() && r.t > o.f.t0_ns) l->second = true;
          if (std::all_of(o.lost.begin(), o.lost.end(), [](auto& kv) { return kv.second; })) {
            close(o, r.t);
            open_.erase(open_.begin() + static_cast<long>(i));
          } else {
            ++i;
          }
        }
      }
      return;
    }
    case TraceKind::fence:
      fenced_at_[r.node] = r.t;
      for (auto& o : open_)
        if (o.node == r.node && o.fence < 0 && r.t >= o.f.t0_ns) {
          o.fence = r.t;
          if (o.sched >= 0 && o.sched < r.t) o.sched = -1;  // a transition after the fence recovers it
        }
      return;
    case TraceKind::event: {
      const simnet::StackEvent e(r.text);
      if (e.kind == "transition-graph") {
        const auto nl = r.text.find('\n');
        if (nl == std::string_view::npos) return;
        if (dots_.size() > 64) dots_.clear();
        dots_[{name(r.node), std::string(e.get("id").substr(0, e.get("id").find('\n')))}] = std::string(r.text.substr(nl + 1));
        return;
      }
      for (auto& o : open_) {
        const std::string& x = o.f.node;
        if (r.t < o.f.t0_ns) continue;
        if ((e.kind == "node-suspect" && e.get("peer") == x) || (e.kind == "failure-detected" && e.get("node") == x)) {
          if (o.detect < 0) o.detect = r.t;
        } else if (e.kind == "membership" && o.member < 0 && (o.detect >= 0 || o.f.cause != "injected")) {
          const auto m = e.list("members");
          if (std::find(m.begin(), m.end(), x) == m.end()) o.member = r.t;
        } else if (e.kind == "fence-result" && e.get("target") == x && e.get("rc") == "0") {
          if (o.fence < 0) o.fence = r.t;
          if (o.sched >= 0 && o.sched < r.t) o.sched = -1;
        } else if (e.kind == "transition-start" && o.sched < 0 && r.t >= std::max({o.detect, o.member, o.fence})) {
          o.sched = r.t;
          o.sched_node = name(r.node);
          o.f.transition = std::string(e.get("id"));
        }
      }
      return;
    }
    default:
      return;
  }
}

void FailoverMeter::close(Open& o, std::int64_t t) {
  const std::int64_t points[] = {o.detect, o.member, o.fence, o.sched};
  std::int64_t last = o.f.t0_ns;
  for (int p = 0; p < stop_start; ++p) {
    if (points[p] >= last) {
      o.f.phase_ns[p] = points[p] - last;
      last = points[p];
    }
  }
  o.f.phase_ns[stop_start] = t - last;
  o.f.total_ns = t - o.f.t0_ns;
  if (o.sched < 0) o.f.transition.clear();
  if (!o.f.transition.empty() && graphs.size() < max_graphs_) {
    auto it = dots_.find({o.sched_node, o.f.transition});
    if (it != dots_.end()) graphs.push_back(TransitionGraph{o.sched_node, o.f.transition, o.sched, it->second});
  }
  failovers.push_back(o.f);
}

}  // namespace halab::lab
