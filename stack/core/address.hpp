#pragma once
// IPv4 addresses and UDP endpoints, in host byte order.
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace halab::core {

struct Ipv4 {
  std::uint32_t value = 0;
  constexpr auto operator<=>(const Ipv4&) const = default;

  static constexpr Ipv4 any() { return Ipv4{0}; }
  static constexpr Ipv4 loopback() { return Ipv4{0x7f000001u}; }
  static constexpr Ipv4 from_octets(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d) {
    return Ipv4{(std::uint32_t(a) << 24) | (std::uint32_t(b) << 16) | (std::uint32_t(c) << 8) | d};
  }
  constexpr bool is_any() const { return value == 0; }
  constexpr bool is_multicast() const { return (value >> 28) == 0xE; }
  constexpr bool is_limited_broadcast() const { return value == 0xffffffffu; }
  constexpr bool is_loopback() const { return (value >> 24) == 127; }

  static std::optional<Ipv4> parse(std::string_view text);
  std::string to_string() const;
};

// An IPv4 subnet, for directed broadcast and bindnetaddr matching.
struct Subnet {
  Ipv4 network;
  int prefix = 24;
  constexpr std::uint32_t mask() const { return prefix == 0 ? 0 : ~std::uint32_t(0) << (32 - prefix); }
  constexpr bool contains(Ipv4 a) const { return (a.value & mask()) == (network.value & mask()); }
  constexpr Ipv4 broadcast() const { return Ipv4{(network.value & mask()) | ~mask()}; }
  static std::optional<Subnet> parse(std::string_view text);  // "10.0.0.0/24"
  std::string to_string() const;
};

struct Endpoint {
  Ipv4 addr;
  std::uint16_t port = 0;
  constexpr auto operator<=>(const Endpoint&) const = default;

  static std::optional<Endpoint> parse(std::string_view text);  // "10.0.0.1:5405"
  std::string to_string() const;
};

}  // namespace halab::core
