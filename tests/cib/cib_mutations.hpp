#pragma once
// Shared by the patchset tests: the seed CIB and random edits of it.
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "stack/cib/patchset.hpp"

namespace halab::cib::testing {

inline std::string seed_xml() {
  const char* d = std::getenv("HALAB_SHARED_DIR");
  std::ifstream f(std::string(d ? d : std::string(HALAB_SOURCE_DIR) + "/../shared") + "/crmsh-oracle/seed-example.xml");
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline std::vector<xmlNode*> all_elements(xmlNode* n) {
  std::vector<xmlNode*> out{n};
  for (xmlNode* c : children(n)) {
    auto sub = all_elements(c);
    out.insert(out.end(), sub.begin(), sub.end());
  }
  return out;
}

// One random edit of the kind the CIB sees: attribute set/unset, element
// added (with or without id), removed, or moved among its siblings; comments.
inline void mutate(Cib& cib, int seed_a, int seed_b, int kind) {
  auto els = all_elements(cib.configuration());
  xmlNode* e = els[std::size_t(seed_a) % els.size()];
  switch (kind % 6) {
    case 0: set_attr(e, "a" + std::to_string(seed_b % 3), "v" + std::to_string(seed_b)); break;
    case 1: {
      auto as = attrs(e);
      if (!as.empty() && as[std::size_t(seed_b) % as.size()].first != "id") unset_attr(e, as[std::size_t(seed_b) % as.size()].first);
      break;
    }
    case 2: {
      xmlNode* c = xmlNewDocNode(cib.doc(), nullptr, (const xmlChar*)"nvpair", nullptr);
      set_attr(c, "id", "new" + std::to_string(seed_a) + "-" + std::to_string(seed_b));
      set_attr(c, "name", "n");
      auto k = children(e);
      if (k.empty()) xmlAddChild(e, c);
      else xmlAddPrevSibling(k[std::size_t(seed_b) % k.size()], c);
      break;
    }
    case 3:
      if (e != cib.configuration() && e->parent != cib.configuration()) remove_node(e);
      break;
    case 4: {
      auto k = children(e);
      if (k.size() >= 2) {
        xmlNode* m = k[std::size_t(seed_b) % k.size()];
        xmlUnlinkNode(m);
        xmlAddPrevSibling(children(e)[0], m);
      }
      break;
    }
    case 5: xmlAddChild(e, xmlNewDocComment(cib.doc(), (const xmlChar*)("c" + std::to_string(seed_b)).c_str())); break;
  }
}

}  // namespace halab::cib::testing
