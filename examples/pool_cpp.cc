// simdpool C++ API example.
//
// The same pooling as pool_c.c (2x2 max pooling with indices, and 3x3 /
// stride 1 / padding 1 average pooling on a 1x2x4x4 tensor), but with the
// tensor stored NHWC, built with Problem2D and run on every SIMD target this
// CPU supports, forced one after the other. Results are compared with values
// worked out by hand; the program exits non-zero on any difference or
// unexpected status.
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "simdpool/simdpool.hpp"

namespace {

constexpr int64_t kN = 1, kC = 2, kH = 4, kW = 4;

// Logical contents [c][h][w]; stored below as NHWC.
// Channel 0 is 1..16 row by row, channel 1 has ties.
constexpr float kPlanes[kC][kH][kW] = {
    {{1, 2, 3, 4}, {5, 6, 7, 8}, {9, 10, 11, 12}, {13, 14, 15, 16}},
    {{0, 0, 1, 9}, {0, 0, 9, 1}, {7, 7, 2, 2}, {7, 5, 2, 2}},
};

// 2x2 max pooling, stride 2, output [c][oh][ow]. Indices are h * W + w inside
// one (n, c) plane, in NHWC exactly as in NCHW (the channel is not part of
// the index). Ties keep the first element in row-major order:
// channel 1's block {1, 9 / 9, 1} selects the 9 at (0, 3) -> 3.
constexpr float kMaxExpected[kC][2][2] = {{{6, 8}, {14, 16}}, {{0, 9}, {7, 2}}};
constexpr int64_t kIndexExpected[kC][2][2] = {{{5, 7}, {13, 15}}, {{0, 3}, {8, 10}}};

// 3x3 / s1 / p1 average pooling with count_include_pad (the default): the
// sum of the input cells in the 3x3 block centred on (h, w), divided by 9.
constexpr float kAvgSums[kC][kH][kW] = {
    {{14, 24, 30, 22}, {33, 54, 63, 45}, {57, 90, 99, 69}, {46, 72, 78, 54}},
    {{0, 10, 20, 20}, {14, 26, 31, 24}, {26, 39, 30, 18}, {26, 30, 20, 8}},
};

int g_failures = 0;

bool Check(const simdpool::Status& status, const char* what) {
  if (status.ok()) return true;
  std::fprintf(stderr, "%s failed (status %d): %s\n", what, static_cast<int>(status.code()),
               status.message().c_str());
  ++g_failures;
  return false;
}

// NHWC offset of logical element (c, h, w) in a tensor of height x width (n = 0).
int64_t Nhwc(int64_t c, int64_t h, int64_t w, int64_t width) { return (h * width + w) * kC + c; }

void RunMax(const std::vector<float>& src, bool print) {
  const auto problem = simdpool::Problem2D(simdpool::Op::kMax, simdpool::Layout::kNHWC, kN, kC,
                                           kH, kW)
                           .Kernel(2, 2);  // stride defaults to the kernel
  simdpool_shape shape;
  if (!Check(simdpool::OutputShape(problem, &shape), "OutputShape (max)")) return;
  // NHWC: dims are N, H, W, C.
  if (shape.rank != 4 || shape.dims[0] != kN || shape.dims[1] != 2 || shape.dims[2] != 2 ||
      shape.dims[3] != kC) {
    std::fprintf(stderr, "  unexpected max output shape\n");
    ++g_failures;
    return;
  }
  std::vector<float> dst(shape.elements);
  std::vector<int64_t> indices(shape.elements);
  if (!Check(simdpool::Run(problem, src.data(), dst.data(), indices.data()), "Run (max)")) return;

  if (print) std::printf("  %s\n", problem.ToString().c_str());
  for (int64_t c = 0; c < kC; ++c) {
    if (print) std::printf("    c=%lld:", static_cast<long long>(c));
    for (int64_t oh = 0; oh < 2; ++oh) {
      for (int64_t ow = 0; ow < 2; ++ow) {
        const int64_t o = Nhwc(c, oh, ow, 2);
        if (print) {
          std::printf(" %g@%lld", dst[o], static_cast<long long>(indices[o]));
        }
        if (dst[o] != kMaxExpected[c][oh][ow] || indices[o] != kIndexExpected[c][oh][ow]) {
          std::fprintf(stderr, "  max c=%lld (%lld,%lld): got %g at %lld, expected %g at %lld\n",
                       static_cast<long long>(c), static_cast<long long>(oh),
                       static_cast<long long>(ow), dst[o], static_cast<long long>(indices[o]),
                       kMaxExpected[c][oh][ow], static_cast<long long>(kIndexExpected[c][oh][ow]));
          ++g_failures;
        }
      }
    }
    if (print) std::printf("  (value@index)\n");
  }
}

void RunAvg(const std::vector<float>& src, bool print) {
  const auto problem = simdpool::Problem2D(simdpool::Op::kAvg, simdpool::Layout::kNHWC, kN, kC,
                                           kH, kW)
                           .Kernel(3, 3)
                           .Stride(1, 1)
                           .Pad(1, 1);
  simdpool_shape shape;
  if (!Check(simdpool::OutputShape(problem, &shape), "OutputShape (avg)")) return;
  if (shape.elements != kN * kH * kW * kC) {
    std::fprintf(stderr, "  unexpected avg output size\n");
    ++g_failures;
    return;
  }
  std::vector<float> dst(shape.elements);
  // A plan validates and plans once; a network layer keeps it and runs it on
  // every new input (here, once).
  simdpool::Plan plan;
  if (!Check(simdpool::Plan::Create(problem, &plan), "Plan::Create (avg)")) return;
  if (!Check(plan.Run(src.data(), dst.data()), "Plan::Run (avg)")) return;

  if (print) std::printf("  %s\n", problem.ToString().c_str());
  for (int64_t c = 0; c < kC; ++c) {
    for (int64_t h = 0; h < kH; ++h) {
      if (print && h == 0) std::printf("    c=%lld:", static_cast<long long>(c));
      if (print && h != 0) std::printf("        ");
      for (int64_t w = 0; w < kW; ++w) {
        const float got = dst[Nhwc(c, h, w, kW)];
        const float expected = kAvgSums[c][h][w] / 9.0f;  // one float division
        if (print) std::printf(" %9.6f", got);
        if (got != expected) {
          std::fprintf(stderr, "  avg c=%lld (%lld,%lld): got %.9g, expected %.9g\n",
                       static_cast<long long>(c), static_cast<long long>(h),
                       static_cast<long long>(w), got, expected);
          ++g_failures;
        }
      }
      if (print) std::printf("\n");
    }
  }
}

void PrintList(const char* label, const std::vector<std::string>& names) {
  std::printf("%s:", label);
  for (const auto& name : names) std::printf(" %s", name.c_str());
  std::printf("\n");
}

}  // namespace

