#pragma once
// Resource-agent meta-data (OCF XML, also what fence agents print for
// `-o metadata`): parsing, crmsh's `ra info` text, and the parameter checks
// crmsh makes on a primitive (unknown parameter, missing required one).
#include <optional>
#include <string>
#include <vector>

#include "stack/cib/xml.hpp"

namespace halab::shell {

struct AgentParam {
  std::string name, shortdesc, longdesc, type = "string", dflt;
  bool required = false, unique = false;
};
struct AgentAction {
  std::string name;
  std::vector<std::pair<std::string, std::string>> attrs;  // timeout, interval, depth, role ...
};
struct AgentMeta {
  std::string name, shortdesc, longdesc;
  std::vector<AgentParam> params;
  std::vector<AgentAction> actions;
};

// Throws core::Error naming `source` when the XML is malformed or not meta-data.
AgentMeta parse_agent_meta(std::string_view xml, std::string_view source);

// crmsh's `ra info` text; `spec` is "ocf:pacemaker:Dummy".
std::string agent_info_text(const AgentMeta& m, const std::string& spec);

// Where agents come from. The real world lists /usr/lib/ocf/resource.d,
// /etc/init.d and the fence agents, and runs `meta-data`; tests use fakes.
class AgentCatalog {
 public:
  virtual ~AgentCatalog() = default;
  virtual std::vector<std::string> classes() = 0;
  virtual std::vector<std::string> providers(const std::string& cls) = 0;  // ocf only
  virtual std::vector<std::string> agents(const std::string& cls, const std::string& provider) = 0;
  // nullopt when the agent does not exist or gives no meta-data.
  virtual std::optional<std::string> meta_data(const std::string& cls, const std::string& provider,
                                               const std::string& type) = 0;
};

struct Issue {
  bool error = false;
  bool schema = false;  // the CIB itself refuses it: not even -F commits it
  std::string text;  // crmsh's wording, without the ERROR:/WARNING: prefix
};

// crmsh's checks of every primitive's params against its agent's meta-data.
std::vector<Issue> check_agent_params(const xmlNode* resources, AgentCatalog& catalog);

// Parses "class:provider:type", "class:type" or "type" (ocf:heartbeat).
struct AgentSpec {
  std::string cls, provider, type;
  std::string str() const { return cls + ":" + (provider.empty() ? "" : provider + ":") + type; }
};
AgentSpec parse_agent_spec(const std::string& s);

}  // namespace halab::shell
