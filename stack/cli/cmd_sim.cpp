// Placeholder until simnet lands: replaced by the scenario runner.
#include <cstdio>

#include "stack/cli/command.hpp"

namespace halab::cli {
int run_sim(std::span<char*> args) {
  std::fprintf(stderr, "halab sim: not built yet\n");
  return 1;
}
}  // namespace halab::cli
