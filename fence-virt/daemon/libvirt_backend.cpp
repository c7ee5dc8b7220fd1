#include "fence-virt/daemon/libvirt_backend.hpp"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <thread>

namespace halab::fv {

namespace {
// libvirt prints every error to stderr by default; we log them ourselves with context.
void quiet_errors(void*, virErrorPtr) {}

std::string last_error() {
  const char* m = virGetLastErrorMessage();
  return m ? m : "unknown libvirt error";
}

struct DomainFree {
  void operator()(virDomainPtr d) const { if (d) virDomainFree(d); }
};
using DomainPtr = std::unique_ptr<virDomain, DomainFree>;

bool iequal_less(const HostRecord& a, const HostRecord& b) {
  return std::lexicographical_compare(a.domain.begin(), a.domain.end(), b.domain.begin(), b.domain.end(),
                                      [](char x, char y) { return std::tolower(static_cast<unsigned char>(x)) < std::tolower(static_cast<unsigned char>(y)); });
}
}  // namespace

bool looks_like_uuid(const std::string& s) {
  if (s.size() != 36) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? s[i] != '-' : !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
  }
  return true;
}

LibvirtBackend::LibvirtBackend(std::vector<std::string> uris, DaemonLog& log) : uris_(std::move(uris)), log_(log) {
  virSetErrorFunc(nullptr, quiet_errors);
}

LibvirtBackend::~LibvirtBackend() { close_all(); }

void LibvirtBackend::close_all() {
  for (auto* c : conns_)
    if (c) virConnectClose(c);
  conns_.clear();
}

bool LibvirtBackend::connect(std::string& err) {
  close_all();
  for (const auto& uri : uris_) {
    virConnectPtr c = virConnectOpen(uri.c_str());
    if (!c) {
      err = "cannot connect to libvirt at " + uri + ": " + last_error();
      close_all();
      return false;
    }
    conns_.push_back(c);
    log_.log(LogLevel::info, "backend.connected", "uri={}", quoted(uri));
  }
  return true;
}

bool LibvirtBackend::ensure_connected(bool force) {
  bool alive = !conns_.empty() && !force;
  for (auto* c : conns_)
    if (virConnectIsAlive(c) != 1) alive = false;
  if (alive) return true;
  log_.log(LogLevel::warning, "backend.reconnect", "reason={}", quoted(force ? "libvirt call failed" : "libvirt connection lost"));
  std::string err;
  // Bounded: a few tries, then this request fails (the next one tries again).
  for (int attempt = 0; attempt < 3; ++attempt) {
    if (connect(err)) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  log_.log(LogLevel::error, "backend.unreachable", "error={}", quoted(err));
  return false;
}

virDomainPtr LibvirtBackend::lookup(const std::string& domain, Found& found) {
  bool uuid = looks_like_uuid(domain);
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!ensure_connected(attempt > 0)) break;
    bool failed = false;
    std::string why;
    for (auto* c : conns_) {
      virDomainPtr d = uuid ? virDomainLookupByUUIDString(c, domain.c_str()) : virDomainLookupByName(c, domain.c_str());
      if (d) {
        found = Found::yes;
        return d;
      }
      virErrorPtr e = virGetLastError();
      if (!e || e->code != VIR_ERR_NO_DOMAIN) {
        failed = true;
        why = last_error();
      }
    }
    if (!failed) {
      found = Found::no;
      return nullptr;
    }
    log_.log(LogLevel::warning, "backend.lookup_failed", "domain={} error={}", quoted(domain), quoted(why));
  }
  found = Found::error;
  return nullptr;
}

int LibvirtBackend::state_of(virDomainPtr dom) {
  int state = 0, reason = 0;
  if (virDomainGetState(dom, &state, &reason, 0) < 0) return -1;
  return state;
}

Result LibvirtBackend::off(const std::string& domain) {
  Found f;
  DomainPtr d(lookup(domain, f));
  if (f == Found::error) return Result::failure;
  if (!d) {
    log_.log(LogLevel::notice, "backend.unknown_domain", "op=off domain={}", quoted(domain));
    return Result::failure;
  }
  if (state_of(d.get()) == VIR_DOMAIN_SHUTOFF) return Result::success;
  if (virDomainDestroy(d.get()) < 0) {
    log_.log(LogLevel::error, "backend.destroy_failed", "domain={} error={}", quoted(domain), quoted(last_error()));
    return Result::failure;
  }
  return Result::success;
}

