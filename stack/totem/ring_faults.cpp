#include "stack/totem/ring_faults.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "stack/core/assert.hpp"

namespace halab::totem {

RingFaultDetector::RingFaultDetector(int rings, RingFaultOptions opt) : opt_(opt), rings_(std::size_t(rings)) {
  HALAB_ASSERT(rings >= 1 && opt_.problem_threshold >= 1);
}

void RingFaultDetector::heard(int ring, NodeId from) {
  if (ring < 0 || std::size_t(ring) >= rings_.size()) return;
  auto& r = rings_[std::size_t(ring)];
  ++r.received;
  r.heard.insert(from);
}

RingFaultDetector::Changes RingFaultDetector::check() {
  std::set<NodeId> all;
  for (const auto& r : rings_) all.insert(r.heard.begin(), r.heard.end());
  auto heard_all = [&all](const Ring& r) {
    for (NodeId n : all)
      if (!r.heard.count(n)) return false;
    return true;
  };
  Changes out;
  bool active_missed = false;
  for (const auto& r : rings_) active_missed |= !r.faulty && !heard_all(r);
  // Faulty rings first: one that carries what a working ring lost comes back now.
  for (std::size_t i = 0; i < rings_.size(); ++i) {
    auto& r = rings_[i];
    if (!r.faulty) continue;
    r.good_checks = !all.empty() && heard_all(r) ? r.good_checks + 1 : 0;
    const bool back = r.good_checks > 0 && (active_missed || (opt_.recovery_checks > 0 &&
                                                               r.good_checks >= opt_.recovery_checks));
    if (back) {
      r.faulty = false;
      r.problems = 0;
      r.good_checks = 0;
      out.recovered.push_back(int(i));
    }
  }
  for (std::size_t i = 0; i < rings_.size(); ++i) {
    auto& r = rings_[i];
    if (r.faulty || std::find(out.recovered.begin(), out.recovered.end(), int(i)) != out.recovered.end()) continue;
    if (heard_all(r)) {
      r.problems = std::max(0, r.problems - 1);
      continue;
    }
    ++r.problems;
    std::size_t active = 0;
    for (const auto& o : rings_) active += !o.faulty;
    if (r.problems >= opt_.problem_threshold && active > 1) {
      r.faulty = true;
      r.good_checks = 0;
      out.marked.push_back(int(i));
    }
  }
  for (auto& r : rings_) r.heard.clear();
  return out;
}

void RingFaultDetector::reset() {
  for (auto& r : rings_) {
    r.faulty = false;
    r.problems = 0;
    r.good_checks = 0;
    r.heard.clear();
  }
}

std::vector<RingStatus> RingFaultDetector::status() const {
  std::vector<RingStatus> out;
  for (std::size_t i = 0; i < rings_.size(); ++i)
    out.push_back({int(i), rings_[i].faulty, rings_[i].problems, rings_[i].received, {}});
  return out;
}

std::string ring_status_text(const RingStatus& s) {
  if (s.faulty) return fmt::format("Marking ringid {} interface {} FAULTY", s.ring, s.local_addr.to_string());
  return fmt::format("ring {} active with no faults", s.ring);
}

std::string format_cfgtool_status(NodeId local, const std::vector<RingStatus>& rings) {
  std::string out = fmt::format("Printing ring status.\nLocal node ID {}\n", local);
  for (const auto& r : rings)
    out += fmt::format("RING ID {}\n\tid\t= {}\n\tstatus\t= {}\n", r.ring, r.local_addr.to_string(), ring_status_text(r));
  return out;
}

}  // namespace halab::totem
