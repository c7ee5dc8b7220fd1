// The reasons a resource's actions could be given: one per ordering that
// clears a flag on them. Which one pacemaker prints is the first ordering
// its update pass happens to visit; every one of these is a true cause.
#include "stack/scheduler/scheduler.hpp"

namespace halab::scheduler {

std::set<std::string> possible_reasons(const Cluster& c, const std::string& rsc_id) {
  std::set<std::string> out;
  auto name = [](const Action* a) { return (a->rsc ? a->rsc->id + " " : std::string()) + a->task; };
  for (const auto& up : c.actions) {
    const Action* a = up.get();
    if (!a->rsc || a->rsc->id != rsc_id) continue;
    if (!a->reason.empty()) out.insert(a->reason);
    for (const auto& [first, flags] : a->before) {
      if (first->rsc == a->rsc) continue;
      if ((flags & (kOrderImpliesThen | kOrderRestart)) && !first->optional) out.insert("required " + name(first));
      if ((flags & (kOrderRunnableLeft | kOrderRestart | kOrderAsymmetrical | kOrderImpliesFirst)) && !first->runnable)
        out.insert("unrunnable " + name(first));
    }
    for (const auto& [then, flags] : a->after) {
      if (then->rsc == a->rsc) continue;
      if ((flags & (kOrderImpliesFirst | kOrderRestart)) && !then->optional) out.insert("required " + name(then));
    }
  }
  return out;
}

}  // namespace halab::scheduler
