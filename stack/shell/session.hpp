#pragma once
// crmsh's interpreter: levels (root, configure, ra, cib), the configure
// level's commands (object definitions, show, verify, commit, load, save,
// erase, edit) and the commit rules (verify first; errors block unless
// forced; one epoch per commit). Everything outside (terminal, files, the
// editor, agents) goes through ShellHost, so the interpreter is stack code.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "stack/cib/schema.hpp"
#include "stack/cib/shadow.hpp"
#include "stack/shell/agents.hpp"
#include "stack/shell/configure.hpp"

namespace halab::shell {

class ShellHost {
 public:
  virtual ~ShellHost() = default;
  virtual void out(std::string_view text) = 0;  // stdout
  virtual void err(std::string_view text) = 0;  // stderr
  virtual cib::Cib read_cib() = 0;              // throws core::Error
  virtual void write_cib(const cib::Cib& cib) = 0;
  virtual std::optional<std::string> read_file(const std::string& path) = 0;  // "-" is stdin
  virtual bool write_file(const std::string& path, const std::string& data) = 0;
  // Runs $EDITOR on `text`; nullopt when the editor failed.
  virtual std::optional<std::string> edit(const std::string& text) = 0;
  virtual AgentCatalog* agents() = 0;
  virtual core::Storage* shadow_storage() = 0;  // where shadow.NAME files live
  // Views computed from the cluster state (crm_mon's status, crm_resource
  // --locate / --list): `what` is "status", "locate" or "list"; prints and
  // returns true, or returns false when this host has none.
  virtual bool cluster_view(const std::string& what, const std::vector<std::string>& args) {
    (void)what;
    (void)args;
    return false;
  }
};

struct SessionOptions {
  bool force = false;        // crm -F
  bool interactive = false;  // a terminal: prompts and no auto-commit questions
};

// What crmsh does to a CIB it reads (defaults dropped; with `full`, also
// container children after their attribute sets).
void sanitize_as_crmsh(xmlNode* n, bool full);

class Session {
 public:
  Session(ShellHost& host, cib::SchemaValidator& schema, SessionOptions opts);

  // One input line at the current level; `lineno` > 0 prefixes messages.
  // Returns false when the line failed.
  bool execute(const std::string& line, int lineno = 0);
  // End of input: leaving the configure level commits what is pending.
  bool finish();
  bool failed() const { return failed_; }
  bool quit_requested() const { return quit_; }
  std::string prompt() const;

 private:
  bool run_words(std::vector<std::string> w, const std::string& line);
  bool root_command(const std::vector<std::string>& w);
  bool configure_command(const std::vector<std::string>& w, const std::string& line);
  bool ra_command(const std::vector<std::string>& w);
  bool cib_command(const std::vector<std::string>& w);
  bool resource_command(const std::vector<std::string>& w);
  bool node_command(const std::vector<std::string>& w);
  // Reads the CIB, applies `edit`, writes it back with the version bumped
  // (epoch for configuration changes, num_updates for status only).
  bool apply(const std::function<void(cib::Cib&)>& edit);
  bool enter(const std::string& level);
  bool leave();
  bool commit(bool explicit_request);
  bool verify(bool quiet_ok);
  bool load(const std::string& how, const std::string& text, bool xml);
  bool load_objects(Configuration& conf, const std::string& text);
  cib::Cib read_current();
  void write_current(const cib::Cib& c);
  void error(const std::string& msg);
  void warning(const std::string& msg);
  void info(const std::string& msg);

  ShellHost& host_;
  cib::SchemaValidator& schema_;
  SessionOptions opts_;
  std::vector<std::string> levels_;
  std::optional<Configuration> conf_;
  std::optional<cib::Cib> original_;
  std::string shadow_;  // "" = the CIB_file / live CIB
  int lineno_ = 0;
  bool failed_ = false;
  bool schema_failed_ = false;
  bool quit_ = false;
};

}  // namespace halab::shell