int main() {
  // Store the logical tensor as NHWC.
  std::vector<float> src(kN * kH * kW * kC);
  for (int64_t c = 0; c < kC; ++c) {
    for (int64_t h = 0; h < kH; ++h) {
      for (int64_t w = 0; w < kW; ++w) src[Nhwc(c, h, w, kW)] = kPlanes[c][h][w];
    }
  }

  PrintList("compiled targets ", simdpool::CompiledTargets());
  PrintList("supported targets", simdpool::SupportedTargets());
  std::printf("active target    : %s (automatic choice)\n", simdpool::ActiveTarget().c_str());

  // Run on every supported target, including the scalar "reference"; the
  // results must be identical. Print them once, for the first target.
  bool first = true;
  for (const std::string& target : simdpool::SupportedTargets()) {
    if (!Check(simdpool::ForceTarget(target), "ForceTarget")) continue;
    std::printf("forced %-9s -> active target %s\n", target.c_str(),
                simdpool::ActiveTarget().c_str());
    if (simdpool::ActiveTarget() != target) {
      std::fprintf(stderr, "  ActiveTarget() does not report the forced target\n");
      ++g_failures;
    }
    RunMax(src, first);
    RunAvg(src, first);
    first = false;
  }

  // Forcing a target that is not compiled in (or not supported) fails and
  // changes nothing; "" (or "auto") restores the automatic choice.
  const simdpool::Status bad_target = simdpool::ForceTarget("NEON");
  std::printf("ForceTarget(\"NEON\"): %s\n",
              bad_target.ok() ? "ok" : bad_target.message().c_str());
  Check(simdpool::ForceTarget(""), "ForceTarget(\"\")");
  std::printf("active target    : %s (automatic choice restored)\n",
              simdpool::ActiveTarget().c_str());

  // An invalid problem: average pooling has no dilation.
  const auto invalid = simdpool::Problem2D(simdpool::Op::kAvg, simdpool::Layout::kNHWC, kN, kC,
                                           kH, kW)
                           .Kernel(2, 2)
                           .Dilation(2, 2);
  const simdpool::Status status = simdpool::OutputShape(invalid, nullptr);
  std::printf("invalid problem: %s\n", status.message().c_str());
  if (status.code() != SIMDPOOL_INVALID_ARGUMENT || status.message().empty()) {
    std::fprintf(stderr, "  expected SIMDPOOL_INVALID_ARGUMENT with a message\n");
    ++g_failures;
  }

  if (g_failures != 0) {
    std::fprintf(stderr, "FAILED: %d check(s)\n", g_failures);
    return 1;
  }
  std::printf("all results match the hand-computed values on every target\n");
  return 0;
}
