#include "stack/scheduler/xml_reader.hpp"

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "stack/core/error.hpp"

namespace halab::scheduler {

std::string_view XmlElement::name() const { return reinterpret_cast<const char*>(node_->name); }

std::optional<std::string> XmlElement::attr(const char* key) const {
  xmlChar* v = xmlGetProp(node_, reinterpret_cast<const xmlChar*>(key));
  if (!v) return std::nullopt;
  std::string s(reinterpret_cast<const char*>(v));
  xmlFree(v);
  return s;
}

std::string XmlElement::attr_or(const char* key, std::string_view dflt) const {
  auto v = attr(key);
  return v ? *v : std::string(dflt);
}

bool XmlElement::has_attr(const char* key) const {
  return xmlHasProp(node_, reinterpret_cast<const xmlChar*>(key)) != nullptr;
}

std::vector<XmlElement> XmlElement::children(std::string_view name) const {
  std::vector<XmlElement> out;
  if (!node_) return out;
  for (xmlNode* c = node_->children; c; c = c->next) {
    if (c->type != XML_ELEMENT_NODE) continue;
    if (!name.empty() && name != reinterpret_cast<const char*>(c->name)) continue;
    out.emplace_back(c);
  }
  return out;
}

XmlElement XmlElement::first_child(std::string_view name) const {
  if (!node_) return XmlElement();
  for (xmlNode* c = node_->children; c; c = c->next)
    if (c->type == XML_ELEMENT_NODE && name == reinterpret_cast<const char*>(c->name)) return XmlElement(c);
  return XmlElement();
}

int XmlElement::line() const { return node_ ? int(xmlGetLineNo(node_)) : 0; }

void XmlDocument::Free::operator()(xmlDoc* d) const { xmlFreeDoc(d); }


XmlDocument XmlDocument::parse_file(const std::string& path) {
  xmlDoc* d = xmlReadFile(path.c_str(), nullptr, XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!d || !xmlDocGetRootElement(d)) {
    if (d) xmlFreeDoc(d);
    const xmlError* e = xmlGetLastError();
    std::string msg = path + ": cannot read CIB XML";
    if (e && e->message) msg += " (line " + std::to_string(e->line) + "): " + e->message;
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    throw core::Error(msg);
  }
  XmlDocument doc;
  doc.doc_.reset(d, Free{});
  doc.name_ = path;
  return doc;
}

XmlDocument XmlDocument::parse_string(std::string_view text, const std::string& name) {
  xmlDoc* d = xmlReadMemory(text.data(), int(text.size()), name.c_str(), nullptr,
                            XML_PARSE_NONET | XML_PARSE_NOBLANKS | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
  if (!d || !xmlDocGetRootElement(d)) {
    if (d) xmlFreeDoc(d);
    const xmlError* e = xmlGetLastError();
    std::string msg = name + ": cannot parse XML";
    if (e && e->message) msg += " (line " + std::to_string(e->line) + "): " + e->message;
    while (!msg.empty() && msg.back() == '\n') msg.pop_back();
    throw core::Error(msg);
  }
  XmlDocument doc;
  doc.doc_.reset(d, Free{});
  doc.name_ = name;
  return doc;
}

XmlElement XmlDocument::root() const { return XmlElement(xmlDocGetRootElement(doc_.get())); }

std::string XmlDocument::serialize() const {
  xmlChar* buf = nullptr;
  int len = 0;
  xmlDocDumpFormatMemory(doc_.get(), &buf, &len, 1);
  std::string s(reinterpret_cast<const char*>(buf), size_t(len));
  xmlFree(buf);
  return s;
}

}  // namespace halab::scheduler
