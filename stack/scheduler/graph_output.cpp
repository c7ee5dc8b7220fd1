// The transition graph as DOT (pacemaker's conventions: required actions
// bold green, pseudo-actions with orange labels, required-but-unrunnable
// actions dashed red; edges bold between actions in the graph) and as
// pacemaker's transition_graph XML.
#include <cctype>
#include <map>

#include "stack/scheduler/actions.hpp"
#include "stack/scheduler/unpack.hpp"
#include "stack/scheduler/scheduler.hpp"

namespace halab::scheduler {

namespace {

std::string label(const Action* a) {
  switch (a->kind) {
    case ActionKind::Fence: return "stonith '" + a->fence_type + "' " + a->node->uname;
    case ActionKind::Pseudo: return a->rsc ? a->key() : a->task;
    case ActionKind::Shutdown: return a->task + " " + a->node->uname;
    default: return a->key() + (a->node ? " " + a->node->uname : std::string());
  }
}

std::string esc(const std::string& s) {
  std::string o;
  for (char ch : s) {
    switch (ch) {
      case '&': o += "&amp;"; break;
      case '<': o += "&lt;"; break;
      case '>': o += "&gt;"; break;
      case '"': o += "&quot;"; break;
      case '\'': o += "&apos;"; break;
      default: o += ch;
    }
  }
  return o;
}

bool shown(const Action* a) { return a->in_graph() || (!a->optional && !a->runnable); }

}  // namespace

std::string graph_dot(const Cluster& c) {
  std::string out = " digraph \"g\" {\n";
  for (auto& a : c.actions) {
    if (!shown(a.get())) continue;
    std::string l = label(a.get());
    if (a->in_graph())
      out += "\"" + l + "\" [ style=bold color=\"green\" fontcolor=\"" + (a->pseudo ? "orange" : "black") + "\"]\n";
    else
      out += "\"" + l + "\" [ style=dashed color=\"red\" fontcolor=\"black\"]\n";
  }
  for (auto& a : c.actions) {
    if (!shown(a.get())) continue;
    for (auto& [then, flags] : a->after) {
      if (!shown(then)) continue;
      const bool bold = a->in_graph() && then->in_graph();
      out += "\"" + label(a.get()) + "\" -> \"" + label(then) + "\" [ style = " + (bold ? "bold" : "dashed") + "]\n";
    }
  }
  out += "}\n";
  return out;
}

std::string graph_xml(const Cluster& c) {
  auto order = graph_order(c);
  std::map<const Action*, int> ids;
  for (const Action* a : order) ids[a] = a->id;
  auto event = [&](const Action* a, bool with_body) {
    std::string tag = a->kind == ActionKind::Pseudo ? "pseudo_event"
                      : a->kind == ActionKind::Resource ? "rsc_op"
                                                        : "crm_event";
    std::string task = a->kind == ActionKind::Fence ? "stonith" : a->task;
    std::string key = a->kind == ActionKind::Fence ? "stonith-" + a->node->uname + "-" + a->fence_type
                      : a->kind == ActionKind::Shutdown ? "do_shutdown-" + a->node->uname
                                                        : a->key();
    std::string s = "<" + tag + " id=\"" + std::to_string(a->id) + "\" operation=\"" + esc(task) +
                    "\" operation_key=\"" + esc(key) + "\"";
    if (a->node) s += " on_node=\"" + esc(a->node->uname) + "\" on_node_uuid=\"" + esc(a->node->id) + "\"";
    if (!with_body) return s + "/>";
    s += ">\n";
    if (a->kind == ActionKind::Resource && a->rsc) {
      // The executor knows a clone instance by the name of its history on
      // the node (anonymous clones: the configured id), as pacemaker writes it.
      std::string history_id = a->rsc->id;
      if (const Resource* clone = a->rsc->clone_parent()) {
        if (!a->rsc->clone_name.empty()) history_id = a->rsc->clone_name;
        else if (!clone->clone.unique && !a->rsc->base_id.empty()) history_id = a->rsc->base_id;
      }
      s += "          <primitive id=\"" + esc(history_id) + "\"";
      if (history_id != a->rsc->id) s += " long-id=\"" + esc(a->rsc->id) + "\"";
      s += " class=\"" + esc(a->rsc->cls) + "\"";
      if (!a->rsc->provider.empty()) s += " provider=\"" + esc(a->rsc->provider) + "\"";
      s += " type=\"" + esc(a->rsc->type) + "\"/>\n";
    }
    // Attributes as pacemaker writes them (sorted by name): the action's
    // CRM_meta_*, the agent's parameters, the feature set. The controller
    // passes them to the agent and digests the parameters (op-digest).
    std::map<std::string, std::string> attrs;
    attrs["CRM_meta_interval"] = std::to_string(a->interval_ms);
    if (a->node) {
      attrs["CRM_meta_on_node"] = a->node->uname;
      attrs["CRM_meta_on_node_uuid"] = a->node->id;
    }
    if (a->kind == ActionKind::Fence) attrs["CRM_meta_stonith_action"] = a->fence_type;
    if (a->kind == ActionKind::Resource && a->task == "monitor" && a->interval_ms == 0)
      attrs["CRM_meta_op_target_rc"] = "7";
    if (a->kind == ActionKind::Resource && a->rsc) {
      long timeout_ms = 0;
      for (const auto& op : a->rsc->ops)
        if (op.name == a->task && op.interval_ms == a->interval_ms && op.timeout_ms > 0) timeout_ms = op.timeout_ms;
      if (timeout_ms == 0) {
        auto it = c.options.op_defaults.find("timeout");
        if (it != c.options.op_defaults.end()) timeout_ms = parse_interval_ms(it->second);
      }
      attrs["CRM_meta_timeout"] = std::to_string(timeout_ms > 0 ? timeout_ms : 20000);
      if (a->interval_ms > 0) attrs["CRM_meta_name"] = a->task;
      // A monitor of the Promoted role expects "running, promoted".
      for (const auto& op : a->rsc->ops)
        if (a->task == "monitor" && a->interval_ms > 0 && op.name == "monitor" && op.interval_ms == a->interval_ms &&
            op.role == Role::Promoted) {
          attrs["CRM_meta_op_target_rc"] = "8";
          attrs["CRM_meta_role"] = "Promoted";
        }
      // A monitor of the Stopped role expects "not running".
      for (const auto& op : a->rsc->ops)
        if (a->task == "monitor" && a->interval_ms > 0 && op.name == "monitor" && op.interval_ms == a->interval_ms &&
            op.role == Role::Stopped) {
          attrs["CRM_meta_op_target_rc"] = "7";
          attrs["CRM_meta_role"] = "Stopped";
        }
      if (a->task == "cancel") attrs["CRM_meta_operation"] = "monitor";  // halab cancels only monitors
      auto per_node = a->node ? a->rsc->params_on.find(a->node->index) : a->rsc->params_on.end();
      for (const auto& [k, v] : per_node != a->rsc->params_on.end() ? per_node->second : a->rsc->params)
        attrs.emplace(k, v);
    }
    attrs["crm_feature_set"] = "3.16.1";
    // A name that cannot be an XML attribute (heartbeat-class "1", "2", ...)
    // goes in a <param> child, as pacemaker writes it.
    auto xml_name = [](const std::string& k) {
      if (k.empty() || !(std::isalpha(static_cast<unsigned char>(k[0])) || k[0] == '_')) return false;
      for (char ch : k)
        if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' || ch == '-' || ch == '.')) return false;
      return true;
    };
    std::string params;
    s += "          <attributes";
    for (const auto& [k, v] : attrs) {
      if (xml_name(k)) s += " " + k + "=\"" + esc(v) + "\"";
      else params += "            <param name=\"" + esc(k) + "\" value=\"" + esc(v) + "\"/>\n";
    }
    s += params.empty() ? "/>\n" : ">\n" + params + "          </attributes>\n";
    s += "        </" + tag + ">";
    return s;
  };
  std::string out =
      "<transition_graph cluster-delay=\"60s\" stonith-timeout=\"60s\" failed-stop-offset=\"INFINITY\" "
      "failed-start-offset=\"INFINITY\" transition_id=\"0\">\n";
  int synapse = 0;
  for (const Action* a : order) {
    out += "  <synapse id=\"" + std::to_string(synapse++) + "\">\n    <action_set>\n      " + event(a, true) +
           "\n    </action_set>\n    <inputs>\n";
    for (auto& [first, flags] : a->before)
      if (first->in_graph()) out += "      <trigger>\n        " + event(first, false) + "\n      </trigger>\n";
    out += "    </inputs>\n  </synapse>\n";
  }
  out += "</transition_graph>\n";
  return out;
}

}  // namespace halab::scheduler
