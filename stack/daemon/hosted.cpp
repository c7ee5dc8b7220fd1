#include "stack/daemon/hosted.hpp"

#include "stack/daemon/bench_service.hpp"

namespace halab::daemon {

void add_hosted_services(Node& node) {
  // Passive until asked: the hidden bench-start / bench-result requests.
  node.add_service(std::make_unique<BenchService>(node));
}

}  // namespace halab::daemon
