#pragma once
// Errors that leave stack/core: one exception type whose message names what
// failed and where (a path, an address, a line), as users read it.
#include <stdexcept>
#include <string>
#include <system_error>

namespace halab::core {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& what) : std::runtime_error(what) {}
  Error(const std::string& what, std::error_code ec)
      : std::runtime_error(what + ": " + ec.message()), code_(ec) {}
  std::error_code code() const { return code_; }

 private:
  std::error_code code_;
};

}  // namespace halab::core
