#include "stack/daemon/hosted.hpp"

#include "stack/daemon/bench_service.hpp"
#include "stack/daemon/cmap_track_service.hpp"
#include "stack/daemon/crm_service.hpp"

namespace halab::daemon {

void add_hosted_services(Node& node) {
  // Passive until asked: the hidden bench-start / bench-result requests.
  node.add_service(std::make_unique<BenchService>(node));
  // cmapctl -t / -T sessions (cmap-track-* requests).
  node.add_service(std::make_unique<CmapTrackService>(node));
  // The cluster resource manager: controller, executor, fencer, and on the
  // DC the scheduler and transition engine (crm_service.hpp).
  node.add_service(std::make_unique<CrmService>(node, node.state_dir()));
}

}  // namespace halab::daemon
