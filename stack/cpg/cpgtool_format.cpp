#include "stack/cpg/cpgtool_format.hpp"

#include <fmt/format.h>

namespace halab::cpg {

CpgtoolArgs parse_cpgtool_args(const std::vector<std::string>& args) {
  CpgtoolArgs out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const auto& a = args[i];
    if (a == "--") break;
    if (a.size() < 2 || a[0] != '-') continue;  // getopt leaves operands alone; cpgtool ignores them
    for (std::size_t k = 1; k < a.size(); ++k) {
      const char c = a[k];
      if (c == 'h') {
        out.options.help = true;
      } else if (c == 'n') {
        out.options.names_only = true;
      } else if (c == 'e') {
        out.options.escape = false;
      } else if (c == 'd') {
        std::string value;
        if (k + 1 < a.size()) {
          value = a.substr(k + 1);
        } else if (i + 1 < args.size()) {
          value = args[++i];
        } else {
          out.error = "option requires an argument -- 'd'";
          return out;
        }
        if (!value.empty()) out.options.delimiter = value[0];
        break;
      } else {
        out.error = fmt::format("invalid option -- '{}'", c);
        return out;
      }
    }
  }
  return out;
}

std::string cpgtool_usage(const std::string& prog) {
  return fmt::format(
      "{} [-d delimiter] [-e] [-n] [-h]\n\n"
      "A tool for displaying cpg groups and members.\n"
      "options:\n"
      "\t-d\tDelimiter between fields.\n"
      "\t-e\tDon't escape unprintable characters in group name.\n"
      "\t-n\tDisplay only all existing group names.\n"
      "\t-h\tDisplay this help.\n",
      prog);
}

std::string cpgtool_group_name(const std::string& name, bool escape) {
  std::string out;
  for (unsigned char c : name) {
    if (!escape || (c >= ' ' && c < 0x7f && c != '\\')) {
      out += char(c);
    } else if (c == '\\') {
      out += "\\\\";
    } else {
      // corosync prints a signed char here, so bytes >= 0x80 come out as
      // \xFFFFFF80; we print the byte's two digits.
      out += fmt::format("\\x{:02X}", c);
    }
  }
  return out;
}

std::string format_cpgtool(const std::vector<GroupInfo>& groups, const CpgtoolOptions& o,
                           const NodeAddresses& addresses) {
  std::string out;
  const char d = o.delimiter;
  if (o.names_only) {
    for (const auto& g : groups) {
      out += cpgtool_group_name(g.name, o.escape);
      out += d ? d : '\n';
    }
    if (d) out += '\n';
    return out;
  }
  if (d)
    out += fmt::format("GRP_NAME{}PID{}NODEID\n", d, d);
  else
    out += fmt::format("Group Name\t{:>10}\t{:>10}\n", "PID", "Node ID");
  for (const auto& g : groups) {
    const auto name = cpgtool_group_name(g.name, o.escape);
    if (!d) out += name + "\n";
    for (const auto& m : g.members) {
      if (d)
        out += fmt::format("{}{}{}{}{}\n", name, d, m.pid, d, m.node);
      else
        out += fmt::format("\t\t{:>10}\t{:>10} ({})\n", m.pid, m.node, addresses ? addresses(m.node) : "");
    }
  }
  return out;
}

}  // namespace halab::cpg
