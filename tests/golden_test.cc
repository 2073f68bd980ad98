// The 2-D max/avg edge cases of SEMANTICS.md §13, with the values PyTorch
// 1.13 printed (and simdpool's documented -inf / -1 where a window holds no
// element). Each case runs on every target, in both layouts, with 1 channel
// and with 19 identical channels (vector tails in NHWC).
#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "test_util.h"

namespace simdpool {
namespace test {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
const float kNaN = std::nanf("");

std::vector<float> Iota(int n, float first) {
  std::vector<float> v(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = first + static_cast<float>(i);
  return v;
}

struct Golden {
  std::string name;
  int64_t h, w;
  std::vector<float> input;  // one H x W plane
  Op op;
  std::function<void(Problem2D&)> configure;
  std::vector<float> values;     // expected output plane
  std::vector<int64_t> indices;  // expected indices (max), empty to skip
};

std::vector<Golden> Cases() {
  const std::vector<float> A = Iota(16, 1), Z = Iota(16, 0), X9 = Iota(9, 1), X25 = Iota(25, 0);
  const std::vector<float> M = {1, 3, 2, 4, 5, 6, 7, 8, 2, 4, 1, 3, 0, 1, 2, 4};
  auto k = [](int64_t kh, int64_t kw) { return [=](Problem2D& p) { p.Kernel(kh, kw); }; };
  return {
      {"max_k2s2", 4, 4, A, Op::kMax, k(2, 2), {6, 8, 14, 16}, {5, 7, 13, 15}},
      {"avg_k2s2", 4, 4, A, Op::kAvg, k(2, 2), {3.5, 5.5, 11.5, 13.5}, {}},
      {"max_k2_mixed", 4, 4, M, Op::kMax, k(2, 2), {6, 8, 4, 4}, {5, 7, 9, 15}},
      {"avg_k2_mixed", 4, 4, M, Op::kAvg, k(2, 2), {3.75, 5.25, 1.75, 2.5}, {}},
      {"max_k3s2p1", 4, 4, Z, Op::kMax, [](Problem2D& p) { p.Kernel(3, 3).Stride(2, 2).Pad(1, 1); },
       {5, 7, 13, 15}, {5, 7, 13, 15}},
      {"max_k2x3_s2x3_p1", 4, 4, Z, Op::kMax,
       [](Problem2D& p) { p.Kernel(2, 3).Stride(2, 3).Pad(1, 1); }, {1, 3, 9, 11, 13, 15},
       {1, 3, 9, 11, 13, 15}},
      {"max_ceil_drops_window", 1, 5, Iota(5, 1), Op::kMax,
       [](Problem2D& p) { p.Kernel(1, 2).Stride(1, 2).Pad(0, 1).CeilMode(); }, {1, 3, 5}, {0, 2, 4}},
      {"avg_ceil_drops_window_cip", 1, 5, Iota(5, 1), Op::kAvg,
       [](Problem2D& p) { p.Kernel(1, 2).Stride(1, 2).Pad(0, 1).CeilMode(); }, {0.5, 2.5, 4.5}, {}},
      {"avg_ceil_drops_window_nocip", 1, 5, Iota(5, 1), Op::kAvg,
       [](Problem2D& p) { p.Kernel(1, 2).Stride(1, 2).Pad(0, 1).CeilMode().CountIncludePad(false); },
       {1, 2.5, 4.5}, {}},
      {"max_ceil_partial", 1, 5, Iota(5, 1), Op::kMax,
       [](Problem2D& p) { p.Kernel(1, 2).Stride(1, 2).CeilMode(); }, {2, 4, 5}, {1, 3, 4}},
      {"avg_ceil_partial", 1, 5, Iota(5, 1), Op::kAvg,
       [](Problem2D& p) { p.Kernel(1, 2).Stride(1, 2).CeilMode(); }, {1.5, 3.5, 5}, {}},
      {"avg_ceil_overhang_cip", 1, 6, Iota(6, 1), Op::kAvg,
       [](Problem2D& p) { p.Kernel(1, 3).Stride(1, 2).Pad(0, 1).CeilMode(); }, {1, 3, 5, 3}, {}},
      {"avg_ceil_overhang_nocip", 1, 6, Iota(6, 1), Op::kAvg,
       [](Problem2D& p) { p.Kernel(1, 3).Stride(1, 2).Pad(0, 1).CeilMode().CountIncludePad(false); },
       {1.5, 3, 5, 6}, {}},
      {"max_ceil_overhang", 1, 6, Iota(6, 1), Op::kMax,
       [](Problem2D& p) { p.Kernel(1, 3).Stride(1, 2).Pad(0, 1).CeilMode(); }, {2, 4, 6, 6},
       {1, 3, 5, 5}},
      {"avg_ceil_default", 3, 3, X9, Op::kAvg, [](Problem2D& p) { p.Kernel(2, 2).CeilMode(); },
       {3, 4.5, 7.5, 9}, {}},
      {"avg_ceil_override4", 3, 3, X9, Op::kAvg,
       [](Problem2D& p) { p.Kernel(2, 2).CeilMode().DivisorOverride(4); }, {3, 2.25, 3.75, 2.25}, {}},
      {"avg_ceil_nocip", 3, 3, X9, Op::kAvg,
       [](Problem2D& p) { p.Kernel(2, 2).CeilMode().CountIncludePad(false); }, {3, 4.5, 7.5, 9}, {}},
      {"avg_override_negative", 4, 4, A, Op::kAvg,
       [](Problem2D& p) { p.Kernel(2, 2).DivisorOverride(-2); }, {-7, -11, -23, -27}, {}},
      {"sum_pool_override1", 3, 3, X9, Op::kAvg,
       [](Problem2D& p) { p.Kernel(3, 3).Stride(1, 1).Pad(1, 1).DivisorOverride(1); },
       {12, 21, 16, 27, 45, 33, 24, 39, 28}, {}},
      // PyTorch returns the out-of-range index 4 (20 in 2-D); simdpool -1.
      {"max_no_valid_tap_1d", 1, 4, Iota(4, 1), Op::kMax,
       [](Problem2D& p) { p.Kernel(1, 2).Stride(1, 1).Pad(0, 1).Dilation(1, 5); }, {-kInf}, {-1}},
      {"max_no_valid_tap_2d", 4, 4, A, Op::kMax,
       [](Problem2D& p) { p.Kernel(2, 2).Stride(1, 1).Pad(1, 1).Dilation(5, 5); }, {-kInf}, {-1}},
      {"max_nan_index_1", 2, 2, {1, kNaN, 3, 2}, Op::kMax, k(2, 2), {kNaN}, {1}},
      {"max_nan_last_nan", 2, 2, {kNaN, 1, kNaN, 2}, Op::kMax, k(2, 2), {kNaN}, {2}},
      {"max_nan_first", 2, 2, {kNaN, 9, 1, 2}, Op::kMax, k(2, 2), {kNaN}, {0}},
      {"avg_nan", 2, 2, {kNaN, 9, 1, 2}, Op::kAvg, k(2, 2), {kNaN}, {}},
      {"max_ties_first", 2, 2, {5, 5, 5, 5}, Op::kMax, k(2, 2), {5}, {0}},
      {"max_all_minus_inf", 3, 3, std::vector<float>(9, -kInf), Op::kMax,
       [](Problem2D& p) { p.Kernel(3, 3).Stride(2, 2).Pad(1, 1); }, {-kInf, -kInf, -kInf, -kInf},
       {0, 1, 3, 4}},
      {"max_plus_zero_first", 1, 2, {0.0f, -0.0f}, Op::kMax, k(1, 2), {0.0f}, {0}},
      {"max_minus_zero_first", 1, 2, {-0.0f, 0.0f}, Op::kMax, k(1, 2), {-0.0f}, {0}},
      {"max_dilation_padding", 4, 4, A, Op::kMax,
       [](Problem2D& p) { p.Kernel(3, 3).Stride(1, 1).Pad(1, 1).Dilation(2, 2); }, {16, 15, 12, 11},
       {15, 14, 11, 10}},
      {"max_dilation_floor", 1, 6, Iota(6, 1), Op::kMax,
       [](Problem2D& p) { p.Kernel(1, 2).Stride(1, 2).Dilation(1, 2); }, {3, 5}, {2, 4}},
      {"max_dilation_ceil", 1, 6, Iota(6, 1), Op::kMax,
       [](Problem2D& p) { p.Kernel(1, 2).Stride(1, 2).Dilation(1, 2).CeilMode(); }, {3, 5, 5},
       {2, 4, 4}},
      {"max_kernel_larger_than_input", 5, 5, X25, Op::kMax,
       [](Problem2D& p) { p.Kernel(6, 6).Stride(1, 1).Pad(1, 1); }, {24, 24, 24, 24}, {24, 24, 24, 24}},
      {"avg_kernel_larger_than_input_cip", 5, 5, X25, Op::kAvg,
       [](Problem2D& p) { p.Kernel(6, 6).Stride(1, 1).Pad(1, 1); },
       std::vector<float>(4, 300.0f / 36.0f), {}},
      {"avg_kernel_larger_than_input_nocip", 5, 5, X25, Op::kAvg,
       [](Problem2D& p) { p.Kernel(6, 6).Stride(1, 1).Pad(1, 1).CountIncludePad(false); },
       {12, 12, 12, 12}, {}},
      {"max_ceil_kernel_past_input", 3, 3, X9, Op::kMax,
       [](Problem2D& p) { p.Kernel(4, 4).Stride(3, 3).CeilMode(); }, {9}, {8}},
      {"avg_ceil_kernel_past_input", 3, 3, X9, Op::kAvg,
       [](Problem2D& p) { p.Kernel(4, 4).Stride(3, 3).CeilMode(); }, {5}, {}},
      {"max_1x1_k2p1", 1, 1, {7}, Op::kMax, [](Problem2D& p) { p.Kernel(2, 2).Pad(1, 1); }, {7}, {0}},
      {"max_1x1_k3s1p1", 1, 1, {7}, Op::kMax,
       [](Problem2D& p) { p.Kernel(3, 3).Stride(1, 1).Pad(1, 1); }, {7}, {0}},
      {"avg_1x1_k3s1p1_cip", 1, 1, {7}, Op::kAvg,
       [](Problem2D& p) { p.Kernel(3, 3).Stride(1, 1).Pad(1, 1); }, {7.0f / 9.0f}, {}},
      {"avg_1x1_k3s1p1_nocip", 1, 1, {7}, Op::kAvg,
       [](Problem2D& p) { p.Kernel(3, 3).Stride(1, 1).Pad(1, 1).CountIncludePad(false); }, {7}, {}},
      {"avg_1x1_k2s1p1_ceil", 1, 1, {7}, Op::kAvg,
       [](Problem2D& p) { p.Kernel(2, 2).Stride(1, 1).Pad(1, 1).CeilMode(); },
       {1.75, 1.75, 1.75, 1.75}, {}},
      {"max_1x1_k2s2_ceil", 1, 1, {7}, Op::kMax, [](Problem2D& p) { p.Kernel(2, 2).CeilMode(); }, {7},
       {0}},
      {"max_huge_stride", 5, 5, X25, Op::kMax, [](Problem2D& p) { p.Kernel(2, 2).Stride(100, 100); },
       {6}, {6}},
      {"max_huge_stride_ceil", 5, 5, X25, Op::kMax,
       [](Problem2D& p) { p.Kernel(2, 2).Stride(100, 100).CeilMode(); }, {6}, {6}},
      {"avg_huge_stride_ceil", 5, 5, X25, Op::kAvg,
       [](Problem2D& p) { p.Kernel(3, 3).Stride(100, 100).Pad(1, 1).CeilMode(); }, {12.0f / 9.0f}, {}},
  };
}

class Golden2D : public TargetTest {};

TEST_P(Golden2D, MatchesPyTorch) {
  for (const Golden& g : Cases()) {
    for (const Layout layout : {Layout::kNCHW, Layout::kNHWC}) {
      for (const int64_t channels : {int64_t{1}, int64_t{19}}) {
        SCOPED_TRACE(g.name + (layout == Layout::kNHWC ? " nhwc" : " nchw") + " C=" +
                     std::to_string(channels));
        Problem2D problem(g.op, layout, 1, channels, g.h, g.w);
        g.configure(problem);
        simdpool_shape shape;
        const Status valid = OutputShape(problem, &shape);
        ASSERT_TRUE(valid.ok()) << valid.message();
        const size_t plane = g.values.size();
        ASSERT_EQ(static_cast<size_t>(shape.elements), plane * static_cast<size_t>(channels));
        // The same plane in every channel.
        const size_t in_plane = g.input.size();
        std::vector<float> input(in_plane * static_cast<size_t>(channels));
        for (size_t c = 0; c < static_cast<size_t>(channels); ++c) {
          for (size_t i = 0; i < in_plane; ++i) {
            input[layout == Layout::kNCHW ? c * in_plane + i : i * channels + c] = g.input[i];
          }
        }
        const bool with_indices = !g.indices.empty();
        for (const simdpool_index_type index_type : {SIMDPOOL_INDEX_INT64, SIMDPOOL_INDEX_INT32}) {
          if (index_type == SIMDPOOL_INDEX_INT32 && !with_indices) continue;
          SCOPED_TRACE(index_type == SIMDPOOL_INDEX_INT32 ? "int32 indices" : "");
          problem.IndexType(index_type);
          Outputs out;
          RunGuarded(problem, input, with_indices, Guard::kAfter, &out);
          if (HasFatalFailure()) return;
          for (size_t c = 0; c < static_cast<size_t>(channels); ++c) {
            for (size_t i = 0; i < plane; ++i) {
              const size_t o = layout == Layout::kNCHW ? c * plane + i : i * channels + c;
              if (std::isnan(g.values[i])) {
                EXPECT_TRUE(std::isnan(out.values[o])) << "output " << i;
              } else {
                EXPECT_EQ(Bits(out.values[o]), Bits(g.values[i]))
                    << "output " << i << ": " << out.values[o] << " != " << g.values[i];
              }
              if (with_indices) {
                EXPECT_EQ(out.indices[o], g.indices[i]) << "index " << i;
              }
            }
          }
        }
      }
    }
  }
}

SIMDPOOL_INSTANTIATE_TARGET_TEST(Golden2D);

}  // namespace
}  // namespace test
}  // namespace simdpool
