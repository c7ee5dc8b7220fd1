#pragma once
// What the daemon asks of a hypervisor: the fence_virtd backend operations with their
// result codes (PROTOCOL.md §8).
#include <string>
#include <vector>

#include "fence-virt/protocol/wire.hpp"

namespace halab::fv {

class Backend {
 public:
  virtual ~Backend() = default;
  virtual Result off(const std::string& domain) = 0;
  virtual Result on(const std::string& domain) = 0;
  virtual Result reboot(const std::string& domain) = 0;
  virtual Result status(const std::string& domain) = 0;
  virtual Result monitor() = 0;
  // Every domain with uuid and virDomainState, sorted by name case-insensitively.
  virtual bool list(std::vector<HostRecord>& out) = 0;
};

}  // namespace halab::fv
