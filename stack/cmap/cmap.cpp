#include "stack/cmap/cmap.hpp"

#include <fmt/format.h>

namespace halab::cmap {

const char* to_string(Type t) {
  static const char* names[] = {"i8", "u8", "i16", "u16", "i32", "u32", "i64", "u64", "flt", "dbl", "str", "bin"};
  return names[int(t)];
}

std::optional<std::int64_t> Value::as_int() const {
  return std::visit(
      [](const auto& v) -> std::optional<std::int64_t> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_integral_v<T>) {
          if constexpr (std::is_same_v<T, std::uint64_t>)
            if (v > std::uint64_t(INT64_MAX)) return std::nullopt;
          return std::int64_t(v);
        } else {
          return std::nullopt;
        }
      },
      v_);
}

std::optional<std::uint64_t> Value::as_uint() const {
  return std::visit(
      [](const auto& v) -> std::optional<std::uint64_t> {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_integral_v<T>) {
          if (v < 0) return std::nullopt;
          return std::uint64_t(v);
        } else {
          return std::nullopt;
        }
      },
      v_);
}

std::string Value::to_string() const {
  return std::visit(
      [](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return v;
        } else if constexpr (std::is_same_v<T, Binary>) {
          std::string s;
          for (auto b : v.bytes) s += fmt::format("{:02x}", b);
          return s;
        } else if constexpr (std::is_floating_point_v<T>) {
          return fmt::format("{:.6f}", double(v));  // printf's %f, as corosync-cmapctl
        } else {
          return std::to_string(v);  // int8_t/uint8_t promote: numbers, not characters
        }
      },
      v_);
}

bool valid_key(std::string_view key) {
  if (key.empty() || key.size() > 255) return false;
  for (char c : key) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                    c == '_' || c == '-' || c == '/' || c == ':';
    if (!ok) return false;
  }
  return true;
}

bool Cmap::set(std::string_view key, Value value) {
  if (!valid_key(key)) return false;
  auto it = map_.find(key);
  if (it == map_.end()) {
    map_.emplace(std::string(key), value);
    announce(Change{kTrackAdd, std::string(key), std::nullopt, std::move(value)});
    return true;
  }
  if (it->second == value) return true;
  Change c{kTrackModify, std::string(key), it->second, value};
  it->second = std::move(value);
  announce(std::move(c));
  return true;
}

bool Cmap::remove(std::string_view key) {
  auto it = map_.find(key);
  if (it == map_.end()) return false;
  Change c{kTrackDelete, it->first, it->second, std::nullopt};
  map_.erase(it);
  announce(std::move(c));
  return true;
}

std::size_t Cmap::remove_prefix(std::string_view prefix) {
  std::vector<std::string> keys;
  for (auto it = map_.lower_bound(prefix); it != map_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    keys.push_back(it->first);
  for (const auto& k : keys) remove(k);
  return keys.size();
}

std::optional<Value> Cmap::get(std::string_view key) const {
  auto it = map_.find(key);
  if (it == map_.end()) return std::nullopt;
  return it->second;
}

std::vector<std::pair<std::string, Value>> Cmap::items(std::string_view prefix) const {
  std::vector<std::pair<std::string, Value>> v;
  for (auto it = map_.lower_bound(prefix); it != map_.end() && it->first.compare(0, prefix.size(), prefix) == 0; ++it)
    v.emplace_back(it->first, it->second);
  return v;
}

TrackId Cmap::track(std::string_view key, unsigned events, bool prefix, TrackFn fn) {
  const TrackId id = next_track_++;
  trackers_.emplace(id, Tracker{std::string(key), events & kTrackAll, prefix, std::move(fn)});
  return id;
}

void Cmap::untrack(TrackId id) { trackers_.erase(id); }

void Cmap::announce(Change c) {
  pending_.push_back(std::move(c));
  if (announcing_) return;  // a callback changed the map: its change waits its turn
  announcing_ = true;
  while (!pending_.empty()) {
    Change change = std::move(pending_.front());
    pending_.pop_front();
    // Trackers may come and go inside callbacks: walk ids, look each one up.
    std::vector<TrackId> ids;
    for (const auto& [id, t] : trackers_) ids.push_back(id);
    for (TrackId id : ids) {
      auto it = trackers_.find(id);
      if (it == trackers_.end()) continue;
      const auto& t = it->second;
      if (!(t.events & change.event)) continue;
      const bool match = t.prefix ? change.key.compare(0, t.key.size(), t.key) == 0 : change.key == t.key;
      if (!match) continue;
      auto fn = t.fn;  // the callback may untrack itself
      fn(change);
    }
  }
  announcing_ = false;
}

std::string format_cmapctl(const Cmap& map, std::string_view prefix) {
  std::string out;
  for (const auto& [key, value] : map.items(prefix))
    out += fmt::format("{} ({}) = {}\n", key, to_string(value.type()), value.to_string());
  return out;
}

}  // namespace halab::cmap
