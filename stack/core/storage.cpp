#include "stack/core/storage.hpp"

#include "stack/core/error.hpp"

namespace halab::core {

bool valid_storage_name(std::string_view name) {
  if (name.empty() || name.size() > 255 || name.front() == '/' || name.back() == '/') return false;
  std::size_t start = 0;
  while (start <= name.size()) {
    auto slash = name.find('/', start);
    auto part = name.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (part.empty() || part == "." || part == "..") return false;
    for (char c : part) {
      const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                      c == '_' || c == '-';
      if (!ok) return false;
    }
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return true;
}

void check_storage_name(std::string_view name) {
  if (!valid_storage_name(name))
    throw Error("invalid storage name '" + std::string(name) +
                "' (want [A-Za-z0-9._-] components separated by '/')");
}

}  // namespace halab::core
