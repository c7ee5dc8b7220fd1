#pragma once
// A RapidCheck generator of CIBs within what halab's scheduler claims to
// cover: 2-8 cluster nodes (online, cleanly offline, standby), primitives and
// groups, anonymous clones, location/colocation/order constraints with random scores,
// resource-stickiness, running resources and failed operations. Fencing is
// disabled (without fence devices pacemaker would leave everything unmanaged).
#include <rapidcheck.h>

#include <string>
#include <vector>

namespace halab::scheduler::testing {

struct GenRsc {
  std::string id;
  int running_on = -1;  // node index, -1 = stopped
  bool failed_monitor = false;
  bool failed_start = false;
  bool monitor = false;
  bool disabled = false;
};

struct GenCib {
  std::vector<int> node_state;  // 0 online, 1 offline, 2 standby
  std::vector<GenRsc> rscs;
  std::vector<std::vector<int>> groups;  // member indices into rscs
  std::vector<int> clones;               // ungrouped resources wrapped in an anonymous clone
  struct Loc { int rsc, node, score; };
  struct Col { int dep, pri, score; };
  struct Ord { int first, then; bool mandatory; };
  std::vector<Loc> locs;
  std::vector<Col> cols;
  std::vector<Ord> ords;
  int stickiness = 0;
  bool symmetric = true;
  std::string xml() const;
};

rc::Gen<GenCib> gen_cib();

}  // namespace halab::scheduler::testing
