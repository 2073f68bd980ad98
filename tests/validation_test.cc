// Invalid problems and buffers: a clear error naming the parameter, its value
// and the rule, and nothing written to the outputs.
#include <functional>
#include <string>
#include <vector>

#include "test_util.h"

namespace simdpool {
namespace test {
namespace {

struct BadCase {
  std::string name;
  std::function<void(simdpool_problem&)> spoil;
  std::string message;  // must appear in the error message
  simdpool_status status = SIMDPOOL_INVALID_ARGUMENT;
};

std::vector<BadCase> BadCases() {
  return {
      {"kernel0", [](simdpool_problem& p) { p.kernel[1] = 0; }, "kernel[1]=0: kernel must be >= 1"},
      {"kernel_negative", [](simdpool_problem& p) { p.kernel[0] = -1; }, "kernel[0]=-1"},
      {"stride_negative", [](simdpool_problem& p) { p.stride[1] = -2; }, "stride[1]=-2: stride must be >= 1"},
      {"dilation0", [](simdpool_problem& p) { p.dilation[0] = 0; }, "dilation[0]=0: dilation must be >= 1"},
      {"avg_dilation", [](simdpool_problem& p) { p.op = SIMDPOOL_OP_AVG; p.dilation[1] = 2; },
       "dilation[1]=2: average pooling requires dilation 1"},
      {"pad_negative", [](simdpool_problem& p) { p.pad_begin[0] = -1; }, "pad_begin[0]=-1: padding must be >= 0"},
      // SEMANTICS §13.27: K=3, P=2 breaks PyTorch's half-kernel rule.
      {"pad_over_half_kernel", [](simdpool_problem& p) { p.pad_begin[1] = p.pad_end[1] = 2; },
       "pad_begin[1]=2: padding must be <= dilated kernel / 2 = 1"},
      {"pad_end_over_half_kernel", [](simdpool_problem& p) { p.pad_end[0] = 2; }, "pad_end[0]=2"},
      // SEMANTICS §13.24: a 6x6 kernel on a 5x5 input without padding.
      {"output_too_small", [](simdpool_problem& p) { p.kernel[0] = p.kernel[1] = 6; },
       "output[0]=0: output size must be >= 1"},
      {"input0", [](simdpool_problem& p) { p.input[1] = 0; }, "input[1]=0: spatial size must be >= 1"},
      {"channels0", [](simdpool_problem& p) { p.channels = 0; }, "channels=0: channels must be >= 1"},
      {"batch_negative", [](simdpool_problem& p) { p.batch = -1; }, "batch=-1"},
      {"ceil_mode2", [](simdpool_problem& p) { p.ceil_mode = 2; }, "ceil_mode=2"},
      {"cip2", [](simdpool_problem& p) { p.count_include_pad = 7; }, "count_include_pad=7"},
      {"max_divisor", [](simdpool_problem& p) { p.divisor_override = 3; },
       "divisor_override=3: only average pooling takes a divisor override"},
      {"op", [](simdpool_problem& p) { p.op = 9; }, "op=9"},
      {"op_negative", [](simdpool_problem& p) { p.op = -1; }, "op=-1: operator must be"},
      {"layout", [](simdpool_problem& p) { p.layout = 5; }, "layout=5"},
      {"dtype", [](simdpool_problem& p) { p.dtype = 3; }, "dtype=3"},
      {"rank0", [](simdpool_problem& p) { p.spatial_rank = 0; }, "spatial_rank=0"},
      {"rank3_later", [](simdpool_problem& p) { p.spatial_rank = 3; }, "spatial_rank=3",
       SIMDPOOL_UNSUPPORTED},
      {"reserved", [](simdpool_problem& p) { p.reserved[2] = 1; }, "reserved[2]=1: must be 0"},
      {"pad_limit", [](simdpool_problem& p) { p.pad_limit = 4; }, "pad_limit=4"},
      {"index_type", [](simdpool_problem& p) { p.index_type = 5; },
       "index_type=5: index_type must be SIMDPOOL_INDEX_INT64 or SIMDPOOL_INDEX_INT32"},
      {"avg_index_type", [](simdpool_problem& p) {
         p.op = SIMDPOOL_OP_AVG;
         p.index_type = SIMDPOOL_INDEX_INT32;
       }, "index_type=1: only max pooling produces indices"},
      // Index 2^31 (the plane's last element) does not fit int32.
      {"int32_index_overflow", [](simdpool_problem& p) {
         p.index_type = SIMDPOOL_INDEX_INT32;
         p.input[0] = int64_t{1} << 16;
         p.input[1] = (int64_t{1} << 15) + 1;
       }, "index_type=1: int32 indices need input planes of at most 2^31 elements, not 65536 x 32769"},
      {"overflow", [](simdpool_problem& p) {
         p.batch = int64_t{1} << 40;
         p.channels = int64_t{1} << 40;
       }, "overflows int64"},
      // The divisor of a window with count_include_pad reaches the product of
      // the kernel sizes, which must fit int64.
      {"avg_window_overflow", [](simdpool_problem& p) {
         p.op = SIMDPOOL_OP_AVG;
         p.pad_limit = SIMDPOOL_PAD_LIMIT_NONE;
         for (int i = 0; i < 2; ++i) {
           p.kernel[i] = int64_t{1} << 33;
           p.pad_begin[i] = p.pad_end[i] = int64_t{1} << 33;
         }
       },
       "kernel[0]=8589934592, kernel[1]=8589934592: average pooling's window size kernel[0] * kernel[1] "
       "overflows int64"},
      {"dilation_overflow", [](simdpool_problem& p) {
         p.dilation[0] = int64_t{1} << 62;
         p.kernel[0] = 5;
       }, "overflows int64"},
  };
}

class Validation : public TargetTest {};

TEST_P(Validation, RejectsWithMessageAndWritesNothing) {
  for (const BadCase& bad : BadCases()) {
    SCOPED_TRACE(bad.name);
    simdpool_problem p;
    simdpool_problem_init(&p);
    p.channels = 3;
    p.input[0] = p.input[1] = 5;
    p.kernel[0] = p.kernel[1] = 3;
    bad.spoil(p);
    simdpool_shape shape{};
    shape.rank = -7;
    EXPECT_EQ(simdpool_validate(&p, &shape), bad.status);
    EXPECT_EQ(shape.rank, -7) << "validate wrote the shape of an invalid problem";
    EXPECT_NE(std::string(simdpool_last_error()).find(bad.message), std::string::npos)
        << "message: " << simdpool_last_error();

    std::vector<float> in(3 * 25, 1.0f);
    std::vector<float> out(3 * 25, -123.0f);
    std::vector<int64_t> idx(3 * 25, -77);
    EXPECT_EQ(simdpool_run(&p, in.data(), out.data(), idx.data()), bad.status);
    EXPECT_NE(std::string(simdpool_last_error()).find(bad.message), std::string::npos);
    for (float v : out) ASSERT_EQ(v, -123.0f);
    for (int64_t v : idx) ASSERT_EQ(v, -77);

    // A plan is refused the same way, and none is returned.
    simdpool_plan* plan = reinterpret_cast<simdpool_plan*>(&shape);
    EXPECT_EQ(simdpool_plan_create(&p, &plan), bad.status);
    EXPECT_EQ(plan, nullptr);
    EXPECT_NE(std::string(simdpool_last_error()).find(bad.message), std::string::npos)
        << "message: " << simdpool_last_error();
  }
}

TEST_P(Validation, RejectsBadBuffers) {
  Problem2D problem(Op::kAvg, Layout::kNCHW, 1, 2, 4, 4);
  problem.Kernel(2, 2);
  std::vector<float> in(32, 1.0f), out(8, -5.0f);
  std::vector<int64_t> idx(8, -9);
  Status s = simdpool::Run(problem, nullptr, out.data());
  EXPECT_NE(s.message().find("src=NULL"), std::string::npos) << s.message();
  s = simdpool::Run(problem, in.data(), nullptr);
  EXPECT_NE(s.message().find("dst=NULL"), std::string::npos) << s.message();
  s = simdpool::Run(problem, in.data(), out.data(), idx.data());
  EXPECT_NE(s.message().find("only max pooling produces indices"), std::string::npos) << s.message();
  s = simdpool::Run(problem, in.data(), in.data() + 4);
  EXPECT_NE(s.message().find("must not overlap"), std::string::npos) << s.message();
  for (float v : out) EXPECT_EQ(v, -5.0f);
  for (int64_t v : idx) EXPECT_EQ(v, -9);
  EXPECT_EQ(simdpool_validate(nullptr, nullptr), SIMDPOOL_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simdpool_last_error()).find("problem=NULL"), std::string::npos);
}

// A plan's run checks its buffers as simdpool_run does.
TEST_P(Validation, PlanRejectsBadBuffers) {
  Problem2D problem(Op::kAvg, Layout::kNHWC, 1, 2, 4, 4);
  problem.Kernel(2, 2);
  Plan plan;
  ASSERT_TRUE(Plan::Create(problem, &plan).ok());
  std::vector<float> in(32, 1.0f), out(8, -5.0f);
  std::vector<int64_t> idx(8, -9);
  Status s = plan.Run(nullptr, out.data());
  EXPECT_NE(s.message().find("src=NULL"), std::string::npos) << s.message();
  s = plan.Run(in.data(), nullptr);
  EXPECT_NE(s.message().find("dst=NULL"), std::string::npos) << s.message();
  s = plan.Run(in.data(), out.data(), idx.data());
  EXPECT_NE(s.message().find("only max pooling produces indices"), std::string::npos) << s.message();
  s = plan.Run(in.data(), in.data() + 4);
  EXPECT_NE(s.message().find("must not overlap"), std::string::npos) << s.message();
  for (float v : out) EXPECT_EQ(v, -5.0f);
  for (int64_t v : idx) EXPECT_EQ(v, -9);

  EXPECT_EQ(simdpool_plan_run(nullptr, in.data(), out.data(), nullptr), SIMDPOOL_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simdpool_last_error()).find("plan=NULL: a plan is required"), std::string::npos);
  EXPECT_EQ(simdpool_plan_create(nullptr, nullptr), SIMDPOOL_INVALID_ARGUMENT);
  EXPECT_NE(std::string(simdpool_last_error()).find("plan=NULL: a place for the plan is required"),
            std::string::npos);
  simdpool_plan* none = reinterpret_cast<simdpool_plan*>(&s);
  EXPECT_EQ(simdpool_plan_create(nullptr, &none), SIMDPOOL_INVALID_ARGUMENT);
  EXPECT_EQ(none, nullptr);
  EXPECT_NE(std::string(simdpool_last_error()).find("problem=NULL"), std::string::npos);
  simdpool_plan_destroy(nullptr);
  s = Plan::Create(problem, nullptr);
  EXPECT_NE(s.message().find("plan=nullptr: a place for the plan is required"), std::string::npos) << s.message();

