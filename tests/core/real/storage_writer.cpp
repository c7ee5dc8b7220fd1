// A process for the kill -9 test: rewrites one file through FileStorage as
// fast as it can, alternating two large, distinct, self-describing contents:
//
//   "halab-kill9 <letter> <seq> <n>\n" followed by n bytes of <letter>
//
// with letter A for even seq and B for odd, n about 1 MiB. It continues the
// sequence found in the file, so across restarts seq only grows.
//
//   storage_writer DIR NAME
#include <cstdio>
#include <string>

#include <unistd.h>

#include "stack/core/real/file_storage.hpp"

using namespace halab::core;

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: storage_writer DIR NAME\n");
    return 64;
  }
  real::FileStorage storage(argv[1]);
  const std::string name = argv[2];
  unsigned long long seq = 0;
  if (auto old = storage.read_text(name)) {
    char letter;
    unsigned long long n;
    if (std::sscanf(old->c_str(), "halab-kill9 %c %llu %llu", &letter, &seq, &n) != 3) return 3;
  }
  // Tells the test that the write loop starts now (its kill clock starts here).
  storage.write("ready", std::to_string(getpid()), Sync::none);
  // Bounded: the test kills us long before; this only stops a runaway.
  for (int i = 0; i < 100000; ++i) {
    ++seq;
    const char letter = seq % 2 == 0 ? 'A' : 'B';
    const std::size_t n = (1u << 20) + seq % 4096;
    std::string content = "halab-kill9 " + std::string(1, letter) + " " + std::to_string(seq) + " " +
                          std::to_string(n) + "\n";
    content.append(n, letter);
    // Mostly durable: fsync time is time spent inside a write (more kills land
    // there) and keeps the disk traffic of the test small.
    storage.write(name, content, seq % 4 == 0 ? Sync::none : Sync::durable);
  }
  return 0;
}
