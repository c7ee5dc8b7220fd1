#include "stack/core/address.hpp"

#include <charconv>

namespace halab::core {

std::optional<Ipv4> Ipv4::parse(std::string_view text) {
  std::uint32_t value = 0;
  const char* p = text.data();
  const char* end = text.data() + text.size();
  for (int i = 0; i < 4; ++i) {
    if (i > 0) {
      if (p == end || *p != '.') return std::nullopt;
      ++p;
    }
    if (p == end || *p < '0' || *p > '9') return std::nullopt;
    unsigned octet = 0;
    auto [q, ec] = std::from_chars(p, end, octet);
    if (ec != std::errc() || octet > 255 || q - p > 3) return std::nullopt;
    p = q;
    value = (value << 8) | octet;
  }
  if (p != end) return std::nullopt;
  return Ipv4{value};
}

std::string Ipv4::to_string() const {
  return std::to_string(value >> 24) + "." + std::to_string((value >> 16) & 255) + "." +
         std::to_string((value >> 8) & 255) + "." + std::to_string(value & 255);
}

std::optional<Subnet> Subnet::parse(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) {
    auto a = Ipv4::parse(text);
    if (!a) return std::nullopt;
    return Subnet{*a, 32};
  }
  auto a = Ipv4::parse(text.substr(0, slash));
  if (!a) return std::nullopt;
  auto rest = text.substr(slash + 1);
  int prefix = -1;
  auto [q, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), prefix);
  if (ec != std::errc() || q != rest.data() + rest.size() || prefix < 0 || prefix > 32) return std::nullopt;
  return Subnet{*a, prefix};
}

std::string Subnet::to_string() const { return network.to_string() + "/" + std::to_string(prefix); }

std::optional<Endpoint> Endpoint::parse(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos) return std::nullopt;
  auto a = Ipv4::parse(text.substr(0, colon));
  if (!a) return std::nullopt;
  auto rest = text.substr(colon + 1);
  unsigned port = 0;
  auto [q, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), port);
  if (rest.empty() || ec != std::errc() || q != rest.data() + rest.size() || port > 65535) return std::nullopt;
  return Endpoint{*a, static_cast<std::uint16_t>(port)};
}

std::string Endpoint::to_string() const { return addr.to_string() + ":" + std::to_string(port); }

}  // namespace halab::core
