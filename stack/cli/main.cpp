#include <cstdio>
#include <cstring>
#include <exception>
#include <string_view>

#include "stack/cli/command.hpp"

using halab::cli::commands;

static void usage(std::FILE* out) {
  std::fprintf(out, "usage: halab <command> [options]\n\ncommands:\n");
  for (const auto& c : commands())
    std::fprintf(out, "  %-12.*s %.*s\n", int(c.name.size()), c.name.data(), int(c.summary.size()), c.summary.data());
  std::fprintf(out, "\n'halab <command> --help' describes one command.\n");
}

int main(int argc, char** argv) {
  if (argc < 2 || std::strcmp(argv[1], "--help") == 0 || std::strcmp(argv[1], "-h") == 0 ||
      std::strcmp(argv[1], "help") == 0) {
    usage(argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (std::strcmp(argv[1], "--version") == 0) {
    std::printf("halab %s\n", HALAB_VERSION);
    return 0;
  }
  const std::string_view name = argv[1];
  for (const auto& c : commands()) {
    if (c.name != name) continue;
    try {
      return c.run(std::span<char*>(argv + 1, argc - 1));
    } catch (const std::exception& e) {
      std::fprintf(stderr, "halab %s: %s\n", argv[1], e.what());
      return 1;
    }
  }
  std::fprintf(stderr, "halab: '%s' is not a halab command. See 'halab --help'.\n", argv[1]);
  return 2;
}
