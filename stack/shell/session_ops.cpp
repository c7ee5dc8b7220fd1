// The node and resource levels of the interpreter: crmsh's syntax, the CIB
// edits of ops.hpp, and what crmsh prints. Operations that need a running
// cluster (fence's reboot, restart's wait, cleanup's re-probe) do their
// CIB part here; the live parts happen where the host applies the CIB.
#include <algorithm>

#include "stack/shell/ops.hpp"
#include "stack/shell/session.hpp"

namespace halab::shell {

using namespace cib;

namespace {

bool one_of(const std::string& s, std::initializer_list<const char*> l) {
  for (const char* x : l)
    if (s == x) return true;
  return false;
}

std::string config_text(const Cib& c) { return c.configuration() ? serialize(c.configuration(), false) : ""; }
std::string status_text(const Cib& c) { return c.status() ? serialize(c.status(), false) : ""; }

}  // namespace

bool Session::apply(const std::function<void(Cib&)>& edit) {
  Cib c = read_current();
  const Version v = c.version();
  const std::string conf0 = config_text(c), st0 = status_text(c);
  edit(c);
  const bool conf_changed = config_text(c) != conf0;
  if (!conf_changed && status_text(c) == st0) return true;
  c.set_version(v);
  if (conf_changed) c.bump_epoch();
  else c.bump_num_updates();
  write_current(c);
  return true;
}

bool Session::node_command(const std::vector<std::string>& w) {
  const std::string& verb = w[0];
  if (verb == "help" || verb == "ls") {
    host_.out("node commands: show standby online maintenance ready attribute utilization status-attr "
              "clearstate fence\n");
    return true;
  }
  try {
    if (verb == "show") {
      Cib c = read_current();
      std::vector<ops::NodeIds> nodes = ops::all_nodes(c);
      std::sort(nodes.begin(), nodes.end(), [](auto& a, auto& b) { return a.uname < b.uname; });
      for (auto& n : nodes) {
        if (w.size() > 1 && n.uname != w[1]) continue;
        // crmsh's print_node: uname(id): type, then the node's attributes
        xmlNode* cfg = nullptr;
        if (xmlNode* ns = c.section("nodes"))
          for (xmlNode* x : children(ns, "node"))
            if (attr_or(x, "uname", "") == n.uname) cfg = x;
        bool offline = false;
        if (xmlNode* st = c.status())
          for (xmlNode* x : children(st, "node_state"))
            if (attr_or(x, "uname", "") == n.uname && attr_or(x, "crmd", "") == "offline") offline = true;
        std::string type = cfg ? attr_or(cfg, "type", "member") : "member";
        std::string line = n.uname + (n.id != n.uname ? "(" + n.id + ")" : "") + ": " + type;
        if (offline) line += "(offline)";
        host_.out(line + "\n");
        if (cfg) {
          for (xmlNode* set : children(cfg, "instance_attributes"))
            for (xmlNode* nv : children(set, "nvpair"))
              host_.out("\t" + attr_or(nv, "name", "") + "=" + attr_or(nv, "value", "") + "\n");
          for (xmlNode* set : children(cfg, "utilization"))
            for (xmlNode* nv : children(set, "nvpair"))
              host_.out("\tutilization: " + attr_or(nv, "name", "") + "=" + attr_or(nv, "value", "") + "\n");
        }
      }
      return true;
    }
    if (w.size() < 2) {
      // crmsh would use this node; with a CIB file there is none
      error(verb + ": a node name is needed when there is no local cluster node");
      return false;
    }
    const std::string node = w[1];
    if (verb == "standby") {
      std::string lifetime = w.size() > 2 ? w[2] : "forever";
      if (!one_of(lifetime, {"forever", "reboot"})) {
        error("standby: lifetime must be forever or reboot, not " + lifetime);
        return false;
      }
      apply([&](Cib& c) { ops::standby(c, node, lifetime == "reboot"); });
      info("standby node " + node);
      return true;
    }
    if (verb == "online") {
      apply([&](Cib& c) { ops::online(c, node); });
      info("online node " + node);
      return true;
    }
    if (verb == "maintenance" || verb == "ready") {
      const std::string v = verb == "maintenance" ? "true" : "off";
      return apply([&](Cib& c) { ops::set_node_attr(c, node, ops::NodeSection::nodes, "maintenance", v); });
    }
    if (verb == "clearstate") {
      return apply([&](Cib& c) { ops::clear_state(c, node); });
    }
    if (verb == "fence") {
      // crmsh asks the controller to fence through the terminate attribute
      if (!opts_.force && opts_.interactive) {
        error("fence: use -F to confirm fencing " + node);
        return false;
      }
      return apply([&](Cib& c) { ops::set_node_attr(c, node, ops::NodeSection::status, "terminate", "true"); });
    }
    if (verb == "attribute" || verb == "utilization" || verb == "status-attr") {
      const ops::NodeSection s = verb == "attribute"     ? ops::NodeSection::nodes
                                 : verb == "utilization" ? ops::NodeSection::utilization
                                                         : ops::NodeSection::status;
      if (w.size() < 4 || !one_of(w[2], {"set", "delete", "show", "get"}) || (w[2] == "set" && w.size() < 5)) {
        error("usage: " + verb + " <node> set <name> <value> | delete <name> | show <name>");
        return false;
      }
      const std::string& name = w[3];
      if (w[2] == "set") return apply([&](Cib& c) { ops::set_node_attr(c, node, s, name, w[4]); });
      if (w[2] == "delete") {
        bool found = true;
        apply([&](Cib& c) { found = ops::delete_node_attr(c, node, s, name); });
        if (!found) {
          // crm_attribute -D on a missing attribute says so and succeeds
          host_.err("Error performing operation: No such device or address\n");
        }
        return true;
      }
      Cib c = read_current();
      auto v = ops::get_node_attr(c, node, s, name);
      const std::string scope = s == ops::NodeSection::status ? "status" : "nodes";
      if (!v) {
        host_.out("scope=" + scope + "  name=" + name + " value=(null)\n");
        host_.err("Error performing operation: No such device or address\n");
        return false;
      }
      host_.out("scope=" + scope + "  name=" + name + " value=" + *v + "\n");
      return true;
    }
  } catch (const core::Error& e) {
    error(e.what());
    return false;
  }
  error("No such command: " + verb);
  return false;
}

bool Session::resource_command(const std::vector<std::string>& w) {
  const std::string& verb = w[0];
  static const std::vector<std::string> verbs = {
      "start",   "stop",      "restart", "move",   "migrate",     "ban",     "clear",    "unmove",   "unmigrate",
      "cleanup", "refresh",   "failcount", "status", "promote",   "demote",  "manage",   "unmanage", "maintenance",
      "meta",    "param",     "utilization", "locate", "list", "show", "trace", "untrace"};
  if (verb == "help" || verb == "ls") {
    std::string s = "resource commands:";
    for (auto& v : verbs) s += " " + v;
    host_.out(s + "\n");
    return true;
  }
  if (std::find(verbs.begin(), verbs.end(), verb) == verbs.end()) {
    error("No such command: " + verb);
    return false;
  }
  if (verb == "status" || verb == "list" || verb == "show" || verb == "locate") {
    const std::string what = verb == "locate" || (verb == "status" && w.size() > 1) ? "locate" : "list";
    if (host_.cluster_view(what, std::vector<std::string>(w.begin() + 1, w.end()))) return true;
    error(verb + ": no cluster view available");
    return false;
  }
  if (w.size() < 2) {
    error("Expected at least one resource as argument");
    return false;
  }
  const std::string rsc = w[1];
  try {
    if (verb == "start" || verb == "stop") {
      return apply([&](Cib& c) {
        for (std::size_t i = 1; i < w.size(); ++i)
          sanitize_as_crmsh(c.root(), true), ops::set_deep_meta(c, w[i], "target-role", verb == "start" ? "Started" : "Stopped");
      });
    }
    if (verb == "restart") {
      // crmsh stops, waits for the DC to settle, then starts; on a CIB file
      // there is no DC, so only the CIB's two commits are made.
      std::string names;
      for (std::size_t i = 1; i < w.size(); ++i) names += (i > 1 ? ", " : "") + w[i];
      info("ordering " + names + " to stop");
      apply([&](Cib& c) {
        for (std::size_t i = 1; i < w.size(); ++i) {
          sanitize_as_crmsh(c.root(), true);
          ops::set_deep_meta(c, w[i], "target-role", "Stopped");
        }
      });
      info("ordering " + names + " to start");
      return apply([&](Cib& c) {
        for (std::size_t i = 1; i < w.size(); ++i) {
          sanitize_as_crmsh(c.root(), true);
          ops::set_deep_meta(c, w[i], "target-role", "Started");
        }
      });
    }
    if (verb == "manage" || verb == "unmanage")
      return apply([&](Cib& c) { sanitize_as_crmsh(c.root(), true), ops::set_deep_meta(c, rsc, "is-managed", verb == "manage" ? "true" : "false"); });
    if (verb == "maintenance") {
      std::string v = w.size() > 2 ? w[2] : "true";
      if (!one_of(v, {"on", "true", "off", "false"})) {
        error("Expected <resource> [on|off|true|false]");
        return false;
      }
      v = one_of(v, {"on", "true"}) ? "true" : "false";
      return apply([&](Cib& c) { sanitize_as_crmsh(c.root(), true), ops::set_deep_meta(c, rsc, "maintenance", v); });
    }
    if (verb == "promote" || verb == "demote") {
      if (!ops::is_promotable(read_current(), rsc)) {
        error(rsc + " is not a promotable resource");
        return false;
      }
      std::string msg;
      apply([&](Cib& c) {
        msg = ops::set_rsc_attr(c, rsc, ops::RscSet::meta, "target-role", verb == "promote" ? "Promoted" : "Unpromoted");
      });
      host_.out(msg);
      return true;
    }
    if (verb == "move" || verb == "migrate" || verb == "ban") {
      std::vector<std::string> args(w.begin() + 2, w.end());
      args.erase(std::remove(args.begin(), args.end(), "force"), args.end());
      if (args.empty()) {
        // crm_resource picks the current node; that needs the cluster's view
        error("Resource '" + rsc + "' not moved: a node is needed when the cluster's state is not known");
        return false;
      }
      if (args.size() > 1) {
        error(verb + ": a lifetime is not supported yet: " + args[1]);
        return false;
      }
      const std::string node = args[0];
      if (verb == "ban") {
        apply([&](Cib& c) { ops::ban(c, rsc, node); });
        host_.err("WARNING: Creating rsc_location constraint 'cli-ban-" + rsc + "-on-" + node +
                  "' with a score of -INFINITY for resource " + rsc + " on " + node + ".\n\tThis will prevent " +
                  rsc + " from running on " + node +
                  " until the constraint is removed using the clear option or by editing the CIB with an "
                  "appropriate tool\n\tThis will be the case even if " + node +
                  " is the last node in the cluster\n");
        info("Ban constraint created for " + rsc + " to " + node);
        info("Use `crm resource clear " + rsc + "` to remove this constraint");
      } else {
        apply([&](Cib& c) { ops::move(c, rsc, node); });
        info("Move constraint created for " + rsc + " to " + node);
        info("Use `crm resource clear " + rsc + "` to remove this constraint");
      }
      return true;
    }
    if (verb == "clear" || verb == "unmove" || verb == "unmigrate") {
      const std::string node = w.size() > 2 ? w[2] : "";
      // crm_resource --clear commits the constraints' removals one by one
      Cib c = read_current();
      const Version v = c.version();
      const int removed = ops::clear(c, rsc, node);
      if (removed == 0) return true;
      c.set_version(v);
      for (int i = 0; i < removed; ++i) c.bump_epoch();
      write_current(c);
      return true;
    }
    if (verb == "cleanup" || verb == "refresh") {
      const std::string node = w.size() > 2 && w[2] != "force" ? w[2] : "";
      std::vector<std::string> done;
      apply([&](Cib& c) { done = ops::cleanup(c, rsc, node, verb == "refresh"); });
      // crm_resource's wording; the re-probe follows when the DC reads the history gap
      for (auto& n : done) host_.out("Cleaned up " + rsc + " on " + n + "\n");
      if (verb == "refresh" && done.empty()) host_.out("Waiting for 0 replies from the controller\n");
      return true;
    }
    if (verb == "failcount") {
      if (w.size() < 4 || !one_of(w[2], {"set", "delete", "show", "get"}) || (w[2] == "set" && w.size() < 5)) {
        error("usage: failcount <rsc> set <node> <value> [operation] [interval] | delete <node> | show <node>");
        return false;
      }
      const std::string node = w[3];
      if (w[2] == "show" || w[2] == "get") {
        const int n = ops::failcount(read_current(), rsc, node);
        host_.out("scope=status  name=fail-count-" + rsc + " value=" + std::to_string(n) + "\n");
        return true;
      }
      if (w[2] == "delete") return apply([&](Cib& c) { ops::delete_failcount(c, rsc, node); });
      const int value = w[4] == "INFINITY" ? 1000000 : std::atoi(w[4].c_str());
      return apply([&](Cib& c) {
        ops::set_failcount(c, rsc, node, value, w.size() > 5 ? w[5] : "", w.size() > 6 ? w[6] : "");
      });
    }
    if (verb == "meta" || verb == "param" || verb == "utilization") {
      const ops::RscSet s = verb == "meta" ? ops::RscSet::meta : verb == "param" ? ops::RscSet::params
                                                                                  : ops::RscSet::utilization;
      if (w.size() < 4 || !one_of(w[2], {"set", "delete", "show", "get"}) || (w[2] == "set" && w.size() < 5)) {
        error("usage: " + verb + " <rsc> set <name> <value> | delete <name> | show <name>");
        return false;
      }
      const std::string& name = w[3];
      if (w[2] == "set" || w[2] == "delete") {
        std::string msg;
        apply([&](Cib& c) {
          msg = w[2] == "set" ? ops::set_rsc_attr(c, rsc, s, name, w[4]) : ops::delete_rsc_attr(c, rsc, s, name);
        });
        host_.out(msg);
        return true;
      }
      auto v = ops::get_rsc_attr(read_current(), rsc, s, name);
      if (!v) {
        host_.err("Attribute '" + name + "' not found for '" + rsc + "'\n");
        failed_ = true;
        return false;
      }
      host_.out(*v + "\n");
      return true;
    }
    if (verb == "trace" || verb == "untrace") {
      // crmsh's trace: the op gets trace_ra=1 (or its meta set loses it)
      const std::string op = w.size() > 2 ? w[2] : "";
      if (!op.empty() && op != "monitor" && op != "start" && op != "stop" && op != "promote" && op != "demote" &&
          op != "migrate_to" && op != "migrate_from" && op != "notify" && op != "reload") {
        error("trace: unknown operation " + op);
        return false;
      }
      return apply([&](Cib& c) {
        if (op.empty()) {
          if (verb == "trace") ops::set_rsc_attr(c, rsc, ops::RscSet::meta, "trace_ra", "1");
          else if (ops::get_rsc_attr(c, rsc, ops::RscSet::meta, "trace_ra")) ops::delete_rsc_attr(c, rsc, ops::RscSet::meta, "trace_ra");
          return;
        }
        throw core::Error("trace of a single operation is not supported yet; trace the resource");
      });
    }
  } catch (const core::Error& e) {
    error(e.what());
    return false;
  }
  error("No such command: " + verb);
  return false;
}

}  // namespace halab::shell
