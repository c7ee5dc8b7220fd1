// location (with rules), colocation, order, rsc_ticket, and resource sets.
#include <algorithm>
#include <set>

#include "stack/shell/build.hpp"

namespace halab::shell::detail {

using namespace cib;

namespace {

const std::set<std::string> kCompare = {"lt", "gt", "lte", "gte", "eq", "ne"};

void new_constraint_id(Words& w, Build& b, const std::string& id, const std::string& kind) {
  if (id.empty()) w.fail("identifier");
  if (!valid_object_id(id)) throw ShellError(id + ": invalid object id");
  if (b.ids.used(id))
    throw ShellError("Cannot create " + kind + " with ID '" + id + "': Found existing object with same ID.");
  b.ids.claim(id);
}

const std::set<std::string> kDateSpec = {"hours", "monthdays", "weekdays", "yearsdays", "months",
                                         "weeks", "years", "weekyears", "moon"};

// `date spec k=v ...` (date_spec) and `date in start=X (end=Y | k=v ...)`
// (in_range, with a duration): crmsh puts start/end on the expression and
// the other pairs on a child element named after the operation's part.
void parse_date_pairs(Words& w, Build& b, xmlNode* e, const std::string& eid, bool in_range) {
  std::vector<std::pair<std::string, std::string>> kv;
  while (!w.done()) {
    auto p = split_kv(w.peek());
    if (!p || !(kDateSpec.count(p->first) || (in_range && (p->first == "start" || p->first == "end")))) break;
    kv.push_back(*p);
    w.next();
  }
  const std::size_t min_pairs = in_range ? 2 : 1;
  if (kv.size() < min_pairs)
    throw ShellError("syntax in " + w.kind + ": Expected at least " + std::to_string(min_pairs) +
                     " name-value pairs near " + (w.done() ? std::string("end of line") : "<" + w.peek() + ">") +
                     " parsing '" + w.line + "'");
  xmlNode* child = nullptr;
  for (auto& [k, v] : kv) {
    if (k == "start" || k == "end") {
      set_attr(e, k, v);
      continue;
    }
    if (!child) child = b.element(e, in_range ? "duration" : "date_spec");
    set_attr(child, k, v);
  }
  set_attr(e, "id", eid);
  if (child) set_attr(child, "id", b.ids.make(eid, in_range ? "duration" : "date_spec"));
}

// One expression of a rule.
void parse_expression(Words& w, Build& b, xmlNode* rule, const std::string& rid) {
  std::string first = w.next();
  if (first.empty()) w.fail("expression");
  if (first == "date") {
    std::string op = w.next();
    xmlNode* e = b.element(rule, "date_expression");
    if (op == "gt" || op == "lt") {
      set_attr(e, "operation", op);
      std::string v = w.next();
      if (v.empty()) w.fail("date");
      set_attr(e, op == "gt" ? "start" : "end", v);
    } else if (op == "in" || op == "in_range" || op == "spec" || op == "date_spec") {
      const bool in_range = op == "in" || op == "in_range";
      set_attr(e, "operation", in_range ? "in_range" : "date_spec");
      parse_date_pairs(w, b, e, b.ids.make(rid, "expression"), in_range);
      return;
    } else {
      --w.i;
      w.fail("(lt|gt|in_range|date_spec|spec|in)");
    }
    set_attr(e, "id", b.ids.make(rid, "expression"));
    return;
  }
  xmlNode* e = b.element(rule, "expression");
  if (first == "defined" || first == "not_defined") {
    std::string a = w.next();
    if (a.empty()) w.fail("attribute");
    set_attr(e, "operation", first);
    set_attr(e, "attribute", a);
  } else {
    std::string op = w.next();
    std::string type;
    if (auto c = op.find(':'); c != std::string::npos) {
      type = op.substr(0, c);
      op = op.substr(c + 1);
      if (type != "string" && type != "integer" && type != "number" && type != "version") op.clear();
    }
    if (!kCompare.count(op)) {
      --w.i;
      w.fail("((string|integer|number|version):)?(lt|gt|lte|gte|eq|ne)");
    }
    std::string v = w.next();
    if (v.empty()) w.fail("value");
    set_attr(e, "operation", op);
    set_attr(e, "attribute", first);
    // crmsh re-reads a single command from its text form, where string: (the default) is not written
    if (!type.empty() && (type != "string" || b.loading)) set_attr(e, "type", type);
    set_attr(e, "value", v);
  }
  set_attr(e, "id", b.ids.make(rid, "expression"));
}

}  // namespace

void parse_rule(Words& w, Build& b, xmlNode* parent, const std::string& prefix) {
  xmlNode* rule = b.element(parent, "rule");
  std::string id, role;
  bool explicit_id = false;
  if (w.peek().starts_with("$id=")) {
    id = w.next().substr(4);
    if (b.ids.used(id)) throw ShellError("id " + id + " is already in use");
    b.ids.claim(id);
    explicit_id = true;
  }
  if (w.peek().starts_with("$role=")) role = w.next().substr(6);
  std::string score = "INFINITY";
  if (auto s = score_token(w.peek())) {
    score = score_value(*s);
    w.next();
  }
  if (!explicit_id) id = b.ids.make(prefix, "rule");
  std::string bool_op;
  parse_expression(w, b, rule, id);
  while (w.peek() == "and" || w.peek() == "or") {
    std::string op = w.next();
    if (!bool_op.empty() && op != bool_op) throw ShellError("syntax in " + w.kind + ": Mixing bool ops not allowed: " + bool_op + " != " + op +
                       " near <" + w.peek() + "> parsing '" + w.line + "'");
    bool_op = op;
    parse_expression(w, b, rule, id);
  }
  if (explicit_id) set_attr(rule, "id", id);
  if (!role.empty()) set_attr(rule, "role", role);
  set_attr(rule, "score", score);
  if (bool_op == "or") set_attr(rule, "boolean-op", "or");
  if (!explicit_id) set_attr(rule, "id", id);
}

namespace {

struct Item {
  std::string rsc, suffix;
};
struct SetSpec {
  int bracket = 0;  // 0 none, 1 ( ), 2 [ ]
  std::vector<Item> items;
  std::vector<std::pair<std::string, std::string>> opts;
};

Item parse_item(const std::string& tok) {
  auto c = tok.find(':');
  if (c == std::string::npos) return {tok, ""};
  return {tok.substr(0, c), tok.substr(c + 1)};
}

// Resources and bracketed sets up to the end or the first name=value outside a set.
std::vector<SetSpec> parse_resources(Words& w, bool& any_bracket) {
  std::vector<SetSpec> out;
  any_bracket = false;
  while (!w.done()) {
    const std::string t = w.peek();
    if (t == "(" || t == "[") {
      any_bracket = true;
      w.next();
      SetSpec s;
      s.bracket = t == "(" ? 1 : 2;
      const std::string close = t == "(" ? ")" : "]";
      for (;;) {
        if (w.done()) w.fail(close);
        std::string x = w.next();
        if (x == close) break;
        if (auto kv = split_kv(x)) s.opts.push_back(*kv);
        else s.items.push_back(parse_item(x));
      }
      out.push_back(std::move(s));
      continue;
    }
    if (split_kv(t)) break;
    w.next();
    SetSpec s;
    s.items.push_back(parse_item(t));
    out.push_back(std::move(s));
  }
  return out;
}

void check_rsc(Build& b, const std::string& cid, const std::string& rsc) {
  if (!find_resource(b.cib, rsc)) throw ShellError(cid + ": resource " + rsc + " does not exist");
}

// Consecutive plain resources with the same role/action form one set.
void emit_sets(Build& b, xmlNode* cons, const std::string& cid, std::vector<SetSpec> specs,
               const std::string& suffix_attr) {
  // Inside brackets, a change of role/action starts another set with the same brackets.
  std::vector<SetSpec> split;
  for (auto& s : specs) {
    if (s.bracket == 0 || s.items.empty()) {
      split.push_back(std::move(s));
      continue;
    }
    for (auto& it : s.items) {
      if (split.empty() || split.back().bracket != s.bracket || split.back().items.empty() ||
          split.back().items.back().suffix != it.suffix || &it == &s.items.front()) {
        SetSpec run;
        run.bracket = s.bracket;
        run.opts = s.opts;
        split.push_back(std::move(run));
      }
      split.back().items.push_back(it);
    }
  }
  specs = std::move(split);
  std::vector<SetSpec> merged;
  for (auto& s : specs) {
    if (s.bracket == 0 && !merged.empty() && merged.back().bracket == 0 &&
        merged.back().items.front().suffix == s.items.front().suffix) {
      merged.back().items.push_back(s.items.front());
      continue;
    }
    merged.push_back(std::move(s));
  }
  for (auto& s : merged) {
    xmlNode* set = b.element(cons, "resource_set");
    bool seq_false = s.bracket != 0, req_false = s.bracket == 2;
    std::vector<std::pair<std::string, std::string>> extra;
    for (auto& [k, v] : s.opts) {
      if (k == "sequential") seq_false = (v == "false" && s.bracket == 0) ? true : (v == "true" ? false : seq_false);
      else if (k == "require-all") req_false = v == "false" ? true : (v == "true" ? false : req_false);
      else extra.emplace_back(k, v);
    }
    if (req_false) set_attr(set, "require-all", "false");
    if (seq_false) set_attr(set, "sequential", "false");
    std::string suffix = s.items.empty() ? "" : s.items.front().suffix;
    for (auto& it : s.items)
      if (it.suffix != suffix) throw ShellError(cid + ": members of a set must share one " + suffix_attr);
    if (!suffix.empty()) set_attr(set, suffix_attr, suffix);
    for (auto& [k, v] : extra) set_attr(set, k, v);
    set_attr(set, "id", b.ids.make(cid, std::to_string(&s - merged.data())));
    for (auto& it : s.items) {
      check_rsc(b, cid, it.rsc);
      set_attr(b.element(set, "resource_ref"), "id", it.rsc);
    }
  }
}

bool simple(const std::vector<SetSpec>& specs, bool any_bracket, std::size_t n) {
  return !any_bracket && specs.size() == n;
}

std::string order_kind(const std::string& s) {
  std::string l = s;
  std::transform(l.begin(), l.end(), l.begin(), [](unsigned char c) { return std::tolower(c); });
  if (l == "mandatory") return "Mandatory";
  if (l == "optional") return "Optional";
  if (l == "serialize") return "Serialize";
  const std::string v = score_value(s);
  if (v == "0") return "Optional";
  return "Mandatory";
}

}  // namespace

void parse_location(Words& w, Build& b) {
  const std::string id = w.next();
  new_constraint_id(w, b, id, "location");
  xmlNode* cons = b.element(b.section("constraints"), "rsc_location");
  set_attr(cons, "id", id);
  std::vector<std::string> set_members;
  if (w.accept("{")) {
    while (!w.done() && w.peek() != "}") set_members.push_back(w.next());
    if (!w.accept("}")) w.fail("}");
  } else {
    std::string rsc = w.next();
    if (rsc.empty()) w.fail("resource");
    if (rsc.size() > 2 && rsc.front() == '/' && rsc.back() == '/') {
      set_attr(cons, "rsc-pattern", rsc.substr(1, rsc.size() - 2));
    } else {
      check_rsc(b, id, rsc);
      set_attr(cons, "rsc", rsc);
    }
  }
  while (auto kv = split_kv(w.peek())) {
    if (kv->first != "role" && kv->first != "resource-discovery") w.fail("score");
    set_attr(cons, kv->first, kv->second);
    w.next();
  }
  if (w.peek() == "rule") {
    while (w.accept("rule")) parse_rule(w, b, cons, id);
  } else {
    auto s = score_token(w.next());
    if (!s) {
      --w.i;
      w.fail("<score>: <node> or rule");
    }
    set_attr(cons, "score", score_value(*s));
    std::string node = w.next();
    if (node.empty()) w.fail("node");
    set_attr(cons, "node", node);
  }
  if (!w.done()) w.fail("end of line");
  if (!set_members.empty()) {
    xmlNode* set = b.element(cons, "resource_set");
    set_attr(set, "id", b.ids.make(id, "0"));
    for (auto& m : set_members) {
      check_rsc(b, id, m);
      set_attr(b.element(set, "resource_ref"), "id", m);
    }
  }
}

void parse_colocation_order(Words& w, Build& b, const std::string& kind) {
  const bool colo = kind == "colocation" || kind == "collocation";
  const std::string id = w.next();
  new_constraint_id(w, b, id, kind);
  xmlNode* cons = b.element(b.section("constraints"), colo ? "rsc_colocation" : "rsc_order");
  set_attr(cons, "id", id);
  if (auto s = score_token(w.peek())) {
    w.next();
    if (colo) set_attr(cons, "score", score_value(*s));
    else set_attr(cons, "kind", order_kind(*s));
  } else if (colo) {
    w.fail("<score>:");
  }
  bool bracket = false;
  auto specs = parse_resources(w, bracket);
  std::vector<std::pair<std::string, std::string>> opts;
  while (!w.done()) {
    auto kv = split_kv(w.peek());
    if (!kv) w.fail("name=value");
    opts.push_back(*kv);
    w.next();
  }
  for (auto& [k, v] : opts) {
    if (colo && k != "node-attribute") w.fail("node-attribute=");
    if (!colo && k != "symmetrical") w.fail("symmetrical=");
    if (!colo) set_attr(cons, k, v);
  }
  std::size_t n_items = 0;
  for (auto& s : specs) n_items += s.items.size();
  if (n_items < 1) w.fail("resource");
  if (simple(specs, bracket, 2)) {
    const Item& a = specs[0].items[0];
    const Item& c = specs[1].items[0];
    check_rsc(b, id, a.rsc);
    check_rsc(b, id, c.rsc);
    if (colo) {
      set_attr(cons, "rsc", a.rsc);
      if (!a.suffix.empty()) set_attr(cons, "rsc-role", a.suffix);
      set_attr(cons, "with-rsc", c.rsc);
      if (!c.suffix.empty()) set_attr(cons, "with-rsc-role", c.suffix);
    } else {
      set_attr(cons, "first", a.rsc);
      if (!a.suffix.empty()) set_attr(cons, "first-action", a.suffix);
      set_attr(cons, "then", c.rsc);
      if (!c.suffix.empty()) set_attr(cons, "then-action", c.suffix);
    }
  } else {
    emit_sets(b, cons, id, specs, colo ? "role" : "action");
  }
  if (colo)
    for (auto& [k, v] : opts) set_attr(cons, k, v);
}

void parse_ticket(Words& w, Build& b) {
  const std::string id = w.next();
  new_constraint_id(w, b, id, "rsc_ticket");
  auto t = score_token(w.next());
  if (!t) {
    --w.i;
    w.fail("<ticket>:");
  }
  xmlNode* cons = b.element(b.section("constraints"), "rsc_ticket");
  set_attr(cons, "id", id);
  set_attr(cons, "ticket", *t);
  bool bracket = false;
  auto specs = parse_resources(w, bracket);
  while (!w.done()) {
    auto kv = split_kv(w.peek());
    if (!kv || kv->first != "loss-policy") w.fail("loss-policy=");
    set_attr(cons, kv->first, kv->second);
    w.next();
  }
  if (specs.empty()) w.fail("resource");
  if (simple(specs, bracket, 1)) {
    check_rsc(b, id, specs[0].items[0].rsc);
    set_attr(cons, "rsc", specs[0].items[0].rsc);
    if (!specs[0].items[0].suffix.empty()) set_attr(cons, "rsc-role", specs[0].items[0].suffix);
  } else {
    emit_sets(b, cons, id, specs, "role");
  }
}

}  // namespace halab::shell::detail
