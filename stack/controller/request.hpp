#pragma once
// CIB update requests, as cibadmin knows them (--replace, --create,
// --modify, --delete, --patch), and how one is applied to a CIB.
#include <cstdint>
#include <string>

#include "stack/cib/cib.hpp"

namespace halab::controller {

enum class RequestOp : std::uint8_t {
  // Replace the section named by `section` ("configuration", "status", or a
  // configuration section such as "resources") with `xml`, an element of the
  // same name (cibadmin --replace -o SECTION).
  replace_section = 1,
  // Add `xml` as a child of `section` (cibadmin --create -o SECTION); refused
  // when an element with its id already exists.
  create = 2,
  // Merge `xml` into the element with its id (or, for an element without
  // id, the section of that name): attributes set, child elements merged
  // recursively, missing children created (cibadmin --modify).
  modify = 3,
  // Delete the element with `xml`'s tag and id (cibadmin --delete).
  remove = 4,
  // Apply `xml`, a v2 patchset (crm configure commit's result, crm_diff's
  // output). Its source version must be the CIB's current version: a patch
  // made against an older CIB is refused rather than merged blindly.
  apply_patch = 5,
};
const char* to_string(RequestOp op);

struct Request {
  RequestOp op = RequestOp::modify;
  std::string section;  // replace_section, create: required; modify, remove: optional scope
  std::string xml;
  // Accepted by a DC without quorum even when updates need quorum: for the
  // status a partition must record about itself (its resources stopping
  // under no-quorum-policy). Such an update may be lost at the merge when
  // the quorate side's CIB wins; use it for nothing an administrator asked.
  bool even_without_quorum = false;
};

// The request that turns `from` into `to`: an apply_patch with their v2
// patchset. What `crm configure ... commit` against the live cluster sends:
// `from` is the CIB the shell read, `to` what it wants written. It applies
// only while the cluster's CIB is still at `from`'s version.
Request patch_request(const cib::Cib& from, const cib::Cib& to);

// Applies `r` to `cib` in place; throws core::Error with a message naming
// the request and what is wrong (bad XML with its line, unknown section,
// missing element, id clash, version mismatch). The version attributes are
// left as they were: bump_version() decides.
void apply_request(cib::Cib& cib, const Request& r);

// Bumps `after`'s version past `before`'s as pacemaker does: a change to the
// configuration (or validate-with) bumps epoch and resets num_updates,
// anything else (status, have-quorum, dc-uuid) bumps num_updates.
// Returns false (version untouched) when nothing changed.
bool bump_version(const cib::Cib& before, cib::Cib& after);

}  // namespace halab::controller
