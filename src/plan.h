// Geometry of a validated pooling problem, computed once in src/ and read by
// the SIMD kernels. Plain data: no Highway types, no behaviour.
#ifndef SIMDPOOL_SRC_PLAN_H_
#define SIMDPOOL_SRC_PLAN_H_

#include <cstdint>
#include <vector>

#include "simdpool/simdpool.h"

namespace simdpool {
namespace internal {

// One spatial axis. Output position o reads the taps j in [tap_begin[o],
// tap_end[o]) at input positions start[o] + j * dilation; those are exactly
// the taps inside [0, in). `counted[o]` is the number of cells an average with
// count_include_pad counts (the window clipped to the declared padding).
struct Axis {
  int64_t in = 1, out = 1, kernel = 1, stride = 1, dilation = 1;
  int64_t pad_begin = 0, pad_end = 0;
  std::vector<int64_t> start, tap_begin, tap_end, counted;
  // Outputs whose taps all lie inside the input: [full_begin, full_end).
  // Empty (full_begin == full_end) when there are none.
  int64_t full_begin = 0, full_end = 0;
};

struct Plan {
  simdpool_problem problem;  // with stride and dilation defaults resolved
  int64_t batch = 0, channels = 0;
  Axis h, w;  // rank 2: H and W
  int64_t in_plane = 0, out_plane = 0;  // spatial elements per (n, c)
  // Kernels keep plane offsets in int32 lanes; larger planes use the
  // reference (see Run).
  bool fits_int32 = true;
  // Per output column, the input column of its first valid tap (-1 if none),
  // followed by kVectorSlack entries of -1 so a full vector load at any
  // output column stays inside the table.
  std::vector<int32_t> w_first_column;
  static constexpr int64_t kVectorSlack = 256;  // >= lanes of any target
  // Average pooling: float(divisor) of every output position, row-major
  // (out_h x out_w, then kVectorSlack entries of 1). An empty window has +inf:
  // its sum is +0 (padding only) and +0 / +inf is the +0 the reference gives.
  std::vector<float> avg_divisors;
};

}  // namespace internal
}  // namespace simdpool

#endif  // SIMDPOOL_SRC_PLAN_H_
