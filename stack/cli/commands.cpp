#include "stack/cli/command.hpp"

namespace halab::cli {

// One line per subcommand; each is defined in its own cmd_*.cpp.
int run_sim(std::span<char*> args);
int run_keygen(std::span<char*> args);
int run_crm(std::span<char*> args);
int run_ra(std::span<char*> args);

std::span<const Command> commands() {
  static const Command table[] = {
      {"sim", "run a simnet scenario and print its trace hash", run_sim},
      {"keygen", "write the cluster's authkey (as corosync-keygen)", run_keygen},
      {"crm", "crmsh's shell: configure the CIB (CIB_file=PATH works on a file)", run_crm},
      {"ra", "resource agents: classes, list, info/meta (as crm ra)", run_ra},
  };
  return table;
}

}  // namespace halab::cli
