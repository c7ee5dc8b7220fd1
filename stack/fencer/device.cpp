#include "stack/fencer/device.hpp"

#include <algorithm>

#include <fmt/format.h>

#include <charconv>

namespace halab::fencer {

const char* to_string(HostCheck c) {
  switch (c) {
    case HostCheck::automatic: return "auto";
    case HostCheck::static_list: return "static-list";
    case HostCheck::dynamic_list: return "dynamic-list";
    case HostCheck::status: return "status";
    case HostCheck::none: return "none";
  }
  return "?";
}

core::Duration DeviceConfig::timeout(const std::string& action) const {
  auto it = timeouts.find(action);
  return it == timeouts.end() ? default_timeout : it->second;
}

int DeviceConfig::retry_count(const std::string& action) const {
  auto it = retries.find(action);
  return it == retries.end() ? 2 : it->second;
}

std::string DeviceConfig::agent_action(const std::string& action) const {
  auto it = action_map.find(action);
  return it == action_map.end() ? action : it->second;
}

std::string DeviceConfig::port_for(const std::string& target) const {
  auto it = host_map.find(target);
  return it == host_map.end() ? target : it->second;
}

std::vector<std::string> split_list(const std::string& text) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == ';' || c == '\t' || c == '\n') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::vector<std::string> parse_list_output(const std::string& out) {
  // As pacemaker's fencer reads it: every word of a line (words end at
  // whitespace or a comma) names a target, except the power states of
  // list-status style output. "port,alias" lines and fence_xvm's
  // "domain uuid on" lines both work.
  std::vector<std::string> names;
  std::string word;
  auto flush = [&] {
    if (!word.empty() && word != "on" && word != "off" && word != "ON" && word != "OFF" &&
        std::find(names.begin(), names.end(), word) == names.end())
      names.push_back(word);
    word.clear();
  };
  for (char c : out) {
    if (c == ',' || c == '\n' || c == '\r' || c == ' ' || c == '\t') flush();
    else word += c;
  }
  flush();
  return names;
}

namespace {

bool parse_int(const std::string& s, int& out) {
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size();
}

}  // namespace

std::optional<DeviceConfig> device_from_params(const std::string& id, const std::string& agent,
                                               const std::map<std::string, std::string>& params, std::string& error) {
  DeviceConfig d;
  d.id = id;
  d.agent = agent;
  auto fail = [&](const std::string& key, const std::string& why) {
    error = fmt::format("fence device {}: {}: {}", id, key, why);
    return std::nullopt;
  };
  if (agent.empty() || agent.find('/') != std::string::npos) return fail("agent", "invalid agent '" + agent + "'");
  for (const auto& [k, v] : params) {
    if (k == "priority") {
      if (!parse_int(v, d.priority)) return fail(k, "'" + v + "' is not an integer");
      continue;
    }
    if (k.rfind("pcmk_", 0) != 0) {
      d.params[k] = v;
      continue;
    }
    if (k == "pcmk_host_list") {
      d.host_list = split_list(v);
    } else if (k == "pcmk_host_map") {
      for (const auto& item : split_list(v)) {
        const auto colon = item.find(':');
        if (colon == std::string::npos || colon == 0 || colon + 1 == item.size())
          return fail(k, "entry '" + item + "' is not node:port");
        d.host_map[item.substr(0, colon)] = item.substr(colon + 1);
      }
    } else if (k == "pcmk_host_check") {
      if (v == "static-list") d.host_check = HostCheck::static_list;
      else if (v == "dynamic-list") d.host_check = HostCheck::dynamic_list;
      else if (v == "status") d.host_check = HostCheck::status;
      else if (v == "none") d.host_check = HostCheck::none;
      else return fail(k, "'" + v + "' is not static-list, dynamic-list, status or none");
    } else if (k == "pcmk_host_argument") {
      d.host_argument = v;
    } else if (k == "pcmk_delay_base") {
      core::Duration t;
      if (!core::parse_duration(v, t, std::chrono::seconds(1))) return fail(k, "'" + v + "' is not a duration");
      d.delay = t;
    } else if (k == "pcmk_priority") {
      if (!parse_int(v, d.priority)) return fail(k, "'" + v + "' is not an integer");
    } else if (k.size() > 12 && k.ends_with("_action")) {
      d.action_map[k.substr(5, k.size() - 5 - 7)] = v;
    } else if (k.ends_with("_timeout")) {
      core::Duration t;
      if (!core::parse_duration(v, t, std::chrono::seconds(1)) || t <= core::Duration::zero())
        return fail(k, "'" + v + "' is not a positive duration");
      d.timeouts[k.substr(5, k.size() - 5 - 8)] = t;
    } else if (k.ends_with("_retries")) {
      int n;
      if (!parse_int(v, n) || n < 0) return fail(k, "'" + v + "' is not a count");
      d.retries[k.substr(5, k.size() - 5 - 8)] = n;
    }
    // Other pcmk_* attributes (pcmk_action_limit, pcmk_*_list...) are not ours to pass on.
  }
  if (d.host_check == HostCheck::automatic)
    d.host_check = (!d.host_list.empty() || !d.host_map.empty()) ? HostCheck::static_list : HostCheck::dynamic_list;
  return d;
}

}  // namespace halab::fencer
