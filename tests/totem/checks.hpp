#pragma once
// The ordering properties Totem promises, checked over what a Cluster's
// nodes recorded. Each returns "" when the property holds, else what broke.
#include <algorithm>
#include <map>
#include <set>
#include <string>

#include "tests/totem/cluster.hpp"

namespace halab::fake {

inline core::Bytes msg_bytes(const std::string& s) { return core::Bytes(s.begin(), s.end()); }

// No node delivers a message twice (payloads are unique in our tests).
template <class Nodes>
std::string check_no_duplicates(const Nodes& nodes) {
  for (auto& a : nodes) {
    std::set<std::string> seen;
    for (auto& e : a->epochs)
      for (auto& d : e.delivered)
        if (!seen.insert(d.payload).second) return "node " + std::to_string(a->id) + " delivered twice: " + d.payload;
  }
  return "";
}

// Agreed order: in one configuration, the messages two nodes both delivered
// come in the same order; and both saw the same member list for it.
template <class Nodes>
std::string check_agreed_order(const Nodes& nodes) {
  for (auto& a : nodes)
    for (auto& b : nodes) {
      if (a->id >= b->id) continue;
      for (auto& ea : a->epochs)
        for (auto& eb : b->epochs) {
          if (ea.ring != eb.ring) continue;
          if (ea.members != eb.members) return "ring " + ea.ring.to_string() + ": different member lists";
          std::set<std::string> in_b;
          for (auto& d : eb.delivered) in_b.insert(d.payload);
          std::set<std::string> in_a;
          for (auto& d : ea.delivered) in_a.insert(d.payload);
          std::vector<std::string> ca, cb;
          for (auto& d : ea.delivered)
            if (in_b.count(d.payload)) ca.push_back(d.payload);
          for (auto& d : eb.delivered)
            if (in_a.count(d.payload)) cb.push_back(d.payload);
          if (ca != cb)
            return "nodes " + std::to_string(a->id) + " and " + std::to_string(b->id) +
                   " delivered common messages in different orders in ring " + ea.ring.to_string();
        }
    }
  return "";
}

// Extended virtual synchrony: two nodes that went from ring R into the same
// next ring, each in the other's transitional configuration, delivered
// exactly the same messages in R (no gaps either side).
template <class Nodes>
std::string check_evs(const Nodes& nodes) {
  for (auto& a : nodes)
    for (auto& b : nodes) {
      if (a->id >= b->id) continue;
      for (std::size_t i = 0; i + 1 < a->epochs.size(); ++i)
        for (std::size_t j = 0; j + 1 < b->epochs.size(); ++j) {
          const auto& ea = a->epochs[i];
          const auto& eb = b->epochs[j];
          if (ea.ring != eb.ring || a->epochs[i + 1].ring != b->epochs[j + 1].ring) continue;
          const auto& ta = ea.transitional;
          if (std::find(ta.begin(), ta.end(), b->id) == ta.end()) continue;
          if (ea.delivered != eb.delivered)
            return "EVS: nodes " + std::to_string(a->id) + " and " + std::to_string(b->id) + " moved together from ring " +
                   ea.ring.to_string() + " to " + a->epochs[i + 1].ring.to_string() + " but delivered " +
                   std::to_string(ea.delivered.size()) + " and " + std::to_string(eb.delivered.size()) +
                   " messages in it";
        }
    }
  return "";
}

// Any range of (smart) pointers to objects with `id` and `epochs`.
template <class Nodes>
std::string check_all(const Nodes& nodes) {
  if (auto why = check_no_duplicates(nodes); !why.empty()) return why;
  if (auto why = check_agreed_order(nodes); !why.empty()) return why;
  return check_evs(nodes);
}
inline std::string check_all(Cluster& c) { return check_all(c.nodes()); }

}  // namespace halab::fake
