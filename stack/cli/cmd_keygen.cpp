// halab keygen [-l] [-k FILE] [-s BYTES]: writes the cluster's authkey, as
// corosync-keygen does. The key's bytes come straight from the kernel
// (/dev/random, or /dev/urandom with -l): this is a tool, not stack code,
// and the key is the one secret that must not come from a seeded engine.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "stack/cli/command.hpp"
#include "stack/core/error.hpp"
#include "stack/totem/authkey_file.hpp"

namespace halab::cli {

namespace {
void keygen_usage(std::FILE* out) {
  std::fprintf(out,
               "usage: halab keygen [-l] [-k FILE] [-s BYTES]\n"
               "  -k FILE   where to write the key (default /etc/halab/authkey)\n"
               "  -l        use the less secure /dev/urandom instead of /dev/random\n"
               "  -s BYTES  key size, %zu to %zu (default %zu)\n",
               totem::kAuthkeyMin, totem::kAuthkeyMax, totem::kAuthkeyDefault);
}
}  // namespace

int run_keygen(std::span<char*> args) {
  std::string path = "/etc/halab/authkey";
  const char* source = "/dev/random";
  std::size_t size = totem::kAuthkeyDefault;
  for (std::size_t i = 1; i < args.size(); ++i) {
    const std::string a = args[i];
    if (a == "-l") {
      source = "/dev/urandom";
    } else if (a == "-k" && i + 1 < args.size()) {
      path = args[++i];
    } else if (a == "-s" && i + 1 < args.size()) {
      char* end = nullptr;
      const unsigned long v = std::strtoul(args[++i], &end, 10);
      if (*end != '\0' || v < totem::kAuthkeyMin || v > totem::kAuthkeyMax) {
        std::fprintf(stderr, "halab keygen: key size '%s' is not %zu..%zu\n", args[i], totem::kAuthkeyMin,
                     totem::kAuthkeyMax);
        return 2;
      }
      size = v;
    } else if (a == "-h" || a == "--help") {
      keygen_usage(stdout);
      return 0;
    } else {
      std::fprintf(stderr, "halab keygen: unexpected argument '%s'\n", a.c_str());
      keygen_usage(stderr);
      return 2;
    }
  }
  std::printf("halab Cluster Engine Authentication key generator.\n");
  std::printf("Gathering %zu bits for key from %s.\n", size * 8, source);
  std::fflush(stdout);
  core::Bytes key(size);
  const int fd = ::open(source, O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw core::Error(std::string("cannot open ") + source, {errno, std::generic_category()});
  std::size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, key.data() + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      ::close(fd);
      throw core::Error(std::string("cannot read ") + source, {errno, std::generic_category()});
    }
    got += std::size_t(n);
  }
  ::close(fd);
  std::printf("Writing halab key to %s.\n", path.c_str());
  totem::write_authkey_file(path, key);
  return 0;
}

}  // namespace halab::cli
