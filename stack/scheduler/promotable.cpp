// Promotable clones: promotion scores and the choice of promoted instances.
#include "stack/scheduler/clone.hpp"
#include "stack/scheduler/placement.hpp"

namespace halab::scheduler {

void add_promotion_scores(Cluster& c, Resource* clone) {
  (void)c;
  (void)clone;
}

void set_instance_roles(Cluster& c, Resource* clone) {
  (void)c;
  (void)clone;
}

}  // namespace halab::scheduler
