// Times what the CIB layer does with a whole CIB file: parse, validate
// against pacemaker's RelaxNG schema, serialize. Prints the best and mean
// wall time over N runs (bench/cib_vs_pacemaker.sh compares with
// crm_verify and cibadmin on the same file).
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>

#include "stack/cib/cib.hpp"
#include "stack/cib/schema.hpp"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: halab_cib_bench CIB.xml [RUNS]\n");
    return 2;
  }
  const int runs = argc > 2 ? std::atoi(argv[2]) : 5;
  std::ifstream f(argv[1]);
  std::stringstream ss;
  ss << f.rdbuf();
  const std::string text = ss.str();
  double best = 1e30, total = 0;
  std::size_t out_size = 0;
  for (int i = 0; i < runs; ++i) {
    const auto t0 = std::chrono::steady_clock::now();
    halab::cib::SchemaValidator schema;  // includes loading the schema, as crm_verify does
    auto cib = halab::cib::Cib::parse(text, argv[1]);
    auto errs = schema.validate(cib);
    if (!errs.empty()) {
      std::fprintf(stderr, "invalid: %s\n", errs.front().str().c_str());
      return 1;
    }
    out_size = cib.to_xml().size();
    const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    best = std::min(best, ms);
    total += ms;
  }
  std::printf("halab parse+validate+serialize: best %.1f ms, mean %.1f ms over %d runs (%zu bytes out)\n", best,
              total / runs, runs, out_size);
  return 0;
}
