#pragma once
// Validation against pacemaker's own RelaxNG schemas (the `validate-with`
// version, e.g. /usr/share/pacemaker/pacemaker-3.9.rng). The schemas are
// read-only install data, loaded once per version and kept.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "stack/cib/cib.hpp"

namespace halab::cib {

struct SchemaError {
  int line = 0;
  std::string element;
  std::string id;  // the element's id attribute, when it has one
  std::string message;
  std::string str() const;  // "line 12: <primitive>: Element primitive failed to validate attributes"
};

class SchemaValidator {
 public:
  // `dir` holds pacemaker-X.Y.rng; default: HALAB_PACEMAKER_SCHEMAS or /usr/share/pacemaker.
  explicit SchemaValidator(std::string dir = default_dir());
  ~SchemaValidator();
  SchemaValidator(const SchemaValidator&) = delete;
  SchemaValidator& operator=(const SchemaValidator&) = delete;

  // Empty when valid. Throws core::Error when the schema itself is missing.
  std::vector<SchemaError> validate(const Cib& cib);
  // Throws core::Error "schema <validate-with>: line N: <elem>: msg" on the first error.
  void check(const Cib& cib);

  static std::string default_dir();

 private:
  struct Compiled;
  Compiled& load(const std::string& version);
  std::string dir_;
  std::map<std::string, std::unique_ptr<Compiled>> cache_;
};

}  // namespace halab::cib
