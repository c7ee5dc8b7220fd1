#include "stack/shell/ids.hpp"

#include <cctype>

#include "stack/core/error.hpp"

namespace halab::shell {

bool is_reference_element(const xmlNode* n) {
  auto nm = cib::name_of(n);
  if (nm == "resource_ref" || nm == "obj_ref" || nm == "role_ref") return true;
  if (nm == "role" && n->parent && (cib::is(n->parent, "acl_target") || cib::is(n->parent, "acl_group"))) return true;
  return false;
}

Ids::Ids(const xmlNode* root) { collect(root); }

void Ids::collect(const xmlNode* n) {
  if (!n || n->type != XML_ELEMENT_NODE) return;
  if (!is_reference_element(n))
    if (auto id = cib::attr(n, "id")) used_.insert(*id);
  for (xmlNode* c = n->children; c; c = c->next) collect(c);
}

std::string Ids::make(const std::string& prefix, const std::string& suffix) {
  std::string p = prefix;
  bool digits = !p.empty();
  for (char c : p)
    if (!std::isdigit(static_cast<unsigned char>(c))) digits = false;
  if (digits) p = "num-" + p;
  std::string base = suffix.empty() ? p : p + "-" + suffix;
  if (!used(base)) {
    claim(base);
    return base;
  }
  for (int i = 0; i <= 98; ++i) {
    std::string c = base + "-" + std::to_string(i);
    if (!used(c)) {
      claim(c);
      return c;
    }
  }
  throw core::Error("cannot find a free id for " + base);
}

}  // namespace halab::shell
