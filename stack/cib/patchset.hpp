#pragma once
// Pacemaker's v2 patchsets (<diff format="2">, as crm_diff writes them):
// diff two CIBs, apply a patchset to a CIB, refuse one whose source version
// is not the CIB's version.
#include <string>

#include "stack/cib/cib.hpp"

namespace halab::cib {

// The patchset turning `from` into `to`. Changes: delete (removed elements),
// then in document order of `to`: modify (attributes), create (new
// elements, at their position), move (reordered siblings).
XmlDocPtr diff(const Cib& from, const Cib& to);
std::string diff_xml(const Cib& from, const Cib& to);
// True when the patchset has no change (only the version block).
bool patch_is_empty(const xmlDoc* patch);

// Applies `patch` to `cib`. Throws core::Error, leaving `cib` unchanged, when
// the patch's source version differs from cib.version() (unless
// check_version is false), or a change names a path that does not exist.
void apply(Cib& cib, const xmlDoc* patch, bool check_version = true);
XmlDocPtr parse_patch(std::string_view text, std::string_view source);

}  // namespace halab::cib
