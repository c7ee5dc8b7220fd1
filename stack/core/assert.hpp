#pragma once
// Invariant assertions that stay on in release builds (TigerBeetle style):
// a broken invariant in a cluster stack must stop the process, not corrupt
// the cluster. Use for programming errors, never for bad input.
#include <cstdio>
#include <cstdlib>

namespace halab::core {
[[noreturn]] inline void assert_fail(const char* expr, const char* file, int line, const char* msg) {
  std::fprintf(stderr, "halab: assertion failed: %s (%s) at %s:%d\n", expr, msg ? msg : "", file, line);
  std::fflush(stderr);
  std::abort();
}
}  // namespace halab::core

#define HALAB_ASSERT(expr) \
  ((expr) ? (void)0 : ::halab::core::assert_fail(#expr, __FILE__, __LINE__, nullptr))
#define HALAB_ASSERT_MSG(expr, msg) \
  ((expr) ? (void)0 : ::halab::core::assert_fail(#expr, __FILE__, __LINE__, (msg)))
