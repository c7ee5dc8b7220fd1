#include "stack/daemon/control.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cstdlib>

#include "stack/cpg/cpgtool_format.hpp"
#include "stack/quorum/quorumtool_format.hpp"

namespace halab::daemon {

namespace {

template <class T> bool parse_number(std::string_view text, T& out) {
  if (text.empty()) return false;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && p == text.data() + text.size();
}

bool parse_node_id(std::string_view text, NodeId& out) {
  if (text.size() > 2 && (text.substr(0, 2) == "0x" || text.substr(0, 2) == "0X")) {
    auto [p, ec] = std::from_chars(text.data() + 2, text.data() + text.size(), out, 16);
    return ec == std::errc() && p == text.data() + text.size();
  }
  return parse_number(text, out);
}

Response text(std::string body) {
  Response r;
  r.body = std::move(body);
  return r;
}

Response need_args(const Request& req, std::size_t lo, std::size_t hi) {
  if (req.args.size() < lo || req.args.size() > hi)
    return Response::fail("CS_ERR_INVALID_PARAM", fmt::format("{}: wrong number of arguments", req.verb));
  return {};
}

const char* transport_name(const config::CorosyncConf& c) {
  if (c.totem.transport == config::Transport::udpu) return "udpu";
  for (const auto& i : c.totem.interfaces)
    if (i.broadcast) return "udp (broadcast)";
  return "udp";
}

// corosync-cfgtool -s, in corosync 3's layout: one block per link with
// every configured node's state as seen from here.
std::string cfg_status(Node& node) {
  const auto& conf = node.conf();
  const auto& members = node.srp().members();
  const bool operational = node.srp().state() == totem::SrpState::operational;
  std::string out = fmt::format("Local node ID {}, transport {}\n", node.node_id(), transport_name(conf));
  std::vector<NodeId> ids;
  for (const auto& n : conf.nodelist)
    if (n.nodeid) ids.push_back(*n.nodeid);
  for (auto m : members)
    if (std::find(ids.begin(), ids.end(), m) == ids.end()) ids.push_back(m);
  std::sort(ids.begin(), ids.end());
  const auto local = node.node_addresses(node.node_id());
  const auto rings = node.totem().ring_status();
  const std::size_t links = std::max<std::size_t>(1, std::min(local.size(), std::size_t(2)));
  for (std::size_t l = 0; l < links; ++l) {
    // A ring marked FAULTY (redundant rings) carries nothing: every peer is
    // disconnected on that link until it recovers or `cfgtool -r`.
    const bool faulty = l < rings.size() && rings[l].faulty;
    out += fmt::format("LINK ID {} udp\n", l);
    out += fmt::format("\taddr\t= {}\n", l < local.size() ? local[l] : std::string("?"));
    out += "\tstatus:\n";
    for (auto id : ids) {
      const char* state = "disconnected";
      if (id == node.node_id())
        state = "localhost";
      else if (!faulty && operational && std::find(members.begin(), members.end(), id) != members.end())
        state = "connected";
      out += fmt::format("\t\tnodeid: {:>10}:\t{}\n", id, state);
    }
  }
  return out;
}

Response cmap_get(Node& node, const std::string& key) {
  node.refresh_stats();
  auto v = node.cmap().get(key);
  if (!v) return Response::fail("CS_ERR_NOT_EXIST", fmt::format("Can't get key {}. Error CS_ERR_NOT_EXIST\n", key));
  Response r = text(fmt::format("{} ({}) = {}\n", key, cmap::to_string(v->type()), v->to_string()));
  r.headers["Value"] = v->to_string();
  return r;
}

}  // namespace

std::string parse_cmap_value(std::string_view type, std::string_view t, cmap::Value& out) {
  auto bad = [&] { return fmt::format("'{}' is not a valid {} value", t, type); };
  auto integer = [&]<class T>(T) -> std::string {
    T v{};
    if (!parse_number(t, v)) return bad();
    out = v;
    return "";
  };
  if (type == "i8") return integer(std::int8_t{});
  if (type == "u8") return integer(std::uint8_t{});
  if (type == "i16") return integer(std::int16_t{});
  if (type == "u16") return integer(std::uint16_t{});
  if (type == "i32") return integer(std::int32_t{});
  if (type == "u32") return integer(std::uint32_t{});
  if (type == "i64") return integer(std::int64_t{});
  if (type == "u64") return integer(std::uint64_t{});
  if (type == "flt" || type == "dbl") {
    const std::string s(t);
    char* end = nullptr;
    const double d = std::strtod(s.c_str(), &end);
    if (s.empty() || *end) return bad();
    if (type == "flt") out = float(d);
    else out = d;
    return "";
  }
  if (type == "str") {
    out = std::string(t);
    return "";
  }
  if (type == "bin") {
    if (t.size() % 2) return bad();
    cmap::Binary b;
    for (std::size_t i = 0; i < t.size(); i += 2) {
      std::uint8_t byte = 0;
      auto [p, ec] = std::from_chars(t.data() + i, t.data() + i + 2, byte, 16);
      if (ec != std::errc() || p != t.data() + i + 2) return bad();
      b.bytes.push_back(byte);
    }
    out = std::move(b);
    return "";
  }
  return fmt::format("unknown type '{}' (i8 u8 i16 u16 i32 u32 i64 u64 flt dbl str bin)", type);
}

Response handle_request(Node& node, const Request& req, const ControlHooks& hooks) {
  const auto& v = req.verb;
  const auto& a = req.args;
  if (v == "ping") {
    Response r = text(fmt::format("halabd {} node {} pid {}\n", hooks.version, node.node_id(), hooks.pid));
    r.headers["Node-Id"] = std::to_string(node.node_id());
    r.headers["Pid"] = std::to_string(hooks.pid);
    return r;
  }
  if (v == "cfg-status") return text(cfg_status(node));
  if (v == "cfg-addrs") {
    if (auto r = need_args(req, 1, 1); !r.ok()) return r;
    NodeId id = 0;
    if (!parse_node_id(a[0], id)) return Response::fail("CS_ERR_INVALID_PARAM", "bad node id '" + a[0] + "'\n");
    auto addrs = node.node_addresses(id);
    if (addrs.empty())
      return Response::fail("CS_ERR_NOT_EXIST", fmt::format("Could not get addresses of node {}\n", id));
    std::string line;
    for (const auto& s : addrs) line += (line.empty() ? "" : " ") + s;
    return text(line + "\n");
  }
  if (v == "cfg-reset-rings") {
    node.totem().reset_rings();
    return text("");
  }
  if (v == "cfg-reload") {
    if (!hooks.reload) return Response::fail("CS_ERR_NOT_SUPPORTED", "reload is not available here\n");
    return hooks.reload();
  }
  if (v == "cfg-shutdown") {
    if (!hooks.shutdown) return Response::fail("CS_ERR_NOT_SUPPORTED", "shutdown is not available here\n");
    hooks.shutdown();
    return text("");
  }
  if (v == "quorum-status" || v == "quorum-list") {
    quorum::QuorumtoolOptions qo;
    bool ips = false;
    for (const auto& o : a) {
      if (o == "hex") qo.hex_ids = true;
      else if (o == "ips") ips = true;
      else return Response::fail("CS_ERR_INVALID_PARAM", "unknown option '" + o + "'\n");
    }
    const auto& vq = node.votequorum();
    const auto s = vq.status();
    quorum::NodeNameFn name = [&node, ips](NodeId id) {
      if (ips) {
        auto addrs = node.node_addresses(id);
        if (!addrs.empty()) return addrs.front();
      }
      return node.node_name(id);
    };
    Response r = text(v == "quorum-status"
                          ? quorum::format_quorum_status(s, vq.nodes(), name, node.env().clock.wall_now(), qo)
                          : quorum::format_quorum_list(s, vq.nodes(), name, qo));
    r.headers["Quorate"] = s.quorate ? "yes" : "no";
    r.headers["Ring-Id"] = s.ring.to_string();
    std::string members;
    for (auto m : s.members) members += (members.empty() ? "" : " ") + std::to_string(m);
    r.headers["Members"] = members;
    return r;
  }
  if (v == "quorum-expected") {
    if (auto r = need_args(req, 1, 1); !r.ok()) return r;
    std::uint32_t e = 0;
    if (!parse_number(a[0], e) || e == 0) return Response::fail("CS_ERR_INVALID_PARAM", "bad expected votes\n");
    if (auto err = node.votequorum().set_expected_votes(e); !err.empty())
      return Response::fail("CS_ERR_INVALID_PARAM", err + "\n");
    return text("");
  }
  if (v == "quorum-votes") {
    if (auto r = need_args(req, 2, 2); !r.ok()) return r;
    NodeId id = 0;
    std::uint32_t votes = 0;
    if (!parse_node_id(a[0], id) || !parse_number(a[1], votes))
      return Response::fail("CS_ERR_INVALID_PARAM", "bad node id or votes\n");
    if (auto err = node.votequorum().set_votes(id, votes); !err.empty())
      return Response::fail("CS_ERR_INVALID_PARAM", err + "\n");
    return text("");
  }
  if (v == "cpg-list") {
    // The arguments are corosync-cpgtool's own (-d D, -e, -n).
    auto parsed = cpg::parse_cpgtool_args(a);
    if (!parsed.ok()) return Response::fail("CS_ERR_INVALID_PARAM", parsed.error + "\n");
    auto addresses = [&node](NodeId id) {
      std::string s;
      for (const auto& x : node.node_addresses(id)) s += (s.empty() ? "" : " ") + x;
      return s;
    };
    Response r = text(cpg::format_cpgtool(node.cpg().groups(), parsed.options, addresses));
    r.headers["Groups"] = std::to_string(node.cpg().groups().size());
    return r;
  }
  if (v == "cmap-get") {
    if (auto r = need_args(req, 1, 1); !r.ok()) return r;
    return cmap_get(node, a[0]);
  }
  if (v == "cmap-list") {
    if (auto r = need_args(req, 0, 1); !r.ok()) return r;
    node.refresh_stats();
    return text(cmap::format_cmapctl(node.cmap(), a.empty() ? std::string_view{} : std::string_view(a[0])));
  }
  if (v == "cmap-set") {
    if (auto r = need_args(req, 3, 3); !r.ok()) return r;
    if (!cmap::valid_key(a[0]))
      return Response::fail("CS_ERR_INVALID_PARAM", fmt::format("Can't set key {}. Error CS_ERR_INVALID_PARAM\n", a[0]));
    cmap::Value value;
    if (auto err = parse_cmap_value(a[1], a[2], value); !err.empty())
      return Response::fail("CS_ERR_INVALID_PARAM", err + "\n");
    node.cmap().set(a[0], std::move(value));
    return text("");
  }
  if (v == "cmap-delete" || v == "cmap-delete-prefix") {
    if (auto r = need_args(req, 1, 1); !r.ok()) return r;
    if (v == "cmap-delete-prefix") {
      node.cmap().remove_prefix(a[0]);
      return text("");
    }
    if (!node.cmap().remove(a[0]))
      return Response::fail("CS_ERR_NOT_EXIST", fmt::format("Can't delete key {}. Error CS_ERR_NOT_EXIST\n", a[0]));
    return text("");
  }
  if (auto r = node.handle_hosted_request(req)) return *r;
  return Response::fail("CS_ERR_NOT_SUPPORTED", "unknown request '" + v + "'\n");
}

}  // namespace halab::daemon
