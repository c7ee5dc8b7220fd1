#include "cib_gen.hpp"

#include <algorithm>
#include <set>

namespace halab::scheduler::testing {

namespace {

std::string score_text(int s) {
  if (s >= 1000000) return "INFINITY";
  if (s <= -1000000) return "-INFINITY";
  return std::to_string(s);
}

std::string node_name(int i) { return "node" + std::to_string(i + 1); }

}  // namespace

std::string GenCib::xml() const {
  std::string x =
      "<cib crm_feature_set=\"3.16.1\" validate-with=\"pacemaker-3.9\" epoch=\"1\" num_updates=\"0\" "
      "admin_epoch=\"0\" have-quorum=\"1\" dc-uuid=\"1\">\n  <configuration>\n    <crm_config>\n"
      "      <cluster_property_set id=\"cib-bootstrap-options\">\n"
      "        <nvpair id=\"o1\" name=\"stonith-enabled\" value=\"false\"/>\n"
      "        <nvpair id=\"o2\" name=\"no-quorum-policy\" value=\"ignore\"/>\n"
      "        <nvpair id=\"o3\" name=\"symmetric-cluster\" value=\"" +
      std::string(symmetric ? "true" : "false") +
      "\"/>\n      </cluster_property_set>\n    </crm_config>\n    <nodes>\n";
  for (size_t i = 0; i < node_state.size(); ++i) {
    x += "      <node id=\"" + std::to_string(i + 1) + "\" uname=\"" + node_name(int(i)) + "\"";
    if (node_state[i] == 2)
      x += ">\n        <instance_attributes id=\"n" + std::to_string(i + 1) +
           "-ia\">\n          <nvpair id=\"n" + std::to_string(i + 1) +
           "-standby\" name=\"standby\" value=\"on\"/>\n        </instance_attributes>\n      </node>\n";
    else
      x += "/>\n";
  }
  x += "    </nodes>\n    <resources>\n";
  std::set<int> grouped;
  for (auto& g : groups)
    for (int m : g) grouped.insert(m);
  auto primitive = [&](const GenRsc& r, const std::string& indent) {
    std::string p = indent + "<primitive id=\"" + r.id + "\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\">\n";
    if (r.disabled)
      p += indent + "  <meta_attributes id=\"" + r.id + "-meta\">\n" + indent + "    <nvpair id=\"" + r.id +
           "-tr\" name=\"target-role\" value=\"Stopped\"/>\n" + indent + "  </meta_attributes>\n";
    if (r.monitor)
      p += indent + "  <operations>\n" + indent + "    <op id=\"" + r.id +
           "-mon\" name=\"monitor\" interval=\"10s\"/>\n" + indent + "  </operations>\n";
    return p + indent + "</primitive>\n";
  };
  size_t gi = 0;
  for (size_t i = 0; i < rscs.size(); ++i) {
    if (!grouped.count(int(i))) {
      const bool cloned = std::find(clones.begin(), clones.end(), int(i)) != clones.end();
      if (cloned) x += "      <clone id=\"" + rscs[i].id + "-clone\">\n";
      x += primitive(rscs[i], cloned ? "        " : "      ");
      if (cloned) x += "      </clone>\n";
      continue;
    }
    // A group is written where its first member would be.
    for (; gi < groups.size(); ++gi) {
      if (groups[gi].front() != int(i)) break;
      x += "      <group id=\"grp" + std::to_string(gi) + "\">\n";
      for (int m : groups[gi]) x += primitive(rscs[size_t(m)], "        ");
      x += "      </group>\n";
    }
  }
  x += "    </resources>\n    <constraints>\n";
  auto top_id = [&](int r) {
    for (size_t g = 0; g < groups.size(); ++g)
      for (int m : groups[g])
        if (m == r) return "grp" + std::to_string(g);
    if (std::find(clones.begin(), clones.end(), r) != clones.end()) return rscs[size_t(r)].id + "-clone";
    return rscs[size_t(r)].id;
  };
  int cid = 0;
  for (auto& l : locs)
    x += "      <rsc_location id=\"loc" + std::to_string(cid++) + "\" rsc=\"" + top_id(l.rsc) + "\" node=\"" +
         node_name(l.node) + "\" score=\"" + score_text(l.score) + "\"/>\n";
  for (auto& c : cols) {
    if (top_id(c.dep) == top_id(c.pri)) continue;
    x += "      <rsc_colocation id=\"col" + std::to_string(cid++) + "\" rsc=\"" + top_id(c.dep) + "\" with-rsc=\"" +
         top_id(c.pri) + "\" score=\"" + score_text(c.score) + "\"/>\n";
  }
  for (auto& o : ords) {
    if (top_id(o.first) == top_id(o.then)) continue;
    x += "      <rsc_order id=\"ord" + std::to_string(cid++) + "\" first=\"" + top_id(o.first) + "\" then=\"" +
         top_id(o.then) + "\" kind=\"" + (o.mandatory ? "Mandatory" : "Optional") + "\"/>\n";
  }
  x += "    </constraints>\n    <rsc_defaults>\n      <meta_attributes id=\"rsc-options\">\n"
       "        <nvpair id=\"rsc-options-stickiness\" name=\"resource-stickiness\" value=\"" +
       std::to_string(stickiness) + "\"/>\n      </meta_attributes>\n    </rsc_defaults>\n  </configuration>\n  <status>\n";
  for (size_t i = 0; i < node_state.size(); ++i) {
    const bool up = node_state[i] != 1;
    x += "    <node_state id=\"" + std::to_string(i + 1) + "\" uname=\"" + node_name(int(i)) + "\" in_ccm=\"" +
         (up ? "true" : "false") + "\" crmd=\"" + (up ? "online" : "offline") + "\" join=\"" +
         (up ? "member" : "down") + "\" expected=\"" + (up ? "member" : "down") + "\">\n";
    x += "      <lrm id=\"" + std::to_string(i + 1) + "\">\n        <lrm_resources>\n";
    for (auto& r : rscs) {
      if (r.running_on != int(i)) continue;
      x += "          <lrm_resource id=\"" + r.id + "\" class=\"ocf\" provider=\"pacemaker\" type=\"Dummy\">\n";
      const std::string start_rc = r.failed_start ? "1" : "0";
      x += "            <lrm_rsc_op id=\"" + r.id + "_last_0\" operation_key=\"" + r.id +
           "_start_0\" operation=\"start\" transition-key=\"1:1:0:abc\" transition-magic=\"0:" + start_rc +
           ";1:1:0:abc\" call-id=\"2\" rc-code=\"" + start_rc +
           "\" op-status=\"0\" interval=\"0\" op-digest=\"f2317cad3d54cec5d7d7aa7d0bf35cf8\"/>\n";
      if (r.monitor && !r.failed_start)
        x += "            <lrm_rsc_op id=\"" + r.id + "_monitor_10000\" operation_key=\"" + r.id +
             "_monitor_10000\" operation=\"monitor\" transition-key=\"2:1:0:abc\" transition-magic=\"0:" +
             (r.failed_monitor ? "7" : "0") + ";2:1:0:abc\" call-id=\"3\" rc-code=\"" +
             (r.failed_monitor ? "7" : "0") + "\" op-status=\"0\" interval=\"10000\" op-digest=\"4811cef7f7f94e3a35a70be7916cb2fd\"/>\n";
      x += "          </lrm_resource>\n";
    }
    x += "        </lrm_resources>\n      </lrm>\n    </node_state>\n";
  }
  x += "  </status>\n</cib>\n";
  return x;
}

rc::Gen<GenCib> gen_cib() {
  return rc::gen::exec([] {
    GenCib c;
    const int nodes = *rc::gen::inRange(2, 9);
    for (int i = 0; i < nodes; ++i) c.node_state.push_back(*rc::gen::weightedElement<int>({{7, 0}, {2, 1}, {2, 2}}));
    const int n_rsc = *rc::gen::inRange(1, 9);
    const std::vector<int> scores = {-1000000, -100, -10, 0, 10, 50, 100, 200, 1000000};
    for (int i = 0; i < n_rsc; ++i) {
      GenRsc r;
      r.id = "rsc" + std::to_string(i + 1);
      r.monitor = *rc::gen::arbitrary<bool>();
      r.disabled = *rc::gen::weightedElement<bool>({{9, false}, {1, true}});
      // Only nodes that are up carry history; offline nodes have stopped all.
      std::vector<int> up;
      for (int n = 0; n < nodes; ++n)
        if (c.node_state[size_t(n)] != 1) up.push_back(n);
      if (!up.empty() && *rc::gen::arbitrary<bool>()) {
        r.running_on = up[size_t(*rc::gen::inRange<int>(0, int(up.size())))];
        const int fail = *rc::gen::weightedElement<int>({{8, 0}, {1, 1}, {1, 2}});
        r.failed_monitor = fail == 1 && r.monitor;
        r.failed_start = fail == 2;
      }
      c.rscs.push_back(r);
    }
    // Groups of consecutive resources.
    int i = 0;
    while (i + 1 < n_rsc && c.groups.size() < 2) {
      if (*rc::gen::weightedElement<bool>({{2, true}, {3, false}})) {
        const int len = *rc::gen::inRange(2, 4);
        std::vector<int> g;
        for (int k = 0; k < len && i < n_rsc; ++k) g.push_back(i++);
        if (g.size() >= 2) c.groups.push_back(g);
      } else {
        ++i;
      }
    }
    // Anonymous clones of some ungrouped resources.
    for (int k = 0; k < n_rsc; ++k) {
      bool grouped = false;
      for (auto& g : c.groups)
        for (int m : g) grouped = grouped || m == k;
      if (!grouped && *rc::gen::weightedElement<bool>({{1, true}, {5, false}})) c.clones.push_back(k);
    }
    const int n_loc = *rc::gen::inRange(0, 5);
    for (int k = 0; k < n_loc; ++k)
      c.locs.push_back({*rc::gen::inRange(0, n_rsc), *rc::gen::inRange(0, nodes),
                        scores[size_t(*rc::gen::inRange<int>(0, int(scores.size())))]});
    if (n_rsc > 1) {
      const int n_col = *rc::gen::inRange(0, 4);
      for (int k = 0; k < n_col; ++k) {
        int a = *rc::gen::inRange(0, n_rsc), b = *rc::gen::inRange(0, n_rsc);
        if (a == b) continue;
        // Dependents later than primaries: no colocation loops.
        c.cols.push_back({std::max(a, b), std::min(a, b),
                          *rc::gen::element<int>(-1000000, -50, 50, 1000000)});
      }
      const int n_ord = *rc::gen::inRange(0, 4);
      for (int k = 0; k < n_ord; ++k) {
        int a = *rc::gen::inRange(0, n_rsc), b = *rc::gen::inRange(0, n_rsc);
        if (a == b) continue;
        c.ords.push_back({std::min(a, b), std::max(a, b), *rc::gen::arbitrary<bool>()});
      }
    }
    c.stickiness = *rc::gen::element<int>(0, 0, 50, 100, 200);
    c.symmetric = *rc::gen::weightedElement<bool>({{4, true}, {1, false}});
    return c;
  });
}

}  // namespace halab::scheduler::testing
