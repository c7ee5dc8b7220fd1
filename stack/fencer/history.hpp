#pragma once
// Fencing history (stonith_admin --history): every completed fencing action
// with its target, action, result, origin and completion time, persisted
// durably in the node's storage so it survives a restart.
#include <deque>
#include <string>
#include <vector>

#include "stack/core/storage.hpp"
#include "stack/core/time.hpp"

namespace halab::fencer {

struct HistoryEntry {
  enum class State { success, failed, pending };
  std::string target;
  std::string action;  // off, on, reboot
  State state = State::pending;
  std::string origin;    // the node (or "manual") that asked
  std::string delegate;  // the device that did it ("watchdog", "manual")
  std::string reason;    // why it failed
  core::WallTime completed{};
};
const char* to_string(HistoryEntry::State s);

class History {
 public:
  static constexpr const char* kFile = "fencer/history";
  static constexpr std::size_t kMaxEntries = 500;

  // Loads what an earlier run persisted. Lines it cannot read are skipped
  // (and named in `warnings`), never fatal.
  explicit History(core::Storage& storage);
  // Appends and persists (Sync::durable). Throws core::Error on I/O failure.
  void record(HistoryEntry entry);
  const std::deque<HistoryEntry>& entries() const { return entries_; }
  std::vector<HistoryEntry> for_target(const std::string& target) const;
  const std::vector<std::string>& warnings() const { return warnings_; }

  static std::string serialize(const std::deque<HistoryEntry>& entries);

 private:
  core::Storage& storage_;
  std::deque<HistoryEntry> entries_;
  std::vector<std::string> warnings_;
};

}  // namespace halab::fencer
