#include "stack/cib/xml.hpp"

#include <libxml/parser.h>

#include <cstring>

#include "stack/core/error.hpp"

namespace halab::cib {
namespace {

const xmlChar* X(std::string_view s, std::string& buf) {
  buf.assign(s);
  return reinterpret_cast<const xmlChar*>(buf.c_str());
}

bool blank(const xmlChar* s) {
  for (; s && *s; ++s)
    if (!std::strchr(" \t\r\n", *s)) return false;
  return true;
}

void drop_blank_text(xmlNode* n) {
  for (xmlNode* c = n->children; c;) {
    xmlNode* next = c->next;
    if (c->type == XML_TEXT_NODE && blank(c->content)) {
      xmlUnlinkNode(c);
      xmlFreeNode(c);
    } else if (c->type == XML_ELEMENT_NODE) {
      drop_blank_text(c);
    }
    c = next;
  }
}

void escape_text_into(std::string& out, std::string_view v) {
  for (char c : v) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      default: out += c;
    }
  }
}

void write_node(std::string& out, const xmlNode* n, int depth, bool pretty) {
  const std::string indent = pretty ? std::string(2 * depth, ' ') : std::string();
  if (n->type == XML_COMMENT_NODE) {
    out += indent + "<!--" + reinterpret_cast<const char*>(n->content) + "-->";
    if (pretty) out += '\n';
    return;
  }
  if (n->type == XML_TEXT_NODE || n->type == XML_CDATA_SECTION_NODE) {
    escape_text_into(out, reinterpret_cast<const char*>(n->content));
    return;
  }
  if (n->type != XML_ELEMENT_NODE) return;
  out += indent + "<" + reinterpret_cast<const char*>(n->name);
  for (const xmlAttr* a = n->properties; a; a = a->next) {
    xmlChar* v = xmlNodeGetContent(reinterpret_cast<const xmlNode*>(a));
    out += std::string(" ") + reinterpret_cast<const char*>(a->name) + "=\"" +
           escape_attr(v ? reinterpret_cast<const char*>(v) : "") + "\"";
    xmlFree(v);
  }
  if (!n->children) {
    out += "/>";
    if (pretty) out += '\n';
    return;
  }
  bool text_only = true;
  for (const xmlNode* c = n->children; c; c = c->next)
    if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE) text_only = false;
  out += ">";
  if (text_only) {
    for (const xmlNode* c = n->children; c; c = c->next) write_node(out, c, 0, false);
  } else {
    if (pretty) out += '\n';
    for (const xmlNode* c = n->children; c; c = c->next) write_node(out, c, depth + 1, pretty);
    out += indent;
  }
  out += std::string("</") + reinterpret_cast<const char*>(n->name) + ">";
  if (pretty) out += '\n';
}

}  // namespace

std::string escape_attr(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&apos;"; break;
      case '\n': out += "&#10;"; break;
      case '\r': out += "&#13;"; break;
      case '\t': out += "&#9;"; break;
      default: out += c;
    }
  }
  return out;
}

namespace {
void swallow_structured(void*, const xmlError*) {}
void swallow_generic(void*, const char*, ...) {}
}  // namespace

XmlErrorScope::XmlErrorScope(void* context, xmlStructuredErrorFunc structured)
    : saved_structured_(xmlStructuredError),
      saved_structured_context_(xmlStructuredErrorContext),
      saved_generic_(xmlGenericError),
      saved_generic_context_(xmlGenericErrorContext) {
  xmlSetStructuredErrorFunc(context, structured ? structured : reinterpret_cast<xmlStructuredErrorFunc>(swallow_structured));
  // Some libxml2 paths (RelaxNG compilation, include loading) still print through the generic handler.
  xmlSetGenericErrorFunc(nullptr, swallow_generic);
}

XmlErrorScope::~XmlErrorScope() {
  xmlSetStructuredErrorFunc(saved_structured_context_, saved_structured_);
  xmlSetGenericErrorFunc(saved_generic_context_, saved_generic_);
}

XmlDocPtr parse_xml(std::string_view text, std::string_view source) {
  XmlErrorScope quiet(nullptr, nullptr);  // errors come from the context below
  xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
  if (!ctxt) throw core::Error("out of memory creating an XML parser");
  xmlDoc* doc = xmlCtxtReadMemory(ctxt, text.data(), int(text.size()), std::string(source).c_str(), nullptr,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE);
  if (!doc) {
    const xmlError* e = xmlCtxtGetLastError(ctxt);
    std::string msg = std::string(source) + ":" + std::to_string(e ? e->line : 0) + ": not well-formed XML";
    if (e && e->message) {
      std::string m = e->message;
      while (!m.empty() && m.back() == '\n') m.pop_back();
      msg += ": " + m;
    }
    xmlFreeParserCtxt(ctxt);
    throw core::Error(msg);
  }
  xmlFreeParserCtxt(ctxt);
  XmlDocPtr out(doc);
  if (!xmlDocGetRootElement(doc)) throw core::Error(std::string(source) + ":1: XML document has no root element");
  drop_blank_text(xmlDocGetRootElement(doc));
  return out;
}

