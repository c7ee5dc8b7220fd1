// Tickets (rsc_ticket): a resource that depends on a ticket may run only
// while the ticket is granted and not in standby; when the ticket is lost
// while it runs, loss-policy decides (stop, demote, fence, freeze).
#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

namespace {

struct TicketState {
  bool granted = false;
  bool standby = false;
};

void ban_everywhere(Cluster& c, Resource* r, const std::string& id) {
  LocationConstraint lc;
  lc.id = id;
  lc.rsc = r;
  for (auto& n : c.nodes) lc.node_scores.emplace_back(n->index, -kInfinity);
  c.locations.push_back(lc);
}

void apply_ticket(Cluster& c, Resource* r, const TicketState& t, Role role, const std::string& policy,
                  const std::string& id) {
  if (!r->children.empty()) {
    for (Resource* child : r->children) apply_ticket(c, child, t, role, policy, id);
    return;
  }
  if (role == Role::Promoted && (!t.granted || t.standby)) r->no_promotion = true;
  if (!t.granted && !r->running_on.empty()) {
    if (policy == "stop") {
      ban_everywhere(c, r, id);
    } else if (policy == "demote") {
      if (role != Role::Promoted) ban_everywhere(c, r, id);
    } else if (policy == "fence") {
      if (role == Role::Promoted && r->role != Role::Promoted) return;
      ban_everywhere(c, r, id);
      for (Node* n : r->running_on)
        if (!n->unclean) {
          n->unclean = true;
          n->fence_reason = "deadman ticket was lost";
        }
    } else if (policy == "freeze") {
      if (role == Role::Promoted && r->role != Role::Promoted) return;
      r->managed = false;
      r->blocked = true;
    }
  } else if (!t.granted || t.standby) {
    if (role != Role::Promoted || policy == "stop") ban_everywhere(c, r, id);
  }
}

}  // namespace

void unpack_tickets(Cluster& c, const XmlElement& cib) {
  std::map<std::string, TicketState> states;
  for (const auto& ts : cib.first_child("status").first_child("tickets").children("ticket_state")) {
    TicketState s;
    s.granted = is_true(ts.attr_or("granted", "false"));
    s.standby = is_true(ts.attr_or("standby", "false"));
    states[ts.attr_or("id", "")] = s;
  }
  for (const auto& x : cib.first_child("configuration").first_child("constraints").children("rsc_ticket")) {
    const std::string id = x.attr_or("id", "");
    const std::string ticket = x.attr_or("ticket", "");
    if (ticket.empty()) {
      c.warnings.push_back("rsc_ticket " + id + ": no ticket named; ignored");
      continue;
    }
    const TicketState state = states.count(ticket) ? states[ticket] : TicketState{};
    const std::string policy = x.attr_or("loss-policy", "stop");
    std::vector<std::pair<Resource*, Role>> targets;
    if (auto rid = x.attr("rsc")) {
      for (Resource* r : resolve(c, *rid)) targets.emplace_back(r, parse_role(x.attr_or("rsc-role", "")));
    }
    for (const auto& set : x.children("resource_set")) {
      Role role = parse_role(set.attr_or("role", ""));
      for (const auto& ref : set.children("resource_ref"))
        for (Resource* r : resolve(c, ref.attr_or("id", ""))) targets.emplace_back(r, role);
    }
    for (auto& [r, role] : targets) apply_ticket(c, r, state, role, policy, id);
  }
}

}  // namespace halab::scheduler
