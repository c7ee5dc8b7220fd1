#pragma once
// Rule evaluation (pacemaker's <rule>, <expression>, <date_expression>).
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "stack/scheduler/model.hpp"
#include "stack/scheduler/xml_reader.hpp"

namespace halab::scheduler {

struct RuleContext {
  const Node* node = nullptr;  // for node attribute expressions
  long long now = 0;
  Role role = Role::Unknown;
  // For rsc_expression (rsc_defaults rules): the resource's agent.
  const std::string* rsc_class = nullptr;
  const std::string* rsc_provider = nullptr;
  const std::string* rsc_type = nullptr;
  // For expressions with value-source="param"/"meta" (location rules): the
  // resource's parameters (for ctx.node) and meta attributes.
  const std::map<std::string, std::string>* rsc_params = nullptr;
  const std::map<std::string, std::string>* rsc_meta = nullptr;
  // Submatches of a location's rsc-pattern, for %0..%9 in values.
  std::vector<std::string> pattern_submatches;
};

bool evaluate_rule(const XmlElement& rule, const RuleContext& ctx);
// ISO 8601 date/time ("2005-020", "2005-01-20 11:30", "2005-01-20T11:30:00Z")
// to seconds since the epoch (UTC); nullopt when unparseable.
std::optional<long long> parse_iso8601(const std::string& text);

}  // namespace halab::scheduler
