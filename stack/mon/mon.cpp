// crm_mon's text view (see mon.hpp). The scheduler unpacks the CIB (roles,
// where resources run, failures); this file only words it as crm_mon does.
#include "stack/mon/mon.hpp"

#include <cstdio>
#include <ctime>
#include <sstream>

#include <algorithm>
#include <map>

#include "stack/core/error.hpp"
#include "stack/executor/codes.hpp"
#include "stack/scheduler/scheduler.hpp"

namespace halab::mon {

namespace sch = halab::scheduler;

namespace {

// ctime()'s wording in UTC: "Wed Jun  6 16:03:42 2012".
std::string when(long long t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

std::string crm_config_value(const sch::XmlElement& cib, const char* name) {
  auto conf = cib.first_child("configuration");
  if (!conf) return "";
  auto cc = conf.first_child("crm_config");
  if (!cc) return "";
  for (auto& set : cc.children("cluster_property_set"))
    for (auto& nv : set.children("nvpair"))
      if (nv.attr_or("name", "") == name) return nv.attr_or("value", "");
  return "";
}

std::vector<std::string> lines_of(const std::string& s) {
  std::vector<std::string> out;
  std::istringstream in(s);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

int indent_of(const std::string& l) {
  int i = 0;
  while (i < static_cast<int>(l.size()) && l[i] == ' ') ++i;
  return i;
}

// Without -r crm_mon hides what is not active: stopped primitives, clones'
// "Stopped: [...]" lines, and groups / clones left with nothing to show.
std::vector<std::string> active_only(const std::vector<std::string>& in) {
  std::vector<std::string> kept;
  for (auto& l : in) {
    const bool stopped_line = l.find("\t Stopped") != std::string::npos || l.find("* Stopped: [") != std::string::npos;
    if (!stopped_line) kept.push_back(l);
  }
  // a group that hides stopped members says how many
  for (std::size_t i = 0; i < in.size(); ++i) {
    const std::string& l = in[i];
    if (l.find("* Resource Group: ") == std::string::npos) continue;
    int hidden = 0;
    for (std::size_t j = i + 1; j < in.size() && indent_of(in[j]) > indent_of(l); ++j)
      if (in[j].find("\t Stopped") != std::string::npos) ++hidden;
    if (hidden == 0) continue;
    for (auto& k : kept)
      if (k == l) {
        k = l.substr(0, l.size() - 1) + " (" + std::to_string(hidden) + (hidden == 1 ? " member" : " members") +
            " inactive):";
        break;
      }
  }
  // drop headers ("* Resource Group: x:", "* Clone Set: ...:") without deeper lines
  std::vector<std::string> out;
  for (std::size_t i = 0; i < kept.size(); ++i) {
    const std::string& l = kept[i];
    const bool header = !l.empty() && l.back() == ':';
    if (header && (i + 1 >= kept.size() || indent_of(kept[i + 1]) <= indent_of(l))) continue;
    out.push_back(l);
  }
  return out;
}

std::string op_description(const std::string& task, long interval_ms) {
  if (interval_ms == 0 && task == "monitor") return "probe";
  if (interval_ms > 0) {
    std::string iv = interval_ms % 1000 == 0 ? std::to_string(interval_ms / 1000) + "s"
                                             : std::to_string(interval_ms) + "ms";
    return iv + "-interval " + task;
  }
  return task;
}

// crm_mon names a failed action's result with the executor's words for OCF
// exit codes, and "unknown" for anything else.
std::string rc_text(int rc) { return executor::known_ocf_rc(rc) ? executor::describe_rc(rc) : "unknown"; }

std::string status_text(int st) {
  switch (st) {
    case 1: return "Cancelled";
    case 2: return "Timed Out";
    case 3: return "NOT SUPPORTED";
    case 4: return "Error";
    case 5: return "Not installed";
    case 6: return "Not connected";
    case 7: return "Invalid parameter";
    default: return "Error";
  }
}

struct Failure {
  std::string line;
};

// The failed operations in the history, in status order.
std::vector<std::string> failed_actions(const sch::XmlElement& cib) {
  std::vector<std::string> out;
  auto status = cib.first_child("status");
  if (!status) return out;
  for (auto& ns : status.children("node_state")) {
    const std::string node = ns.attr_or("uname", ns.attr_or("id", ""));
    for (auto& lrm : ns.children("lrm"))
      for (auto& lrs : lrm.children("lrm_resources"))
        for (auto& lr : lrs.children("lrm_resource"))
          for (auto& op : lr.children("lrm_rsc_op")) {
            const int st = std::atoi(op.attr_or("op-status", "0").c_str());
            const int rc = std::atoi(op.attr_or("rc-code", "0").c_str());
            if (st == -1 || st == 1) continue;  // pending, cancelled
            std::string key = op.attr_or("transition-key", "");
            int expected = 0;
            {
              auto a = key.find(':'), b = a == std::string::npos ? a : key.find(':', a + 1);
              if (b != std::string::npos) expected = std::atoi(key.c_str() + b + 1);
            }
            const std::string task = op.attr_or("operation", "");
            const long interval = std::atol(op.attr_or("interval", "0").c_str());
            const bool probe = task == "monitor" && interval == 0;
            if (rc == expected && (st == 0 || st == 4)) continue;  // old CIBs: error status, expected rc
            // a probe that finds the resource running (promoted) or stopped is no failure
            if (st == 0 && probe && (rc == 0 || rc == 7 || rc == 8)) continue;
            // the operation key names the resource (the id may be <rsc>_last_failure_0)
            std::string id = op.attr_or("operation_key", op.attr_or("id", ""));
            // the resource name is the operation key's: <rsc>_<task>_<interval>
            const std::string suffix = "_" + task + "_" + std::to_string(interval);
            std::string rsc = lr.attr_or("id", "");
            if (id.size() > suffix.size() && id.compare(id.size() - suffix.size(), suffix.size(), suffix) == 0)
              rsc = id.substr(0, id.size() - suffix.size());
            else if (id.ends_with("_last_failure_0")) rsc = lr.attr_or("id", "");
            std::string l = "  * " + rsc + " " + op_description(task, interval) + " on " + node + " ";
            const std::string reason = op.attr_or("exit-reason", "");
            if (st == 0) {
              l += "returned '" + rc_text(rc) + "'";
              if (!reason.empty()) l += " (" + reason + ")";
            } else {
              l += "could not be executed (" + status_text(st) + (reason.empty() ? "" : ": " + reason) + ")";
            }
            if (auto t = op.attr("last-rc-change"); t && std::atoll(t->c_str()) > 0) l += " at " + when(std::atoll(t->c_str()));
            if (auto e = op.attr("exec-time"); e && std::atol(e->c_str()) > 0) {
              const long ms = std::atol(e->c_str());
              char buf[32];
              if (ms < 1000) std::snprintf(buf, sizeof buf, "%ldms", ms);
              else if (ms % 1000 == 0) std::snprintf(buf, sizeof buf, "%lds", ms / 1000);
              else std::snprintf(buf, sizeof buf, "%ld.%03lds", ms / 1000, ms % 1000);
              l += std::string(" after ") + buf;
            }
            out.push_back(l + "\n");
          }
  }
  return out;
}

}  // namespace

std::string render_text(const sch::XmlElement& cib, const MonOptions& o) {
  sch::ScheduleOptions so;
  so.now = o.now;
  auto c = sch::schedule(cib, so);
  std::string out = "Cluster Summary:\n";
  std::string stack = crm_config_value(cib, "cluster-infrastructure");
  out += "  * Stack: " + (stack.empty() ? std::string("unknown") : stack) + "\n";
  std::string dc = "NONE";
  if (auto id = cib.attr("dc-uuid")) {
    for (auto& n : c->nodes)
      if (n->id == *id) {
        std::string ver = crm_config_value(cib, "dc-version");
        const std::string q = cib.attr_or("have-quorum", "false");
        const bool quorum = q == "true" || q == "1" || q == "yes";
        dc = n->uname + " (version " + (ver.empty() ? std::string("unknown") : ver) + ") - partition " +
             (quorum ? "with quorum" : "WITHOUT quorum");
      }
  }
  out += "  * Current DC: " + dc + "\n";
  out += "  * Last updated: " + when(o.now) + "\n";
  std::string change = cib.attr_or("cib-last-written", "");
  if (auto u = cib.attr("update-user")) change += " by " + *u;
  if (auto u = cib.attr("update-client")) change += " via " + *u;
  if (auto u = cib.attr("update-origin")) change += " on " + *u;
  out += "  * Last change:  " + change + "\n";
  out += "  * " + std::to_string(c->nodes.size()) + " node" + (c->nodes.size() == 1 ? "" : "s") + " configured\n";
  int instances = 0, disabled = 0, blocked = 0;
  for (auto& r : c->all_resources) {
    if (r->is_group() || r->is_clone() || r->orphan) continue;
    ++instances;
    bool dis = false;
    for (const sch::Resource* p = r.get(); p; p = p->parent)
      if (p->target_role == sch::Role::Stopped) dis = true;
    if (dis) ++disabled;
    if (r->blocked) ++blocked;
  }
  // pacemaker counts clone-max instances of a clone, whether made or not
  for (auto& r : c->all_resources) {
    if (!r->is_clone()) continue;
    int made = 0;
    const sch::Resource* first = nullptr;
    for (const sch::Resource* ch : r->children)
      if (!ch->orphan) {
        ++made;
        if (!first) first = ch;
      }
    if (!first || r->clone.max <= made) continue;
    const int per = first->is_group() ? static_cast<int>(first->children.size()) : 1;
    instances += (r->clone.max - made) * per;
  }
  out += "  * " + std::to_string(instances) + " resource instance" + (instances == 1 ? "" : "s") + " configured";
  if (disabled || blocked) {
    out += " (";
    if (disabled) out += std::to_string(disabled) + " DISABLED";
    if (blocked) out += std::string(disabled ? ", " : "") + std::to_string(blocked) + " BLOCKED from further action due to failure";
    out += ")";
  }
  out += "\n\n";

  // The scheduler's status view is crm_simulate's (indented by two).
  std::vector<std::string> rsc_lines;
  bool in_rsc = false;
  for (auto& l : lines_of(sch::cluster_status(*c, false))) {
    std::string t = l.size() >= 2 ? l.substr(2) : l;
    if (t == "* Node List:") {
      out += "Node List:\n";
      continue;
    }
    if (t == "* Full List of Resources:") {
      in_rsc = true;
      continue;
    }
    if (in_rsc) rsc_lines.push_back(t);
    else out += t + "\n";
  }
  if (!o.inactive) {
    std::vector<std::string> act = active_only(rsc_lines);
    bool any = false;
    for (auto& l : act)
      if (!l.empty() && l != "  * No resources") any = true;
    out += "Active Resources:\n";
    if (!any) out += "  * No active resources\n";
    else
      for (auto& l : act) out += l + "\n";
  } else {
    out += "Full List of Resources:\n";
    for (auto& l : rsc_lines) out += l + "\n";
  }

  if (o.node_attributes) {
    std::string na;
    auto status = cib.first_child("status");
    for (auto& n : c->nodes) {
      if (!n->online) continue;
      std::vector<std::pair<std::string, std::string>> attrs_v;
      if (status)
        for (auto& ns : status.children("node_state")) {
          if (ns.attr_or("id", "") != n->id) continue;
          for (auto& t : ns.children("transient_attributes"))
            for (auto& set : t.children("instance_attributes"))
              for (auto& nv : set.children("nvpair")) {
                const std::string nm = nv.attr_or("name", "");
                // pacemaker's own bookkeeping is not shown
                if (nm.starts_with("fail-count-") || nm.starts_with("last-failure-") || nm.starts_with("#") ||
                    nm == "shutdown" || nm == "terminate")
                  continue;
                attrs_v.emplace_back(nm, nv.attr_or("value", ""));
              }
        }
      std::sort(attrs_v.begin(), attrs_v.end());
      std::string attrs;
      for (auto& [nm, v] : attrs_v) {
        char buf[512];
        std::snprintf(buf, sizeof buf, "    * %-32s\t: %-10s\n", nm.c_str(), v.c_str());
        attrs += buf;
      }
      if (!attrs.empty()) na += "  * Node: " + n->uname + ":\n" + attrs;
    }
    if (!na.empty()) out += "\nNode Attributes:\n" + na;
  }

  if (o.failcounts) {
    // Migration Summary: per node, the resources with fail counts
    out += "\nMigration Summary:\n";
    auto status = cib.first_child("status");
    for (auto& n : c->nodes) {
      std::map<std::string, long long> counts;
      std::vector<std::string> order;
      if (status)
        for (auto& ns : status.children("node_state")) {
          if (ns.attr_or("id", "") != n->id) continue;
          for (auto& t : ns.children("transient_attributes"))
            for (auto& set : t.children("instance_attributes"))
              for (auto& nv : set.children("nvpair")) {
                std::string nm = nv.attr_or("name", "");
                if (!nm.starts_with("fail-count-")) continue;
                nm = nm.substr(11);
                if (auto h = nm.find('#'); h != std::string::npos) nm = nm.substr(0, h);
                const std::string v = nv.attr_or("value", "0");
                const long long x = v == "INFINITY" || v == "+INFINITY" ? 1000000 : std::atoll(v.c_str());
                if (!counts.count(nm)) order.push_back(nm);
                counts[nm] = std::min(1000000LL, counts[nm] + x);
              }
        }
      bool any = false;
      for (auto& [nm, x] : counts) any = any || x > 0;
      if (!any) continue;
      out += "  * Node: " + n->uname + ":\n";
      std::sort(order.begin(), order.end());
      for (auto& nm : order) {
        if (counts[nm] <= 0) continue;
        const sch::Resource* r = c->find_resource(nm);
        const long thr = r ? r->migration_threshold : 1000000;
        out += "    * " + nm + ": migration-threshold=" + std::to_string(thr) + " fail-count=" +
               (counts[nm] >= 1000000 ? std::string("INFINITY") : std::to_string(counts[nm])) + "\n";
      }
    }
  }

  auto failed = failed_actions(cib);
  if (!failed.empty()) {
    out += "\nFailed Resource Actions:\n";
    for (auto& f : failed) out += f;
  }
  return out;
}

std::string locate_text(const sch::XmlElement& cib, const std::string& rsc) {
  auto c = sch::schedule(cib, {});
  sch::Resource* r = c->find_resource(rsc);
  if (!r) throw core::Error("Resource '" + rsc + "' not found");
  std::vector<const sch::Node*> on;
  std::vector<sch::Resource*> todo{r};
  while (!todo.empty()) {
    sch::Resource* x = todo.back();
    todo.pop_back();
    for (auto* n : x->running_on)
      if (std::find(on.begin(), on.end(), n) == on.end()) on.push_back(n);
    for (auto* ch : x->children) todo.push_back(ch);
  }
  if (on.empty()) return "resource " + rsc + " is NOT running\n";
  std::string out;
  for (auto* n : on) out += "resource " + rsc + " is running on: " + n->uname + (r->role == sch::Role::Promoted ? " Promoted" : "") + "\n";
  return out;
}

}  // namespace halab::mon
