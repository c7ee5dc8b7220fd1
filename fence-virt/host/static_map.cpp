#include "fence-virt/host/static_map.hpp"

#include <algorithm>
#include <cctype>

namespace halab::fv {

namespace {
bool iequal(const std::string& a, const std::string& b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}
}  // namespace

bool StaticMap::allowed(const std::string& source, const std::vector<std::string>& ids) const {
  if (groups_.empty()) return true;
  std::string src = source.rfind("cid:", 0) == 0 ? source.substr(4) : source;
  for (const auto& g : groups_) {
    if (std::find(g.sources.begin(), g.sources.end(), src) == g.sources.end()) continue;
    for (const auto& t : g.targets)
      for (const auto& id : ids)
        if (!id.empty() && (t == id || iequal(t, id))) return true;  // UUIDs compare case-insensitively
  }
  return false;
}

}  // namespace halab::fv
