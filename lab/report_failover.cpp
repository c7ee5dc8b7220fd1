// The report's failover section: phase statistics over every measured
// failover, a stacked bar of the mean phases, and the transition graphs the
// trace carried (DOT rendered to inline SVG by Graphviz).
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "lab/report.hpp"
#include "stack/core/error.hpp"
#include "stack/scheduler/graph_render.hpp"

namespace halab::lab {

namespace {
std::string secs(double s) {
  char b[32];
  std::snprintf(b, sizeof b, s < 10 ? "%.3fs" : "%.1fs", s);
  return b;
}
const char* kColors[kPhases] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f"};

PhaseStats stats(std::vector<double> xs) {
  PhaseStats p;
  p.count = xs.size();
  if (xs.empty()) return p;
  std::sort(xs.begin(), xs.end());
  double sum = 0;
  for (double x : xs) sum += x;
  p.mean_s = sum / double(xs.size());
  p.median_s = xs[xs.size() / 2];
  p.p95_s = xs[std::min(xs.size() - 1, static_cast<std::size_t>(std::ceil(0.95 * double(xs.size()))) - 1)];
  p.max_s = xs.back();
  return p;
}
}  // namespace

FailoverFigures failover_figures(const std::vector<RunRecord>& runs) {
  FailoverFigures f;
  std::vector<double> phase[kPhases], total;
  for (auto& r : runs)
    for (auto& x : r.failovers) {
      if (x.total_ns < 0) {
        ++f.unrecovered;
        continue;
      }
      ++f.by_cause[x.cause];
      total.push_back(double(x.total_ns) / 1e9);
      for (int p = 0; p < kPhases; ++p)
        if (x.phase_ns[p] >= 0) phase[p].push_back(double(x.phase_ns[p]) / 1e9);
    }
  f.count = total.size();
  for (int p = 0; p < kPhases; ++p) f.phases[p] = stats(phase[p]);
  f.total = stats(total);
  return f;
}

Json failover_json(const FailoverFigures& f) {
  Json j = Json::object();
  j["failovers"] = std::uint64_t(f.count);
  j["unrecovered"] = std::uint64_t(f.unrecovered);
  Json& c = j["by_cause"] = Json::object();
  for (auto& [k, n] : f.by_cause) c[k] = std::uint64_t(n);
  auto one = [](const PhaseStats& p) {
    Json x = Json::object();
    x["count"] = std::uint64_t(p.count);
    x["mean_s"] = p.mean_s;
    x["median_s"] = p.median_s;
    x["p95_s"] = p.p95_s;
    x["max_s"] = p.max_s;
    return x;
  };
  Json& ph = j["phases"] = Json::object();
  for (int p = 0; p < kPhases; ++p) ph[phase_name(p)] = one(f.phases[p]);
  j["total"] = one(f.total);
  return j;
}

std::string failovers_csv(const std::vector<RunRecord>& runs) {
  std::string s = "seed,node,cause,t0_s,detection_s,membership_s,fencing_s,scheduling_s,stop_start_s,total_s,transition\n";
  auto v = [](std::int64_t ns) {
    if (ns < 0) return std::string();
    char b[32];
    std::snprintf(b, sizeof b, "%.6f", double(ns) / 1e9);
    return std::string(b);
  };
  for (auto& r : runs)
    for (auto& x : r.failovers) {
      s += std::to_string(r.seed) + "," + x.node + "," + x.cause + "," + v(x.t0_ns);
      for (auto p : x.phase_ns) s += "," + v(p);
      s += "," + v(x.total_ns) + "," + x.transition + "\n";
    }
  return s;
}

std::string failover_svg(const FailoverFigures& f) {
  const double width = 640, left = 10, bar_h = 28;
  double sum = 0;
  for (int p = 0; p < kPhases; ++p) sum += f.phases[p].mean_s;
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"660\" height=\"90\" role=\"img\" "
                  "aria-label=\"mean failover phases\">";
  double x = left;
  for (int p = 0; p < kPhases; ++p) {
    const double w = sum > 0 ? (width * f.phases[p].mean_s / sum) : 0;
    char b[320];
    std::snprintf(b, sizeof b,
                  "<rect x=\"%.1f\" y=\"10\" width=\"%.1f\" height=\"%.0f\" fill=\"%s\"><title>%s: mean %s over %zu "
                  "failovers</title></rect>",
                  x, w, bar_h, kColors[p], phase_name(p), secs(f.phases[p].mean_s).c_str(), f.phases[p].count);
    s += b;
    std::snprintf(b, sizeof b,
                  "<rect x=\"%.0f\" y=\"55\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%.0f\" y=\"64\" "
                  "font-size=\"11\">%s %s</text>",
                  left + p * 128.0, kColors[p], left + p * 128.0 + 14, phase_name(p), secs(f.phases[p].mean_s).c_str());
    s += b;
    x += w;
  }
  s += "</svg>";
  return s;
}

std::string failover_html(const std::vector<RunRecord>& runs) {
  const FailoverFigures f = failover_figures(runs);
  std::string h = "<h2>Failover time</h2>\n";
  if (f.count == 0 && f.unrecovered == 0)
    return h + "<p id=\"failover\">No failover in these runs (no modelled resource was lost).</p>\n";
  h += "<p id=\"failover\">" + std::to_string(f.count) + " failover(s) measured";
  for (auto& [cause, n] : f.by_cause) h += ", " + std::to_string(n) + " " + html_escape(cause);
  h += "; " + std::to_string(f.unrecovered) +
       " not recovered by the end of their run. Phases from the trace: loss → node-suspect (detection) → membership "
       "without the node → fence-result (fencing) → transition-start (scheduling) → resources active again "
       "(stop/start). A phase whose record is missing is left out and the next one counts from the last known "
       "point.</p>\n";
  h += failover_svg(f) + "\n<table id=\"phases\"><tr><th>phase</th><th>measured in</th><th>mean</th><th>median</th>"
       "<th>p95</th><th>max</th></tr>\n";
  auto row = [&](const std::string& name, const PhaseStats& p) {
    h += "<tr><td>" + name + "</td><td>" + std::to_string(p.count) + "</td><td>" + secs(p.mean_s) + "</td><td>" +
         secs(p.median_s) + "</td><td>" + secs(p.p95_s) + "</td><td>" + secs(p.max_s) + "</td></tr>\n";
  };
  for (int p = 0; p < kPhases; ++p) row(phase_name(p), f.phases[p]);
  row("<b>total</b>", f.total);
  h += "</table>\n";
  return h;
}

std::string graphs_html(const std::vector<RunRecord>& runs, std::size_t max) {
  std::string h;
  std::size_t shown = 0;
  for (auto& r : runs)
    for (auto& g : r.graphs) {
      if (shown >= max) break;
      std::string svg;
      try {
        svg = scheduler::render_dot(g.dot, "svg");
        const auto at = svg.find("<svg");
        svg = at == std::string::npos ? std::string() : svg.substr(at);
      } catch (const core::Error& e) {
        svg = "<pre class=\"bad\">" + html_escape(e.what()) + "</pre>";
      }
      h += "<figure class=\"graph\">" + svg + "<figcaption>seed " + std::to_string(r.seed) + ": transition " +
           html_escape(g.id) + " on " + html_escape(g.node) + " at " + secs(double(g.t_ns) / 1e9) + "</figcaption></figure>\n";
      ++shown;
    }
  if (!shown) return {};
  return "<h2>Transition graphs</h2>\n<p>The transitions that recovered the first failovers.</p>\n" + h;
}

}  // namespace halab::lab
