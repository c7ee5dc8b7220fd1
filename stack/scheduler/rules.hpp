#pragma once
// Rule evaluation (pacemaker's <rule>, <expression>, <date_expression>).
#include <optional>
#include <string>

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
};

bool evaluate_rule(const XmlElement& rule, const RuleContext& ctx);
// ISO 8601 date/time ("2005-020", "2005-01-20 11:30", "2005-01-20T11:30:00Z")
// to seconds since the epoch (UTC); nullopt when unparseable.
std::optional<long long> parse_iso8601(const std::string& text);

}  // namespace halab::scheduler
