#pragma once
// A thin owner of libxml2 documents for the CIB: parse with errors that name
// the line, serialize exactly as pacemaker does (two-space indentation,
// attributes in document order, pacemaker's escaping), and the handful of
// tree operations the CIB code needs.
#include <libxml/tree.h>
#include <libxml/xmlerror.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace halab::cib {

struct XmlDocFree {
  void operator()(xmlDoc* d) const { xmlFreeDoc(d); }
};
using XmlDocPtr = std::unique_ptr<xmlDoc, XmlDocFree>;

// libxml2's error handlers are process-global (thread-local at most): other
// code in the process (the executor's meta-data parser, a host program) may
// have installed its own. This guard installs ours for one parse or
// validation and puts theirs back when it goes out of scope, exceptions
// included. `structured` may be null: then errors are swallowed.
class XmlErrorScope {
 public:
  XmlErrorScope(void* context, xmlStructuredErrorFunc structured);
  ~XmlErrorScope();
  XmlErrorScope(const XmlErrorScope&) = delete;
  XmlErrorScope& operator=(const XmlErrorScope&) = delete;

 private:
  xmlStructuredErrorFunc saved_structured_;
  void* saved_structured_context_;
  xmlGenericErrorFunc saved_generic_;
  void* saved_generic_context_;
};

// Parses `text`; throws core::Error "SOURCE:LINE: message" on malformed XML.
// Whitespace-only text between elements is dropped (pacemaker ignores it).
XmlDocPtr parse_xml(std::string_view text, std::string_view source);

XmlDocPtr new_doc(std::string_view root_name);
XmlDocPtr copy_doc(const xmlDoc* doc);

// Pacemaker's formatting: `pretty` gives two-space indentation and a newline
// after every element; otherwise one line with no whitespace added.
std::string serialize(const xmlNode* node, bool pretty = true);
std::string serialize(const xmlDoc* doc, bool pretty = true);

// Attribute helpers (values are UTF-8 std::strings).
std::optional<std::string> attr(const xmlNode* n, std::string_view name);
std::string attr_or(const xmlNode* n, std::string_view name, std::string_view fallback);
bool has_attr(const xmlNode* n, std::string_view name);
// Sets, keeping the attribute's place when it already exists (else appends).
void set_attr(xmlNode* n, std::string_view name, std::string_view value);
void unset_attr(xmlNode* n, std::string_view name);
std::vector<std::pair<std::string, std::string>> attrs(const xmlNode* n);

std::string_view name_of(const xmlNode* n);
bool is(const xmlNode* n, std::string_view name);
// Element children only, in order.
std::vector<xmlNode*> children(const xmlNode* n);
std::vector<xmlNode*> children(const xmlNode* n, std::string_view name);
xmlNode* first_child(const xmlNode* n, std::string_view name);
// The element child `name`, created (appended) when absent.
xmlNode* ensure_child(xmlNode* parent, std::string_view name);
xmlNode* add_child(xmlNode* parent, std::string_view name);
// Depth-first search for an element with attribute id == `id`.
xmlNode* find_by_id(const xmlNode* root, std::string_view id);
// Removes and frees `n`.
void remove_node(xmlNode* n);
// Deep copy of `n` into `doc` (not linked into the tree).
xmlNode* copy_node(const xmlNode* n, xmlDoc* doc);
// Structural equality: names, attributes (in any order), children (in order), text.
bool same_tree(const xmlNode* a, const xmlNode* b);
int line_of(const xmlNode* n);

// Pacemaker's attribute escaping (< > & " ' and \n \r \t as character references).
std::string escape_attr(std::string_view v);

}  // namespace halab::cib
