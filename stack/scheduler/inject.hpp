#pragma once
// crm_simulate's injections into a CIB before scheduling: node up/down/fail,
// operation results, quorum. They edit the XML document in place.
#include <string>

#include "stack/scheduler/xml_reader.hpp"

namespace halab::scheduler {

enum class NodeChange { Up, Down, Fail };
// Throws core::Error when the node is unknown.
void inject_node(XmlDocument& doc, const std::string& node, NodeChange change);
// spec: RSC_TASK_INTERVALMS@NODE=RC (crm_simulate -i). Throws on bad input.
void inject_op(XmlDocument& doc, const std::string& spec);
void inject_quorum(XmlDocument& doc, bool have_quorum);

}  // namespace halab::scheduler
