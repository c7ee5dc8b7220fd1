// Node health (node-health-strategy): the #health-* node attributes add up
// to a score each node gives every resource, applied before the configured
// location constraints, as pacemaker 2.1.5 does.
//   none            health is ignored
//   migrate-on-red  red = -INFINITY, yellow = green = 0
//   only-green      red = yellow = -INFINITY, green = 0
//   progressive     red/yellow/green from node-health-red/-yellow/-green,
//                   numbers as they are, plus node-health-base
//   custom          as progressive, without the base
#include "stack/scheduler/health.hpp"

#include "stack/scheduler/rules.hpp"
#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

void apply_node_health(Cluster& c, const XmlElement& cib) {
  std::map<std::string, std::string> opts;
  RuleContext ctx;
  ctx.now = c.now;
  unpack_nvpair_sets(cib.first_child("configuration").first_child("crm_config"), "cluster_property_set", opts, &ctx);
  auto opt = [&](const char* name, const char* fallback) {
    auto it = opts.find(name);
    return it == opts.end() ? std::string(fallback) : it->second;
  };
  const std::string strategy = opt("node-health-strategy", "none");
  int red = -kInfinity, yellow = 0, green = 0, base = 0;
  if (strategy == "migrate-on-red") {
  } else if (strategy == "only-green") {
    yellow = -kInfinity;
  } else if (strategy == "progressive" || strategy == "custom") {
    red = parse_score_or(opt("node-health-red", "-INFINITY"), -kInfinity);
    yellow = parse_score_or(opt("node-health-yellow", "0"), 0);
    green = parse_score_or(opt("node-health-green", "0"), 0);
    if (strategy == "progressive") base = parse_score_or(opt("node-health-base", "0"), 0);
  } else {
    return;  // none (or unknown)
  }
  std::vector<LocationConstraint> health;
  for (auto& n : c.nodes) {
    int score = base;
    for (auto& [k, v] : n->attrs) {
      if (k.rfind("#health", 0) != 0) continue;
      const int value = v == "red" ? red : v == "yellow" ? yellow : v == "green" ? green : parse_score_or(v, 0);
      score = add_scores(score, value);
    }
    if (score == 0) continue;
    for (Resource* r : c.resources) {
      if (score < 0) {
        auto it = r->meta.find("allow-unhealthy-nodes");
        if (it != r->meta.end() && is_true(it->second)) continue;
      }
      LocationConstraint lc;
      lc.id = strategy;
      lc.rsc = r;
      lc.node_scores.emplace_back(n->index, score);
      health.push_back(lc);
    }
  }
  c.locations.insert(c.locations.begin(), health.begin(), health.end());
}

}  // namespace halab::scheduler
