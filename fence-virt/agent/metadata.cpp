// The agent's self-description: usage text and the fence-agents metadata XML pacemaker reads
// (which of plug/port exists, and the list/status/reboot/on actions).
#include <string>

#include "fence-virt/agent/options.hpp"

namespace halab::fv {

namespace {
struct Param {
  const char* name;
  const char* flag;  // getopt "mixed" form, "" for stdin-only
  const char* type;
  const char* deflt;  // nullptr: no default
  const char* attrs;  // extra attributes on <parameter>
  bool required;
  const char* text;
};

constexpr Param kParams[] = {
    {"debug", "-d", "boolean", nullptr, "", false, "Raise the debug level (stdin: set it)"},
    {"ip_family", "-i", "string", "auto", "", false, "IP family of the multicast group ([auto], ipv4, ipv6)"},
    {"multicast_address", "-a", "string", nullptr, "", false, "Multicast group of the host daemons (default 225.0.0.12 / ff05::3:1)"},
    {"ipport", "-p", "string", "1229", "", false, "Multicast, TCP or vsock port of the host daemon (default 1229)"},
    {"retrans", "-r", "string", "20", "", false, "Multicast retransmit interval in tenths of a second (default 20)"},
    {"auth", "-C", "string", "sha256", "", false, "Challenge-response algorithm (none, sha1, [sha256], sha512)"},
    {"hash", "-c", "string", "sha256", "", false, "Request signature hash (none, sha1, [sha256], sha512)"},
    {"key_file", "-k", "string", "/etc/cluster/fence_xvm.key", "", false, "Key shared with the host daemon (default /etc/cluster/fence_xvm.key)"},
    {"plug", "-n", "string", nullptr, " obsoletes=\"port\"", true, "Virtual machine (libvirt domain name or UUID) to fence"},
    {"port", "-H", "string", nullptr, " deprecated=\"1\"", true, "Virtual machine (libvirt domain name or UUID) to fence"},
    {"use_uuid", "-u", "string", "0", "", false, "Accepted for fence_xvm compatibility; the host daemon detects UUIDs itself"},
    {"ipaddr", "-T", "string", nullptr, "", false, "Talk to a TCP listener at this address instead of multicast"},
    {"vsock", "-S", "string", nullptr, "", false, "Talk to a vsock listener at this CID (2 = the host) instead of multicast"},
    {"action", "-o", "string", "reboot", "", false, "Fencing action (null, off, on, [reboot], status, list, list-status, monitor, validate-all, metadata)"},
    {"timeout", "-t", "string", "30", "", false, "Fencing timeout in seconds (default 30)"},
    {"delay", "-w", "string", "0", "", false, "Wait this many seconds before off, on or reboot (default 0)"},
    {"domain", "", "string", nullptr, " deprecated=\"1\"", false, "Virtual machine to fence (deprecated; use plug)"},
};
}  // namespace

std::string agent_usage() {
  std::string s =
      "usage: fence_halab_virt [options]\n\n"
      "Fences libvirt virtual machines through halab-fence-virtd or fence_virtd.\n"
      "NOTE: reboot does not power on a virtual machine that is off.\n\n";
  for (const auto& p : kParams) {
    if (!*p.flag) continue;
    std::string left = std::string("  ") + p.flag + (std::string(p.type) == "boolean" ? "" : " <" + std::string(p.name) + ">");
    left.resize(24, ' ');
    s += left + p.text + "\n";
  }
  s += "  -h                    This help\n  -V                    Print the version\n\n"
       "With no command line arguments, options are read from standard input,\n"
       "one name=value per line (the names in <> above, or plug/port/domain).\n";
  return s;
}

std::string agent_metadata_xml() {
  std::string x =
      "<?xml version=\"1.0\" ?>\n"
      "<resource-agent name=\"fence_halab_virt\" shortdesc=\"Fence agent for libvirt virtual machines (halab)\">\n"
      "<longdesc>fence_halab_virt asks a host daemon (halab-fence-virtd or fence_virtd) to power off, power on, "
      "reboot or query a libvirt virtual machine. It speaks the fence_xvm protocol: a signed request by "
      "multicast (default), TCP or vsock, and a mutual challenge-response before the result.\n\n"
      "NOTE: reboot does not power on a virtual machine that is off.</longdesc>\n"
      "<vendor-url>https://libvirt.org</vendor-url>\n"
      "<parameters>\n";
  for (const auto& p : kParams) {
    x += std::string("\t<parameter name=\"") + p.name + "\" unique=\"0\" required=\"" + (p.required ? "1" : "0") + "\"" + p.attrs + ">\n";
    x += std::string("\t\t<getopt mixed=\"") + p.flag + "\" />\n";
    x += std::string("\t\t<content type=\"") + p.type + "\"" + (p.deflt ? std::string(" default=\"") + p.deflt + "\"" : "") + " />\n";
    x += std::string("\t\t<shortdesc lang=\"en\">") + p.text + "</shortdesc>\n";
    x += "\t</parameter>\n";
  }
  x += "</parameters>\n<actions>\n";
  for (const char* a : {"null", "on", "off", "reboot", "metadata", "status", "monitor", "list", "list-status", "validate-all"})
    x += std::string("\t<action name=\"") + a + "\" />\n";
  x += "</actions>\n</resource-agent>\n";
  return x;
}

}  // namespace halab::fv
