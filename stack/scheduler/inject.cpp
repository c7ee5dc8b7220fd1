#include "stack/scheduler/inject.hpp"

#include <libxml/tree.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <map>
#include <vector>

#include "stack/core/error.hpp"
#include "stack/scheduler/digests.hpp"
#include "stack/scheduler/unpack.hpp"

namespace halab::scheduler {

namespace {

const xmlChar* X(const char* s) { return reinterpret_cast<const xmlChar*>(s); }

xmlNode* child(xmlNode* parent, const char* name, bool create) {
  for (xmlNode* c = parent->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && xmlStrEqual(c->name, X(name))) return c;
  return create ? xmlNewChild(parent, nullptr, X(name), nullptr) : nullptr;
}

std::string prop(xmlNode* n, const char* k) {
  xmlChar* v = xmlGetProp(n, X(k));
  if (!v) return {};
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

void set(xmlNode* n, const char* k, const std::string& v) { xmlSetProp(n, X(k), X(v.c_str())); }

// The node's <node_state>, created when missing; throws for unknown nodes.
xmlNode* node_state(XmlDocument& doc, const std::string& uname) {
  xmlNode* cib = xmlDocGetRootElement(doc.raw());
  xmlNode* config = child(cib, "configuration", true);
  xmlNode* nodes = child(config, "nodes", true);
  std::string id;
  for (xmlNode* n = nodes->children; n; n = n->next)
    if (n->type == XML_ELEMENT_NODE && (prop(n, "uname") == uname || prop(n, "id") == uname)) id = prop(n, "id");
  if (id.empty()) throw core::Error("node '" + uname + "' is not in the CIB's <nodes>");
  xmlNode* status = child(cib, "status", true);
  for (xmlNode* s = status->children; s; s = s->next)
    if (s->type == XML_ELEMENT_NODE && prop(s, "id") == id) return s;
  xmlNode* s = xmlNewChild(status, nullptr, X("node_state"), nullptr);
  set(s, "id", id);
  set(s, "uname", uname);
  return s;
}

}  // namespace

void inject_node(XmlDocument& doc, const std::string& node, NodeChange change) {
  xmlNode* s = node_state(doc, node);
  const bool up = change == NodeChange::Up;
  set(s, "in_ccm", up ? "true" : "false");
  set(s, "crmd", up ? "online" : "offline");
  set(s, "join", up ? "member" : "down");
  set(s, "expected", change == NodeChange::Down ? "down" : "member");
}

void inject_quorum(XmlDocument& doc, bool have_quorum) {
  set(xmlDocGetRootElement(doc.raw()), "have-quorum", have_quorum ? "1" : "0");
}

void inject_op(XmlDocument& doc, const std::string& spec) {
  auto at = spec.find('@');
  auto eq = spec.find('=', at == std::string::npos ? 0 : at);
  if (at == std::string::npos || eq == std::string::npos)
    throw core::Error("--op-inject '" + spec + "': expected RSC_TASK_INTERVAL@NODE=RC");
  const std::string key = spec.substr(0, at), node = spec.substr(at + 1, eq - at - 1);
  const int rc = std::atoi(spec.substr(eq + 1).c_str());
  auto u2 = key.rfind('_');
  auto u1 = u2 == std::string::npos ? std::string::npos : key.rfind('_', u2 - 1);
  if (u1 == std::string::npos) throw core::Error("--op-inject '" + spec + "': operation key must be RSC_TASK_INTERVAL");
  const std::string rsc = key.substr(0, u1), task = key.substr(u1 + 1, u2 - u1 - 1), interval = key.substr(u2 + 1);
  // Find the primitive for class/provider/type.
  xmlNode* cib = xmlDocGetRootElement(doc.raw());
  xmlNode* prim = nullptr;
  std::vector<xmlNode*> stack{child(child(cib, "configuration", true), "resources", true)};
  while (!stack.empty() && !prim) {
    xmlNode* n = stack.back();
    stack.pop_back();
    for (xmlNode* c = n->children; c; c = c->next) {
      if (c->type != XML_ELEMENT_NODE) continue;
      if (xmlStrEqual(c->name, X("primitive")) && prop(c, "id") == rsc) prim = c;
      stack.push_back(c);
    }
  }
  if (!prim) throw core::Error("--op-inject '" + spec + "': no primitive '" + rsc + "' in the configuration");
  xmlNode* s = node_state(doc, node);
  xmlNode* lrm = child(s, "lrm", true);
  if (prop(lrm, "id").empty()) set(lrm, "id", prop(s, "id"));
  xmlNode* lrs = child(lrm, "lrm_resources", true);
  xmlNode* lr = nullptr;
  int max_call = 0;
  for (xmlNode* c = lrs->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (prop(c, "id") == rsc) lr = c;
    for (xmlNode* o = c->children; o; o = o->next)
      if (o->type == XML_ELEMENT_NODE) max_call = std::max(max_call, std::atoi(prop(o, "call-id").c_str()));
  }
  if (!lr) {
    lr = xmlNewChild(lrs, nullptr, X("lrm_resource"), nullptr);
    set(lr, "id", rsc);
    set(lr, "class", prop(prim, "class"));
    if (!prop(prim, "provider").empty()) set(lr, "provider", prop(prim, "provider"));
    set(lr, "type", prop(prim, "type"));
  }
  const bool probe = task == "monitor" && interval == "0";
  const int target = probe ? 7 : 0;
  xmlNode* op = xmlNewChild(lr, nullptr, X("lrm_rsc_op"), nullptr);
  set(op, "id", rsc + "_" + task + "_" + interval + "_injected");
  set(op, "operation", task);
  set(op, "interval", interval);
  set(op, "call-id", std::to_string(max_call + 1));
  set(op, "rc-code", std::to_string(rc));
  set(op, "op-status", "0");
  set(op, "transition-key", "0:0:" + std::to_string(target) + ":00000000-0000-0000-0000-000000000000");
  // The digest of the parameters it ran with, as the executor records it
  // (the configured ones; a recurring operation adds its timeout).
  std::map<std::string, std::string> params;
  for (xmlNode* ia = prim->children; ia; ia = ia->next) {
    if (ia->type != XML_ELEMENT_NODE || !xmlStrEqual(ia->name, X("instance_attributes"))) continue;
    for (xmlNode* nv = ia->children; nv; nv = nv->next)
      if (nv->type == XML_ELEMENT_NODE && xmlStrEqual(nv->name, X("nvpair")) && xmlHasProp(nv, X("value")) &&
          prop(nv, "value") != "#default")
        params.emplace(prop(nv, "name"), prop(nv, "value"));
  }
  if (interval != "0") {
    long timeout = 20000;
    for (xmlNode* ops = prim->children; ops; ops = ops->next)
      if (ops->type == XML_ELEMENT_NODE && xmlStrEqual(ops->name, X("operations")))
        for (xmlNode* o = ops->children; o; o = o->next)
          if (o->type == XML_ELEMENT_NODE && prop(o, "name") == task &&
              parse_interval_ms(prop(o, "interval")) == std::atol(interval.c_str()) && !prop(o, "timeout").empty())
            timeout = parse_interval_ms(prop(o, "timeout"));
    params["CRM_meta_timeout"] = std::to_string(timeout);
  }
  set(op, "op-digest", parameters_digest(params));
  if (rc != target && !(probe && (rc == 0 || rc == 8))) {
    xmlNode* ta = child(s, "transient_attributes", true);
    if (prop(ta, "id").empty()) set(ta, "id", prop(s, "id"));
    xmlNode* ia = child(ta, "instance_attributes", true);
    if (prop(ia, "id").empty()) set(ia, "id", "status-" + prop(s, "id"));
    const std::string name = "fail-count-" + rsc + "#" + task + "_" + interval;
    xmlNode* nv = nullptr;
    for (xmlNode* c = ia->children; c; c = c->next)
      if (c->type == XML_ELEMENT_NODE && prop(c, "name") == name) nv = c;
    int count = 0;
    if (!nv) {
      nv = xmlNewChild(ia, nullptr, X("nvpair"), nullptr);
      set(nv, "id", "status-" + prop(s, "id") + "-" + name);
      set(nv, "name", name);
    } else {
      count = std::atoi(prop(nv, "value").c_str());
    }
    set(nv, "value", std::to_string(count + 1));
  }
}

}  // namespace halab::scheduler
