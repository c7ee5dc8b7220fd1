#include "fence-virt/sim/libvirt_model.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "simnet/world.hpp"
#include "stack/core/assert.hpp"

namespace halab::fv::sim {

std::string model_uuid(const std::string& name) {
  // stable and unique enough for a model: the name's FNV-1a hash, spread over the UUID's digits
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : name) h = (h ^ c) * 1099511628211ull;
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08x-%04x-4%03x-8%03x-%012llx", unsigned(h >> 32), unsigned(h >> 16) & 0xffff,
                unsigned(h >> 4) & 0xfff, unsigned(h) & 0xfff, static_cast<unsigned long long>(h & 0xffffffffffffull));
  return buf;
}

LibvirtModel::LibvirtModel(std::string host_name, std::vector<VirtDomain> domains)
    : host_(std::move(host_name)), domains_(std::move(domains)) {
  for (auto& d : domains_)
    if (d.uuid.empty()) d.uuid = model_uuid(d.name);
}

int LibvirtModel::node_of(const std::string& dom) const {
  HALAB_ASSERT(w_ != nullptr);
  for (auto& d : domains_)
    if (d.name == dom || d.uuid == dom) return w_->node_index(d.node);
  return -1;
}

bool LibvirtModel::running(int n) const { return !w_->is_powered_off(n); }

Result LibvirtModel::off(const std::string& dom) {
  const int n = node_of(dom);
  if (n < 0) return Result::failure;
  if (running(n)) w_->fence(n, by(dom), false);  // virDomainDestroy; a domain already off stays off
  return Result::success;
}

Result LibvirtModel::on(const std::string& dom) {
  const int n = node_of(dom);
  if (n < 0) return Result::failure;
  if (!running(n)) {
    w_->trace().record_text(simnet::TraceKind::fence, w_->now(), static_cast<std::uint32_t>(n), 0, by(dom) + " on");
    w_->power_on(n);
  }
  return Result::success;
}

Result LibvirtModel::reboot(const std::string& dom) {
  const int n = node_of(dom);
  if (n < 0) return Result::failure;
  if (running(n)) {
    w_->fence(n, by(dom), true);
  } else {
    // fence_virtd leaves a domain that is off alone: the node is down, which is what fencing wanted
    w_->trace().record_text(simnet::TraceKind::fence, w_->now(), static_cast<std::uint32_t>(n), 0,
                            by(dom) + " reboot (already off)");
  }
  return Result::success;
}

Result LibvirtModel::status(const std::string& dom) {
  const int n = node_of(dom);
  if (n < 0) return Result::off;  // fence_virtd reports an unknown domain as off
  return running(n) ? Result::success : Result::off;
}

bool LibvirtModel::list(std::vector<HostRecord>& out) {
  HALAB_ASSERT(w_ != nullptr);
  out.clear();
  for (auto& d : domains_) {
    const int n = w_->node_index(d.node);
    out.push_back({d.name, d.uuid, static_cast<std::uint8_t>(n >= 0 && running(n) ? 1 : 5)});
  }
  std::stable_sort(out.begin(), out.end(), [](const HostRecord& a, const HostRecord& b) {
    return std::lexicographical_compare(a.domain.begin(), a.domain.end(), b.domain.begin(), b.domain.end(),
                                        [](unsigned char x, unsigned char y) { return std::tolower(x) < std::tolower(y); });
  });
  return true;
}

}  // namespace halab::fv::sim
