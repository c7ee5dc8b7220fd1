#include "lab/report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "stack/core/error.hpp"

namespace halab::lab {

namespace {

// Two-sided 95% Student t quantiles for 1..30 degrees of freedom.
double t95(std::size_t df) {
  static const double t[] = {12.706, 4.303, 2.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                             2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                             2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042};
  if (df == 0) return INFINITY;
  if (df == 3) return 3.182;
  return df <= 30 ? t[df - 1] : 1.96;
}

void mean_ci(const std::vector<double>& xs, double& mean, double& lo, double& hi) {
  const std::size_t n = xs.size();
  mean = 0;
  for (double x : xs) mean += x;
  mean /= double(std::max<std::size_t>(n, 1));
  if (n < 2) {
    lo = hi = mean;
    return;
  }
  double ss = 0;
  for (double x : xs) ss += (x - mean) * (x - mean);
  const double half = t95(n - 1) * std::sqrt(ss / double(n - 1)) / std::sqrt(double(n));
  lo = std::max(0.0, mean - half);
  hi = std::min(1.0, mean + half);
}

// Availability of each of `k` equal slices of one run (batch means).
std::vector<double> batch_availability(const RunRecord& r, const NodeRecord& n, int k) {
  std::vector<double> out;
  const double span = double(r.duration_ns) / k;
  for (int b = 0; b < k; ++b) {
    const double s = b * span, e = (b + 1) * span;
    double down = 0;
    for (auto& o : n.outages) down += std::max(0.0, std::min(e, double(o.end_ns)) - std::max(s, double(o.start_ns)));
    out.push_back(span > 0 ? 1.0 - down / span : 1.0);
  }
  return out;
}

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}
std::string pct(double a) { return fmt("%.4f%%", a * 100); }
std::string hours(double s) { return s > 0 ? fmt("%.3fh", s / 3600) : "–"; }

}  // namespace

double nines(double a) { return a >= 1 ? INFINITY : -std::log10(1 - a); }
double downtime_hours_per_year(double a) { return (1 - a) * 365.25 * 24; }

Histogram histogram(const std::vector<double>& xs, std::size_t bins) {
  Histogram h;
  if (xs.empty()) return h;
  const auto [mn, mx] = std::minmax_element(xs.begin(), xs.end());
  const double lo = 0, hi = *mx > *mn ? *mx : *mx + 1;
  (void)mn;
  for (std::size_t i = 0; i <= bins; ++i) h.edges.push_back(lo + (hi - lo) * double(i) / double(bins));
  h.counts.assign(bins, 0);
  for (double x : xs) {
    std::size_t b = std::size_t((x - lo) / (hi - lo) * double(bins));
    h.counts[std::min(b, bins - 1)]++;
  }
  return h;
}

namespace {
std::vector<NodeFigures> figures_of(const std::vector<RunRecord>& runs, std::vector<NodeRecord> RunRecord::*list);
}

std::vector<NodeFigures> node_figures(const std::vector<RunRecord>& runs) { return figures_of(runs, &RunRecord::nodes); }

std::vector<NodeFigures> resource_figures(const std::vector<RunRecord>& runs) {
  auto out = figures_of(runs, &RunRecord::resources);
  // The reference value: a resource that may run on any node, moved at once,
  // is up while any node is: A = 1 - prod(1 - A_node) over the nodes' failure
  // processes (only when every node has one).
  if (runs.empty()) return out;
  double all_down = 1;
  for (auto& n : runs.front().nodes) {
    if (n.mtbf_cfg_ns <= 0) return out;
    all_down *= n.mttr_cfg_ns / (n.mtbf_cfg_ns + n.mttr_cfg_ns);
  }
  for (auto& f : out) f.analytic = 1 - all_down;
  return out;
}

