// Utilization and placement-strategy (pacemaker 2.1.5's behaviour):
//  - nodes declare capacities and resources their needs (<utilization>
//    nvpairs, integers; anything else counts as 0);
//  - with a strategy other than "default", a resource is banned from nodes
//    whose remaining capacity cannot hold it and the unassigned resources
//    that must run with it (or, when no node can hold them all, it alone);
//    the node it gets loses that capacity;
//  - "minimal" breaks score ties by node name only, "balanced" by the most
//    free capacity first; resources are placed in an order that favours
//    high scores on their current node, then high scores anywhere;
//  - load_stopped_<node> pseudo-actions order every stop on a node before
//    every start there, so capacity is freed before it is used.
#include "stack/scheduler/utilization.hpp"

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdlib>
#include <set>

#include "stack/scheduler/rules.hpp"
#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

namespace {

int utilization_value(const std::string& s) {
  if (s.empty()) return 0;
  errno = 0;
  char* end = nullptr;
  long v = std::strtol(s.c_str(), &end, 10);
  if (end == s.c_str() || errno == ERANGE) return 0;
  return int(std::clamp<long>(v, INT_MIN, INT_MAX));
}

std::map<std::string, int> utilization_of(const XmlElement& xml, const RuleContext* ctx) {
  std::map<std::string, std::string> raw;
  unpack_nvpair_sets(xml, "utilization", raw, ctx);
  std::map<std::string, int> out;
  for (auto& [k, v] : raw) out[k] = utilization_value(v);
  return out;
}

void unpack_primitives(Cluster& c, const XmlElement& parent, const std::map<std::string, XmlElement>& templates,
                       const RuleContext& ctx) {
  for (const auto& x : parent.children()) {
    const std::string tag(x.name());
    if (tag == "primitive") {
      Resource* r = c.find_resource(x.attr_or("id", ""));
      if (!r) continue;
      r->utilization = utilization_of(x, &ctx);
      if (auto t = x.attr("template")) {
        auto it = templates.find(*t);
        if (it != templates.end())
          for (auto& [k, v] : utilization_of(it->second, &ctx)) r->utilization.emplace(k, v);
      }
    } else if (tag == "bundle") {
      // The primitive inside a bundle is tied to its guest node: what it
      // needs is its container's (pacemaker moves it there).
      Resource* b = c.find_resource(x.attr_or("id", ""));
      auto p = x.first_child("primitive");
      if (b && b->bundle_data && p)
        for (auto& rep : b->bundle_data->replicas) rep.container->utilization = utilization_of(p, &ctx);
    } else if (tag == "group" || tag == "clone" || tag == "master") {
      unpack_primitives(c, x, templates, ctx);
    }
  }
}

bool default_strategy(const Cluster& c) { return c.options.placement_strategy == "default"; }

// pacemaker's pcmk__node_available(node, consider_score=true, ...).
bool available_with_score(const Cluster& c, const Resource* r, int n) {
  auto it = r->allowed.find(n);
  return it != r->allowed.end() && it->second >= 0 && node_available(c, n);
}

bool enough_capacity(const Node& n, const std::map<std::string, int>& need) {
  for (auto& [k, v] : need) {
    auto it = n.utilization.find(k);
    if (v > (it == n.utilization.end() ? 0 : it->second)) return false;
  }
  return true;
}

// Resources that must share a node with `r` (mandatory colocations either
// way, and a colocated group's members), `r` included.
std::vector<Resource*> colocated_resources(Resource* r) {
  std::vector<Resource*> out;
  std::set<Resource*> seen;
  std::vector<Resource*> work{r};
  while (!work.empty()) {
    Resource* x = work.back();
    work.pop_back();
    if (!seen.insert(x).second) continue;
    if (x->is_group()) {
      for (Resource* m : x->children) work.push_back(m);
    } else {
      out.push_back(x);
      if (x->parent && x->parent->is_group() && x->parent->group_colocated)
        for (Resource* m : x->parent->children) work.push_back(m);
    }
    for (Colocation* col : x->this_with)
      if (col->score >= kInfinity) work.push_back(col->primary);
    for (Colocation* col : x->with_this)
      if (col->score >= kInfinity) work.push_back(col->dependent);
  }
  return out;
}

Action* load_stopped(Cluster& c, Node* n) {
  const std::string name = "load_stopped_" + n->uname;
  auto it = c.named_pseudo.find(name);
  if (it != c.named_pseudo.end()) return it->second;
  Action* a = c.new_action(ActionKind::Pseudo, nullptr, name, 0, n, false);
  c.named_pseudo[name] = a;
  return a;
}

}  // namespace

void unpack_utilization(Cluster& c, const XmlElement& cib) {
  RuleContext ctx;
  ctx.now = c.now;
  auto config = cib.first_child("configuration");
  for (const auto& xn : config.first_child("nodes").children("node")) {
    Node* n = c.find_node(xn.attr_or("uname", xn.attr_or("id", "")));
    if (n) n->utilization = utilization_of(xn, &ctx);
  }
  auto resources = config.first_child("resources");
  std::map<std::string, XmlElement> templates;
  for (const auto& t : resources.children("template")) templates[t.attr_or("id", "")] = t;
  unpack_primitives(c, resources, templates, ctx);
}

