#include "stack/quorum/quorumtool_format.hpp"

#include <fmt/format.h>

#include <ctime>

namespace halab::quorum {

namespace {

std::string id_text(NodeId id, const QuorumtoolOptions& opt) {
  return opt.hex_ids ? fmt::format("0x{:08x}", id) : std::to_string(id);
}

// ctime(3)'s layout, in UTC: "Tue Nov 24 18:22:09 2026".
std::string date_text(core::WallTime now) {
  const std::time_t t = std::time_t(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %e %H:%M:%S %Y", &tm);
  return buf;
}

std::string device_column(const NodeView& n) {
  if (!(n.flags & kFlagQdeviceRegistered)) return "NR";
  std::string s = (n.flags & kFlagQdeviceAlive) ? "A" : "NA";
  s += (n.flags & kFlagQdeviceCastVote) ? ",V" : ",NV";
  s += (n.flags & kFlagQdeviceMasterWins) ? ",MW" : ",NMW";
  return s;
}

std::string membership(const QuorumStatus& s, const std::vector<NodeView>& nodes, const NodeNameFn& name,
                       const QuorumtoolOptions& opt) {
  std::string out = "Membership information\n----------------------\n";
  const bool dev = s.device_configured;
  out += dev ? fmt::format("{:>10} {:>10} {:>10} {}\n", "Nodeid", "Votes", "Qdevice", "Name")
             : fmt::format("{:>10} {:>10} {}\n", "Nodeid", "Votes", "Name");
  for (NodeId id : s.members) {
    NodeView v{id};
    for (const auto& n : nodes)
      if (n.id == id) v = n;
    std::string label = name ? name(id) : std::string();
    if (label.empty()) label = std::to_string(id);
    if (id == s.node_id) label += " (local)";
    out += dev ? fmt::format("{:>10} {:>10} {:>10} {}\n", id_text(id, opt), v.votes, device_column(v), label)
               : fmt::format("{:>10} {:>10} {}\n", id_text(id, opt), v.votes, label);
  }
  if (dev)
    out += fmt::format("{:>10} {:>10} {:>10} {}\n", id_text(0, opt), s.device_cast_vote ? s.device_votes : 0, "",
                       "Qdevice");
  return out;
}

}  // namespace

std::string format_flags(const QuorumStatus& s) {
  std::string f;
  if (s.two_node) f += "2Node ";
  if (s.quorate) f += "Quorate ";
  if (s.wait_for_all) f += "WaitForAll ";
  if (s.last_man_standing) f += "LastManStanding ";
  if (s.auto_tie_breaker) f += "AutoTieBreaker ";
  if (s.device_configured) f += "Qdevice ";
  return f;
}

std::string format_quorum_status(const QuorumStatus& s, const std::vector<NodeView>& nodes, const NodeNameFn& name,
                                 core::WallTime now, QuorumtoolOptions opt) {
  std::string out;
  out += "Quorum information\n------------------\n";
  out += fmt::format("Date:             {}\n", date_text(now));
  out += "Quorum provider:  corosync_votequorum\n";
  out += fmt::format("Nodes:            {}\n", s.members.size());
  out += fmt::format("Node ID:          {}\n", id_text(s.node_id, opt));
  out += fmt::format("Ring ID:          {:x}.{:x}\n", s.ring.rep, s.ring.seq);
  out += fmt::format("Quorate:          {}\n", s.quorate ? "Yes" : "No");
  out += "\nVotequorum information\n----------------------\n";
  out += fmt::format("Expected votes:   {}\n", s.expected_votes);
  out += fmt::format("Highest expected: {}\n", s.highest_expected);
  out += fmt::format("Total votes:      {}\n", s.total_votes);
  out += s.quorate ? fmt::format("Quorum:           {}  \n", s.quorum)
                   : fmt::format("Quorum:           {} Activity blocked\n", s.quorum);
  out += fmt::format("Flags:            {}\n", format_flags(s));
  out += "\n";
  out += membership(s, nodes, name, opt);
  return out;
}

std::string format_quorum_list(const QuorumStatus& s, const std::vector<NodeView>& nodes, const NodeNameFn& name,
                               QuorumtoolOptions opt) {
  return membership(s, nodes, name, opt);
}

}  // namespace halab::quorum
