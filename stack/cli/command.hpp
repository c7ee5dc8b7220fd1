#pragma once
// halab's git-style subcommands. Each lives in its own cmd_*.cpp and is
// listed in commands.cpp; main() dispatches on argv[1].
#include <span>
#include <string_view>

namespace halab::cli {

struct Command {
  std::string_view name;
  std::string_view summary;
  // args[0] is the subcommand's name; returns the process exit code.
  int (*run)(std::span<char*> args);
};

std::span<const Command> commands();

}  // namespace halab::cli
