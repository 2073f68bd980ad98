// Random problems over every parameter, each run on every target and compared
// bit for bit (values, NaN payloads, signed zeros, indices) with the
// reference. Buffers sit against inaccessible pages and sentinel zones.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "test_util.h"

namespace simdpool {
namespace test {
namespace {

// A random valid problem: channel and width tails 1..65, odd sizes, padding
// (PyTorch-limited or ONNX-style asymmetric), dilation, ceil mode,
// count_include_pad and divisor_override.
Problem2D RandomProblem(std::mt19937_64& rng) {
  auto uniform = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  for (;;) {
    const Op op = uniform(0, 1) ? Op::kMax : Op::kAvg;
    const Layout layout = uniform(0, 1) ? Layout::kNCHW : Layout::kNHWC;
    const int64_t channels = uniform(0, 3) == 0 ? uniform(1, 65) : uniform(1, 9);
    Problem2D p(op, layout, uniform(1, 2), channels, uniform(1, 24), uniform(1, 80));
    const int64_t kh = uniform(1, 5), kw = uniform(1, 5);
    p.Kernel(kh, kw).Stride(uniform(0, 4), uniform(0, 4));
    int64_t dh = 1, dw = 1;
    if (op == Op::kMax && uniform(0, 2) == 0) {
      dh = uniform(1, 3);
      dw = uniform(1, 3);
      p.Dilation(dh, dw);
    }
    const int64_t eh = dh * (kh - 1) + 1, ew = dw * (kw - 1) + 1;
    if (uniform(0, 4) == 0) {
      p.PadLimit(SIMDPOOL_PAD_LIMIT_NONE).Pad(uniform(0, eh), uniform(0, ew), uniform(0, eh), uniform(0, ew));
    } else {
      p.Pad(uniform(0, eh / 2), uniform(0, ew / 2));
    }
    p.CeilMode(uniform(0, 1) == 1);
    if (op == Op::kAvg) {
      p.CountIncludePad(uniform(0, 1) == 1);
      if (uniform(0, 4) == 0) p.DivisorOverride(uniform(-3, 7));
    }
    simdpool_shape shape;
    if (OutputShape(p, &shape).ok() && shape.elements > 0) return p;
  }
}

class Sweep2D : public TargetTest {};

// Runs `problem` on `data` on the current target on guarded buffers and
// compares every output bit (and index) with the reference. i: the case's
// number, which also picks the guard side and, with indices, their type
// (int64 or int32 in turn for either side).
void ExpectDataLikeReference(const Problem2D& problem, const std::vector<float>& data, bool with_indices, int i) {
  const simdpool_problem& c = problem.c_problem();
  const size_t in_elements = static_cast<size_t>(c.batch * c.channels * c.input[0] * c.input[1]);
  ASSERT_EQ(data.size(), in_elements);
  const Outputs expected = RunReference(problem, data, with_indices);

  Problem2D run = problem;
  const bool int32_indices = with_indices && (i / 2) % 2 == 1;
  if (int32_indices) run.IndexType(SIMDPOOL_INDEX_INT32);
  SCOPED_TRACE(int32_indices ? "int32 indices" : "");
  Outputs actual;
  RunGuarded(run, data, with_indices, (i % 2 == 0) ? Guard::kAfter : Guard::kBefore, &actual);
  if (::testing::Test::HasFatalFailure()) return;
  for (size_t o = 0; o < expected.values.size(); ++o) {
    ASSERT_EQ(ComparableBits(c.op, actual.values[o]), ComparableBits(c.op, expected.values[o]))
        << "output " << o << ": " << actual.values[o] << " vs reference " << expected.values[o];
    if (with_indices) {
      ASSERT_EQ(actual.indices[o], expected.indices[o]) << "index of output " << o;
    }
  }
}

// ExpectDataLikeReference on random data (see RandomData).
void ExpectLikeReference(const Problem2D& problem, bool with_indices, int i, std::mt19937_64& rng,
                         int nan_odds = 40, bool negative_zeros = true) {
  SCOPED_TRACE("case " + std::to_string(i) + ": " + problem.ToString() +
               (with_indices ? " +indices" : "") + " nan_odds " + std::to_string(nan_odds) +
               (negative_zeros ? "" : " no -0"));
  const simdpool_problem& c = problem.c_problem();
  const size_t in_elements = static_cast<size_t>(c.batch * c.channels * c.input[0] * c.input[1]);
  ExpectDataLikeReference(problem, RandomData(in_elements, rng, nan_odds, negative_zeros), with_indices, i);
}

TEST_P(Sweep2D, BitIdenticalToReference) {
  std::mt19937_64 rng(12345);
  const int cases = ScaledCount(700);
  for (int i = 0; i < cases; ++i) {
    const Problem2D problem = RandomProblem(rng);
    const bool with_indices = problem.c_problem().op == SIMDPOOL_OP_MAX && (i % 3 != 0);
    ExpectLikeReference(problem, with_indices, i, rng);
    if (HasFatalFailure()) return;
  }
}

// Case i's odds of NaN (see RandomData): often, rarely or never.
int NanOdds(int i) {
  const int odds[5] = {40, 4000, 1 << 30, 4000, 1 << 30};
  return odds[i % 5];
}

// Runs ScaledCount(count) problems from make_problem(uniform) on the current
// target, skipping invalid ones, with data that holds NaN often, rarely or
// never, with and without -0 (so that the kernels' fast and exact paths and
// their mixture within a row or a tensor all run) and, for max, indices on
// every other case if some_with_indices.
template <class MakeProblem>
void FocusedSweep(uint64_t seed, const MakeProblem& make_problem, int count = 300,
                  bool some_with_indices = true) {
  std::mt19937_64 rng(seed);
  auto uniform = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const int cases = ScaledCount(count);
  for (int i = 0; i < cases; ++i) {
    const Problem2D p = make_problem(uniform);
    simdpool_shape shape;
    if (!OutputShape(p, &shape).ok()) continue;
    const bool indices = some_with_indices && p.c_problem().op == SIMDPOOL_OP_MAX && i % 2 == 0;
    ExpectLikeReference(p, indices, i, rng, NanOdds(i),
                        /*negative_zeros=*/i % 5 < 3);
    if (::testing::Test::HasFatalFailure()) return;
  }
}

// NCHW max pooling near the common CNN shapes (kernel 2-3, stride 1-2,
// padding 0-1), which the NCHW kernel specialises: widths below and above a
// vector, odd sizes, ceil mode, sometimes dilation.
TEST_P(Sweep2D, NchwMaxCommonShapes) {
  FocusedSweep(4242, [](const auto& uniform) {
    Problem2D p(Op::kMax, Layout::kNCHW, uniform(1, 2), uniform(1, 3), uniform(1, 20), uniform(1, 70));
    const int64_t kh = uniform(2, 3), kw = uniform(2, 3);
    p.Kernel(kh, kw).Stride(uniform(1, 2), uniform(1, 2));
    if (uniform(0, 5) == 0) p.Dilation(uniform(1, 2), uniform(1, 2));
    p.Pad(uniform(0, 1), uniform(0, 1)).CeilMode(uniform(0, 1) == 1);
    return p;
  });
}

// NCHW max of stride-2 kernels 2 or 3 wide (ResNet, VGG, AlexNet), which
// fold columns first where a plane holds no NaN and no -0 and recompute the
// other planes: rows below, around and above a vector wide, including those
// between half a vector and a vector that k2 values without column padding
// take as column pairs, under any kernel height,
// stride, padding (also beyond PyTorch's limit) and dilation across rows;
// indices on every other case.
TEST_P(Sweep2D, NchwMaxColumnsFirst) {
  FocusedSweep(8686, [](const auto& uniform) {
    const int64_t kw = uniform(2, 3);
    Problem2D p(Op::kMax, Layout::kNCHW, uniform(1, 2), uniform(1, 4), uniform(1, 12), uniform(1, 64));
    p.Kernel(uniform(1, 3), kw).Stride(uniform(1, 3), 2).Dilation(uniform(1, 2), 1);
    p.Pad(uniform(0, 1), uniform(0, 2) == 0 ? 1 : 0).CeilMode(uniform(0, 3) == 0);
    if (uniform(0, 5) == 0) {  // output rows whose windows lie in the padding, then full ones
      const int64_t pw = p.c_problem().pad_begin[1];
      p.PadLimit(SIMDPOOL_PAD_LIMIT_NONE).Pad(uniform(2, 6), pw, uniform(0, 6), pw);
    }
    return p;
  });
}

// NCHW max pooling k2s2 across columns on rows 4-64 wide, which every
// target with rows between half a vector and a vector of outputs takes as
// column pairs: windows of two rows each their own (stepped through without
// per-row lookups) or, with padding, dilation or ceil mode, not.
TEST_P(Sweep2D, NchwMaxColumnPairs) {
  FocusedSweep(9191, [](const auto& uniform) {
    Problem2D p(Op::kMax, Layout::kNCHW, uniform(1, 2), uniform(1, 4), uniform(2, 12), uniform(4, 64));
    p.Kernel(2, 2).Stride(uniform(2, 3), 2).Dilation(uniform(1, 2), 1);
    p.Pad(uniform(0, 3) == 0 ? 1 : 0, 0).CeilMode(uniform(0, 3) == 0);
    return p;
  }, 300, /*some_with_indices=*/false);
}

// One NaN in finite data, or one -0 among +0s, anywhere in an NCHW plane,
// values alone and with indices: the kernels that fold columns first when a
// plane holds neither, and recompute it exactly when it does, must notice a
// single one wherever it lies, and with indices pick the -0 exactly where it
// is the first of its window's equal maxima (k2 and k3 stride 2 on rows 5-36
// wide: column pairs and columns first on every target).
TEST_P(Sweep2D, NchwMaxNoticesOneSpecialValue) {
  std::mt19937_64 rng(3131);
  int i = 0;
  for (const int64_t k : {2, 3}) {
    for (const int64_t w : {5, 6, 12, 14, 20, 28, 30, 36}) {
      const int64_t h = 5, plane = h * w;
      Problem2D p(Op::kMax, Layout::kNCHW, 1, 2, h, w);
      p.Kernel(k, k).Stride(2, 2);
      const std::vector<float> finite = RandomData(static_cast<size_t>(2 * plane), rng, 1 << 30, false);
      const std::vector<float> zeros(static_cast<size_t>(2 * plane), 0.0f);
      for (int64_t at = plane; at < 2 * plane; ++at) {  // the second plane
        SCOPED_TRACE(p.ToString() + ": one NaN or -0 at " + std::to_string(at));
        std::vector<float> data = finite;
        data[static_cast<size_t>(at)] = std::numeric_limits<float>::quiet_NaN();
        for (const bool indices : {false, true}) ExpectDataLikeReference(p, data, indices, i++);
        data = zeros;
        data[static_cast<size_t>(at)] = -0.0f;
        for (const bool indices : {false, true}) ExpectDataLikeReference(p, data, indices, i++);
        if (::testing::Test::HasFatalFailure()) return;
      }
    }
  }
}

// NCHW max pooling with kernels over a thousand rows tall on inputs tall
// enough that the kernel's per-output-row schedule would exceed 2^20 entries:
// it is then made per plane as the rows go (NchwSchedule), with row results
// still shared between output rows through the ring. The data rise by 256
// per row, so a window's maximum lies in its last rows and a row result
// taken from another row or plane changes the output (on random data alone,
// the maximum of a thousand rows hardly ever lies in the rows that matter).
TEST_P(Sweep2D, NchwMaxTallKernels) {
  std::mt19937_64 rng(7575);
  auto uniform = [&rng](int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); };
  const int cases = ScaledCount(6);
  for (int i = 0; i < cases; ++i) {
    // Two planes under two kernels tall: the first plane's last rows share
    // ring slots with the second's first rows. (More planes would add
    // nothing but time, which the emulated and sanitizer runs feel most.)
    const int64_t kh = uniform(1060, 1100), sh = uniform(1, 2), w = uniform(1, 9);
    const int64_t h = 1031 * sh + kh + uniform(0, 8);
    Problem2D p(Op::kMax, Layout::kNCHW, 1, 2, h, w);
    p.Kernel(kh, uniform(1, std::min<int64_t>(w, 3))).Stride(sh, uniform(1, 2));
    p.Pad(uniform(0, 1), 0).CeilMode(uniform(0, 1) == 1);
    std::vector<float> data = RandomData(static_cast<size_t>(2 * h * w), rng, NanOdds(i));
    for (size_t e = 0; e < data.size(); ++e) {
      const int64_t row = static_cast<int64_t>(e) / w % h;
      if (row > 0) data[e] += 256.0f * static_cast<float>(row);  // row 0 keeps its -0
    }
    SCOPED_TRACE("case " + std::to_string(i) + ": " + p.ToString() + " rising rows, nan_odds " +
                 std::to_string(NanOdds(i)));
    ExpectDataLikeReference(p, data, /*with_indices=*/i % 2 == 0, i);
    if (HasFatalFailure()) return;
  }
}

// NCHW max pooling on an input over 8 MiB, which the kernels prefetch ahead
// of the rows they pool (PrefetchAhead): ResNet's stem and VGG's 2x2 on
// 33 planes of 256 x 256, values of NaN-free planes (columns first) and
// values with indices of planes with NaN.
TEST_P(Sweep2D, NchwMaxLargeInput) {
  std::mt19937_64 rng(5151);
  for (const int64_t k : {3, 2}) {
    Problem2D p(Op::kMax, Layout::kNCHW, 1, 33, 256, 256);
    p.Kernel(k, k).Stride(2, 2).Pad(k / 2, k / 2);
    ExpectLikeReference(p, false, 0, rng, 1 << 30, false);
    ExpectLikeReference(p, true, 1, rng);
    if (HasFatalFailure()) return;
  }
}

// NHWC max pooling with the square kernels and strides whose full windows
// the NHWC kernel unrolls (k2s2, k3s1, k3s2), next to padding, ceil mode and
// dilation that take the general pixel; channels below and above a vector.
// The kernel checks NaN once per output row, skipping taps an earlier window
// or output row already checked, and recomputes a row exactly when the
// check fails.
TEST_P(Sweep2D, NhwcMaxCommonShapes) {
  FocusedSweep(5353, [](const auto& uniform) {
    const bool wide = uniform(0, 3) == 0;  // enough channels for every block count
    Problem2D p(Op::kMax, Layout::kNHWC, uniform(1, 2), wide ? uniform(60, 300) : uniform(1, 40),
                uniform(1, wide ? 8 : 16), uniform(1, wide ? 10 : 24));
    const int64_t k = uniform(2, 3), s = k == 2 ? 2 : uniform(1, 2);
    p.Kernel(k, k).Stride(s, s);
    if (uniform(0, 7) == 0) p.Dilation(uniform(1, 2), uniform(1, 2));
    p.Pad(uniform(0, 1), uniform(0, 1)).CeilMode(uniform(0, 3) == 0);
    return p;
  });
}

// p (a kh x kw max problem) with what meets at the edges of large windows:
// sometimes dilation, padding up to half the window (PyTorch's limit) or,
// one time in four, up to the whole window on each side, sometimes ceil
// mode.
template <class Uniform>
Problem2D WithLargeWindowEdges(Problem2D p, const Uniform& uniform, int64_t kh, int64_t kw) {
  int64_t dh = 1, dw = 1;
  if (uniform(0, 5) == 0) {
    dh = uniform(1, 2);
    dw = uniform(1, 2);
    p.Dilation(dh, dw);
  }
  const int64_t eh = dh * (kh - 1) + 1, ew = dw * (kw - 1) + 1;
  if (uniform(0, 3) == 0) {
    p.PadLimit(SIMDPOOL_PAD_LIMIT_NONE).Pad(uniform(0, eh), uniform(0, ew), uniform(0, eh), uniform(0, ew));
  } else {
    p.Pad(uniform(0, eh / 2), uniform(0, ew / 2));
  }
  return p.CeilMode(uniform(0, 3) == 0);
}

// NHWC max pooling with large windows whose rows overlap (YOLO's SPP: 5x5
// to 13x13 at stride 1), which the NHWC kernel folds separably where that
// takes fewer folds (SeparableNHWC): kernels up to 13 (wider or taller than
// the input), strides below the kernel height, dilation, symmetric or
// asymmetric padding up to the whole window (rows and columns of padding
// only), ceil mode; channels below and above a vector.
TEST_P(Sweep2D, NhwcMaxSeparable) {
  FocusedSweep(7171, [](const auto& uniform) {
    const bool wide = uniform(0, 3) == 0;
    Problem2D p(Op::kMax, Layout::kNHWC, uniform(1, 2), wide ? uniform(17, 70) : uniform(1, 20),
                uniform(1, 16), uniform(1, 16));
    const int64_t kh = uniform(2, 13), kw = uniform(1, 13);
    p.Kernel(kh, kw).Stride(uniform(1, kh - 1), uniform(1, 4));
    return WithLargeWindowEdges(p, uniform, kh, kw);
  });
}

// NCHW max pooling with windows 4 to 13 wide, mostly at stride 1 along W
// (YOLO's SPP), whose taps the separable kernel masks wherever a window
// reaches into the padding: kernels wider or taller than the input,
// dilation, symmetric or asymmetric padding up to the whole window, ceil
// mode; rows narrower and wider than every vector.
TEST_P(Sweep2D, NchwMaxLargeWindows) {
  FocusedSweep(8181, [](const auto& uniform) {
    Problem2D p(Op::kMax, Layout::kNCHW, uniform(1, 2), uniform(1, 3), uniform(1, 20), uniform(1, 60));
    const int64_t kh = uniform(1, 13), kw = uniform(4, 13);
    p.Kernel(kh, kw).Stride(uniform(1, kh), uniform(0, 5) == 0 ? 2 : 1);
    return WithLargeWindowEdges(p, uniform, kh, kw);
  });
}

// NCHW max pooling of values at stride 1 with windows 3 to 13 wide and 2 to
// 13 tall (GoogLeNet, YOLO's SPP), which a plane without NaN and -0 folds
// in any order through a padded copy, and a plane with either by the exact
// kernel (the data mixes both across planes): rows narrower and wider than
// every vector, windows wider or taller than the input, symmetric or
// asymmetric padding up to the whole window, now and then dilation (the
// other kernel).
TEST_P(Sweep2D, NchwMaxStrideOne) {
  FocusedSweep(
      5353,
      [](const auto& uniform) {
        Problem2D p(Op::kMax, Layout::kNCHW, uniform(1, 2), uniform(1, 3), uniform(1, 24), uniform(1, 70));
        const int64_t kh = uniform(2, 13), kw = uniform(3, 13);
        p.Kernel(kh, kw).Stride(1, 1);
        return WithLargeWindowEdges(p, uniform, kh, kw);
      },
      300, /*some_with_indices=*/false);
}

// NHWC average pooling with the square kernels whose full windows the NHWC
// kernel unrolls (k2, k3) at stride 1 and 2, padded or not, ceil mode,
// count_include_pad and divisor_override; channels below a vector and up to
// several times the 8-vector block of the widest target, with every tail.
TEST_P(Sweep2D, NhwcAvgCommonShapes) {
  FocusedSweep(6464, [](const auto& uniform) {
    const bool wide = uniform(0, 2) == 0;
    Problem2D p(Op::kAvg, Layout::kNHWC, uniform(1, 2), wide ? uniform(60, 300) : uniform(1, 40),
                uniform(1, wide ? 8 : 16), uniform(1, wide ? 10 : 24));
    const int64_t k = uniform(2, 3);
    p.Kernel(k, k).Stride(uniform(1, 2), uniform(1, 2)).Pad(uniform(0, 1), uniform(0, 1));
    p.CeilMode(uniform(0, 3) == 0).CountIncludePad(uniform(0, 1) == 1);
    if (uniform(0, 5) == 0) p.DivisorOverride(uniform(-3, 7));
    return p;
  });
}

// NCHW average pooling with stride 1, which the flat kernel takes for planes
// up to 8192 padded floats (vectors run across row ends) unless the window
// is 3x3: narrow and wide planes (some past that limit), widths below and
// above a vector, one to five planes (the kernel alternates two buffers),
// padding 0 to k/2 or asymmetric, ceil mode, count_include_pad and
// divisor_override; now and then a stride of 2 on one axis for the per-row
// kernel.
TEST_P(Sweep2D, NchwAvgStride1) {
  std::mt19937_64 rng(9191);
  auto uniform = [&rng](int64_t lo, int64_t hi) {
    return std::uniform_int_distribution<int64_t>(lo, hi)(rng);
  };
  const int cases = ScaledCount(300);
  for (int i = 0; i < cases; ++i) {
    const bool wide = uniform(0, 7) == 0;
    Problem2D p(Op::kAvg, Layout::kNCHW, uniform(1, 2), uniform(1, 3), wide ? uniform(60, 100) : uniform(1, 40),
                wide ? uniform(80, 130) : uniform(1, 70));
    const int64_t kh = uniform(1, 5), kw = uniform(1, 5);
    p.Kernel(kh, kw);
    if (uniform(0, 9) == 0) {
      p.Stride(uniform(1, 2), uniform(1, 2));
    } else {
      p.Stride(1, 1);
    }
    if (uniform(0, 3) == 0) {
      p.PadLimit(SIMDPOOL_PAD_LIMIT_NONE).Pad(uniform(0, kh), uniform(0, kw), uniform(0, kh), uniform(0, kw));
    } else {
      p.Pad(uniform(0, kh / 2), uniform(0, kw / 2));
    }
    p.CeilMode(uniform(0, 1) == 1).CountIncludePad(uniform(0, 1) == 1);
    if (uniform(0, 4) == 0) p.DivisorOverride(uniform(-3, 7));
    simdpool_shape shape;
    if (!OutputShape(p, &shape).ok() || shape.elements == 0) continue;
    ExpectLikeReference(p, false, i, rng);
    if (HasFatalFailure()) return;
  }
}

// An NCHW 3x3 stride-1 problem of `op` for the strip kernels: rows narrower
// and wider than each vector they may pick (4, 8, 16 lanes), any padding up
// to the kernel's (windows wholly in the padding), several planes (only the
// first and last read edge rows from copies), ceil mode.
template <class Uniform>
Problem2D Random3x3Stride1(Op op, const Uniform& uniform) {
  const bool wide = uniform(0, 5) == 0;
  Problem2D p(op, Layout::kNCHW, uniform(1, 2), uniform(1, 4), wide ? uniform(40, 70) : uniform(1, 24),
              wide ? uniform(60, 140) : uniform(1, 40));
  p.Kernel(3, 3).Stride(1, 1);
  if (uniform(0, 3) == 0) {
    p.PadLimit(SIMDPOOL_PAD_LIMIT_NONE).Pad(uniform(0, 3), uniform(0, 3), uniform(0, 3), uniform(0, 3));
  } else {
    p.Pad(uniform(0, 1), uniform(0, 1));
  }
  return p.CeilMode(uniform(0, 1) == 1);
}

// NCHW 3x3 average pooling with stride 1, whose strips of output columns
// walk the plane (masked where a tap column leaves the row), on
// Random3x3Stride1's shapes with count_include_pad and divisor_override.
TEST_P(Sweep2D, NchwAvg3x3Stride1) {
  FocusedSweep(2323, [](const auto& uniform) {
    Problem2D p = Random3x3Stride1(Op::kAvg, uniform);
    p.CountIncludePad(uniform(0, 1) == 1);
    if (uniform(0, 4) == 0) p.DivisorOverride(uniform(-3, 7));
    return p;
  });
}

// NCHW max pooling 3x3 at stride 1 (GoogLeNet's pooling branches), which
// strips walking the plane take where a plane holds no NaN and no -0, and
// the exact kernel elsewhere, on Random3x3Stride1's shapes.
TEST_P(Sweep2D, NchwMax3x3Stride1) {
  FocusedSweep(
      2424, [](const auto& uniform) { return Random3x3Stride1(Op::kMax, uniform); }, 300,
      /*some_with_indices=*/false);
}

// NCHW 3x3 average and max pooling with stride 1 and outputs the input's
// size, whose strips walk up the plane instead of down where the output
// lies at some distances past a multiple of 4 KiB from the input
// (StripsUp): the output at each 64-byte offset of a page from the input,
// so that both walks run, in place and from row copies (first and last
// plane), with each top padding. Max data without NaN and -0, which the
// strips take.
TEST_P(Sweep2D, Nchw3x3Stride1BothWalks) {
  std::mt19937_64 rng(4545);
  for (const Op op : {Op::kAvg, Op::kMax}) {
    for (const int64_t w : {4, 9, 17, 28, 35, 70}) {
      for (const int64_t top : {0, 1, 2}) {
        Problem2D p(op, Layout::kNCHW, 1, 3, 8, w);
        p.Kernel(3, 3).Stride(1, 1).PadLimit(SIMDPOOL_PAD_LIMIT_NONE).Pad(top, 1, 2 - top, 1);
        if (op == Op::kAvg) p.CountIncludePad(top == 1);
        const size_t n = static_cast<size_t>(3 * 8 * w);
        const std::vector<float> input = op == Op::kMax ? RandomData(n, rng, 1 << 30, false) : RandomData(n, rng);
        const Outputs expected = RunReference(p, input, false);
        ASSERT_EQ(expected.values.size(), n);
        const int32_t c_op = p.c_problem().op;
        const size_t page = 4096 / sizeof(float);
        const size_t input_span = (n + page - 1) / page * page;
        for (size_t offset = 0; offset < page; offset += 64 / sizeof(float)) {
          SCOPED_TRACE(p.ToString() + ": output " + std::to_string(offset * sizeof(float)) +
                       " bytes past a page from the input");
          std::vector<float> buffer(input_span + offset + n);
          std::copy(input.begin(), input.end(), buffer.begin());
          float* out = buffer.data() + input_span + offset;
          ASSERT_TRUE(simdpool::Run(p, buffer.data(), out, nullptr).ok());
          for (size_t o = 0; o < n; ++o) {
            ASSERT_EQ(ComparableBits(c_op, out[o]), ComparableBits(c_op, expected.values[o]))
                << "output " << o << ": " << out[o] << " vs reference " << expected.values[o];
          }
        }
      }
    }
  }
}

// NCHW and NHWC give the same logical outputs, bit for bit (SEMANTICS §13.43).
TEST_P(Sweep2D, LayoutsAgree) {
  std::mt19937_64 rng(777);
  const int cases = ScaledCount(150);
  for (int i = 0; i < cases; ++i) {
    Problem2D nchw = RandomProblem(rng);
    simdpool_problem& c = nchw.c_problem();
    c.layout = SIMDPOOL_LAYOUT_NCHW;
    Problem2D nhwc = nchw;
    nhwc.c_problem().layout = SIMDPOOL_LAYOUT_NHWC;
    SCOPED_TRACE(nchw.ToString());
    const int64_t C = c.channels, H = c.input[0], W = c.input[1];
    const std::vector<float> a = RandomData(static_cast<size_t>(c.batch * C * H * W), rng);
    std::vector<float> b(a.size());
    for (int64_t n = 0; n < c.batch; ++n) {
      for (int64_t ch = 0; ch < C; ++ch) {
        for (int64_t hw = 0; hw < H * W; ++hw) b[(n * H * W + hw) * C + ch] = a[(n * C + ch) * H * W + hw];
      }
    }
    simdpool_shape shape;
    ASSERT_TRUE(OutputShape(nchw, &shape).ok());
    const int64_t OHW = shape.dims[2] * shape.dims[3];
    const bool with_indices = c.op == SIMDPOOL_OP_MAX;
    std::vector<float> out_a(static_cast<size_t>(shape.elements)), out_b(out_a.size());
    std::vector<int64_t> idx_a(out_a.size()), idx_b(out_a.size());
    ASSERT_TRUE(simdpool::Run(nchw, a.data(), out_a.data(), with_indices ? idx_a.data() : nullptr).ok());
    ASSERT_TRUE(simdpool::Run(nhwc, b.data(), out_b.data(), with_indices ? idx_b.data() : nullptr).ok());
    for (int64_t n = 0; n < c.batch; ++n) {
      for (int64_t ch = 0; ch < C; ++ch) {
        for (int64_t o = 0; o < OHW; ++o) {
          const size_t x = static_cast<size_t>((n * C + ch) * OHW + o);
          const size_t y = static_cast<size_t>((n * OHW + o) * C + ch);
          ASSERT_EQ(ComparableBits(c.op, out_a[x]), ComparableBits(c.op, out_b[y]));
          if (with_indices) {
            ASSERT_EQ(idx_a[x], idx_b[y]);
          }
        }
      }
    }
  }
}

SIMDPOOL_INSTANTIATE_TARGET_TEST(Sweep2D);

}  // namespace
}  // namespace test
}  // namespace simdpool
