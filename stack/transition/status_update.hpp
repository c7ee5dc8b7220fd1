#pragma once
// Turning transition results into the CIB status section, as pacemaker
// 2.1.5's controller writes it: lrm_rsc_op history entries under
// node_state/lrm/lrm_resources/lrm_resource, fail-count-RSC#OP_INTERVAL and
// last-failure-RSC#OP_INTERVAL transient attributes on failures, and the
// node_state of a fenced node.
//
// A StatusUpdate is a list of changes, in order; the controller sends it to
// the DC, which applies it to its CIB (apply) and broadcasts the resulting
// patchset (patch = diff of before and after, with num_updates bumped).
//
//   StatusUpdate u({.te_uuid = dc_uuid});
//   u.record(graph, action, result);
//   auto patchset = u.patch(cib);   // or u.apply(cib)
#include <string>
#include <utility>
#include <vector>

#include "stack/cib/cib.hpp"
#include "stack/transition/action_sink.hpp"
#include "stack/transition/graph.hpp"

namespace halab::transition {

struct RecordOptions {
  std::string te_uuid = "00000000-0000-0000-0000-000000000000";  // the DC's transition engine id
  std::string crm_feature_set = "3.16.1";  // when the action does not carry one (pacemaker 2.1.5's)
  std::string origin = "do_update_resource";  // crm-debug-origin
  long long now = 0;  // seconds since the epoch: last-failure, and last-rc-change when the result has none
};

struct StatusChange {
  enum class Kind {
    upsert_op,        // replace or add the lrm_rsc_op `op_id` (attrs) of rsc on node
    delete_op,        // remove the lrm_rsc_op `op_id` of rsc on node
    set_failcount,    // attribute `name` = value ("INFINITY") or +1 ("value++"); `extra` = last-failure name
    clear_attrs,      // remove transient attributes whose name starts with one of `prefixes`
    node_down,        // node_state offline; with `erase`, lrm and transient_attributes removed
    erase_history,    // the node's lrm history goes (probe_again: everything is probed again)
    set_node_field,   // node_state attribute `name` = value (expected="down" for a clean shutdown)
    set_attribute,    // transient attribute `name` = value; an empty value removes it
    replace_lrm,      // the node's lrm becomes `value` (an <lrm> element: what its executor reports)
  };
  Kind kind = Kind::upsert_op;
  std::string node_uuid, node_uname;
  std::string rsc_id, rsc_class, rsc_provider, rsc_type;
  std::string op_id;
  std::vector<std::pair<std::string, std::string>> attrs;  // lrm_rsc_op attributes, in pacemaker's order
  std::string name, value, extra;                           // set_failcount
  std::vector<std::string> prefixes;                        // clear_attrs
  bool erase = false;                                       // node_down
};

// pacemaker's op-digest of an action's instance parameters: md5 of
// ` <parameters k="v" .../>\n`, keys sorted (recurring operations add
// CRM_meta_timeout).
std::string op_digest(const GraphAction& a);
// "status-<uuid>-<name>" with characters invalid in an XML id made '.'.
std::string attribute_id(const std::string& node_uuid, const std::string& name);

class StatusUpdate {
 public:
  explicit StatusUpdate(RecordOptions options = {}) : options_(std::move(options)) {}

  // Records the result of a dispatched action of `graph` (rsc_op: history
  // and fail counts; stonith: the node is down and its state erased;
  // clear_failcount: the resource's fail counts go). Others record nothing.
  void record(const Graph& graph, const GraphAction& action, const ActionResult& result);
  // A node left (clean shutdown, or seen down by membership).
  void node_down(const std::string& node_uuid, const std::string& uname, bool erase_state);
  // node_state's own attribute (`expected`, ...).
  void set_node_field(const std::string& node_uuid, const std::string& uname, const std::string& name,
                      const std::string& value);
  // A transient node attribute (`shutdown`, ...); "" removes it.
  void set_attribute(const std::string& node_uuid, const std::string& uname, const std::string& name,
                     const std::string& value);
  // The node's whole resource history, as its executor knows it (the join's
  // re-query, as pacemaker's DC does): `lrm_xml` is an <lrm> element.
  void replace_lrm(const std::string& node_uuid, const std::string& uname, std::string lrm_xml);

  // A change made elsewhere (the fail counts of another update).
  void add(StatusChange c) { changes_.push_back(std::move(c)); }
  bool empty() const { return changes_.empty(); }
  const std::vector<StatusChange>& changes() const { return changes_; }
  void clear() { changes_.clear(); }

  // Applies the changes to `cib`'s status section, in order (no version bump).
  void apply(cib::Cib& cib) const;
  // The v2 patchset from `base` to base + these changes, num_updates bumped.
  cib::XmlDocPtr patch(const cib::Cib& base) const;

 private:
  RecordOptions options_;
  std::vector<StatusChange> changes_;
};

}  // namespace halab::transition
