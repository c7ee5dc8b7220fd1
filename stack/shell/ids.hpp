#pragma once
// crmsh's id generation (idmgmt): a generated id is <prefix>-<suffix>; an
// all-digit prefix gets "num-" in front; when the id is taken anywhere in
// the CIB, -0, -1, ... -98 are tried.
#include <set>
#include <string>

#include "stack/cib/xml.hpp"

namespace halab::shell {

class Ids {
 public:
  // Collects every defining id under `root` (references such as
  // resource_ref, obj_ref, role_ref are not definitions).
  explicit Ids(const xmlNode* root);
  bool used(const std::string& id) const { return used_.count(id) > 0; }
  void claim(const std::string& id) { used_.insert(id); }
  void release(const std::string& id) { used_.erase(id); }
  // "<prefix>-<suffix>" (or the bare prefix when suffix is empty), made unique.
  std::string make(const std::string& prefix, const std::string& suffix);

 private:
  void collect(const xmlNode* n);
  std::set<std::string> used_;
};

bool is_reference_element(const xmlNode* n);

}  // namespace halab::shell
