#pragma once
// The real-world side of `halab crm` / `halab ra`: the CIB file named by
// CIB_file, files, $EDITOR, installed agents, and the shadow directory.
// CLI code at the top of the stack, so it uses the OS directly.
#include <map>
#include <memory>
#include <optional>
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

// A CIB update to the running cluster through halabd's control socket
// (`cib-update`): op replace|create|modify|delete|patch, as cibadmin's.
// Returns "" once the cluster acknowledged it (durable on every member),
// else why not. `version` gets the CIB version it produced.
std::string live_cib_update(const std::string& state_dir, const std::string& op, const std::string& section,
                            const std::string& xml, std::string* version = nullptr);
// The running cluster's CIB (this node's copy); throws core::Error.
cib::Cib live_cib(const std::string& state_dir);

// Without CIB_file, `halab crm` reads the running cluster's CIB from halabd
// (--state-dir / HALAB_STATE_DIR) and commits as a patch against what it read.
class CrmHost : public shell::ShellHost {
 public:
  CrmHost();
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
  std::optional<cib::Cib> live_read_;  // the running cluster's CIB as read_cib() last gave it
  InstalledAgents agents_;
  std::unique_ptr<DirStorage> shadows_;
};

}  // namespace halab::cli
