#pragma once
// Static maps (fence_virt.conf `groups`): which requesters may act on which domains.
//   groups { group { name = "web"; ip = "192.168.122.11"; ip = "192.168.122.12";
//                    uuid = "web1"; uuid = "0f1e...-..."; } }
// With no group every requester may act on every domain (fence_virtd's behaviour). With
// groups, on/off/reboot/status need a group that holds both the requester (its IP, or its
// vsock CID in decimal) and the target: a `uuid` entry equal (ignoring case) to the string
// the request names, as fence_virtd checks it (a group listing a name does not cover requests
// by UUID). Otherwise the answer is 3 (permission denied). `list` shows the domains whose
// name or UUID is listed.
#include <string>
#include <vector>

namespace halab::fv {

struct StaticGroup {
  std::string name;
  std::vector<std::string> sources;  // `ip` entries
  std::vector<std::string> targets;  // `uuid` entries: domain names or UUIDs
  int line = 0;
};

class StaticMap {
 public:
  StaticMap() = default;
  explicit StaticMap(std::vector<StaticGroup> groups) : groups_(std::move(groups)) {}
  bool empty() const { return groups_.empty(); }
  // `source` as the listener reports it ("192.168.1.5", "cid:3"); any of `ids` may match a
  // target entry (requests pass the requested string; list passes name and UUID).
  bool allowed(const std::string& source, const std::vector<std::string>& ids) const;

 private:
  std::vector<StaticGroup> groups_;
};

}  // namespace halab::fv