Result LibvirtBackend::on(const std::string& domain) {
  Found f;
  DomainPtr d(lookup(domain, f));
  if (f == Found::error) return Result::failure;
  if (!d) {
    log_.log(LogLevel::notice, "backend.unknown_domain", "op=on domain={}", quoted(domain));
    return Result::failure;
  }
  if (state_of(d.get()) != VIR_DOMAIN_SHUTOFF) return Result::success;
  if (virDomainCreate(d.get()) < 0) {
    log_.log(LogLevel::error, "backend.create_failed", "domain={} error={}", quoted(domain), quoted(last_error()));
    return Result::failure;
  }
  return Result::success;
}

Result LibvirtBackend::reboot(const std::string& domain) {
  Found f;
  DomainPtr d(lookup(domain, f));
  if (f == Found::error) return Result::failure;
  if (!d) {
    log_.log(LogLevel::notice, "backend.unknown_domain", "op=reboot domain={}", quoted(domain));
    return Result::failure;
  }
  // fence_virtd's semantics: rebooting a domain that is off leaves it off.
  if (state_of(d.get()) == VIR_DOMAIN_SHUTOFF) return Result::success;
  char* xml_raw = virDomainGetXMLDesc(d.get(), 0);
  std::string xml = xml_raw ? xml_raw : "";
  free(xml_raw);
  bool persistent = virDomainIsPersistent(d.get()) == 1;
  virConnectPtr conn = virDomainGetConnect(d.get());
  if (virDomainDestroy(d.get()) < 0) {
    log_.log(LogLevel::error, "backend.destroy_failed", "domain={} error={}", quoted(domain), quoted(last_error()));
    return Result::failure;
  }
  // Destroy is synchronous in libvirt, but wait (bounded, 15 s) until the domain is really down.
  auto until = std::chrono::steady_clock::now() + std::chrono::seconds(15);
  for (;;) {
    Found g;
    DomainPtr again(lookup(domain, g));
    if (g == Found::no || (again && state_of(again.get()) == VIR_DOMAIN_SHUTOFF)) break;
    if (std::chrono::steady_clock::now() >= until) {
      log_.log(LogLevel::error, "backend.reboot_stuck", "domain={} reason={}", quoted(domain), quoted("still running 15 s after destroy"));
      return Result::failure;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  bool started = false;
  if (persistent) {
    started = virDomainCreate(d.get()) == 0;
  } else if (!xml.empty()) {
    DomainPtr n(virDomainCreateXML(conn, xml.c_str(), 0));
    started = n != nullptr;
  }
  // As fence_virtd: the fencing part (power off) succeeded, a failed restart is only logged.
  if (!started)
    log_.log(LogLevel::warning, "backend.restart_failed", "domain={} error={}", quoted(domain), quoted(last_error()));
  return Result::success;
}

Result LibvirtBackend::status(const std::string& domain) {
  Found f;
  DomainPtr d(lookup(domain, f));
  if (f == Found::error) return Result::failure;
  if (!d) return Result::off;  // fence_virtd reports an unknown domain as off
  int s = state_of(d.get());
  if (s < 0) return Result::failure;
  return s == VIR_DOMAIN_SHUTOFF ? Result::off : Result::success;
}

Result LibvirtBackend::monitor() {
  // A real round trip to libvirtd: a dead daemon is only noticed on I/O.
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!ensure_connected(attempt > 0)) return Result::failure;
    bool ok = true;
    for (auto* c : conns_)
      if (virConnectNumOfDomains(c) < 0) ok = false;
    if (ok) return Result::success;
  }
  return Result::failure;
}

bool LibvirtBackend::list(std::vector<HostRecord>& out) {
  for (int attempt = 0; attempt < 2; ++attempt) {
    if (!ensure_connected(attempt > 0)) return false;
    if (list_once(out)) return true;
  }
  return false;
}

bool LibvirtBackend::list_once(std::vector<HostRecord>& out) {
  out.clear();
  for (auto* c : conns_) {
    virDomainPtr* doms = nullptr;
    int n = virConnectListAllDomains(c, &doms, 0);
    if (n < 0) {
      log_.log(LogLevel::error, "backend.list_failed", "error={}", quoted(last_error()));
      return false;
    }
    for (int i = 0; i < n; ++i) {
      HostRecord h;
      if (const char* name = virDomainGetName(doms[i])) h.domain = name;
      char uuid[VIR_UUID_STRING_BUFLEN] = {};
      if (virDomainGetUUIDString(doms[i], uuid) == 0) h.uuid = uuid;
      int s = state_of(doms[i]);
      h.state = s < 0 ? 0 : static_cast<std::uint8_t>(s);
      out.push_back(std::move(h));
      virDomainFree(doms[i]);
    }
    free(doms);
  }
  std::stable_sort(out.begin(), out.end(), iequal_less);
  return true;
}

}  // namespace halab::fv
