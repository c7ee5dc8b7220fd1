#include "stack/scheduler/model.hpp"

#include "stack/core/assert.hpp"

namespace halab::scheduler {

const char* role_name(Role r) {
  switch (r) {
    case Role::Unknown: return "Unknown";
    case Role::Stopped: return "Stopped";
    case Role::Started: return "Started";
    case Role::Unpromoted: return "Unpromoted";
    case Role::Promoted: return "Promoted";
  }
  return "Unknown";
}

Role parse_role(const std::string& s) {
  if (s == "Stopped" || s == "stopped") return Role::Stopped;
  if (s == "Started" || s == "started") return Role::Started;
  if (s == "Slave" || s == "Unpromoted" || s == "slave" || s == "unpromoted") return Role::Unpromoted;
  if (s == "Master" || s == "Promoted" || s == "master" || s == "promoted") return Role::Promoted;
  return Role::Unknown;
}

std::string Node::attr(const std::string& name) const {
  auto it = attrs.find(name);
  return it == attrs.end() ? std::string() : it->second;
}

std::string Resource::agent() const {
  if (!provider.empty()) return cls + ":" + provider + ":" + type;
  return cls + ":" + type;
}

std::string Action::key() const {
  std::string base = rsc ? rsc->id : std::string();
  return base + "_" + task + "_" + std::to_string(interval_ms);
}

Node* Cluster::find_node(const std::string& name) {
  for (auto& n : nodes)
    if (n->uname == name) return n.get();
  for (auto& n : nodes)
    if (n->id == name) return n.get();
  return nullptr;
}

Resource* Cluster::find_resource(const std::string& id) {
  for (; rsc_indexed < all_resources.size(); ++rsc_indexed)
    rsc_index.emplace(all_resources[rsc_indexed]->id, all_resources[rsc_indexed].get());
  auto it = rsc_index.find(id);
  if (it != rsc_index.end() && it->second->id == id) return it->second;
  // Not indexed under this id (clone instances are renamed after they are
  // created): the first resource that has it, which the index then remembers.
  for (auto& r : all_resources)
    if (r->id == id) {
      rsc_index[id] = r.get();
      return r.get();
    }
  return nullptr;
}

Action* Cluster::new_action(ActionKind kind, Resource* rsc, std::string task, long interval_ms, Node* node,
                            bool optional) {
  auto a = std::make_unique<Action>();
  a->id = int(actions.size());
  a->kind = kind;
  a->rsc = rsc;
  a->task = std::move(task);
  a->interval_ms = interval_ms;
  a->node = node;
  a->optional = optional;
  a->pseudo = kind == ActionKind::Pseudo;
  Action* raw = a.get();
  actions.push_back(std::move(a));
  if (rsc) rsc->actions.push_back(raw);
  if (flag_trace)
    flag_trace->push_back("Created " + std::string(optional ? "optional" : "required") + " action " +
                          std::to_string(raw->id) + " (" + raw->key() + "): " + raw->task + " for " +
                          (rsc ? rsc->id : std::string("(none)")) + " on " +
                          (node ? node->uname : std::string("unspecified node")));
  return raw;
}

Action* Cluster::find_action(const Resource* rsc, const std::string& task, long interval_ms, const Node* node) const {
  if (!rsc) return nullptr;
  for (Action* a : rsc->actions)
    if (a->task == task && a->interval_ms == interval_ms && a->node == node) return a;
  return nullptr;
}

std::vector<Action*> Cluster::find_actions(const Resource* rsc, const std::string& task) const {
  std::vector<Action*> out;
  if (!rsc) return out;
  for (Action* a : rsc->actions)
    if (a->task == task && a->interval_ms == 0) out.push_back(a);
  return out;
}

void Cluster::order(Action* first, Action* then, uint32_t flags) {
  HALAB_ASSERT(first && then);
  if (first == then) return;
  for (auto& [a, f] : first->after)
    if (a == then) {
      f |= flags;
      for (auto& [b, g] : then->before)
        if (b == first) g |= flags;
      return;
    }
  if (flag_trace)
    flag_trace->push_back("Creating action wrappers for ordering: " + first->key() + " then " + then->key());
  first->after.emplace_back(then, flags);
  then->before.emplace_back(first, flags);
}

}  // namespace halab::scheduler