  // A failed Create leaves the plan empty, and an empty plan does not run.
  problem.Kernel(0, 2);
  EXPECT_FALSE(Plan::Create(problem, &plan).ok());
  s = plan.Run(in.data(), out.data());
  EXPECT_NE(s.message().find("plan=NULL"), std::string::npos) << s.message();
  for (float v : out) EXPECT_EQ(v, -5.0f);
}

// SEMANTICS §13.42: an empty batch is valid and touches no buffer.
TEST_P(Validation, EmptyBatch) {
  Problem2D problem(Op::kMax, Layout::kNCHW, 0, 3, 4, 4);
  problem.Kernel(2, 2);
  simdpool_shape shape;
  ASSERT_TRUE(OutputShape(problem, &shape).ok());
  EXPECT_EQ(shape.dims[0], 0);
  EXPECT_EQ(shape.dims[1], 3);
  EXPECT_EQ(shape.dims[2], 2);
  EXPECT_EQ(shape.dims[3], 2);
  EXPECT_EQ(shape.elements, 0);
  EXPECT_TRUE(simdpool::Run(problem, nullptr, nullptr, nullptr).ok());
  Plan plan;
  ASSERT_TRUE(Plan::Create(problem, &plan).ok());
  EXPECT_TRUE(plan.Run(nullptr, nullptr, nullptr).ok());
}

// A plane of exactly 2^31 elements has int32 indices up to 2^31 - 1.
TEST_P(Validation, Int32IndicesFitPlanesOf2To31) {
  Problem2D problem(Op::kMax, Layout::kNCHW, 1, 1, int64_t{1} << 16, int64_t{1} << 15);
  problem.Kernel(2, 2).IndexType(SIMDPOOL_INDEX_INT32);
  simdpool_shape shape;
  const Status s = OutputShape(problem, &shape);
  EXPECT_TRUE(s.ok()) << s.message();
}

// The C++ API checks the index buffer's type against the problem's.
TEST_P(Validation, IndexBufferTypeMustMatch) {
  Problem2D problem(Op::kMax, Layout::kNHWC, 1, 2, 4, 4);
  problem.Kernel(2, 2);
  std::vector<float> in(32, 1.0f), out(8, -5.0f);
  std::vector<int32_t> idx32(8, -9);
  std::vector<int64_t> idx64(8, -9);
  Status s = simdpool::Run(problem, in.data(), out.data(), idx32.data());
  EXPECT_NE(s.message().find("indices: an int32_t buffer, but index_type=0"), std::string::npos) << s.message();
  problem.IndexType(SIMDPOOL_INDEX_INT32);
  s = simdpool::Run(problem, in.data(), out.data(), idx64.data());
  EXPECT_NE(s.message().find("indices: an int64_t buffer, but index_type=1"), std::string::npos) << s.message();
  Plan plan;
  ASSERT_TRUE(Plan::Create(problem, &plan).ok());
  s = plan.Run(in.data(), out.data(), idx64.data());
  EXPECT_NE(s.message().find("indices: an int64_t buffer, but index_type=1"), std::string::npos) << s.message();
  problem.IndexType(SIMDPOOL_INDEX_INT64);
  ASSERT_TRUE(Plan::Create(problem, &plan).ok());
  s = plan.Run(in.data(), out.data(), idx32.data());
  EXPECT_NE(s.message().find("indices: an int32_t buffer, but index_type=0"), std::string::npos) << s.message();
  for (float v : out) EXPECT_EQ(v, -5.0f);
  for (int32_t v : idx32) EXPECT_EQ(v, -9);
  for (int64_t v : idx64) EXPECT_EQ(v, -9);
}

// Shapes past 2^31 and 2^32 elements validate without allocating.
TEST_P(Validation, HugeShapesValidate) {
  Problem2D problem(Op::kMax, Layout::kNHWC, 2, 3, (int64_t{1} << 32) + 15, 5);
  problem.Kernel(3, 3).Stride(2, 2).Pad(1, 1);
  simdpool_shape shape;
  const Status s = OutputShape(problem, &shape);
  ASSERT_TRUE(s.ok()) << s.message();
  EXPECT_EQ(shape.dims[1], ((int64_t{1} << 32) + 15 + 2 - 3) / 2 + 1);
  EXPECT_EQ(shape.dims[2], 3);
}

TEST(ProblemString, DescribesTheProblem) {
  Problem2D p(Op::kMax, Layout::kNHWC, 1, 64, 112, 112);
  p.Kernel(3, 3).Stride(2, 2).Pad(1, 1);
  EXPECT_EQ(p.ToString(), "mb1ic64_ih112iw112_kh3kw3_sh2sw2_ph1pw1_max_nhwc_f32");
  Problem2D q(Op::kAvg, Layout::kNCHW, 2, 3, 5, 7);
  q.Kernel(2, 3).Pad(0, 1, 1, 0).CeilMode().CountIncludePad(false).DivisorOverride(-2);
  EXPECT_EQ(q.ToString(), "mb2ic3_ih5iw7_kh2kw3_sh2sw3_pbh0pbw1_peh1pew0_avg_ceil_exclpad_div-2_nchw_f32");
  p.IndexType(SIMDPOOL_INDEX_INT32);
  EXPECT_EQ(p.ToString(), "mb1ic64_ih112iw112_kh3kw3_sh2sw2_ph1pw1_max_idx32_nhwc_f32");
}

SIMDPOOL_INSTANTIATE_TARGET_TEST(Validation);

}  // namespace
}  // namespace test
}  // namespace simdpool
