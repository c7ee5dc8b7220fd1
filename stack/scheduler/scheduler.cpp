// The pipeline, in pacemaker's order: unpack, locations, stickiness and
// failure bans, assignment, actions, fencing, orderings, propagation.
#include "stack/scheduler/scheduler.hpp"

#include <algorithm>
#include <cctype>

#include "stack/scheduler/actions.hpp"
#include "stack/scheduler/bundle.hpp"
#include "stack/scheduler/health.hpp"
#include "stack/scheduler/migration.hpp"
#include "stack/scheduler/remote.hpp"
#include "stack/scheduler/clone.hpp"
#include "stack/scheduler/container.hpp"
#include "stack/scheduler/digests.hpp"
#include "stack/scheduler/placement.hpp"
#include "stack/scheduler/rules.hpp"
#include "stack/scheduler/shutdown_lock.hpp"
#include "stack/scheduler/unpack.hpp"
#include "stack/scheduler/utilization.hpp"

namespace halab::scheduler {

namespace {

// pacemaker sorts node names with digit runs compared as numbers.
bool natural_less(const std::string& a, const std::string& b) {
  size_t i = 0, j = 0;
  while (i < a.size() && j < b.size()) {
    if (std::isdigit((unsigned char)a[i]) && std::isdigit((unsigned char)b[j])) {
      size_t i2 = i, j2 = j;
      while (i2 < a.size() && std::isdigit((unsigned char)a[i2])) ++i2;
      while (j2 < b.size() && std::isdigit((unsigned char)b[j2])) ++j2;
      long long x = std::stoll(a.substr(i, std::min<size_t>(i2 - i, 18)));
      long long y = std::stoll(b.substr(j, std::min<size_t>(j2 - j, 18)));
      if (x != y) return x < y;
      i = i2;
      j = j2;
      continue;
    }
    char x = char(std::tolower((unsigned char)a[i])), y = char(std::tolower((unsigned char)b[j]));
    if (x != y) return x < y;
    ++i;
    ++j;
  }
  return a.size() - i < b.size() - j;
}

}  // namespace

std::unique_ptr<Cluster> unpack_cib(const XmlElement& cib, long long now) {
  auto c = std::make_unique<Cluster>();
  c->now = now;
  unpack_config(*c, cib);
  unpack_nodes(*c, cib);
  add_remote_nodes(*c, cib);
  add_bundle_nodes(*c, cib);
  std::stable_sort(c->nodes.begin(), c->nodes.end(),
                   [](const auto& x, const auto& y) { return natural_less(x->uname, y->uname); });
  for (size_t i = 0; i < c->nodes.size(); ++i) c->nodes[i]->index = int(i);
  unpack_node_states(*c, cib);
  unpack_resources(*c, cib);
  unpack_utilization(*c, cib);
  link_remote_connections(*c);
  link_containers(*c);
  unpack_history(*c, cib);
  reset_unclean_guests(*c);
  apply_shutdown_locks(*c, cib);
  unpack_constraints(*c, cib);
  unpack_tickets(*c, cib);
  apply_node_health(*c, cib);
  return c;
}

std::unique_ptr<Cluster> schedule(const XmlElement& cib, const ScheduleOptions& options) {
  long long now = options.now;
  if (now == 0) {
    if (auto when = cib.attr("execution-date")) now = std::atoll(when->c_str());
  }
  auto c = unpack_cib(cib, now);
  c->flag_trace = options.flag_trace;
  check_definition_changes(*c);
  apply_locations(*c);
  ban_connections_from_remote_nodes(*c);
  apply_bundle_locations(*c);
  apply_stickiness_and_failures(*c);
  assign_all(*c);
  create_actions(*c);
  create_shutdown_lock_actions(*c);
  restart_containers_of_failed_fillers(*c);
  order_bundle_actions(*c);
  schedule_unfencing(*c);
  schedule_fencing(*c);
  apply_orderings(*c);
  order_migration_equivalents(*c);
  order_remote_actions(*c);
  create_utilization_orderings(*c);
  propagate_flags(*c);
  cancel_reloads_before_stops(*c);
  create_clone_notifications(*c);
  drop_looping_optional_orderings(*c);
  return c;
}

}  // namespace halab::scheduler
