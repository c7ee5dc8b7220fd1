#include "fence-virt/protocol/history.hpp"

namespace halab::fv {

void ReplayHistory::expire(std::int64_t now_ms) {
  while (!entries_.empty() && now_ms - entries_.front().at_ms >= window_ms_) entries_.pop_front();
}

bool ReplayHistory::seen(const Request& r, std::int64_t now_ms) {
  expire(now_ms);
  for (const auto& e : entries_)
    if (e.op == r.op && e.seqno == r.seqno && e.domain == r.domain) return true;
  return false;
}

void ReplayHistory::record(const Request& r, std::int64_t now_ms) {
  expire(now_ms);
  if (entries_.size() >= capacity_) entries_.pop_front();
  entries_.push_back(Entry{r.op, r.seqno, r.domain, now_ms});
}

}  // namespace halab::fv
