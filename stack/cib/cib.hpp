#pragma once
// The CIB document: <cib> with <configuration> and <status>, and its version
// (admin_epoch, epoch, num_updates) with pacemaker's ordering and bump rules.
#include <compare>
#include <string>
#include <string_view>

#include "stack/cib/xml.hpp"

namespace halab::cib {

// Pacemaker orders versions by admin_epoch, then epoch, then num_updates.
// A configuration change bumps epoch and resets num_updates; a status-only
// change bumps num_updates; admin_epoch changes only by hand.
struct Version {
  long admin_epoch = 0;
  long epoch = 0;
  long num_updates = 0;
  auto operator<=>(const Version&) const = default;
  std::string str() const;  // "0.20.3", as pacemaker prints it
};

class Cib {
 public:
  // The empty CIB `cibadmin --empty` writes.
  static Cib empty(std::string_view validate_with = "pacemaker-3.9");
  // Parses and checks the skeleton (<cib> root, <configuration> with its
  // mandatory sections); throws core::Error naming source and line.
  static Cib parse(std::string_view text, std::string_view source);

  Cib(const Cib& o) : doc_(copy_doc(o.doc_.get())) {}
  Cib& operator=(const Cib& o) {
    if (this != &o) doc_ = copy_doc(o.doc_.get());
    return *this;
  }
  Cib(Cib&&) = default;
  Cib& operator=(Cib&&) = default;

  xmlDoc* doc() const { return doc_.get(); }
  xmlNode* root() const { return xmlDocGetRootElement(doc_.get()); }
  xmlNode* configuration() const;
  xmlNode* section(std::string_view name) const;          // configuration/<name>, or null
  xmlNode* ensure_section(std::string_view name);          // created in pacemaker's order
  xmlNode* status() const;

  Version version() const;
  void set_version(const Version& v);
  void bump_epoch();        // configuration changed
  void bump_num_updates();  // status changed
  std::string validate_with() const;

  std::string to_xml() const { return serialize(doc_.get(), true); }
  // md5 (hex) of the unformatted document, as pacemaker's on-disk digest.
  std::string digest() const;

 private:
  explicit Cib(XmlDocPtr d) : doc_(std::move(d)) {}
  XmlDocPtr doc_;
};

std::string md5_hex(std::string_view data);

}  // namespace halab::cib
