// Test entry point: prints the compiled and supported targets before the run
// and the targets the tests exercised after it, so a skipped target is seen.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <mutex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "hwy/targets.h"
#include "kernels.h"
#include "test_util.h"

namespace simdpool {
namespace test {
namespace {

std::mutex g_mutex;
std::set<std::string>* g_exercised = new std::set<std::string>;

std::string Join(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : " ") + n;
  return s;
}

// SIMDPOOL_TEST_SCALE, or 100 if unset or not a positive integer.
int TestScalePercent() {
  const char* value = std::getenv("SIMDPOOL_TEST_SCALE");
  if (value == nullptr) return 100;
  char* end = nullptr;
  const long percent = std::strtol(value, &end, 10);
  return (end != value && *end == '\0' && percent > 0 && percent <= 100000) ? static_cast<int>(percent)
                                                                        : 100;
}

class TargetReport : public ::testing::Environment {
 public:
  void SetUp() override {
    std::printf("simdpool targets compiled:  %s\n", Join(CompiledTargets()).c_str());
    std::printf("simdpool targets supported: %s\n", Join(SupportedTargets()).c_str());
    std::printf("simdpool default target:    %s\n", ActiveTarget().c_str());
    if (std::getenv("SIMDPOOL_TEST_TARGETS") != nullptr) {
      std::printf("simdpool targets to test:   %s\n", Join(TestTargets()).c_str());
    }
    if (TestScalePercent() != 100) std::printf("simdpool test scale:        %d%%\n", TestScalePercent());
  }
  void TearDown() override {
    std::lock_guard<std::mutex> lock(g_mutex);
    std::vector<std::string> ran(g_exercised->begin(), g_exercised->end());
    std::printf("simdpool targets exercised: %s\n", ran.empty() ? "(none)" : Join(ran).c_str());
  }
};

}  // namespace

// Names as SupportedTargets spells them; any other name's tests fail in
// ScopedTarget, so a target the CPU lacks cannot pass unseen.
std::vector<std::string> TestTargets() {
  const char* value = std::getenv("SIMDPOOL_TEST_TARGETS");
  if (value == nullptr) return SupportedTargets();
  std::vector<std::string> listed;
  std::stringstream list(value);
  for (std::string name; std::getline(list, name, ',');) listed.push_back(name);
  return listed;
}

ScopedTarget::ScopedTarget(const std::string& target) {
  const Status status = ForceTarget(target);
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(ActiveTarget(), target);
  if (target == "reference") return;
  // The dispatch table entry for this target must hold that target's code.
  for (int64_t bits = kernels::CompiledTargets(); bits != 0; bits &= bits - 1) {
    const int64_t bit = bits & -bits;
    if (target == hwy::TargetName(bit)) {
      EXPECT_EQ(kernels::KernelTargetFor(bit), bit) << target;
      return;
    }
  }
  ADD_FAILURE() << "target " << target << " is not compiled in";
}

void NoteTargetExercised(const std::string& target) {
  std::lock_guard<std::mutex> lock(g_mutex);
  g_exercised->insert(target);
}

int ScaledCount(int count) {
  const long long scaled = static_cast<long long>(count) * TestScalePercent() / 100;
  return scaled < 1 ? 1 : static_cast<int>(scaled);
}

std::vector<float> RandomData(size_t n, std::mt19937_64& rng, int nan_odds, bool negative_zeros) {
  std::uniform_int_distribution<int> small(-4, 4), kind(0, 39), nan(0, nan_odds - 1);
  std::uniform_real_distribution<float> real(-100.0f, 100.0f);
  std::vector<float> v(n);
  for (float& x : v) {
    const int k = kind(rng);
    if (k <= 3 && nan_odds > 40 && nan(rng) >= 40) {  // a NaN or inf made rarer: a small integer instead
      x = static_cast<float>(small(rng));
      continue;
    }
    switch (k) {
      case 0: x = std::numeric_limits<float>::quiet_NaN(); break;
      case 1: x = -std::numeric_limits<float>::quiet_NaN(); break;
      case 2: x = std::numeric_limits<float>::infinity(); break;
      case 3: x = -std::numeric_limits<float>::infinity(); break;
      case 4: x = negative_zeros ? -0.0f : 0.0f; break;
      case 5: x = 0.0f; break;
      default: x = (kind(rng) < 20) ? static_cast<float>(small(rng)) : real(rng);
    }
  }
  return v;
}

Outputs RunReference(const Problem2D& problem, const std::vector<float>& input, bool with_indices) {
  simdpool_shape shape;
  Outputs out;
  EXPECT_TRUE(OutputShape(problem, &shape).ok());
  out.values.assign(static_cast<size_t>(shape.elements), 0.0f);
  if (with_indices) out.indices.assign(static_cast<size_t>(shape.elements), 0);
  const std::string previous = ActiveTarget();
  EXPECT_TRUE(ForceTarget("reference").ok());
  Problem2D int64_problem = problem;
  int64_problem.IndexType(SIMDPOOL_INDEX_INT64);
  const Status status =
      Run(int64_problem, input.data(), out.values.data(), with_indices ? out.indices.data() : nullptr);
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_TRUE(ForceTarget(previous).ok());
  return out;
}

namespace {

template <typename Index>
void RunGuardedWith(const Problem2D& problem, const std::vector<float>& input, bool with_indices, Guard guard,
                    Outputs* actual) {
  simdpool_shape shape;
  ASSERT_TRUE(OutputShape(problem, &shape).ok());
  const size_t n = static_cast<size_t>(shape.elements);
  GuardedBuffer<float> in(input.size(), guard);
  std::copy(input.begin(), input.end(), in.data());
  GuardedBuffer<float> out(n, guard);
  GuardedBuffer<Index> idx(with_indices ? n : 1, guard);
  Plan plan;
  Status status = Plan::Create(problem, &plan);
  ASSERT_TRUE(status.ok()) << status.message();
  status = plan.Run(in.data(), out.data(), with_indices ? idx.data() : nullptr);
  ASSERT_TRUE(status.ok()) << status.message();
  ASSERT_TRUE(in.Intact()) << "write into the input tensor's surroundings";
  ASSERT_TRUE(out.Intact()) << "write outside the output tensor";
  ASSERT_TRUE(idx.Intact()) << "write outside the index tensor";
  actual->values.assign(out.data(), out.data() + n);
  actual->indices.clear();
  if (with_indices) actual->indices.assign(idx.data(), idx.data() + n);
}

}  // namespace

void RunGuarded(const Problem2D& problem, const std::vector<float>& input, bool with_indices, Guard guard,
                Outputs* actual) {
  if (problem.c_problem().index_type == SIMDPOOL_INDEX_INT32) {
    RunGuardedWith<int32_t>(problem, input, with_indices, guard, actual);
  } else {
    RunGuardedWith<int64_t>(problem, input, with_indices, guard, actual);
  }
}

}  // namespace test
}  // namespace simdpool

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new simdpool::test::TargetReport);
  return RUN_ALL_TESTS();
}
