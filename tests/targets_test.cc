// Target listing, forcing and the SIMDPOOL_TARGET environment variable.
#include <cstdlib>
#include <string>

#include "hwy/targets.h"
#include "kernels.h"
#include "targets.h"
#include "test_util.h"

namespace simdpool {
namespace test {
namespace {

bool Contains(const std::vector<std::string>& list, const std::string& name) {
  for (const std::string& s : list) {
    if (s == name) return true;
  }
  return false;
}

TEST(Targets, ListsAreConsistent) {
  const std::vector<std::string> compiled = CompiledTargets();
  const std::vector<std::string> supported = SupportedTargets();
  ASSERT_FALSE(supported.empty());
  EXPECT_EQ(compiled.back(), "reference");
  EXPECT_EQ(supported.back(), "reference");
  for (const std::string& t : supported) EXPECT_TRUE(Contains(compiled, t)) << t;
  // The default is the best (first) supported target.
  if (std::getenv("SIMDPOOL_TARGET") == nullptr) {
    EXPECT_EQ(ActiveTarget(), supported.front());
  }
}

#if defined(__x86_64__)
// Highway 1.0.3 with GCC 12 attains these x86 targets; a build that lost one
// (e.g. a different target policy) must fail here, not skip silently.
TEST(Targets, CompilesEveryAttainableX86Target) {
  const std::vector<std::string> compiled = CompiledTargets();
  for (const char* t : {"AVX3", "AVX2", "SSE4", "SSSE3"}) EXPECT_TRUE(Contains(compiled, t)) << t;
  EXPECT_TRUE(Contains(compiled, "SCALAR") || Contains(compiled, "EMU128"));
}
#elif defined(__aarch64__)
// Highway 1.0.3 with GCC 12 attains these without any -march flag.
TEST(Targets, CompilesEveryAttainableArmTarget) {
  const std::vector<std::string> compiled = CompiledTargets();
  for (const char* t : {"SVE2_128", "SVE_256", "SVE2", "SVE", "NEON"}) {
    EXPECT_TRUE(Contains(compiled, t)) << t;
  }
  EXPECT_TRUE(Contains(compiled, "SCALAR") || Contains(compiled, "EMU128"));
}
#endif

// Run by ctest under each emulated CPU (see tests/CMakeLists.txt) with the
// target that CPU must select, e.g. SVE_256 for qemu -cpu max,sve256=on: the
// automatic choice is that target and its dispatch runs that target's code.
TEST(Targets, BestIsExpected) {
  const char* expected = std::getenv("SIMDPOOL_EXPECT_BEST_TARGET");
  if (expected == nullptr || *expected == '\0') GTEST_SKIP() << "SIMDPOOL_EXPECT_BEST_TARGET not set";
  ASSERT_EQ(std::getenv("SIMDPOOL_TARGET"), nullptr) << "SIMDPOOL_TARGET overrides the choice";
  ASSERT_TRUE(ForceTarget("").ok());
  EXPECT_EQ(SupportedTargets().front(), expected);
  EXPECT_EQ(ActiveTarget(), expected);
  int64_t target = 0;
  std::string error;
  ASSERT_TRUE(internal::ActiveTarget(&target, &error)) << error;
  ASSERT_NE(target, internal::kReferenceTarget);
  EXPECT_STREQ(hwy::TargetName(kernels::KernelTargetFor(target)), expected);
}

TEST(Targets, ForceRejectsUnknownAndKeepsChoice) {
  ASSERT_TRUE(ForceTarget("reference").ok());
  const Status status = ForceTarget("NEON_BF16_XYZ");
  EXPECT_EQ(status.code(), SIMDPOOL_INVALID_ARGUMENT);
  EXPECT_NE(status.message().find("target=NEON_BF16_XYZ"), std::string::npos) << status.message();
  EXPECT_EQ(ActiveTarget(), "reference");
  EXPECT_TRUE(ForceTarget("auto").ok());
  EXPECT_TRUE(ForceTarget("").ok());
}

TEST(Targets, ForceIsCaseInsensitive) {
  const std::string best = SupportedTargets().front();
  std::string lower = best;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  ASSERT_TRUE(ForceTarget(lower).ok());
  EXPECT_EQ(ActiveTarget(), best);
  ForceTarget("");
}

// Run by ctest with SIMDPOOL_TARGET set (see tests/CMakeLists.txt).
TEST(EnvTarget, FollowsEnvironment) {
  const char* value = std::getenv("SIMDPOOL_TARGET");
  if (value == nullptr) GTEST_SKIP() << "SIMDPOOL_TARGET not set";
  const std::string name = value;
  Problem2D problem(Op::kMax, Layout::kNCHW, 1, 1, 2, 2);
  problem.Kernel(2, 2);
  const float in[4] = {1, 2, 3, 4};
  float out = 0;
  const Status status = simdpool::Run(problem, in, &out);
  if (Contains(SupportedTargets(), name)) {
    EXPECT_TRUE(status.ok()) << status.message();
    EXPECT_EQ(ActiveTarget(), name);
    EXPECT_EQ(out, 4.0f);
  } else {
    // An unusable value fails every run, loudly, until a target is forced.
    EXPECT_EQ(status.code(), SIMDPOOL_INVALID_ARGUMENT);
    EXPECT_NE(status.message().find("SIMDPOOL_TARGET"), std::string::npos) << status.message();
    EXPECT_EQ(out, 0.0f);
    ASSERT_TRUE(ForceTarget("").ok());
    EXPECT_TRUE(simdpool::Run(problem, in, &out).ok());
    EXPECT_EQ(out, 4.0f);
  }
}

}  // namespace
}  // namespace test
}  // namespace simdpool