namespace {
std::vector<NodeFigures> figures_of(const std::vector<RunRecord>& runs, std::vector<NodeRecord> RunRecord::*list) {
  std::vector<NodeFigures> out;
  if (runs.empty()) return out;
  for (std::size_t i = 0; i < (runs.front().*list).size(); ++i) {
    NodeFigures f;
    const auto& first = (runs.front().*list)[i];
    f.name = first.name;
    f.runs = runs.size();
    f.mtbf_cfg_s = first.mtbf_cfg_ns / 1e9;
    f.mttr_cfg_s = first.mttr_cfg_ns / 1e9;
    if (first.mtbf_cfg_ns > 0) f.analytic = first.mtbf_cfg_ns / (first.mtbf_cfg_ns + first.mttr_cfg_ns);
    std::vector<double> per_run;
    double up_total = 0, down_done = 0;
    for (auto& r : runs) {
      if (i >= (r.*list).size() || (r.*list)[i].name != f.name)
        throw core::Error("run of seed " + std::to_string(r.seed) + " has other " +
                          (list == &RunRecord::nodes ? "nodes" : "resources") + " than the first run");
      const auto& n = (r.*list)[i];
      per_run.push_back(n.availability);
      f.peer_losses += n.peer_losses;
      std::int64_t last_up = 0, down = 0;
      for (auto& o : n.outages) {
        ++f.failures;
        if (o.start_ns > 0 || last_up > 0) f.ttf_s.push_back(double(o.start_ns - last_up) / 1e9);
        down += o.end_ns - o.start_ns;
        if (!o.open) {
          ++f.repairs;
          f.ttr_s.push_back(double(o.end_ns - o.start_ns) / 1e9);
          down_done += double(o.end_ns - o.start_ns);
        }
        last_up = o.end_ns;
      }
      up_total += double(r.duration_ns - down);
    }
    f.mtbf_s = f.failures ? up_total / 1e9 / double(f.failures) : 0;
    f.mttr_s = f.repairs ? down_done / 1e9 / double(f.repairs) : 0;
    if (runs.size() >= 2) {
      mean_ci(per_run, f.measured, f.ci_low, f.ci_high);
      f.ci_method = "95% t-interval across " + std::to_string(runs.size()) + " seeds";
      // The pooled availability (time-weighted) is the point estimate.
      double total = 0;
      for (auto& r : runs) total += double(r.duration_ns);
      double downs = 0;
      for (auto& r : runs)
        for (auto& o : (r.*list)[i].outages) downs += double(o.end_ns - o.start_ns);
      if (total > 0) f.measured = 1 - downs / total;
    } else {
      double m;
      mean_ci(batch_availability(runs.front(), first, 10), m, f.ci_low, f.ci_high);
      f.measured = first.availability;
      f.ci_method = "95% batch means (10 batches of one run)";
    }
    out.push_back(std::move(f));
  }
  return out;
}
}  // namespace

Json figures_json(const std::vector<RunRecord>& runs, const std::vector<NodeFigures>& nodes) {
  Json j = Json::object();
  j["scenario"] = runs.empty() ? std::string() : runs.front().scenario;
  j["runs"] = std::uint64_t(runs.size());
  std::size_t v = 0;
  for (auto& r : runs) v += r.violations();
  j["violations"] = std::uint64_t(v);
  j["failover"] = failover_json(failover_figures(runs));
  Json& ns = j["nodes"] = Json::array();
  for (auto& f : nodes) {
    Json x = Json::object();
    x["name"] = f.name;
    x["analytic_availability"] = f.analytic < 0 ? Json() : Json(f.analytic);
    x["measured_availability"] = f.measured;
    x["ci_low"] = f.ci_low;
    x["ci_high"] = f.ci_high;
    x["ci_method"] = f.ci_method;
    x["analytic_inside_ci"] = f.analytic < 0 ? Json() : Json(f.analytic >= f.ci_low && f.analytic <= f.ci_high);
    x["mtbf_configured_s"] = f.mtbf_cfg_s;
    x["mttr_configured_s"] = f.mttr_cfg_s;
    x["mtbf_measured_s"] = f.mtbf_s;
    x["mttr_measured_s"] = f.mttr_s;
    x["failures"] = std::uint64_t(f.failures);
    x["repairs"] = std::uint64_t(f.repairs);
    x["peer_losses"] = f.peer_losses;
    x["nines"] = std::isfinite(nines(f.measured)) ? Json(nines(f.measured)) : Json();
    x["downtime_hours_per_year"] = downtime_hours_per_year(f.measured);
    for (auto [key, samples] : {std::pair{"ttf_histogram", &f.ttf_s}, std::pair{"ttr_histogram", &f.ttr_s}}) {
      const Histogram h = histogram(*samples);
      Json hj = Json::object();
      Json& e = hj["edges_s"] = Json::array();
      for (double d : h.edges) e.push(d);
      Json& c = hj["counts"] = Json::array();
      for (auto n : h.counts) c.push(std::uint64_t(n));
      x[key] = std::move(hj);
    }
    ns.push(std::move(x));
  }
  Json& rs = j["resources"] = Json::array();
  for (auto& f : resource_figures(runs)) {
    Json x = Json::object();
    x["name"] = f.name;
    x["analytic_availability"] = f.analytic < 0 ? Json() : Json(f.analytic);
    x["analytic_model"] = "any node up, instant failover: 1 - prod(1 - A_node)";
    x["measured_availability"] = f.measured;
    x["ci_low"] = f.ci_low;
    x["ci_high"] = f.ci_high;
    x["ci_method"] = f.ci_method;
    x["outages"] = std::uint64_t(f.failures);
    x["mttr_measured_s"] = f.mttr_s;
    x["nines"] = std::isfinite(nines(f.measured)) ? Json(nines(f.measured)) : Json();
    x["downtime_hours_per_year"] = downtime_hours_per_year(f.measured);
    rs.push(std::move(x));
  }
  return j;
}

