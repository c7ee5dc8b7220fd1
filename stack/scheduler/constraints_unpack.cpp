// <constraints>: rsc_location (node/score, rules, score-attribute),
// rsc_colocation and rsc_order, including resource sets; and the implicit
// constraints between the members of a group.
#include <regex>

#include "stack/scheduler/rules.hpp"
#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

namespace {

void add_colocation(Cluster& c, const std::string& id, Resource* dep, Resource* pri, int score, Role dep_role,
                    Role pri_role, const std::string& attr, bool influence) {
  if (!dep || !pri || dep == pri || score == 0) return;
  auto col = std::make_unique<Colocation>();
  col->id = id;
  col->dependent = dep;
  col->primary = pri;
  col->score = score;
  col->dependent_role = dep_role;
  col->primary_role = pri_role;
  col->node_attribute = attr.empty() ? "#uname" : attr;
  col->influence = influence;
  // Kept sorted as pacemaker keeps them: by the other side's priority, then
  // variant, then id; a new constraint goes before equal ones.
  // Observed from pacemaker 2.1.5: equal "this with" entries keep their
  // configuration order, equal "with this" entries are reversed.
  auto insert = [](std::vector<Colocation*>& list, Colocation* c, bool by_primary) {
    auto key_less = [&](const Colocation* a, const Colocation* b) {  // a sorts before b
      const Resource* ra = by_primary ? a->primary : a->dependent;
      const Resource* rb = by_primary ? b->primary : b->dependent;
      if (ra->priority != rb->priority) return ra->priority > rb->priority;
      if (ra->variant != rb->variant) return int(ra->variant) > int(rb->variant);
      return ra->id < rb->id;
    };
    auto it = list.begin();
    if (by_primary)
      while (it != list.end() && key_less(*it, c)) ++it;  // before equal ones
    else
      while (it != list.end() && key_less(*it, c)) ++it;  // before equal ones
    list.insert(it, c);
  };
  insert(dep->this_with, col.get(), true);
  insert(pri->with_this, col.get(), false);
  c.colocations.push_back(std::move(col));
}

std::string inverse_task(const std::string& t) {
  if (t == "start") return "stop";
  if (t == "stop") return "start";
  if (t == "promote") return "demote";
  if (t == "demote") return "promote";
  return "";
}

// How many instances of a clone "first" must be able to act before "then"
// may (its clone-min, or 1 for the older require-all=false); 0 when all.
int minimum_first_instances(const Resource* first, const XmlElement& x) {
  if (!first->is_clone()) return 0;
  auto it = first->meta.find("clone-min");
  if (it != first->meta.end()) return std::max(0, parse_score_or(it->second, 0));
  if (auto ra = x.attr("require-all"); ra && !is_true(*ra)) return 1;
  return 0;
}

void add_order(Cluster& c, const std::string& id, Resource* first, std::string first_task, Resource* then,
               std::string then_task, const std::string& kind, bool symmetrical, int min_first = 0) {
  if (!first || !then) return;
  uint32_t flags = 0;
  // The deprecated restart-type=restart makes an optional ordering restart
  // "then" whenever "first" is (re)started.
  auto rt = then->meta.find("restart-type");
  const bool restart_type = rt != then->meta.end() && rt->second == "restart";
  if (kind == "Optional") flags = restart_type ? kOrderImpliesThen : kOrderOptional;
  else if (kind == "Serialize") flags = kOrderSerialize;
  else if (!symmetrical) {
    flags = kOrderAsymmetrical;
  } else {
    flags = kOrderImpliesThen;
    if (first_task == "start" || first_task == "promote") flags |= kOrderRunnableLeft;
  }
  if (min_first > 0) {
    // Enough of the first clone's instances: a pseudo-action that is runnable
    // once min_first of them can act, and that "then" waits for.
    const std::string name = "clone-one-or-more:" + id;
    c.clone_min_pseudo[name] = min_first;
    for (Resource* inst : first->children) {
      OrderConstraint o{id, inst, first_task, nullptr, name, kOrderOneOrMore | kOrderImpliesThenPrinted};
      o.exact_first = true;
      c.orders.push_back(o);
    }
    c.orders.push_back({id, nullptr, name, then, then_task, flags | kOrderRunnableLeft});
  } else {
    c.orders.push_back({id, first, first_task, then, then_task, flags});
  }
  if (!symmetrical || kind == "Serialize") return;
  auto inv_first = inverse_task(then_task), inv_then = inverse_task(first_task);
  if (inv_first.empty() || inv_then.empty()) return;
  uint32_t inv_flags = kind == "Optional" ? kOrderOptional : kOrderImpliesFirst;
  c.orders.push_back({id + "-inv", then, inv_first, first, inv_then, inv_flags});
}

std::string kind_of(const XmlElement& x) {
  if (auto k = x.attr("kind")) return *k;
  if (auto s = x.attr("score")) return parse_score_or(*s, 0) > 0 ? "Mandatory" : "Optional";
  return "Mandatory";
}

}  // namespace

