#include "stack/fencer/history.hpp"

#include <fmt/format.h>

#include <charconv>

namespace halab::fencer {

const char* to_string(HistoryEntry::State s) {
  switch (s) {
    case HistoryEntry::State::success: return "success";
    case HistoryEntry::State::failed: return "failed";
    case HistoryEntry::State::pending: return "pending";
  }
  return "?";
}

namespace {

// One entry per line, tab-separated; tabs and newlines in fields become spaces.
std::string field(const std::string& s) {
  std::string out = s;
  for (char& c : out)
    if (c == '\t' || c == '\n' || c == '\r') c = ' ';
  return out;
}

std::vector<std::string> split_tabs(const std::string& line) {
  std::vector<std::string> out;
  std::size_t pos = 0;
  while (true) {
    auto tab = line.find('\t', pos);
    out.push_back(line.substr(pos, tab == std::string::npos ? std::string::npos : tab - pos));
    if (tab == std::string::npos) break;
    pos = tab + 1;
  }
  return out;
}

}  // namespace

std::string History::serialize(const std::deque<HistoryEntry>& entries) {
  std::string out = "# halab fencing history v1: completed_ns state target action origin delegate reason\n";
  for (const auto& e : entries)
    out += fmt::format("{}\t{}\t{}\t{}\t{}\t{}\t{}\n", e.completed.time_since_epoch().count(), to_string(e.state),
                       field(e.target), field(e.action), field(e.origin), field(e.delegate), field(e.reason));
  return out;
}

History::History(core::Storage& storage) : storage_(storage) {
  auto text = storage_.read_text(kFile);
  if (!text) return;
  std::size_t pos = 0;
  int lineno = 0;
  while (pos < text->size()) {
    auto eol = text->find('\n', pos);
    if (eol == std::string::npos) eol = text->size();
    std::string line = text->substr(pos, eol - pos);
    pos = eol + 1;
    ++lineno;
    if (line.empty() || line[0] == '#') continue;
    auto f = split_tabs(line);
    std::int64_t ns = 0;
    bool ok = f.size() == 7;
    if (ok) {
      auto [p, ec] = std::from_chars(f[0].data(), f[0].data() + f[0].size(), ns);
      ok = ec == std::errc() && p == f[0].data() + f[0].size();
    }
    HistoryEntry e;
    if (ok) {
      if (f[1] == "success") e.state = HistoryEntry::State::success;
      else if (f[1] == "failed") e.state = HistoryEntry::State::failed;
      else ok = false;
    }
    if (!ok) {
      warnings_.push_back(fmt::format("{}:{}: unreadable fencing history entry skipped", kFile, lineno));
      continue;
    }
    e.completed = core::WallTime(core::Duration(ns));
    e.target = f[2];
    e.action = f[3];
    e.origin = f[4];
    e.delegate = f[5];
    e.reason = f[6];
    entries_.push_back(std::move(e));
  }
}

void History::record(HistoryEntry entry) {
  entries_.push_back(std::move(entry));
  while (entries_.size() > kMaxEntries) entries_.pop_front();
  storage_.write(kFile, std::string_view(serialize(entries_)), core::Sync::durable);
}

std::vector<HistoryEntry> History::for_target(const std::string& target) const {
  std::vector<HistoryEntry> out;
  for (const auto& e : entries_)
    if (e.target == target) out.push_back(e);
  return out;
}

}  // namespace halab::fencer
