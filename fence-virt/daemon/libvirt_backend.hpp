#pragma once
// The libvirt backend: connections to every configured URI, opened at start and kept;
// pinged before each operation and reopened if libvirtd went away.
#include <string>
#include <vector>

#include "fence-virt/daemon/backend.hpp"
#include "fence-virt/daemon/log.hpp"

struct _virConnect;
struct _virDomain;

namespace halab::fv {

class LibvirtBackend : public Backend {
 public:
  LibvirtBackend(std::vector<std::string> uris, DaemonLog& log);
  ~LibvirtBackend() override;
  LibvirtBackend(const LibvirtBackend&) = delete;
  LibvirtBackend& operator=(const LibvirtBackend&) = delete;

  // Opens every URI; false with a message naming the URI and libvirt's reason.
  bool connect(std::string& err);

  Result off(const std::string& domain) override;
  Result on(const std::string& domain) override;
  Result reboot(const std::string& domain) override;
  Result status(const std::string& domain) override;
  Result monitor() override;
  bool list(std::vector<HostRecord>& out) override;

 private:
  bool ensure_connected();
  // First connection that knows `domain` (UUID string or name); caller frees it.
  _virDomain* lookup(const std::string& domain);
  int state_of(_virDomain* dom);  // virDomainState, or -1 if it cannot be read
  void close_all();

  std::vector<std::string> uris_;
  std::vector<_virConnect*> conns_;
  DaemonLog& log_;
};

// True for a canonical 8-4-4-4-12 hex UUID.
bool looks_like_uuid(const std::string& s);

}  // namespace halab::fv
