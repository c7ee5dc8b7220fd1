// Without libFuzzer (gcc builds, the unit test run): feeds a fuzz target its
// corpus files plus a bounded number of deterministic mutations of them, so
// every build exercises the target. Usage: replay CORPUS_DIR [ITERATIONS]
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <vector>

#include "stack/core/random.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR [ITERATIONS]\n", argv[0]);
    return 2;
  }
  const int iterations = argc > 2 ? std::atoi(argv[2]) : 2000;
  std::vector<std::vector<std::uint8_t>> corpus;
  for (const auto& e : std::filesystem::directory_iterator(argv[1])) {
    std::ifstream in(e.path(), std::ios::binary);
    corpus.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  if (corpus.empty()) {
    std::fprintf(stderr, "%s: empty corpus %s\n", argv[0], argv[1]);
    return 1;
  }
  for (auto& c : corpus) LLVMFuzzerTestOneInput(c.data(), c.size());
  halab::core::Rng rng(42);
  for (int i = 0; i < iterations; ++i) {
    auto input = corpus[rng.below(corpus.size())];
    const int edits = 1 + int(rng.below(8));
    for (int k = 0; k < edits; ++k) {
      switch (rng.below(4)) {
        case 0:  // flip a byte
          if (!input.empty()) input[rng.below(input.size())] = std::uint8_t(rng.next());
          break;
        case 1:  // truncate
          input.resize(rng.below(input.size() + 1));
          break;
        case 2:  // insert a byte that matters to the grammar
          input.insert(input.begin() + rng.below(input.size() + 1),
                       std::uint8_t("{}:#\n \0x"[rng.below(8)]));
          break;
        case 3:  // duplicate a slice
          if (!input.empty()) {
            auto a = rng.below(input.size()), n = rng.below(input.size() - a + 1);
            std::vector<std::uint8_t> slice(input.begin() + a, input.begin() + a + n);
            input.insert(input.begin() + rng.below(input.size() + 1), slice.begin(), slice.end());
          }
          break;
      }
    }
    LLVMFuzzerTestOneInput(input.data(), input.size());
  }
  std::printf("%zu corpus inputs, %d mutations: ok\n", corpus.size(), iterations);
  return 0;
}
