#include "stack/cmap/standard_keys.hpp"

#include <algorithm>

namespace halab::cmap {

namespace {

std::uint32_t ms(core::Duration d) { return std::uint32_t(core::to_ms(d)); }
std::uint8_t flag(bool b) { return b ? 1 : 0; }

}  // namespace

void load_config(Cmap& map, const config::CorosyncConf& conf, std::uint32_t local_node) {
  for (const char* tree : {"totem.", "logging.", "quorum.", "nodelist."}) map.remove_prefix(tree);

  const auto& t = conf.totem;
  map.set("totem.version", std::uint32_t(t.version));
  if (!t.cluster_name.empty()) map.set("totem.cluster_name", t.cluster_name);
  map.set("totem.token", ms(t.token));
  map.set("totem.token_coefficient", ms(t.token_coefficient));
  map.set("totem.token_retransmit", ms(conf.effective_token_retransmit()));
  map.set("totem.token_retransmits_before_loss_const", std::uint32_t(t.token_retransmits_before_loss_const));
  map.set("totem.consensus", ms(conf.effective_consensus()));
  map.set("totem.join", ms(t.join));
  if (t.hold) map.set("totem.hold", ms(*t.hold));
  map.set("totem.merge", ms(t.merge));
  map.set("totem.max_messages", std::uint32_t(t.max_messages));
  map.set("totem.window_size", std::uint32_t(t.window_size));
  map.set("totem.netmtu", std::uint32_t(t.netmtu));
  if (t.config_version != 0) map.set("totem.config_version", std::uint64_t(t.config_version));
  map.set("totem.ip_version", t.ip_version);
  map.set("totem.transport", std::string(config::to_string(t.transport)));
  map.set("totem.crypto_cipher", std::string(config::to_string(t.crypto_cipher)));
  map.set("totem.crypto_hash", std::string(config::to_string(t.crypto_hash)));
  if (!t.keyfile.empty()) map.set("totem.keyfile", t.keyfile);
  for (const auto& i : t.interfaces) {
    const std::string p = "totem.interface." + std::to_string(i.ringnumber) + ".";
    if (i.bindnetaddr) map.set(p + "bindnetaddr", i.bindnetaddr->to_string());
    if (i.mcastaddr) map.set(p + "mcastaddr", i.mcastaddr->to_string());
    map.set(p + "mcastport", std::uint16_t(i.mcastport));
    map.set(p + "ttl", std::uint8_t(i.ttl));
    if (i.broadcast) map.set(p + "broadcast", std::string("yes"));
  }

  const auto& l = conf.logging;
  auto yesno = [](bool b) { return std::string(b ? "yes" : "no"); };
  map.set("logging.to_logfile", yesno(l.to_logfile));
  if (!l.logfile.empty()) map.set("logging.logfile", l.logfile);
  map.set("logging.to_stderr", yesno(l.to_stderr));
  map.set("logging.to_syslog", yesno(l.to_syslog));
  map.set("logging.syslog_facility", l.syslog_facility);
  map.set("logging.timestamp", std::string(l.timestamp ? "on" : "off"));
  map.set("logging.debug", l.debug);
  map.set("logging.fileline", std::string(l.fileline ? "on" : "off"));
  for (const auto& s : l.logger_subsys) {
    const std::string p = "logging.logger_subsys." + s.subsys + ".";
    map.set(p + "subsys", s.subsys);
    if (s.debug) map.set(p + "debug", *s.debug);
    for (const auto& [k, v] : s.other) map.set(p + k, v);
  }

  const auto& q = conf.quorum;
  if (!q.provider.empty()) map.set("quorum.provider", q.provider);
  if (q.expected_votes) map.set("quorum.expected_votes", std::uint32_t(*q.expected_votes));
  map.set("quorum.two_node", flag(q.two_node));
  map.set("quorum.wait_for_all", flag(q.wait_for_all.value_or(q.two_node)));
  map.set("quorum.last_man_standing", flag(q.last_man_standing));
  map.set("quorum.last_man_standing_window", ms(q.last_man_standing_window));
  map.set("quorum.auto_tie_breaker", flag(q.auto_tie_breaker));
  if (q.device) {
    map.set("quorum.device.model", q.device->model);
    map.set("quorum.device.votes", std::uint32_t(q.device->votes));
    if (q.device->timeout) map.set("quorum.device.timeout", ms(*q.device->timeout));
    for (const auto& [k, v] : q.device->model_options) map.set("quorum.device." + q.device->model + "." + k, v);
  }

  for (std::size_t i = 0; i < conf.nodelist.size(); ++i) {
    const auto& n = conf.nodelist[i];
    const std::string p = "nodelist.node." + std::to_string(i) + ".";
    if (!n.ring0_addr.empty()) map.set(p + "ring0_addr", n.ring0_addr);
    if (!n.ring1_addr.empty()) map.set(p + "ring1_addr", n.ring1_addr);
    if (n.nodeid) map.set(p + "nodeid", std::uint32_t(*n.nodeid));
    if (!n.name.empty()) map.set(p + "name", n.name);
    map.set(p + "quorum_votes", std::uint32_t(n.quorum_votes));
    if (local_node != 0 && n.nodeid && *n.nodeid == local_node)
      map.set("nodelist.local_node_pos", std::uint32_t(i));
  }
}

MemberAddressFn addresses_from_nodelist(const config::CorosyncConf& conf) {
  std::map<totem::NodeId, std::string> text;
  for (const auto& n : conf.nodelist) {
    if (!n.nodeid) continue;
    std::string s;
    if (!n.ring0_addr.empty()) s += "r(0) ip(" + n.ring0_addr + ") ";
    if (!n.ring1_addr.empty()) s += "r(1) ip(" + n.ring1_addr + ") ";
    text[*n.nodeid] = s;
  }
  return [text](totem::NodeId id) {
    auto it = text.find(id);
    return it == text.end() ? std::string() : it->second;
  };
}

void apply_membership(Cmap& map, const totem::ConfigChange& cc, const MemberAddressFn& address) {
  if (cc.kind != totem::ConfigChange::Kind::regular) return;
  for (auto id : cc.members) {
    const std::string p = "runtime.members." + std::to_string(id) + ".";
    const auto status = map.get(p + "status");
    const bool was_joined = status && status->get_if<std::string>() && *status->get_if<std::string>() == "joined";
    if (!was_joined) {
      std::uint32_t joins = 0;
      if (auto j = map.get(p + "join_count"); j && j->get_if<std::uint32_t>()) joins = *j->get_if<std::uint32_t>();
      map.set(p + "join_count", joins + 1);
    }
    if (address) {
      auto ip = address(id);
      if (!ip.empty()) map.set(p + "ip", ip);
    }
    if (!map.contains(p + "config_version")) map.set(p + "config_version", std::uint64_t(0));
    map.set(p + "status", std::string("joined"));
  }
  // Anyone listed as joined who is not in the new ring has left.
  for (const auto& [key, value] : map.items("runtime.members.")) {
    const auto dot = key.rfind('.');
    if (key.compare(dot, std::string::npos, ".status") != 0) continue;
    const auto id_text = key.substr(16, dot - 16);
    totem::NodeId id = 0;
    try {
      id = totem::NodeId(std::stoul(id_text));
    } catch (...) {
      continue;
    }
    if (std::find(cc.members.begin(), cc.members.end(), id) == cc.members.end() && value.get_if<std::string>() &&
        *value.get_if<std::string>() == "joined")
      map.set(key, std::string("left"));
  }
}

void apply_quorum(Cmap& map, const quorum::QuorumStatus& s) {
  map.set("runtime.votequorum.this_node_id", std::uint32_t(s.node_id));
  map.set("runtime.votequorum.quorate", flag(s.quorate));
  map.set("runtime.votequorum.expected_votes", s.expected_votes);
  map.set("runtime.votequorum.highest_expected", s.highest_expected);
  map.set("runtime.votequorum.total_votes", s.total_votes);
  map.set("runtime.votequorum.quorum", s.quorum);
  map.set("runtime.votequorum.two_node", flag(s.two_node));
  map.set("runtime.votequorum.wait_for_all_status", flag(s.wait_for_all_status));
}

}  // namespace halab::cmap
