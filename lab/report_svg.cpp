#include <algorithm>
#include <cstdio>

#include "lab/report.hpp"

namespace halab::lab {

std::string html_escape(const std::string& s) {
  std::string o;
  for (char c : s) {
    if (c == '<') o += "&lt;";
    else if (c == '>') o += "&gt;";
    else if (c == '&') o += "&amp;";
    else if (c == '"') o += "&quot;";
    else o += c;
  }
  return o;
}

namespace {
std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}
// Seconds in the unit that reads best.
std::string human(double s) {
  if (s < 1) return fmt("%.0fms", s * 1000);
  if (s < 120) return fmt("%.1fs", s);
  if (s < 7200) return fmt("%.1fm", s / 60);
  if (s < 172800) return fmt("%.1fh", s / 3600);
  return fmt("%.1fd", s / 86400);
}
}  // namespace

std::string histogram_svg(const Histogram& h, const std::string& title, const std::string& unit) {
  const int W = 360, H = 160, L = 40, B = 30, T = 20;
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(W) + "\" height=\"" +
                  std::to_string(H) + "\" role=\"img\"><title>" + html_escape(title) + "</title>";
  s += "<text x=\"" + std::to_string(L) + "\" y=\"14\" font-size=\"12\">" + html_escape(title) + "</text>";
  if (h.counts.empty()) return s + "<text x=\"40\" y=\"80\" font-size=\"12\">no samples</text></svg>";
  const std::size_t mx = *std::max_element(h.counts.begin(), h.counts.end());
  const double bw = double(W - L - 10) / double(h.counts.size());
  for (std::size_t i = 0; i < h.counts.size(); ++i) {
    const double bh = mx ? double(H - B - T) * double(h.counts[i]) / double(mx) : 0;
    s += "<rect class=\"bar\" x=\"" + fmt("%.1f", L + i * bw) + "\" y=\"" + fmt("%.1f", H - B - bh) + "\" width=\"" +
         fmt("%.1f", std::max(bw - 1, 1.0)) + "\" height=\"" + fmt("%.1f", bh) + "\" fill=\"#4a7ab5\"><title>" +
         human(h.edges[i]) + "–" + human(h.edges[i + 1]) + ": " + std::to_string(h.counts[i]) + "</title></rect>";
  }
  s += "<line x1=\"" + std::to_string(L) + "\" y1=\"" + std::to_string(H - B) + "\" x2=\"" + std::to_string(W - 10) +
       "\" y2=\"" + std::to_string(H - B) + "\" stroke=\"#333\"/>";
  s += "<text x=\"" + std::to_string(L) + "\" y=\"" + std::to_string(H - 12) + "\" font-size=\"10\">" +
       human(h.edges.front()) + "</text>";
  s += "<text x=\"" + std::to_string(W - 10) + "\" y=\"" + std::to_string(H - 12) +
       "\" font-size=\"10\" text-anchor=\"end\">" + human(h.edges.back()) + " (" + html_escape(unit) + ")</text>";
  s += "<text x=\"4\" y=\"" + std::to_string(T + 10) + "\" font-size=\"10\">" + std::to_string(mx) + "</text>";
  return s + "</svg>";
}

std::string timeline_svg(const RunRecord& run) {
  const int W = 900, L = 70, R = 10, row = 22, top = 24;
  const int rows = int(run.nodes.size()) + 1;
  const int H = top + rows * row + 24;
  const double span = double(std::max<std::int64_t>(run.duration_ns, 1));
  auto x = [&](std::int64_t t) { return L + (W - L - R) * (double(t) / span); };
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(W) + "\" height=\"" +
                  std::to_string(H) + "\" role=\"img\"><title>timeline of seed " + std::to_string(run.seed) +
                  "</title>";
  s += "<text x=\"" + std::to_string(L) + "\" y=\"14\" font-size=\"12\">seed " + std::to_string(run.seed) +
       ": green up, red down, orange partitioned</text>";
  for (std::size_t i = 0; i < run.nodes.size(); ++i) {
    const auto& n = run.nodes[i];
    const int y = top + int(i) * row;
    s += "<text x=\"4\" y=\"" + std::to_string(y + 15) + "\" font-size=\"12\">" + html_escape(n.name) + "</text>";
    s += "<rect class=\"up\" x=\"" + fmt("%.2f", x(0)) + "\" y=\"" + std::to_string(y + 3) + "\" width=\"" +
         fmt("%.2f", x(run.duration_ns) - x(0)) + "\" height=\"" + std::to_string(row - 6) + "\" fill=\"#5cb85c\"/>";
    for (auto& o : n.outages)
      s += "<rect class=\"down\" x=\"" + fmt("%.2f", x(o.start_ns)) + "\" y=\"" + std::to_string(y + 3) +
           "\" width=\"" + fmt("%.2f", std::max(x(o.end_ns) - x(o.start_ns), 0.5)) + "\" height=\"" +
           std::to_string(row - 6) + "\" fill=\"#d9534f\"><title>" + html_escape(n.name) + " down " +
           human(double(o.start_ns) / 1e9) + " for " + human(double(o.end_ns - o.start_ns) / 1e9) +
           "</title></rect>";
  }
  const int py = top + int(run.nodes.size()) * row;
  s += "<text x=\"4\" y=\"" + std::to_string(py + 15) + "\" font-size=\"12\">partitions</text>";
  for (auto& p : run.partitions)
    s += "<rect class=\"partition\" x=\"" + fmt("%.2f", x(p.start_ns)) + "\" y=\"" + std::to_string(py + 3) +
         "\" width=\"" + fmt("%.2f", std::max(x(p.end_ns) - x(p.start_ns), 0.5)) + "\" height=\"" +
         std::to_string(row - 6) + "\" fill=\"#f0ad4e\"><title>" + html_escape(p.what) + "</title></rect>";
  s += "<text x=\"" + std::to_string(L) + "\" y=\"" + std::to_string(H - 6) + "\" font-size=\"10\">0</text>";
  s += "<text x=\"" + std::to_string(W - R) + "\" y=\"" + std::to_string(H - 6) +
       "\" font-size=\"10\" text-anchor=\"end\">" + human(span / 1e9) + "</text>";
  return s + "</svg>";
}

}  // namespace halab::lab
