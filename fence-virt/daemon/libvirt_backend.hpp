#pragma once
// The libvirt backend: connections to every configured URI, opened at start and kept;
// pinged before each operation and reopened if libvirtd went away.
#include <string>
#include <vector>

#include "fence-virt/host/backend.hpp"
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
  // Reconnects if a connection is known dead (or `force`); bounded retries.
  bool ensure_connected(bool force = false);
  enum class Found { yes, no, error };
  // First connection that knows `domain` (UUID string or name); caller frees it. A lookup
  // that fails for any reason but "no such domain" (libvirtd gone, ...) reconnects and tries
  // once more, then reports Found::error: an unreachable hypervisor must never read as "off".
  _virDomain* lookup(const std::string& domain, Found& found);
  int state_of(_virDomain* dom);
  bool list_once(std::vector<HostRecord>& out);  // virDomainState, or -1 if it cannot be read
  void close_all();

  std::vector<std::string> uris_;
  std::vector<_virConnect*> conns_;
  DaemonLog& log_;
};

// True for a canonical 8-4-4-4-12 hex UUID.
bool looks_like_uuid(const std::string& s);

}  // namespace halab::fv
