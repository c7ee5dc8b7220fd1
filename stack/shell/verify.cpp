#include "stack/shell/verify.hpp"

#include <set>

#include "stack/shell/build.hpp"
#include "stack/shell/configure.hpp"

namespace halab::shell {

using namespace cib;

namespace {

bool is_false(const std::string& v) { return v == "false" || v == "no" || v == "0" || v == "off" || v == "n"; }

void primitives(const xmlNode* n, std::vector<const xmlNode*>& out) {
  for (xmlNode* c : children(n)) {
    if (is(c, "primitive")) out.push_back(c);
    if (is(c, "group") || is(c, "clone") || is(c, "master") || is(c, "bundle")) primitives(c, out);
  }
}

}  // namespace

std::vector<Issue> verify_cib(const Cib& cib, SchemaValidator& schema, AgentCatalog* catalog) {
  std::vector<Issue> out;
  // Validate the CIB as it will be written, so lines are the file's lines
  // (also for the elements this session added).
  const Cib written = Cib::parse(cib.to_xml(), "cib");
  for (const auto& e : schema.validate(written))
    out.push_back({true, true, "schema " + cib.validate_with() + ": " + e.str()});
  Configuration conf(cib);
  for (auto& e : conf.check_references()) out.push_back({true, false, e});

  std::vector<const xmlNode*> prims;
  if (xmlNode* r = cib.section("resources")) primitives(r, prims);
  bool stonith_enabled = true;
  if (xmlNode* cc = cib.section("crm_config"))
    for (xmlNode* set : children(cc, "cluster_property_set"))
      for (xmlNode* nv : children(set, "nvpair"))
        if (attr_or(nv, "name", "") == "stonith-enabled") stonith_enabled = !is_false(attr_or(nv, "value", ""));
  bool have_stonith = false;
  // Nodes that fence themselves (sbd; the controller sets have-watchdog).
  if (xmlNode* cc = cib.section("crm_config"))
    for (xmlNode* set : children(cc, "cluster_property_set"))
      for (xmlNode* nv : children(set, "nvpair"))
        if (attr_or(nv, "name", "") == "have-watchdog" && !is_false(attr_or(nv, "value", "false")) &&
            attr_or(nv, "value", "") != "")
          have_stonith = true;
  for (auto* p : prims)
    if (attr_or(p, "class", "") == "stonith") have_stonith = true;
  if (!prims.empty() && stonith_enabled && !have_stonith) {
    out.push_back({true, false, "Resource start-up disabled since no STONITH resources have been defined"});
    out.push_back({true, false, "Either configure some or disable STONITH with the stonith-enabled option"});
  }

  if (!stonith_enabled)
    if (xmlNode* cons = cib.section("constraints"))
      for (xmlNode* k : children(cons, "rsc_ticket"))
        if (attr_or(k, "loss-policy", "") == "fence")
          out.push_back({true, false, "Resetting 'loss-policy' for ticket '" + attr_or(k, "ticket", "") +
                                   "' to 'stop' because fencing is not configured"});

  // crm_verify: pacemaker reaches a bundle's primitive through the
  // container's own address or its control port.
  if (xmlNode* r = cib.section("resources"))
    for (xmlNode* bundle : children(r, "bundle")) {
      xmlNode* p = first_child(bundle, "primitive");
      xmlNode* net = first_child(bundle, "network");
      if (p && !(net && (has_attr(net, "ip-range-start") || has_attr(net, "control-port"))))
        out.push_back({true, false, "Cannot control " + attr_or(bundle, "id", "") + " inside " + attr_or(p, "id", "") +
                                    " without either ip-range-start or control-port"});
    }

  std::set<std::string> unames;
  if (xmlNode* nodes = cib.section("nodes"))
    for (xmlNode* n : children(nodes, "node")) unames.insert(attr_or(n, "uname", attr_or(n, "id", "")));
  if (xmlNode* cons = cib.section("constraints"))
    for (xmlNode* k : children(cons, "rsc_location"))
      if (auto n = attr(k, "node"); n && !unames.count(*n))
        out.push_back({false, false, attr_or(k, "id", "") + ": referenced node " + *n + " does not exist"});
  for (auto* p : prims)
    if (xmlNode* ops = first_child(p, "operations")) {
      std::set<std::pair<std::string, std::string>> seen;
      for (xmlNode* op : children(ops, "op"))
        if (!seen.insert({attr_or(op, "name", ""), attr_or(op, "interval", "0")}).second &&
            attr_or(op, "interval", "0") != "0")
          out.push_back({false, false, attr_or(p, "id", "") + ": interval in " + attr_or(op, "name", "") +
                                    " must be unique"});
    }
  if (catalog)
    for (auto& i : check_agent_params(cib.section("resources"), *catalog)) out.push_back(i);
  return out;
}

}  // namespace halab::shell
