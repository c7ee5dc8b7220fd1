#include "stack/controller/cpg_channel.hpp"

#include <algorithm>

#include "stack/core/assert.hpp"

namespace halab::controller {

namespace {

// One byte of header per fragment.
enum Frag : std::uint8_t { whole = 0, first = 1, middle = 2, last = 3 };

Member to_member(const cpg::Address& a) { return Member{a.node, a.pid}; }

ChangeReason to_reason(cpg::Reason r) { return ChangeReason(std::uint8_t(r)); }

}  // namespace

CpgChannel::CpgChannel(core::Clock& clock, core::Logger& logger, cpg::Cpg& cpg, std::string group, std::uint32_t pid,
                       NodeId local_node)
    : clock_(clock),
      log_(logger, "controller"),
      cpg_(cpg),
      group_(std::move(group)),
      pid_(pid),
      node_(local_node),
      fragment_size_(cpg::Cpg::kMaxMessage - 1),
      retry_(clock) {}

CpgChannel::~CpgChannel() { close(); }

void CpgChannel::set_fragment_size(std::size_t n) {
  HALAB_ASSERT(n > 0 && n < cpg::Cpg::kMaxMessage);
  fragment_size_ = n;
}

bool CpgChannel::open(Handler handler) {
  handler_ = std::move(handler);
  cpg::GroupCallbacks cb;
  cb.deliver = [this](const cpg::Address& from, core::ByteView msg) { on_deliver(from, msg); };
  cb.confchg = [this](const cpg::GroupConfig& g) { on_confchg(g); };
  const auto r = cpg_.join(group_, pid_, std::move(cb));
  if (r != cpg::Result::ok) {
    log_.error("cannot join CPG group {} as pid {}: {}", group_, pid_, cpg::to_string(r));
    return false;
  }
  open_ = true;
  return true;
}

void CpgChannel::close() {
  if (!open_) return;
  open_ = false;
  retry_.cancel();
  pending_.clear();
  partial_.clear();
  cpg_.leave(group_, pid_);
}

bool CpgChannel::send(core::ByteView msg) {
  if (!open_ || !pending_.empty()) {
    pump();
    return false;  // one message at a time: the caller keeps its order
  }
  if (msg.size() > kMaxMessage) {
    log_.error("message of {} bytes exceeds {}: dropped", msg.size(), kMaxMessage);
    return true;
  }
  if (msg.size() <= fragment_size_) {
    core::Bytes b;
    b.reserve(msg.size() + 1);
    b.push_back(whole);
    b.insert(b.end(), msg.begin(), msg.end());
    pending_.push_back(std::move(b));
  } else {
    for (std::size_t off = 0; off < msg.size(); off += fragment_size_) {
      const std::size_t n = std::min(fragment_size_, msg.size() - off);
      core::Bytes b;
      b.reserve(n + 1);
      b.push_back(off == 0 ? first : off + n == msg.size() ? last : middle);
      b.insert(b.end(), msg.begin() + off, msg.begin() + off + n);
      pending_.push_back(std::move(b));
    }
  }
  pump();
  return true;
}

void CpgChannel::pump() {
  while (open_ && !pending_.empty()) {
    const auto r = cpg_.mcast(group_, pid_, pending_.front());
    if (r == cpg::Result::try_again) {
      ++stats_.send_retries;
      if (!retry_.armed()) retry_.arm(std::chrono::milliseconds(10), [this] { pump(); });
      return;
    }
    if (r != cpg::Result::ok) {
      log_.error("CPG refused a fragment for group {}: {}; the message is dropped", group_, cpg::to_string(r));
      // Drop the rest of this message: up to and including its last fragment.
      while (!pending_.empty()) {
        const auto kind = pending_.front()[0];
        pending_.pop_front();
        if (kind == whole || kind == last) break;
      }
      continue;
    }
    ++stats_.fragments_sent;
    pending_.pop_front();
  }
}

void CpgChannel::on_deliver(const cpg::Address& from, core::ByteView data) {
  if (!open_ || !handler_.deliver) return;
  ++stats_.fragments_received;
  if (data.empty() || data[0] > last) {
    ++stats_.bad_fragments;
    return;
  }
  const Member m = to_member(from);
  const auto kind = Frag(data[0]);
  const auto body = data.subspan(1);
  switch (kind) {
    case whole:
      if (partial_.erase(m)) ++stats_.orphan_fragments;
      handler_.deliver(m, body);
      return;
    case first:
      if (partial_.count(m)) ++stats_.orphan_fragments;
      partial_[m].assign(body.begin(), body.end());
      return;
    case middle:
    case last: {
      auto it = partial_.find(m);
      if (it == partial_.end()) {
        ++stats_.orphan_fragments;  // its start came before we joined
        return;
      }
      it->second.insert(it->second.end(), body.begin(), body.end());
      if (kind == last) {
        auto whole_msg = std::move(it->second);
        partial_.erase(it);
        handler_.deliver(m, whole_msg);
      }
      return;
    }
  }
}

void CpgChannel::on_confchg(const cpg::GroupConfig& g) {
  if (!open_ || !handler_.view) return;
  View v;
  for (const auto& a : g.members) v.members.push_back(to_member(a));
  std::sort(v.members.begin(), v.members.end());
  for (const auto& c : g.left) {
    v.left.push_back(MemberChange{to_member(c.who), to_reason(c.reason)});
    partial_.erase(to_member(c.who));
  }
  for (const auto& c : g.joined) v.joined.push_back(MemberChange{to_member(c.who), to_reason(c.reason)});
  handler_.view(v);
}

}  // namespace halab::controller
