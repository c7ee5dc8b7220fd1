#pragma once
// cmap: the runtime key/value store (corosync's icmap), with typed values,
// prefix iteration and tracking.
//
// Keys are dotted names ("totem.token", "runtime.members.1.status"): 1 to
// 255 characters of [A-Za-z0-9._/:-], as corosync allows. Values carry a
// type (u8..u64, i8..i64, flt, dbl, str, bin) and keep it: setting a key to
// the same value of the same type is no change and notifies nobody.
//
// Tracking: a tracker watches one key, or every key under a prefix, for
// add / modify / delete, and is called after the change is made. Callbacks
// may change the map or remove trackers (their own included); changes they
// make are announced after the current round, never recursively.
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace halab::cmap {

enum class Type { i8, u8, i16, u16, i32, u32, i64, u64, flt, dbl, str, bin };
const char* to_string(Type t);  // "u32", "str", ... as corosync-cmapctl prints them

struct Binary {
  std::vector<std::uint8_t> bytes;
  auto operator<=>(const Binary&) const = default;
};

class Value {
 public:
  using Storage = std::variant<std::int8_t, std::uint8_t, std::int16_t, std::uint16_t, std::int32_t, std::uint32_t,
                               std::int64_t, std::uint64_t, float, double, std::string, Binary>;
  Value() : v_(std::uint8_t(0)) {}
  template <class T, class = std::enable_if_t<std::is_constructible_v<Storage, T>>>
  Value(T v) : v_(std::move(v)) {}
  Value(const char* s) : v_(std::string(s)) {}

  Type type() const { return Type(v_.index()); }
  const Storage& storage() const { return v_; }
  template <class T> const T* get_if() const { return std::get_if<T>(&v_); }
  // Any integer type, widened; nullopt for flt/dbl/str/bin.
  std::optional<std::int64_t> as_int() const;
  std::optional<std::uint64_t> as_uint() const;
  std::string to_string() const;  // the value as corosync-cmapctl prints it
  bool operator==(const Value& o) const { return v_ == o.v_; }

 private:
  Storage v_;
};

bool valid_key(std::string_view key);

enum TrackEvent : unsigned { kTrackAdd = 1, kTrackModify = 2, kTrackDelete = 4 };
inline constexpr unsigned kTrackAll = kTrackAdd | kTrackModify | kTrackDelete;

struct Change {
  TrackEvent event = kTrackAdd;
  std::string key;
  std::optional<Value> old_value;  // absent for add
  std::optional<Value> new_value;  // absent for delete
};

using TrackId = std::uint64_t;
using TrackFn = std::function<void(const Change&)>;

class Cmap {
 public:
  // Returns false (and changes nothing) when the key is not a valid name.
  bool set(std::string_view key, Value value);
  bool remove(std::string_view key);
  // Removes every key under `prefix`; returns how many.
  std::size_t remove_prefix(std::string_view prefix);
  std::optional<Value> get(std::string_view key) const;
  bool contains(std::string_view key) const { return map_.count(std::string(key)) > 0; }
  std::size_t size() const { return map_.size(); }

  // Keys starting with `prefix` (all keys for ""), in key order.
  std::vector<std::pair<std::string, Value>> items(std::string_view prefix = {}) const;

  // prefix=false: exactly `key`; prefix=true: every key starting with `key`.
  TrackId track(std::string_view key, unsigned events, bool prefix, TrackFn fn);
  void untrack(TrackId id);

 private:
  void announce(Change c);

  std::map<std::string, Value, std::less<>> map_;
  struct Tracker {
    std::string key;
    unsigned events;
    bool prefix;
    TrackFn fn;
  };
  std::map<TrackId, Tracker> trackers_;
  TrackId next_track_ = 1;
  std::deque<Change> pending_;
  bool announcing_ = false;
};

// `corosync-cmapctl [PREFIX]`: one line per key, "key (type) = value".
std::string format_cmapctl(const Cmap& map, std::string_view prefix = {});

}  // namespace halab::cmap