std::string figures_csv(const std::vector<NodeFigures>& nodes) {
  std::string s =
      "node,runs,analytic_availability,measured_availability,ci_low,ci_high,mtbf_configured_s,mttr_configured_s,"
      "mtbf_measured_s,mttr_measured_s,failures,repairs,nines,downtime_hours_per_year\n";
  for (auto& f : nodes)
    s += f.name + "," + std::to_string(f.runs) + "," + (f.analytic < 0 ? "" : fmt("%.6f", f.analytic)) + "," +
         fmt("%.6f", f.measured) + "," + fmt("%.6f", f.ci_low) + "," + fmt("%.6f", f.ci_high) + "," +
         fmt("%.3f", f.mtbf_cfg_s) + "," + fmt("%.3f", f.mttr_cfg_s) + "," + fmt("%.3f", f.mtbf_s) + "," +
         fmt("%.3f", f.mttr_s) + "," + std::to_string(f.failures) + "," + std::to_string(f.repairs) + "," +
         (std::isfinite(nines(f.measured)) ? fmt("%.3f", nines(f.measured)) : "") + "," +
         fmt("%.4f", downtime_hours_per_year(f.measured)) + "\n";
  return s;
}

std::string report_html(const std::vector<RunRecord>& runs, const std::vector<NodeFigures>& nodes) {
  std::size_t v = 0;
  for (auto& r : runs) v += r.violations();
  const std::string name = runs.empty() ? "" : runs.front().scenario;
  std::string h = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>halab report: " +
                  html_escape(name) + "</title>\n<style>body{font-family:sans-serif;margin:2em;max-width:70em}"
                  "table{border-collapse:collapse}td,th{border:1px solid #bbb;padding:3px 8px;text-align:right;white-space:nowrap}"
                  "th{background:#eee}td:first-child{text-align:left}.bad{color:#b00}.ok{color:#070}"
                  ".hist{display:inline-block;margin-right:1em}</style></head><body>\n";
  h += "<h1>Availability report: " + html_escape(name) + "</h1>\n";
  h += "<p>" + std::to_string(runs.size()) + " run(s), seeds " +
       (runs.empty() ? "-" : std::to_string(runs.front().seed) + "…" + std::to_string(runs.back().seed)) +
       "; simulated in simnet. "
       "Violations: <b class=\"" + (v ? "bad" : "ok") + "\">" + std::to_string(v) + "</b>.</p>\n";
  h += "<h2>Per node</h2>\n<table id=\"nodes\"><tr><th>node</th><th>analytic A = MTBF/(MTBF+MTTR)</th>"
       "<th>measured A</th><th>95% CI</th><th>analytic in CI</th><th>nines</th><th>downtime/year</th>"
       "<th>MTBF cfg</th><th>MTBF measured</th><th>MTTR cfg</th><th>MTTR measured</th><th>outages</th>"
       "<th>peer losses</th></tr>\n";
  for (auto& f : nodes) {
    const bool in = f.analytic >= f.ci_low && f.analytic <= f.ci_high;
    h += "<tr><td>" + html_escape(f.name) + "</td><td>" + (f.analytic < 0 ? "–" : pct(f.analytic)) + "</td><td>" +
         pct(f.measured) + "</td><td title=\"" + html_escape(f.ci_method) + "\">" + pct(f.ci_low) + " – " + pct(f.ci_high) +
         "</td><td class=\"" + (f.analytic < 0 ? "" : in ? "ok" : "bad") + "\">" +
         (f.analytic < 0 ? "–" : in ? "yes" : "no") + "</td><td>" +
         (std::isfinite(nines(f.measured)) ? fmt("%.2f", nines(f.measured)) : "∞") + "</td><td>" +
         fmt("%.2fh", downtime_hours_per_year(f.measured)) + "</td><td>" + hours(f.mtbf_cfg_s) + "</td><td>" +
         hours(f.mtbf_s) + "</td><td>" + hours(f.mttr_cfg_s) + "</td><td>" + hours(f.mttr_s) + "</td><td>" +
         std::to_string(f.failures) + "</td><td>" + std::to_string(f.peer_losses) + "</td></tr>\n";
  }
  h += "</table>\n<p>Confidence interval: " + (nodes.empty() ? std::string() : html_escape(nodes.front().ci_method)) +
       ". Downtime per year = (1 − A) × 8766 h.</p>\n";
  const auto rsc = resource_figures(runs);
  if (!rsc.empty()) {
    h += "<h2>Per resource</h2>\n<table id=\"resources\"><tr><th>resource</th><th>reference A (any node up, "
         "instant failover, long run)</th><th>measured A</th><th>95% CI</th><th>nines</th><th>downtime/year</th>"
         "<th>outages</th><th>mean outage</th></tr>\n";
    for (auto& f : rsc)
      h += "<tr><td>" + html_escape(f.name) + "</td><td>" + (f.analytic < 0 ? "–" : pct(f.analytic)) + "</td><td>" +
           pct(f.measured) + "</td><td title=\"" + html_escape(f.ci_method) + "\">" + pct(f.ci_low) + " – " +
           pct(f.ci_high) + "</td><td>" + (std::isfinite(nines(f.measured)) ? fmt("%.2f", nines(f.measured)) : "∞") +
           "</td><td>" + fmt("%.2fh", downtime_hours_per_year(f.measured)) + "</td><td>" +
           std::to_string(f.failures) + "</td><td>" + (f.mttr_s > 0 ? fmt("%.1fs", f.mttr_s) : "–") + "</td></tr>\n";
    h += "</table>\n<p>A resource is up while an instance of it is active (or promoted) on some node; the run's "
         "start until it first runs counts as down. The reference value is the long-run availability of a resource "
         "that may run on any node and moves at once; failover time (below) and placement constraints pull the real "
         "one down, while one run may lie above it when the rare overlapping node outages it counts did not "
         "happen.</p>\n";
  }
  h += "<h2>Distributions</h2>\n";
  for (auto& f : nodes) {
    h += "<h3>" + html_escape(f.name) + "</h3>\n<div class=\"hist\">" +
         histogram_svg(histogram(f.ttf_s), f.name + ": time to failure (" + std::to_string(f.ttf_s.size()) + ")",
                       "up period") +
         "</div><div class=\"hist\">" +
         histogram_svg(histogram(f.ttr_s), f.name + ": time to repair (" + std::to_string(f.ttr_s.size()) + ")",
                       "outage") +
         "</div>\n";
  }
  if (!runs.empty()) h += "<h2>Timeline</h2>\n" + timeline_svg(runs.front()) + "\n";
  h += failover_html(runs);
  h += graphs_html(runs);
  h += "<h2>Violations</h2>\n<ul id=\"violations\">";
  std::size_t shown = 0;
  for (auto& r : runs)
    for (auto& a : r.audits)
      if (!a.ok && shown++ < 50)
        h += "<li>seed " + std::to_string(r.seed) + ": " + html_escape(a.name) + " (" + html_escape(a.detail) + ")</li>";
  if (!v) h += "<li>none</li>";
  h += "</ul>\n";
  // A little behaviour, so a broken page shows in the headless check: row highlight.
  h += "<script>document.querySelectorAll('#nodes tr').forEach(function(r){"
       "r.addEventListener('mouseenter',function(){r.style.background='#ffd';});"
       "r.addEventListener('mouseleave',function(){r.style.background='';});});</script>\n";
  h += "</body></html>\n";
  return h;
}

void write_report(const std::vector<RunRecord>& runs, const std::string& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) throw core::Error("cannot create " + dir + ": " + ec.message());
  const auto nodes = node_figures(runs);
  auto put = [&](const std::string& name, const std::string& text) {
    const std::string p = dir + "/" + name, tmp = p + ".tmp";
    {
      std::ofstream f(tmp, std::ios::trunc);
      f << text;
      f.flush();
      if (!f) throw core::Error("cannot write " + tmp);
    }
    std::filesystem::rename(tmp, p, ec);
    if (ec) throw core::Error("cannot rename " + tmp + ": " + ec.message());
  };
  put("figures.json", figures_json(runs, nodes).dump() + "\n");
  put("nodes.csv", figures_csv(nodes));
  put("resources.csv", figures_csv(resource_figures(runs)));
  put("failovers.csv", failovers_csv(runs));
  put("index.html", report_html(runs, nodes));
}

}  // namespace halab::lab
