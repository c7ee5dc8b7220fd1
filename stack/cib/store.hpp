#pragma once
// Crash-safe persistence of the CIB in a node's core::Storage, laid out as
// pacemaker keeps /var/lib/pacemaker/cib:
//   cib.xml, cib.xml.sig        the current CIB and its md5 digest
//   cib-N.raw, cib-N.raw.sig    numbered backups of previous CIBs
//   cib.last                    N of the newest backup
// Backups are numbered 0..max_backups-1 and wrap, so at most max_backups are
// kept. Every write is atomic and durable (core::Storage, Sync::durable).
//
// Save order: backup the current CIB (cib-N.raw, its sig, cib.last), then
// cib.xml, then cib.xml.sig. A crash at any point leaves cib.xml old or new,
// complete. A sig that matches neither cib.xml nor anything is corruption;
// a stale sig that matches the newest backup means the crash fell between
// cib.xml and its sig, and the (atomically written) cib.xml is accepted.
#include <optional>
#include <string>

#include "stack/cib/cib.hpp"
#include "stack/core/storage.hpp"

namespace halab::cib {

class CibStore {
 public:
  explicit CibStore(core::Storage& storage, std::string dir = "cib", int max_backups = 10);

  // The stored CIB, or nullopt when none was ever saved. Throws core::Error
  // naming the file when cib.xml is unreadable or fails its digest.
  std::optional<Cib> load() const;
  void save(const Cib& cib);

  std::string path(std::string_view file) const;
  int max_backups() const { return max_backups_; }
  // Backup numbers present, oldest first.
  std::vector<int> backups() const;
  std::optional<Cib> load_backup(int n) const;

 private:
  core::Storage& storage_;
  std::string dir_;
  int max_backups_;
};

}  // namespace halab::cib
