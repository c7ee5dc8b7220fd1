#pragma once
// A small read-only view over a libxml2 document, enough for the scheduler
// to unpack a CIB. (To be unified with stack/cib's model once it lands.)
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

typedef struct _xmlDoc xmlDoc;
typedef struct _xmlNode xmlNode;

namespace halab::scheduler {

class XmlElement {
 public:
  XmlElement() = default;
  explicit XmlElement(xmlNode* n) : node_(n) {}
  explicit operator bool() const { return node_ != nullptr; }
  std::string_view name() const;
  // Attribute value, or nullopt when absent.
  std::optional<std::string> attr(const char* key) const;
  std::string attr_or(const char* key, std::string_view dflt) const;
  bool has_attr(const char* key) const;
  std::vector<XmlElement> children(std::string_view name = {}) const;
  XmlElement first_child(std::string_view name) const;
  int line() const;
  xmlNode* raw() const { return node_; }

 private:
  xmlNode* node_ = nullptr;
};

class XmlDocument {
 public:
  // Throws core::Error naming the file and line on malformed XML.
  static XmlDocument parse_file(const std::string& path);
  static XmlDocument parse_string(std::string_view text, const std::string& name = "<string>");
  XmlElement root() const;
  xmlDoc* raw() const { return doc_.get(); }
  std::string serialize() const;
  const std::string& source_name() const { return name_; }

 private:
  struct Free {
    void operator()(xmlDoc* d) const;
  };
  std::shared_ptr<xmlDoc> doc_;
  std::string name_;
};

}  // namespace halab::scheduler
