#include "stack/quorum/options.hpp"

#include <algorithm>
#include <charconv>

namespace halab::quorum {

bool parse_tie_breaker(std::string_view text, TieBreaker& out) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  if (text == "lowest") return out = TieBreaker{TieBreaker::Mode::lowest, {}}, true;
  if (text == "highest") return out = TieBreaker{TieBreaker::Mode::highest, {}}, true;
  TieBreaker t{TieBreaker::Mode::list, {}};
  std::size_t i = 0;
  while (i < text.size()) {
    if (text[i] == ' ' || text[i] == '\t' || text[i] == ',') {
      ++i;
      continue;
    }
    NodeId id = 0;
    auto [p, ec] = std::from_chars(text.data() + i, text.data() + text.size(), id);
    if (ec != std::errc() || id == 0) return false;
    i = std::size_t(p - text.data());
    if (i < text.size() && text[i] != ' ' && text[i] != '\t' && text[i] != ',') return false;
    t.list.push_back(id);
  }
  if (t.list.empty()) return false;
  out = std::move(t);
  return true;
}

OptionsResult votequorum_options(const config::CorosyncConf& conf, NodeId local, std::string_view atb_setting) {
  OptionsResult r;
  auto& o = r.options;
  const auto& q = conf.quorum;
  o.node_id = local;
  o.two_node = q.two_node;
  o.wait_for_all = q.wait_for_all.value_or(q.two_node);
  o.last_man_standing = q.last_man_standing;
  o.last_man_standing_window = q.last_man_standing_window;
  o.auto_tie_breaker = q.auto_tie_breaker;
  if (local == 0) return r.error = "votequorum: node id 0 is not a valid node id", r;

  std::uint32_t nodelist_votes = 0;
  bool found = false;
  std::vector<NodeId> ids;
  for (const auto& n : conf.nodelist) {
    nodelist_votes += std::uint32_t(n.quorum_votes);
    if (n.nodeid) ids.push_back(*n.nodeid);
    if (n.nodeid && *n.nodeid == local) o.votes = std::uint32_t(n.quorum_votes), found = true;
  }
  if (!conf.nodelist.empty() && !found)
    r.warnings.push_back("votequorum: node " + std::to_string(local) + " is not in the nodelist; it has 1 vote");
  if (q.expected_votes)
    o.expected_votes = std::uint32_t(*q.expected_votes);
  else if (!conf.nodelist.empty())
    o.expected_votes = nodelist_votes;
  else
    return r.error = "votequorum: configuration needs quorum.expected_votes or a nodelist", r;

  if (q.device) {
    o.device_votes = std::uint32_t(q.device->votes);
    o.device_name = q.device->model;
    o.expected_votes += o.device_votes;
  }
  if (o.two_node && conf.nodelist.size() > 2) {
    r.warnings.push_back("votequorum: two_node is set but the nodelist has more than 2 nodes; two_node is ignored");
    o.two_node = false;
  }
  if (o.two_node && o.device_votes > 0) {
    r.warnings.push_back("votequorum: two_node and a quorum device exclude each other; two_node is ignored");
    o.two_node = false;
  }

  if (o.auto_tie_breaker) {
    TieBreaker t;
    if (!parse_tie_breaker(atb_setting, t)) {
      r.warnings.push_back("votequorum: auto_tie_breaker_node '" + std::string(atb_setting) +
                           "' is not lowest, highest or a list of node ids; auto_tie_breaker is disabled");
      o.auto_tie_breaker = false;
    } else if (t.mode == TieBreaker::Mode::list) {
      o.tie_breaker = t.list.front();
      if (t.list.size() > 1)
        r.warnings.push_back("votequorum: only the first node of auto_tie_breaker_node (" +
                             std::to_string(o.tie_breaker) + ") breaks ties; the others are ignored");
    } else if (ids.empty()) {
      r.warnings.push_back("votequorum: auto_tie_breaker needs node ids in the nodelist; auto_tie_breaker is disabled");
      o.auto_tie_breaker = false;
    } else {
      o.tie_breaker = t.mode == TieBreaker::Mode::lowest ? *std::min_element(ids.begin(), ids.end())
                                                          : *std::max_element(ids.begin(), ids.end());
    }
  }
  return r;
}

std::string auto_tie_breaker_node_setting(std::string_view conf_text) {
  std::vector<config::Diagnostic> ignored;
  auto root = config::parse_tree(conf_text, "corosync.conf", ignored);
  std::string value = "lowest";
  for (const auto& s : root.sections)
    if (s.name == "quorum")
      for (const auto& it : s.items)
        if (it.key == "auto_tie_breaker_node") value = it.value;
  return value;
}

}  // namespace halab::quorum
