#include "stack/cli/command.hpp"

namespace halab::cli {

// One line per subcommand; each is defined in its own cmd_*.cpp.
int run_sim(std::span<char*> args);
int run_simulate(std::span<char*> args);

std::span<const Command> commands() {
  static const Command table[] = {
      {"sim", "run a simnet scenario and print its trace hash", run_sim},
      {"simulate", "run the scheduler on a CIB, as crm_simulate does", run_simulate},
  };
  return table;
}

}  // namespace halab::cli
