#include "stack/cib/store.hpp"

#include "stack/core/assert.hpp"
#include "stack/core/error.hpp"

namespace halab::cib {

using core::Sync;

CibStore::CibStore(core::Storage& storage, std::string dir, int max_backups)
    : storage_(storage), dir_(std::move(dir)), max_backups_(max_backups) {
  HALAB_ASSERT(max_backups_ >= 1);
}

std::string CibStore::path(std::string_view file) const {
  return dir_.empty() ? std::string(file) : dir_ + "/" + std::string(file);
}

std::optional<Cib> CibStore::load() const {
  auto text = storage_.read_text(path("cib.xml"));
  if (!text) return std::nullopt;
  Cib cib = Cib::parse(*text, path("cib.xml"));
  auto sig = storage_.read_text(path("cib.xml.sig"));
  if (!sig) return cib;  // pacemaker accepts a CIB without a signature
  std::string want = *sig;
  while (!want.empty() && (want.back() == '\n' || want.back() == ' ')) want.pop_back();
  const std::string have = md5_hex(*text);
  if (want == have) return cib;
  // A stale signature left by a crash between cib.xml and cib.xml.sig is
  // the newest backup's signature.
  if (auto last = storage_.read_text(path("cib.last"))) {
    auto bsig = storage_.read_text(path("cib-" + std::string(*last) + ".raw.sig"));
    if (bsig && *bsig == *sig) return cib;
  }
  throw core::Error(path("cib.xml") + ": digest " + have + " does not match " + path("cib.xml.sig") + " (" + want +
                    "); the file is corrupt");
}

std::vector<int> CibStore::backups() const {
  std::vector<std::pair<int, int>> found;  // (age rank, n)
  auto last = storage_.read_text(path("cib.last"));
  int newest = last ? std::atoi(last->c_str()) : -1;
  for (const auto& f : storage_.list(dir_)) {
    if (!f.starts_with("cib-") || !f.ends_with(".raw")) continue;
    int n = std::atoi(f.c_str() + 4);
    int age = (newest - n + max_backups_) % max_backups_;  // 0 = newest
    found.emplace_back(-age, n);
  }
  std::sort(found.begin(), found.end());
  std::vector<int> out;
  for (auto [a, n] : found) out.push_back(n);
  return out;
}

std::optional<Cib> CibStore::load_backup(int n) const {
  const std::string f = path("cib-" + std::to_string(n) + ".raw");
  auto text = storage_.read_text(f);
  if (!text) return std::nullopt;
  return Cib::parse(*text, f);
}

void CibStore::save(const Cib& cib) {
  const std::string text = cib.to_xml();
  if (auto old = storage_.read_text(path("cib.xml"))) {
    int n = 0;
    if (auto last = storage_.read_text(path("cib.last"))) n = (std::atoi(last->c_str()) + 1) % max_backups_;
    const std::string b = path("cib-" + std::to_string(n) + ".raw");
    storage_.write(b, *old, Sync::durable);
    storage_.write(b + ".sig", md5_hex(*old), Sync::durable);
    storage_.write(path("cib.last"), std::to_string(n), Sync::durable);
  }
  storage_.write(path("cib.xml"), text, Sync::durable);
  storage_.write(path("cib.xml.sig"), md5_hex(text), Sync::durable);
}

}  // namespace halab::cib
