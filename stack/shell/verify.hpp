#pragma once
// What crmsh checks before a commit (its own semantic checks plus
// crm_verify's): the schema, dangling references, STONITH configured or
// disabled, agent parameters. Errors block a commit; warnings do not.
#include <vector>

#include "stack/cib/schema.hpp"
#include "stack/shell/agents.hpp"

namespace halab::shell {

// `catalog` may be null (no agent checks). Schema errors come first and
// are marked `schema`: no force commits a CIB the schema rejects.
std::vector<Issue> verify_cib(const cib::Cib& cib, cib::SchemaValidator& schema, AgentCatalog* catalog);

}  // namespace halab::shell