XmlDocPtr new_doc(std::string_view root_name) {
  XmlDocPtr doc(xmlNewDoc(reinterpret_cast<const xmlChar*>("1.0")));
  std::string b;
  xmlNode* root = xmlNewDocNode(doc.get(), nullptr, X(root_name, b), nullptr);
  xmlDocSetRootElement(doc.get(), root);
  return doc;
}

XmlDocPtr copy_doc(const xmlDoc* doc) { return XmlDocPtr(xmlCopyDoc(const_cast<xmlDoc*>(doc), 1)); }

std::string serialize(const xmlNode* node, bool pretty) {
  std::string out;
  write_node(out, node, 0, pretty);
  return out;
}

std::string serialize(const xmlDoc* doc, bool pretty) {
  return serialize(xmlDocGetRootElement(const_cast<xmlDoc*>(doc)), pretty);
}

std::optional<std::string> attr(const xmlNode* n, std::string_view name) {
  std::string b;
  xmlChar* v = xmlGetProp(n, X(name, b));
  if (!v) return std::nullopt;
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

std::string attr_or(const xmlNode* n, std::string_view name, std::string_view fallback) {
  auto v = attr(n, name);
  return v ? *v : std::string(fallback);
}

bool has_attr(const xmlNode* n, std::string_view name) {
  std::string b;
  return xmlHasProp(n, X(name, b)) != nullptr;
}

void set_attr(xmlNode* n, std::string_view name, std::string_view value) {
  std::string b1, b2;
  xmlSetProp(n, X(name, b1), X(value, b2));
}

void unset_attr(xmlNode* n, std::string_view name) {
  std::string b;
  xmlUnsetProp(n, X(name, b));
}

std::vector<std::pair<std::string, std::string>> attrs(const xmlNode* n) {
  std::vector<std::pair<std::string, std::string>> out;
  for (const xmlAttr* a = n->properties; a; a = a->next) {
    xmlChar* v = xmlNodeGetContent(reinterpret_cast<const xmlNode*>(a));
    out.emplace_back(reinterpret_cast<const char*>(a->name), v ? reinterpret_cast<const char*>(v) : "");
    xmlFree(v);
  }
  return out;
}

std::string_view name_of(const xmlNode* n) { return reinterpret_cast<const char*>(n->name); }
bool is(const xmlNode* n, std::string_view name) {
  return n && n->type == XML_ELEMENT_NODE && name_of(n) == name;
}

std::vector<xmlNode*> children(const xmlNode* n) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = n->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE) out.push_back(c);
  return out;
}

std::vector<xmlNode*> children(const xmlNode* n, std::string_view name) {
  std::vector<xmlNode*> out;
  for (xmlNode* c = n->children; c; c = c->next)
    if (is(c, name)) out.push_back(c);
  return out;
}

xmlNode* first_child(const xmlNode* n, std::string_view name) {
  if (!n) return nullptr;  // so lookups nest: first_child(first_child(ns, "lrm"), "lrm_resources")
  for (xmlNode* c = n->children; c; c = c->next)
    if (is(c, name)) return c;
  return nullptr;
}

xmlNode* add_child(xmlNode* parent, std::string_view name) {
  std::string b;
  return xmlNewChild(parent, nullptr, X(name, b), nullptr);
}

xmlNode* ensure_child(xmlNode* parent, std::string_view name) {
  if (xmlNode* c = first_child(parent, name)) return c;
  return add_child(parent, name);
}

xmlNode* find_by_id(const xmlNode* root, std::string_view id) {
  if (!root || root->type != XML_ELEMENT_NODE) return nullptr;
  if (auto v = attr(root, "id"); v && *v == id) return const_cast<xmlNode*>(root);
  for (xmlNode* c = root->children; c; c = c->next)
    if (xmlNode* f = find_by_id(c, id)) return f;
  return nullptr;
}

void remove_node(xmlNode* n) {
  xmlUnlinkNode(n);
  xmlFreeNode(n);
}

xmlNode* copy_node(const xmlNode* n, xmlDoc* doc) { return xmlDocCopyNode(const_cast<xmlNode*>(n), doc, 1); }

bool same_tree(const xmlNode* a, const xmlNode* b) {
  if (a->type != b->type) return false;
  if (a->type == XML_COMMENT_NODE || a->type == XML_TEXT_NODE)
    return std::strcmp(reinterpret_cast<const char*>(a->content), reinterpret_cast<const char*>(b->content)) == 0;
  if (a->type != XML_ELEMENT_NODE) return true;
  if (name_of(a) != name_of(b)) return false;
  auto aa = attrs(a), ba = attrs(b);
  if (aa.size() != ba.size()) return false;
  for (const auto& [k, v] : aa) {
    auto o = attr(b, k);
    if (!o || *o != v) return false;
  }
  const xmlNode* x = a->children;
  const xmlNode* y = b->children;
  for (; x && y; x = x->next, y = y->next)
    if (!same_tree(x, y)) return false;
  return !x && !y;
}

int line_of(const xmlNode* n) { return int(xmlGetLineNo(n)); }

}  // namespace halab::cib
