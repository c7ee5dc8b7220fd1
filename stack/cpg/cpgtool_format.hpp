#pragma once
// corosync-cpgtool's output and options, as a pure function of the group
// list, so `halab cpgtool` only fetches the groups and prints this.
//
//   corosync-cpgtool [-d delimiter] [-e] [-n] [-h]
//     (none)  "Group Name\t       PID\t   Node ID", then each group's name on
//             a line and one "\t\t%10u\t%10u (addresses)" line per member
//     -d D    delimited: "GRP_NAME D PID D NODEID" header, one line per
//             member "group D pid D nodeid" (only D's first character counts)
//     -e      group names printed raw (default: bytes outside printable
//             ASCII as \xHH, a backslash as \\)
//     -n      group names only, one per line (with -d: separated by D, one
//             newline at the end)
#include <functional>
#include <string>
#include <vector>

#include "stack/cpg/cpg.hpp"

namespace halab::cpg {

struct CpgtoolOptions {
  bool names_only = false;  // -n
  bool escape = true;       // cleared by -e
  char delimiter = 0;       // -d (0: the column layout)
  bool help = false;        // -h
};

struct CpgtoolArgs {
  CpgtoolOptions options;
  std::string error;  // getopt's complaint ("invalid option -- 'x'"), empty when fine
  bool ok() const { return error.empty(); }
};

// argv without the program name, parsed as getopt("hd:ne") does.
CpgtoolArgs parse_cpgtool_args(const std::vector<std::string>& args);
std::string cpgtool_usage(const std::string& prog);

// A node's addresses as corosync-cpgtool shows them in parentheses
// ("10.0.0.1 10.1.0.1"); empty when unknown.
using NodeAddresses = std::function<std::string(NodeId)>;

// `groups` as Cpg::groups() gives them (sorted by name, members sorted).
std::string format_cpgtool(const std::vector<GroupInfo>& groups, const CpgtoolOptions& options,
                           const NodeAddresses& addresses = {});

// A group name as corosync-cpgtool prints it.
std::string cpgtool_group_name(const std::string& name, bool escape);

}  // namespace halab::cpg