std::vector<Resource*> resolve(Cluster& c, const std::string& id) {
  if (Resource* r = c.find_resource(id)) return {r};
  std::vector<Resource*> out;
  auto tag = c.tags.find(id);
  if (tag != c.tags.end()) {
    for (const auto& ref : tag->second)
      for (Resource* r : resolve(c, ref)) out.push_back(r);
    return out;
  }
  for (auto& r : c.all_resources)
    if (r->template_id == id) out.push_back(r.get());
  return out;
}

namespace {

std::vector<Resource*> set_members(Cluster& c, const XmlElement& set) {
  std::vector<Resource*> out;
  for (const auto& ref : set.children("resource_ref"))
    for (Resource* r : resolve(c, ref.attr_or("id", ""))) out.push_back(r);
  return out;
}

void unpack_location(Cluster& c, const XmlElement& x) {
  std::vector<Resource*> targets;
  std::map<const Resource*, std::vector<std::string>> submatches;  // rsc-pattern's, per target
  if (auto rid = x.attr("rsc")) {
    for (Resource* r : resolve(c, *rid)) targets.push_back(r);
  } else if (auto pat = x.attr("rsc-pattern")) {
    // "!PATTERN": the resources that do not match.
    const bool invert = !pat->empty() && (*pat)[0] == '!';
    try {
      std::regex re(invert ? pat->substr(1) : *pat, std::regex::extended);
      for (Resource* r : c.resources) {
        std::smatch m;
        const bool matched = std::regex_search(r->id, m, re);
        if (matched == invert) continue;
        targets.push_back(r);
        if (matched)
          for (size_t i = 0; i < m.size() && i < 10; ++i) submatches[r].push_back(m[i].str());
      }
    } catch (const std::regex_error&) {
      c.warnings.push_back("rsc_location " + x.attr_or("id", "?") + ": invalid rsc-pattern");
    }
  }
  for (const auto& set : x.children("resource_set"))
    for (Resource* r : set_members(c, set)) targets.push_back(r);
  for (Resource* r : targets) {
    LocationConstraint lc;
    lc.id = x.attr_or("id", "");
    lc.rsc = r;
    lc.role = parse_role(x.attr_or("role", ""));
    lc.discovery = x.attr_or("resource-discovery", "always");
    if (auto node = x.attr("node")) {
      Node* n = c.find_node(*node);
      if (!n) continue;
      lc.node_scores.emplace_back(n->index, parse_score_or(x.attr_or("score", "0"), 0));
      c.locations.push_back(lc);
      continue;
    }
    for (const auto& rule : x.children("rule")) {
      LocationConstraint rc = lc;
      if (auto role = rule.attr("role")) rc.role = parse_role(*role);
      auto score_attr = rule.attr("score-attribute");
      int score = parse_score_or(rule.attr_or("score", "0"), 0);
      for (auto& n : c.nodes) {
        RuleContext ctx;
        ctx.node = n.get();
        ctx.now = c.now;
        auto per_node = r->params_on.find(n->index);
        ctx.rsc_params = per_node != r->params_on.end() ? &per_node->second : &r->params;
        ctx.rsc_meta = &r->meta;
        if (auto sm = submatches.find(r); sm != submatches.end()) ctx.pattern_submatches = sm->second;
        if (!evaluate_rule(rule, ctx)) continue;
        int s = score;
        if (score_attr) {
          auto v = n->attr(*score_attr);
          if (v.empty()) continue;
          s = parse_score_or(v, 0);
        }
        rc.node_scores.emplace_back(n->index, s);
      }
      c.locations.push_back(rc);
    }
  }
}

void unpack_colocation(Cluster& c, const XmlElement& x) {
  const std::string id = x.attr_or("id", "");
  int score = parse_score_or(x.attr_or("score", "0"), 0);
  bool influence = true;
  if (auto inf = x.attr("influence")) influence = is_true(*inf);
  const std::string attr = x.attr_or("node-attribute", "#uname");
  auto sets = x.children("resource_set");
  if (sets.empty()) {
    // A template or tag on either side stands for each of its resources.
    for (Resource* dep : resolve(c, x.attr_or("rsc", "")))
      for (Resource* pri : resolve(c, x.attr_or("with-rsc", ""))) {
        bool infl = influence;
        auto cr = dep->meta.find("critical");
        if (cr != dep->meta.end() && !x.has_attr("influence")) infl = is_true(cr->second);
        add_colocation(c, id, dep, pri, score, parse_role(x.attr_or("rsc-role", "")),
                       parse_role(x.attr_or("with-rsc-role", "")), attr, infl);
      }
    return;
  }
  // Within a sequential set each member is colocated with the one before it;
  // a later set's members depend on an earlier set's.
  std::vector<std::vector<Resource*>> members;
  for (const auto& set : sets) {
    int s = set.attr("score") ? parse_score_or(*set.attr("score"), score) : score;
    auto m = set_members(c, set);
    Role role = parse_role(set.attr_or("role", ""));
    if (is_true(set.attr_or("sequential", "true"))) {
      const bool listed = set.attr_or("ordering", "group") != "group";
      if (s >= 0 && !listed) {
        for (size_t i = 1; i < m.size(); ++i) add_colocation(c, id, m[i], m[i - 1], s, role, role, attr, influence);
      } else if (s >= 0) {
        // ordering="listed": each member runs with the one after it.
        for (size_t i = 1; i < m.size(); ++i) add_colocation(c, id, m[i - 1], m[i], s, role, role, attr, influence);
      } else {
        // Anti-colocation: each member against every earlier one, so no two
        // members of the set share a node.
        for (size_t i = 1; i < m.size(); ++i)
          for (size_t j = 0; j < i; ++j) add_colocation(c, id, m[i], m[j], s, role, role, attr, influence);
      }
    }
    members.push_back(m);
  }
  for (size_t si = 1; si < members.size(); ++si) {
    if (members[si - 1].empty() || members[si].empty()) continue;
    for (Resource* dep : members[si - 1])
      add_colocation(c, id, dep, members[si].back(), score, Role::Unknown, Role::Unknown, attr, influence);
  }
}

void unpack_order(Cluster& c, const XmlElement& x) {
  const std::string id = x.attr_or("id", "");
  const std::string kind = kind_of(x);
  auto sets = x.children("resource_set");
  bool symmetrical = is_true(x.attr_or("symmetrical", kind == "Serialize" ? "false" : "true"));
  if (sets.empty()) {
    std::string ft = x.attr_or("first-action", "start");
    std::string tt = x.attr_or("then-action", ft);
    for (Resource* first : resolve(c, x.attr_or("first", "")))
      for (Resource* then : resolve(c, x.attr_or("then", "")))
        add_order(c, id, first, ft, then, tt, kind, symmetrical, minimum_first_instances(first, x));
    return;
  }
  std::vector<Resource*> prev_last;
  std::string prev_action;
  std::string prev_pseudo;  // a previous require-all=false set's "one-or-more" pseudo-action
  for (const auto& set : sets) {
    auto m = set_members(c, set);
    std::string action = set.attr_or("action", "start");
    bool sequential = is_true(set.attr_or("sequential", "true"));
    const bool any = !is_true(set.attr_or("require-all", "true"));
    if (sequential)
      for (size_t i = 1; i < m.size(); ++i) add_order(c, id, m[i - 1], action, m[i], action, kind, symmetrical);
    std::vector<Resource*> heads = sequential && !m.empty() ? std::vector<Resource*>{m.front()} : m;
    if (!prev_pseudo.empty()) {
      // After a one-or-more set: its pseudo-action gates this set.
      for (Resource* h : heads)
        c.orders.push_back({id, nullptr, prev_pseudo, h, action, kOrderImpliesThen | kOrderRunnableLeft});
    } else if (!prev_last.empty() && !m.empty()) {
      for (Resource* p : prev_last)
        for (Resource* h : heads) add_order(c, id, p, prev_action, h, action, kind, symmetrical);
    }
    prev_pseudo.clear();
    if (any && !sequential && !m.empty()) {
      // require-all=false: any one member suffices, through a pseudo-action.
      prev_pseudo = "one-or-more:" + set.attr_or("id", id);
      for (Resource* r : m) c.orders.push_back({id, r, action, nullptr, prev_pseudo, kOrderOneOrMore | kOrderImpliesThen});
    }
    if (!m.empty()) prev_last = sequential ? std::vector<Resource*>{m.back()} : m;
    prev_action = action;
  }
}

}  // namespace

void unpack_constraints(Cluster& c, const XmlElement& cib) {
  for (const auto& tag : cib.first_child("configuration").first_child("tags").children("tag"))
    for (const auto& ref : tag.children("obj_ref")) c.tags[tag.attr_or("id", "")].push_back(ref.attr_or("id", ""));
  auto constraints = cib.first_child("configuration").first_child("constraints");
  for (const auto& x : constraints.children()) {
    const auto tag = x.name();
    if (tag == "rsc_location") unpack_location(c, x);
    else if (tag == "rsc_colocation") unpack_colocation(c, x);
    else if (tag == "rsc_order") unpack_order(c, x);
  }
  // Implicit group constraints, after the configured ones as in pacemaker: member i runs with and after member i-1.
  for (auto& gp : c.all_resources) {  // cloned groups' instances too
    Resource* g = gp.get();
    if (!g->is_group()) continue;
    for (size_t i = 1; i < g->children.size(); ++i) {
      if (g->group_colocated)
        add_colocation(c, g->id + "-internal", g->children[i], g->children[i - 1], kInfinity, Role::Unknown,
                       Role::Unknown, "#uname", true);
    }
  }

}

}  // namespace halab::scheduler
