// Cluster options (crm_config), rsc_defaults, op_defaults and the nvpair sets
// they are written in.
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "stack/scheduler/rules.hpp"
#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

bool is_true(const std::string& v) {
  std::string s;
  for (char c : v) s.push_back(char(std::tolower((unsigned char)c)));
  return s == "true" || s == "on" || s == "yes" || s == "y" || s == "1";
}

long parse_interval_ms(const std::string& text) {
  std::string s;
  for (char c : text)
    if (!std::isspace((unsigned char)c)) s.push_back(c);
  if (s.empty()) return 0;
  if (s[0] == 'P') {  // ISO 8601 duration
    long long total = 0, num = 0;
    bool in_time = false;
    for (size_t i = 1; i < s.size(); ++i) {
      char c = s[i];
      if (c == 'T') in_time = true;
      else if (std::isdigit((unsigned char)c)) num = num * 10 + (c - '0');
      else {
        if (c == 'H') total += num * 3600;
        else if (c == 'M') total += in_time ? num * 60 : num * 30 * 86400;
        else if (c == 'S') total += num;
        else if (c == 'D') total += num * 86400;
        else if (c == 'W') total += num * 7 * 86400;
        else if (c == 'Y') total += num * 365 * 86400;
        else return -1;
        num = 0;
      }
    }
    return long(total * 1000);
  }
  char* end = nullptr;
  double v = std::strtod(s.c_str(), &end);
  if (end == s.c_str()) return -1;
  std::string unit(end);
  double mul = 1000;
  if (unit.empty() || unit == "s" || unit == "sec") mul = 1000;
  else if (unit == "ms" || unit == "msec") mul = 1;
  else if (unit == "us" || unit == "usec") mul = 0.001;
  else if (unit == "m" || unit == "min") mul = 60000;
  else if (unit == "h" || unit == "hr") mul = 3600000;
  else return -1;
  return long(v * mul);
}

std::vector<XmlElement> sorted_nvpair_sets(const XmlElement& parent, std::string_view set_tag) {
  std::vector<XmlElement> sets = parent.children(set_tag);
  // Higher scores first; equal scores keep their order. (The cluster's own
  // "cib-bootstrap-options" always comes first.)
  auto rank = [](const XmlElement& set) {
    if (set.attr_or("id", "") == "cib-bootstrap-options") return kInfinity + 1;
    return parse_score_or(set.attr_or("score", "0"), 0);
  };
  std::stable_sort(sets.begin(), sets.end(), [&](const XmlElement& a, const XmlElement& b) { return rank(a) > rank(b); });
  return sets;
}

void unpack_nvpair_sets(const XmlElement& parent, std::string_view set_tag, std::map<std::string, std::string>& out,
                        const RuleContext* ctx) {
  if (!parent) return;
  for (const auto& set : sorted_nvpair_sets(parent, set_tag)) {
    if (auto rule = set.first_child("rule")) {
      RuleContext empty;
      if (!evaluate_rule(rule, ctx ? *ctx : empty)) continue;
    }
    for (const auto& nv : set.children("nvpair")) {
      auto name = nv.attr("name");
      if (!name) continue;
      if (!out.count(*name)) out[*name] = nv.attr_or("value", "");
    }
  }
}

void unpack_config(Cluster& c, const XmlElement& cib) {
  auto config = cib.first_child("configuration");
  std::map<std::string, std::string> props;
  RuleContext ctx;
  ctx.now = c.now;
  unpack_nvpair_sets(config.first_child("crm_config"), "cluster_property_set", props, &ctx);
  auto get = [&](const char* k, const char* dflt) {
    auto it = props.find(k);
    return it == props.end() ? std::string(dflt) : it->second;
  };
  ClusterOptions& o = c.options;
  o.stonith_enabled = is_true(get("stonith-enabled", "true"));
  o.symmetric = is_true(get("symmetric-cluster", "true"));
  o.startup_fencing = is_true(get("startup-fencing", "true"));
  o.stop_orphan_resources = is_true(get("stop-orphan-resources", "true"));
  o.stop_orphan_actions = is_true(get("stop-orphan-actions", "true"));
  o.maintenance_mode = is_true(get("maintenance-mode", "false"));
  o.start_failure_is_fatal = is_true(get("start-failure-is-fatal", "true"));
  o.enable_startup_probes = is_true(get("enable-startup-probes", "true"));
  o.stop_all_resources = is_true(get("stop-all-resources", "false"));
  o.no_quorum_policy = get("no-quorum-policy", "stop");
  // The DC writes have-watchdog when nodes self-fence through a watchdog
  // (sbd's role): fencing is then possible without a fence device (the
  // fencer waits stonith-watchdog-timeout), as pacemaker treats it.
  if (is_true(get("have-watchdog", "false"))) c.have_fence_device = true;
  o.placement_strategy = get("placement-strategy", "default");
  o.shutdown_lock = is_true(get("shutdown-lock", "false"));
  o.shutdown_lock_limit_s = std::max(0L, parse_interval_ms(get("shutdown-lock-limit", "0")) / 1000);
  o.stonith_action = get("stonith-action", "reboot");
  if (o.stonith_action == "poweroff") o.stonith_action = "off";
  // Legacy default-resource-stickiness property still counts when rsc_defaults lacks it.
  auto legacy_stickiness = props.find("default-resource-stickiness");

  o.have_quorum = is_true(cib.attr_or("have-quorum", "false"));
  c.dc_uuid = cib.attr_or("dc-uuid", "");

  // Only rule-less rsc_defaults here; sets with rules are evaluated per resource.
  for (const auto& set : config.first_child("rsc_defaults").children("meta_attributes")) {
    if (set.first_child("rule")) continue;
    for (const auto& nv : set.children("nvpair"))
      if (auto name = nv.attr("name"); name && !o.rsc_defaults.count(*name)) o.rsc_defaults[*name] = nv.attr_or("value", "");
  }
  unpack_nvpair_sets(config.first_child("op_defaults"), "meta_attributes", o.op_defaults, &ctx);
  if (!o.rsc_defaults.count("resource-stickiness") && legacy_stickiness != props.end())
    o.rsc_defaults["resource-stickiness"] = legacy_stickiness->second;
  if (!o.rsc_defaults.count("is-managed") && props.count("is-managed-default"))
    o.rsc_defaults["is-managed"] = props["is-managed-default"];
}

}  // namespace halab::scheduler
