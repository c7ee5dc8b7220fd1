// Recording results in the status section, in pacemaker 2.1.5's format
// (controld_execd.c / controld_te_events.c behaviour, written anew here):
//  - interval 0 operations are kept as RSC_last_0; a failure is also kept
//    as RSC_last_failure_0 (a failed recurring op only as RSC_last_failure_0,
//    its successful RSC_monitor_INTERVAL entry stays);
//  - recurring operations as RSC_OP_INTERVAL; a cancel removes that entry;
//  - failures of recurring ops, promote and demote add one to
//    fail-count-RSC#OP_INTERVAL; of start and stop set it to
//    failed-start-offset / failed-stop-offset (INFINITY by default); probes
//    and other operations count no failure; last-failure-RSC#OP_INTERVAL is
//    the time of the failure.
#include "stack/transition/status_update.hpp"

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "stack/cib/patchset.hpp"
#include "stack/cib/xml.hpp"
#include "stack/core/assert.hpp"
#include "stack/transition/engine.hpp"

namespace halab::transition {

namespace {

long long seconds_of(core::WallTime t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

bool is_notify(const GraphAction& a) { return a.operation == "notify"; }

// cancel: pacemaker names the cancelled op in operation_key and CRM_meta_operation;
// halab's scheduler writes RSC_cancel_INTERVAL.
std::string cancelled_op_id(const GraphAction& a) {
  const std::string op = a.meta("operation", "monitor");
  return a.rsc_id + "_" + op + "_" + std::to_string(a.interval_ms());
}

xmlNode* node_state(xmlNode* status, const std::string& uuid, const std::string& uname) {
  for (xmlNode* s : cib::children(status, "node_state"))
    if ((!uuid.empty() && cib::attr_or(s, "id", "") == uuid) ||
        (uuid.empty() && cib::attr_or(s, "uname", "") == uname))
      return s;
  xmlNode* s = cib::add_child(status, "node_state");
  cib::set_attr(s, "id", uuid.empty() ? uname : uuid);
  cib::set_attr(s, "uname", uname);
  return s;
}

xmlNode* lrm_resource(xmlNode* state, const StatusChange& c, bool create) {
  xmlNode* lrm = cib::first_child(state, "lrm");
  if (!lrm) {
    if (!create) return nullptr;
    lrm = cib::add_child(state, "lrm");
    cib::set_attr(lrm, "id", cib::attr_or(state, "id", ""));
  }
  xmlNode* lrs = cib::first_child(lrm, "lrm_resources");
  if (!lrs) {
    if (!create) return nullptr;
    lrs = cib::add_child(lrm, "lrm_resources");
  }
  for (xmlNode* r : cib::children(lrs, "lrm_resource"))
    if (cib::attr_or(r, "id", "") == c.rsc_id) return r;
  if (!create) return nullptr;
  xmlNode* r = cib::add_child(lrs, "lrm_resource");
  cib::set_attr(r, "id", c.rsc_id);
  cib::set_attr(r, "type", c.rsc_type);
  cib::set_attr(r, "class", c.rsc_class);
  if (!c.rsc_provider.empty()) cib::set_attr(r, "provider", c.rsc_provider);
  return r;
}

int max_call_id(xmlNode* state) {
  int best = 0;
  xmlNode* lrs = cib::first_child(cib::first_child(state, "lrm"), "lrm_resources");
  if (!lrs) return 0;
  for (xmlNode* r : cib::children(lrs, "lrm_resource"))
    for (xmlNode* op : cib::children(r, "lrm_rsc_op"))
      best = std::max(best, std::atoi(cib::attr_or(op, "call-id", "0").c_str()));
  return best;
}

xmlNode* attributes_set(xmlNode* state, bool create) {
  xmlNode* ta = cib::first_child(state, "transient_attributes");
  if (!ta) {
    if (!create) return nullptr;
    ta = cib::add_child(state, "transient_attributes");
    cib::set_attr(ta, "id", cib::attr_or(state, "id", ""));
  }
  xmlNode* ia = cib::first_child(ta, "instance_attributes");
  if (!ia) {
    if (!create) return nullptr;
    ia = cib::add_child(ta, "instance_attributes");
    cib::set_attr(ia, "id", "status-" + cib::attr_or(state, "id", ""));
  }
  return ia;
}

void set_node_attribute(xmlNode* state, const std::string& name, const std::string& value) {
  xmlNode* ia = attributes_set(state, true);
  for (xmlNode* nv : cib::children(ia, "nvpair"))
    if (cib::attr_or(nv, "name", "") == name) return cib::set_attr(nv, "value", value);
  xmlNode* nv = cib::add_child(ia, "nvpair");
  cib::set_attr(nv, "id", attribute_id(cib::attr_or(state, "id", ""), name));
  cib::set_attr(nv, "name", name);
  cib::set_attr(nv, "value", value);
}

std::string attribute(xmlNode* state, const std::string& name) {
  xmlNode* ia = attributes_set(state, false);
  if (!ia) return "";
  for (xmlNode* nv : cib::children(ia, "nvpair"))
    if (cib::attr_or(nv, "name", "") == name) return cib::attr_or(nv, "value", "");
  return "";
}

// Pacemaker's score arithmetic for fail counts: INFINITY absorbs.
std::string plus_one(const std::string& current) {
  if (current == "INFINITY" || current == "+INFINITY") return "INFINITY";
  const long long v = std::atoll(current.c_str()) + 1;
  return v >= 1000000 ? "INFINITY" : std::to_string(v);
}

}  // namespace

std::string attribute_id(const std::string& node_uuid, const std::string& name) {
  std::string id = "status-" + node_uuid + "-" + name;
  for (char& ch : id)
    if (!(std::isalnum(static_cast<unsigned char>(ch)) || ch == '-' || ch == '_' || ch == '.')) ch = '.';
  return id;
}

std::string op_digest(const GraphAction& a) {
  auto params = a.params();
  if (a.interval_ms() > 0) {
    if (auto t = a.attributes.find("CRM_meta_timeout"); t != a.attributes.end()) params[t->first] = t->second;
  }
  std::string text = " <parameters";
  for (const auto& [k, v] : params) text += " " + k + "=\"" + cib::escape_attr(v) + "\"";
  text += "/>\n";
  return cib::md5_hex(text);
}

void StatusUpdate::record(const Graph& graph, const GraphAction& a, const ActionResult& r) {
  if (a.type == ActionType::crm_event) {
    if (a.operation == "stonith" && r.status == executor::ExecStatus::done && r.rc == 0) {
      node_down(a.on_node_uuid, a.on_node, true);
      for (const auto& uuid : a.downed)
        if (uuid != a.on_node_uuid) node_down(uuid, "", true);
    } else if (a.operation == "clear_failcount" && r.status == executor::ExecStatus::done && r.rc == 0) {
      StatusChange c;
      c.kind = StatusChange::Kind::clear_attrs;
      c.node_uuid = a.on_node_uuid;
      c.node_uname = a.on_node;
      c.prefixes = {"fail-count-" + a.rsc_id + "#", "last-failure-" + a.rsc_id + "#"};
      c.attrs = {{"fail-count-" + a.rsc_id, ""}, {"last-failure-" + a.rsc_id, ""}};  // exact names
      changes_.push_back(std::move(c));
    }
    return;
  }
  if (a.type != ActionType::rsc_op || is_notify(a)) return;
  if (a.operation == "probe_again") {
    StatusChange c;
    c.kind = StatusChange::Kind::erase_history;
    c.node_uuid = a.on_node_uuid;
    c.node_uname = a.on_node;
    changes_.push_back(std::move(c));
    return;
  }
  StatusChange base;
  base.node_uuid = a.on_node_uuid;
  base.node_uname = a.on_node;
  base.rsc_id = a.rsc_id;
  base.rsc_class = a.rsc_class;
  base.rsc_provider = a.rsc_provider;
  base.rsc_type = a.rsc_type;
  if (a.operation == "cancel") {
    if (!result_ok(a, r)) return;
    StatusChange c = base;
    c.kind = StatusChange::Kind::delete_op;
    c.op_id = cancelled_op_id(a);
    changes_.push_back(std::move(c));
    return;
  }
  const bool ok = result_ok(a, r);
  const long interval = a.interval_ms();
  const int target = a.target_rc();
  const std::string key = a.rsc_id + "_" + a.operation + "_" + std::to_string(interval);
  const std::string tkey = std::to_string(a.id) + ":" + std::to_string(graph.transition_id) + ":" +
                           std::to_string(target) + ":" + options_.te_uuid;
  const long long rc_change = r.last_rc_change.time_since_epoch().count() != 0 ? seconds_of(r.last_rc_change)
                                                                              : options_.now;
  auto attrs_for = [&](const std::string& id) {
    std::vector<std::pair<std::string, std::string>> v = {
        {"id", id},
        {"operation_key", key},
        {"operation", a.operation},
        {"crm-debug-origin", options_.origin},
        {"crm_feature_set", a.attr("crm_feature_set", options_.crm_feature_set)},
        {"transition-key", tkey},
        {"transition-magic", std::to_string(int(r.status)) + ":" + std::to_string(r.rc) + ";" + tkey},
        {"exit-reason", r.exit_reason},
        {"on_node", a.on_node},
        {"call-id", r.call_id > 0 ? std::to_string(r.call_id) : std::string()},  // empty: next free at apply
        {"rc-code", std::to_string(r.rc)},
        {"op-status", std::to_string(int(r.status))},
        {"interval", std::to_string(interval)},
        {"last-rc-change", std::to_string(rc_change)},
        {"exec-time", std::to_string(core::to_ms(r.exec_time))},
        {"queue-time", std::to_string(core::to_ms(r.queue_time))},
        {"op-digest", op_digest(a)},
    };
    // Present only when the action carries them (from the agent's meta-data).
    for (const char* k : {"op-force-restart", "op-restart-digest", "op-secure-params", "op-secure-digest"})
      if (auto it = a.attributes.find(std::string("CRM_meta_") + k); it != a.attributes.end())
        v.emplace_back(k, it->second);
    return v;
  };
  std::vector<std::string> ids;
  if (!ok) {
    ids.push_back(a.rsc_id + "_last_failure_0");
    if (interval == 0) ids.push_back(a.rsc_id + "_last_0");
  } else {
    ids.push_back(interval > 0 ? key : a.rsc_id + "_last_0");
  }
  for (const auto& id : ids) {
    StatusChange c = base;
    c.kind = StatusChange::Kind::upsert_op;
    c.op_id = id;
    c.attrs = attrs_for(id);
    changes_.push_back(std::move(c));
  }
  if (ok) return;
  // Fail counts, as the DC's update_failcount decides them.
  std::string value;
  if (interval > 0 || a.operation == "promote" || a.operation == "demote") value = "value++";
  else if (a.operation == "start") value = graph.failed_start_offset;
  else if (a.operation == "stop") value = graph.failed_stop_offset;
  else return;
  if (value != "INFINITY") value = "value++";
  StatusChange c = base;
  c.kind = StatusChange::Kind::set_failcount;
  const std::string suffix = a.rsc_id + "#" + a.operation + "_" + std::to_string(interval);
  c.name = "fail-count-" + suffix;
  c.value = value;
  c.extra = "last-failure-" + suffix;
  c.op_id = std::to_string(options_.now > 0 ? options_.now : rc_change);
  changes_.push_back(std::move(c));
}

void StatusUpdate::node_down(const std::string& node_uuid, const std::string& uname, bool erase_state) {
  StatusChange c;
  c.kind = StatusChange::Kind::node_down;
  c.node_uuid = node_uuid;
  c.node_uname = uname;
  c.erase = erase_state;
  changes_.push_back(std::move(c));
}

void StatusUpdate::set_node_field(const std::string& node_uuid, const std::string& uname, const std::string& name,
                                  const std::string& value) {
  StatusChange c;
  c.kind = StatusChange::Kind::set_node_field;
  c.node_uuid = node_uuid;
  c.node_uname = uname;
  c.name = name;
  c.value = value;
  changes_.push_back(std::move(c));
}

void StatusUpdate::set_attribute(const std::string& node_uuid, const std::string& uname, const std::string& name,
                                 const std::string& value) {
  StatusChange c;
  c.kind = StatusChange::Kind::set_attribute;
  c.node_uuid = node_uuid;
  c.node_uname = uname;
  c.name = name;
  c.value = value;
  changes_.push_back(std::move(c));
}

void StatusUpdate::replace_lrm(const std::string& node_uuid, const std::string& uname, std::string lrm_xml) {
  StatusChange c;
  c.kind = StatusChange::Kind::replace_lrm;
  c.node_uuid = node_uuid;
  c.node_uname = uname;
  c.value = std::move(lrm_xml);
  changes_.push_back(std::move(c));
}

void StatusUpdate::apply(cib::Cib& cib) const {
  xmlNode* status = cib.status();
  if (!status) status = cib::add_child(cib.root(), "status");
  for (const auto& c : changes_) {
    xmlNode* state = node_state(status, c.node_uuid, c.node_uname);
    switch (c.kind) {
      case StatusChange::Kind::upsert_op: {
        xmlNode* rsc = lrm_resource(state, c, true);
        const int next_call = max_call_id(state) + 1;
        xmlNode* op = nullptr;
        for (xmlNode* o : cib::children(rsc, "lrm_rsc_op"))
          if (cib::attr_or(o, "id", "") == c.op_id) op = o;
        // Replaced as a whole: attributes keep pacemaker's order.
        xmlNode* fresh = xmlNewDocNode(cib.doc(), nullptr, reinterpret_cast<const xmlChar*>("lrm_rsc_op"), nullptr);
        for (const auto& [k, v] : c.attrs)
          cib::set_attr(fresh, k, k == "call-id" && v.empty() ? std::to_string(next_call) : v);
        if (op) {
          xmlReplaceNode(op, fresh);
          xmlFreeNode(op);
        } else {
          xmlAddChild(rsc, fresh);
        }
        break;
      }
      case StatusChange::Kind::delete_op: {
        if (xmlNode* rsc = lrm_resource(state, c, false))
          for (xmlNode* o : cib::children(rsc, "lrm_rsc_op"))
            if (cib::attr_or(o, "id", "") == c.op_id) cib::remove_node(o);
        break;
      }
      case StatusChange::Kind::set_failcount: {
        set_node_attribute(state, c.name, c.value == "value++" ? plus_one(attribute(state, c.name)) : c.value);
        set_node_attribute(state, c.extra, c.op_id);
        break;
      }
      case StatusChange::Kind::clear_attrs: {
        if (xmlNode* ia = attributes_set(state, false))
          for (xmlNode* nv : cib::children(ia, "nvpair")) {
            const std::string name = cib::attr_or(nv, "name", "");
            bool drop = false;
            for (const auto& p : c.prefixes) drop = drop || name.rfind(p, 0) == 0;
            for (const auto& [exact, unused] : c.attrs) drop = drop || name == exact;
            if (drop) cib::remove_node(nv);
          }
        break;
      }
      case StatusChange::Kind::erase_history: {
        if (xmlNode* lrm = cib::first_child(state, "lrm"))
          if (xmlNode* lrs = cib::first_child(lrm, "lrm_resources"))
            for (xmlNode* r : cib::children(lrs, "lrm_resource")) cib::remove_node(r);
        break;
      }
      case StatusChange::Kind::set_node_field:
        cib::set_attr(state, c.name, c.value);
        break;
      case StatusChange::Kind::set_attribute: {
        if (!c.value.empty()) {
          set_node_attribute(state, c.name, c.value);
        } else if (xmlNode* ia = attributes_set(state, false)) {
          for (xmlNode* nv : cib::children(ia, "nvpair"))
            if (cib::attr_or(nv, "name", "") == c.name) cib::remove_node(nv);
        }
        break;
      }
      case StatusChange::Kind::replace_lrm: {
        auto doc = cib::parse_xml(c.value, "lrm of " + c.node_uname);  // throws core::Error on bad XML
        xmlNode* fresh = cib::copy_node(xmlDocGetRootElement(doc.get()), cib.doc());
        cib::set_attr(fresh, "id", cib::attr_or(state, "id", ""));
        if (xmlNode* lrm = cib::first_child(state, "lrm")) {
          xmlReplaceNode(lrm, fresh);
          xmlFreeNode(lrm);
        } else {
          xmlAddChild(state, fresh);
        }
        break;
      }
      case StatusChange::Kind::node_down: {
        cib::set_attr(state, "in_ccm", "false");
        cib::set_attr(state, "crmd", "offline");
        cib::set_attr(state, "crm-debug-origin", c.erase ? "send_stonith_update" : "peer_update_callback");
        cib::set_attr(state, "join", "down");
        cib::set_attr(state, "expected", "down");
        if (c.erase) {
          if (xmlNode* lrm = cib::first_child(state, "lrm")) cib::remove_node(lrm);
          if (xmlNode* ta = cib::first_child(state, "transient_attributes")) cib::remove_node(ta);
        }
        break;
      }
    }
  }
}

cib::XmlDocPtr StatusUpdate::patch(const cib::Cib& base) const {
  cib::Cib after = base;
  apply(after);
  after.bump_num_updates();
  return cib::diff(base, after);
}

}  // namespace halab::transition
