#pragma once
// The crmsh configure language over a CIB: object definitions (primitive,
// group, location, ...) and edits (delete, rename, modgroup, monitor) turn
// into the XML real crmsh 4.4.1 writes, ids included.
#include <string>
#include <vector>

#include "stack/cib/cib.hpp"
#include "stack/core/error.hpp"

namespace halab::shell {

// A bad command: the message is crmsh's ("syntax in primitive: ...").
class ShellError : public core::Error {
 public:
  using core::Error::Error;
};

class Configuration {
 public:
  explicit Configuration(cib::Cib cib) : cib_(std::move(cib)) {}

  const cib::Cib& cib() const { return cib_; }
  cib::Cib& cib() { return cib_; }

  // Whether `verb` names an object definition (primitive, location, ...).
  static bool is_object_command(const std::string& verb);
  // Runs one object definition or edit command. All-or-nothing: on a
  // ShellError the configuration is unchanged. Returns crmsh's INFO lines.
  // `loading`: part of `load update|replace` (crmsh takes those objects as
  // parsed; a single command is re-read from its text form first, which
  // drops a rule's explicit `string:` type).
  std::vector<std::string> run(const std::vector<std::string>& words, const std::string& line, bool loading = false);

  // crmsh's text form of the whole configuration (or the named objects).
  std::string show(const std::vector<std::string>& ids = {}) const;
  std::string show_xml() const;  // <?xml ...?> + the CIB without status

  // Structural checks crmsh and crm_verify make that need no agent:
  // dangling references. Errors, crmsh's wording.
  std::vector<std::string> check_references() const;

 private:
  std::vector<std::string> dispatch(const std::vector<std::string>& w, const std::string& line, bool loading);
  cib::Cib cib_;
};

}  // namespace halab::shell
