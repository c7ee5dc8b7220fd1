#pragma once
// The resources the real-netns benchmarks configure on halabd (crmsh syntax,
// through `halab crm configure load update`): one ocf:pacemaker:Dummy with a
// 1 s monitor and a stonith:fence_dummy device whose status lives in the file
// `fence_status`. bench/pacemaker_failover_netns.sh gives pacemaker the same.
#include <string>

namespace halab::bench {

inline std::string dummy_and_fence_config(const std::string& fence_status) {
  return "primitive dummy ocf:pacemaker:Dummy op monitor interval=1s timeout=20s\n"
         "primitive fence stonith:fence_dummy params type=file status_file=" +
         fence_status +
         " pcmk_host_list=\"node1 node2 node3\" op monitor interval=60s timeout=20s\n"
         "property stonith-enabled=true stonith-action=off no-quorum-policy=stop\n"
         "rsc_defaults resource-stickiness=100\n";
}

}  // namespace halab::bench
