#pragma once
#include <optional>
// The real-world side of `halab crm` / `halab ra`: the CIB file named by
// CIB_file, files, $EDITOR, installed agents, and the shadow directory.
// CLI code at the top of the stack, so it uses the OS directly.
#include <map>
#include <memory>
#include <string>

#include "stack/shell/session.hpp"

namespace halab::cli {

// Agents installed on this machine: OCF (/usr/lib/ocf/resource.d), LSB
// (/etc/init.d), fence agents (/usr/sbin/fence_*), systemd units when
// systemd runs. Meta-data comes from running the agent.
class InstalledAgents : public shell::AgentCatalog {
 public:
  std::vector<std::string> classes() override;
  std::vector<std::string> providers(const std::string& cls) override;
  std::vector<std::string> agents(const std::string& cls, const std::string& provider) override;
  std::optional<std::string> meta_data(const std::string& cls, const std::string& provider,
                                       const std::string& type) override;

 private:
  std::map<std::string, std::optional<std::string>> cache_;
};

// A directory as core::Storage: atomic, fsynced writes (temp, fsync, rename, dir fsync).
class DirStorage : public core::Storage {
 public:
  explicit DirStorage(std::string dir) : dir_(std::move(dir)) {}
  using core::Storage::write;
  void write(std::string_view name, core::ByteView data, core::Sync sync) override;
  std::optional<core::Bytes> read(std::string_view name) const override;
  std::vector<std::string> list(std::string_view dir) const override;
  bool remove(std::string_view name, core::Sync sync) override;

 private:
  std::string dir_;
};

// Atomic durable replacement of `path` (temp file, fsync, rename, dir fsync).
void write_file_atomically(const std::string& path, const std::string& data);

class CrmHost : public shell::ShellHost {
 public:
  // `state_dir`: where halabd's control socket is, for the live cluster
  // (used when CIB_file is not set).
  explicit CrmHost(std::string state_dir = "");
  void out(std::string_view text) override;
  void err(std::string_view text) override;
  cib::Cib read_cib() override;
  void write_cib(const cib::Cib& cib) override;
  std::optional<std::string> read_file(const std::string& path) override;
  bool write_file(const std::string& path, const std::string& data) override;
  std::optional<std::string> edit(const std::string& text) override;
  shell::AgentCatalog* agents() override { return &agents_; }
  core::Storage* shadow_storage() override { return shadows_.get(); }
  bool cluster_view(const std::string& what, const std::vector<std::string>& args) override;

 private:
  std::string cib_file_;
  std::string state_dir_;
  std::optional<cib::Cib> live_base_;  // the live CIB as read_cib() last returned it
  InstalledAgents agents_;
  std::unique_ptr<DirStorage> shadows_;
};

}  // namespace halab::cli
