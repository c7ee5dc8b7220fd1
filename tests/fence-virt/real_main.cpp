// main() of the real fence-virt tests: one lab for the whole binary.
#include <gtest/gtest.h>

#include "tests/fence-virt/fv_lab.hpp"

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(halab::fv::test::FvLab::get());
  return RUN_ALL_TESTS();
}