int compare_node_capacities(const Node& a, const Node& b) {
  int result = 0;
  auto cmp = [&](int x, int y) {
    if (x > y) --result;
    else if (x < y) ++result;
  };
  for (auto& [k, v] : a.utilization) {
    auto it = b.utilization.find(k);
    cmp(v, it == b.utilization.end() ? 0 : it->second);
  }
  for (auto& [k, v] : b.utilization)
    if (!a.utilization.count(k)) cmp(0, v);
  return result;
}

Node* ban_insufficient_capacity(Cluster& c, Resource* r) {
  if (default_strategy(c)) return nullptr;
  std::map<std::string, int> need;
  for (Resource* x : colocated_resources(r)) {
    if (!x->provisional) continue;
    for (auto& [k, v] : x->utilization) need[k] += v;
  }
  bool any_capable = false;
  Node* most_capable = nullptr;
  for (auto& [n, w] : r->allowed) {
    if (!available_with_score(c, r, n)) continue;
    Node* node = c.nodes[size_t(n)].get();
    if (enough_capacity(*node, need)) any_capable = true;
    if (!most_capable || compare_node_capacities(*node, *most_capable) < 0) most_capable = node;
  }
  const auto& limit = any_capable ? need : r->utilization;
  for (auto& [n, w] : r->allowed)
    if (available_with_score(c, r, n) && !enough_capacity(*c.nodes[size_t(n)], limit)) w = -kInfinity;
  return any_capable ? nullptr : most_capable;
}

void consume_capacity(Cluster& c, const Resource* r, Node* n) {
  if (default_strategy(c) || !n) return;
  for (auto& [k, v] : r->utilization) {
    auto it = n->utilization.find(k);
    n->utilization[k] = it == n->utilization.end() ? 0 : it->second - v;
  }
}

void sort_for_strategy(Cluster& c, std::vector<Resource*>& order) {
  if (default_strategy(c)) return;
  // The cluster's nodes as pacemaker sorts them with no resource in mind.
  std::vector<Node*> nodes;
  for (auto& n : c.nodes) nodes.push_back(n.get());
  const bool balanced = c.options.placement_strategy == "balanced";
  std::stable_sort(nodes.begin(), nodes.end(), [&](const Node* a, const Node* b) {
    const int sa = a->can_run() ? 0 : -kInfinity, sb = b->can_run() ? 0 : -kInfinity;
    if (sa != sb) return sa > sb;
    if (balanced) {
      const int cap = compare_node_capacities(*a, *b);
      if (cap != 0) return cap < 0;
    }
    return a->uname < b->uname;
  });
  std::map<const Resource*, NodeScores> scores;
  for (Resource* r : order) scores[r] = merge_scores(c, r, nullptr, "#uname", 1.0, kMergeInit | kMergeForward);
  auto score_on = [&](const Resource* r, const Node* n) {
    if (!n) return -kInfinity;
    const auto& s = scores[r];
    auto it = s.find(n->index);
    return it == s.end() ? -kInfinity : it->second;
  };
  auto current = [](const Resource* r) -> const Node* {
    if (r->is_group()) {
      for (const Resource* m : r->children)
        if (m->current_node()) return m->current_node();
      return nullptr;
    }
    return r->current_node();
  };
  std::stable_sort(order.begin(), order.end(), [&](const Resource* a, const Resource* b) {
    if (a->priority != b->priority) return a->priority > b->priority;
    const int ca = score_on(a, current(a)), cb = score_on(b, current(b));
    if (ca != cb) return ca > cb;
    for (const Node* n : nodes) {
      const int sa = score_on(a, n), sb = score_on(b, n);
      if (sa != sb) return sa > sb;
    }
    return false;
  });
}

void create_utilization_orderings(Cluster& c) {
  if (default_strategy(c)) return;
  for (auto& up : c.all_resources) {
    Resource* r = up.get();
    if (r->is_group() || r->orphan) continue;
    for (Node* n : r->running_on) {
      Action* ls = load_stopped(c, n);
      for (Action* a : r->actions)
        if (a->task == "stop" && a->node == n) c.order(a, ls, kOrderOptional);
    }
    for (auto& [ni, w] : r->allowed) {
      Node* n = c.nodes[size_t(ni)].get();
      Action* ls = load_stopped(c, n);
      // A migrate_to runs on the source but loads the node it migrates to
      // (pacemaker keys a load ordering into migrate_to by the assigned node).
      for (Action* a : r->actions)
        // A migrate_to runs on the source but loads the target (the
        // resource's assigned node); ordering it after the source's
        // load_stopped would close a cycle through the source's stop.
        if ((a->task == "start" && a->node == n) || (a->task == "migrate_to" && r->assigned == n))
          c.order(ls, a, kOrderOptional);
    }
  }
}

}  // namespace halab::scheduler
