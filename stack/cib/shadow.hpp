#pragma once
// Shadow CIBs, as crm_shadow keeps them: a named copy (shadow.NAME) that is
// edited instead of the live CIB, compared with it, and committed into it.
#include <string>
#include <vector>

#include "stack/cib/patchset.hpp"
#include "stack/cib/store.hpp"

namespace halab::cib {

class Shadows {
 public:
  explicit Shadows(core::Storage& storage, std::string dir = "shadow");

  // crm_shadow --create NAME (copy of `live`) / --create-empty NAME.
  // Throws when it exists and !force.
  void create(std::string_view name, const Cib& live, bool force = false);
  void create_empty(std::string_view name, bool force = false);
  bool exists(std::string_view name) const;
  Cib read(std::string_view name) const;
  void write(std::string_view name, const Cib& cib);
  // crm_shadow --diff: the patchset from `live` to the shadow.
  XmlDocPtr diff(std::string_view name, const Cib& live) const;
  // crm_shadow --commit: the live CIB becomes the shadow's content.
  void commit(std::string_view name, CibStore& live);
  void remove(std::string_view name);
  std::vector<std::string> list() const;
  std::string file(std::string_view name) const;

 private:
  core::Storage& storage_;
  std::string dir_;
};

}  // namespace halab::cib
