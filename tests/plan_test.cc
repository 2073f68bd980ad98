// Plans (simdpool_plan, simdpool::Plan): made once, then run any number of
// times, on new data, on whatever target is active at each run, from several
// threads at once; every run bit-identical to the reference. (The sweeps run
// every target through plans too; validation_test.cc has a plan's errors.)
#include <cstdlib>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "test_util.h"

namespace simdpool {
namespace test {
namespace {

// RandomData of the problem's input size, from `seed`.
std::vector<float> Data(const Problem2D& problem, uint64_t seed) {
  const simdpool_problem& c = problem.c_problem();
  std::mt19937_64 rng(seed);
  return RandomData(static_cast<size_t>(c.batch * c.channels * c.input[0] * c.input[1]), rng);
}

std::vector<Problem2D> Problems() {
  return {
      Problem2D(Op::kMax, Layout::kNCHW, 2, 3, 17, 21).Kernel(3, 3).Stride(2, 2).Pad(1, 1),
      Problem2D(Op::kMax, Layout::kNHWC, 1, 19, 9, 11).Kernel(2, 3).CeilMode().IndexType(SIMDPOOL_INDEX_INT32),
      Problem2D(Op::kAvg, Layout::kNCHW, 1, 5, 13, 35).Kernel(3, 3).Stride(1, 1).Pad(1, 1).CountIncludePad(false),
      Problem2D(Op::kAvg, Layout::kNHWC, 2, 33, 8, 10).Kernel(2, 2).DivisorOverride(3),
  };
}

// Runs `plan` on `input` and expects the reference's outputs of `problem`.
void ExpectPlanLikeReference(const Plan& plan, const Problem2D& problem, const std::vector<float>& input) {
  const int32_t op = problem.c_problem().op;
  const bool with_indices = op == SIMDPOOL_OP_MAX;
  const Outputs expected = RunReference(problem, input, with_indices);
  std::vector<float> values(expected.values.size(), -99.0f);
  std::vector<int64_t> indices(values.size(), -99);
  std::vector<int32_t> indices32(values.size(), -99);
  const bool int32 = problem.c_problem().index_type == SIMDPOOL_INDEX_INT32;
  const Status status = !with_indices ? plan.Run(input.data(), values.data())
                        : int32       ? plan.Run(input.data(), values.data(), indices32.data())
                                      : plan.Run(input.data(), values.data(), indices.data());
  ASSERT_TRUE(status.ok()) << status.message();
  if (int32) indices.assign(indices32.begin(), indices32.end());
  for (size_t o = 0; o < values.size(); ++o) {
    ASSERT_EQ(ComparableBits(op, values[o]), ComparableBits(op, expected.values[o]))
        << "output " << o << ": " << values[o] << " vs reference " << expected.values[o];
    if (with_indices) {
      ASSERT_EQ(indices[o], expected.indices[o]) << "index of output " << o;
    }
  }
}

class PlanRuns : public TargetTest {};

// A plan made while another target is active runs on this one, again and
// again, each run computing from its own input.
TEST_P(PlanRuns, RepeatedlyOnNewDataLikeTheReference) {
  for (const Problem2D& problem : Problems()) {
    SCOPED_TRACE(problem.ToString());
    Plan plan;
    ASSERT_TRUE(ForceTarget(GetParam() == "reference" ? "" : "reference").ok());
    ASSERT_TRUE(Plan::Create(problem, &plan).ok());
    ASSERT_TRUE(ForceTarget(GetParam()).ok());
    for (uint64_t seed : {1, 2, 1}) {
      SCOPED_TRACE(seed);
      ExpectPlanLikeReference(plan, problem, Data(problem, seed));
    }
  }
}

// The plan keeps its own copy of the problem.
TEST_P(PlanRuns, OutliveTheirProblem) {
  Problem2D problem = Problems()[2];
  const Problem2D original = problem;
  Plan plan;
  ASSERT_TRUE(Plan::Create(problem, &plan).ok());
  problem.Kernel(1, 1).CountIncludePad(true);
  ExpectPlanLikeReference(plan, original, Data(original, 3));
}

// Runs only read the plan: threads may share one.
TEST_P(PlanRuns, ConcurrentlyFromSeveralThreads) {
  if (std::getenv("SIMDPOOL_TEST_NO_THREADS") != nullptr) {
    GTEST_SKIP() << "SIMDPOOL_TEST_NO_THREADS is set (emulated runs: qemu-user 7.2 hangs creating a thread)";
  }
  const Problem2D problem = Problems()[0];
  Plan plan;
  ASSERT_TRUE(Plan::Create(problem, &plan).ok());
  const std::vector<float> inputs[2] = {Data(problem, 4), Data(problem, 5)};
  const Outputs expected[2] = {RunReference(problem, inputs[0], true), RunReference(problem, inputs[1], true)};
  bool same[2] = {false, false};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&, t] {
      std::vector<float> values(expected[t].values.size());
      std::vector<int64_t> indices(values.size());
      bool all = true;
      for (int run = 0; run < 50; ++run) {
        all = all && plan.Run(inputs[t].data(), values.data(), indices.data()).ok() &&
              indices == expected[t].indices;
        for (size_t o = 0; o < values.size(); ++o) {
          all = all && (Bits(values[o]) == Bits(expected[t].values[o]));
        }
      }
      same[t] = all;
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_TRUE(same[0]);
  EXPECT_TRUE(same[1]);
}

SIMDPOOL_INSTANTIATE_TARGET_TEST(PlanRuns);

}  // namespace
}  // namespace test
}  // namespace simdpool
