#pragma once
// The controller's Channel over one CPG group (stack/cpg/cpg.hpp).
//
// CPG carries at most Cpg::kMaxMessage bytes per message; a CIB is often
// larger. Messages are cut into fragments here, sent back to back, and
// reassembled per sender: CPG delivers one sender's messages in the order
// sent, so fragments never interleave within a sender. A fragment run whose
// beginning this member did not see (it joined in between) is dropped, as is
// a partial run of a sender that leaves. A whole message is delivered at its
// last fragment. Fragments are queued here until CPG takes them all, so a
// message is never half sent and then sent again.
#include <deque>
#include <map>
#include <string>

#include "stack/controller/channel.hpp"
#include "stack/core/clock.hpp"
#include "stack/core/log.hpp"
#include "stack/cpg/cpg.hpp"

namespace halab::controller {

struct CpgChannelStats {
  std::uint64_t fragments_sent = 0, fragments_received = 0, orphan_fragments = 0, bad_fragments = 0;
  std::uint64_t send_retries = 0;
};

class CpgChannel : public Channel {
 public:
  // Largest message accepted (after which fragmenting is unreasonable).
  static constexpr std::size_t kMaxMessage = 64u << 20;

  CpgChannel(core::Clock& clock, core::Logger& logger, cpg::Cpg& cpg, std::string group, std::uint32_t pid,
             NodeId local_node);
  ~CpgChannel() override;

  bool open(Handler handler) override;
  void close() override;
  Member self() const override { return Member{node_, pid_}; }
  bool send(core::ByteView msg) override;
  std::size_t max_message() const override { return kMaxMessage; }

  const CpgChannelStats& stats() const { return stats_; }
  // Fragment payload size (default: what CPG carries, less our header).
  void set_fragment_size(std::size_t n);

 private:
  void pump();
  void on_deliver(const cpg::Address& from, core::ByteView data);
  void on_confchg(const cpg::GroupConfig& g);

  core::Clock& clock_;
  core::Log log_;
  cpg::Cpg& cpg_;
  std::string group_;
  std::uint32_t pid_;
  NodeId node_;
  Handler handler_;
  bool open_ = false;
  std::size_t fragment_size_;
  std::deque<core::Bytes> pending_;  // fragments not yet taken by CPG
  std::map<Member, core::Bytes> partial_;
  core::Timer retry_;
  CpgChannelStats stats_;
};

}  // namespace halab::controller
