#pragma once
// An in-memory core::Storage for tests, with crash injection: after
// `writes_left` successful durable operations the next one throws
// CrashNow (the process "dies" before that write happens), and
// crash() drops everything not durable, as a power cut would.
#include <map>
#include <optional>
#include <stdexcept>
#include <string>

#include "stack/core/storage.hpp"

namespace halab::test {

struct CrashNow : std::runtime_error {
  CrashNow() : std::runtime_error("simulated crash") {}
};

class MemoryStorage : public core::Storage {
 public:
  using core::Storage::write;
  void write(std::string_view name, core::ByteView data, core::Sync sync) override {
    core::check_storage_name(name);
    tick();
    visible_[std::string(name)] = core::Bytes(data.begin(), data.end());
    if (sync == core::Sync::durable) durable_[std::string(name)] = visible_[std::string(name)];
  }
  std::optional<core::Bytes> read(std::string_view name) const override {
    auto it = visible_.find(std::string(name));
    if (it == visible_.end()) return std::nullopt;
    return it->second;
  }
  std::vector<std::string> list(std::string_view dir) const override {
    std::vector<std::string> out;
    const std::string prefix = dir.empty() ? "" : std::string(dir) + "/";
    for (const auto& [k, v] : visible_)
      if (k.starts_with(prefix) && k.find('/', prefix.size()) == std::string::npos) out.push_back(k.substr(prefix.size()));
    return out;
  }
  bool remove(std::string_view name, core::Sync sync) override {
    tick();
    bool had = visible_.erase(std::string(name)) > 0;
    if (sync == core::Sync::durable) durable_.erase(std::string(name));
    return had;
  }

  // -1: never crash.
  void crash_after(int ops) { writes_left_ = ops; }
  void crash() {
    visible_ = durable_;
    writes_left_ = -1;
  }
  int ops() const { return ops_; }

 private:
  void tick() {
    if (writes_left_ == 0) throw CrashNow();
    if (writes_left_ > 0) --writes_left_;
    ++ops_;
  }
  std::map<std::string, core::Bytes> visible_, durable_;
  int writes_left_ = -1;
  int ops_ = 0;
};

}  // namespace halab::test
