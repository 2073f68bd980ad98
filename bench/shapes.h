// The benchmark's real-network shapes and its aligned tensors, shared by the
// benchmark (bench_pool.cc) and the A/B timing tool (tools/ab_compare.cc).
#ifndef SIMDPOOL_BENCH_SHAPES_H_
#define SIMDPOOL_BENCH_SHAPES_H_

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>

#include "simdpool/simdpool.hpp"

namespace simdpool {
namespace bench {

// Max only: the indices a call also writes.
enum class Indices { kNone, kInt64, kInt32 };

// Bytes per index.
inline int64_t IndexSize(Indices indices) {
  return indices == Indices::kInt64 ? 8 : indices == Indices::kInt32 ? 4 : 0;
}

struct Shape {
  const char* name;
  Op op;
  int64_t n, c, h, w;
  int64_t kernel, stride, pad;
  bool count_include_pad;  // avg only
  Indices indices;
};

inline constexpr Shape kShapes[] = {
    {"resnet_stem_max", Op::kMax, 1, 64, 112, 112, 3, 2, 1, true, Indices::kNone},
    {"resnet_stem_max_b32", Op::kMax, 32, 64, 112, 112, 3, 2, 1, true, Indices::kNone},
    {"vgg_max_2x2", Op::kMax, 1, 64, 224, 224, 2, 2, 0, true, Indices::kNone},
    {"vgg_deep_max", Op::kMax, 1, 512, 28, 28, 2, 2, 0, true, Indices::kNone},
    {"alexnet_max", Op::kMax, 1, 96, 55, 55, 3, 2, 0, true, Indices::kNone},
    {"inception_avg", Op::kAvg, 1, 288, 35, 35, 3, 1, 1, false, Indices::kNone},
    {"densenet_avg_2x2", Op::kAvg, 1, 128, 56, 56, 2, 2, 0, true, Indices::kNone},
    {"maxpool_indices", Op::kMax, 1, 64, 112, 112, 3, 2, 1, true, Indices::kInt64},
    {"maxpool_indices_int32", Op::kMax, 1, 64, 112, 112, 3, 2, 1, true, Indices::kInt32},
    // GoogLeNet's pooling branch (inception 3a; 4a-4e and 5a-5b pool the same way).
    {"googlenet_max_3x3s1", Op::kMax, 1, 192, 28, 28, 3, 1, 1, true, Indices::kNone},
    // YOLO's spatial pyramid pooling (SPP, 608x608 input; SPPF's 5x5 at 640).
    {"yolo_spp_max_13", Op::kMax, 1, 512, 19, 19, 13, 1, 6, true, Indices::kNone},
    {"yolo_sppf_max_5", Op::kMax, 1, 512, 20, 20, 5, 1, 2, true, Indices::kNone},
};

inline constexpr Layout kLayouts[] = {Layout::kNCHW, Layout::kNHWC};

inline Problem2D MakeProblem(const Shape& shape, Layout layout) {
  Problem2D problem(shape.op, layout, shape.n, shape.c, shape.h, shape.w);
  problem.Kernel(shape.kernel, shape.kernel).Stride(shape.stride, shape.stride).Pad(shape.pad, shape.pad);
  if (shape.op == Op::kAvg) problem.CountIncludePad(shape.count_include_pad);
  if (shape.indices == Indices::kInt32) problem.IndexType(SIMDPOOL_INDEX_INT32);
  return problem;
}

// Runs `plan` with the indices of `indices` (none, or of the problem's
// index type) in `index_buffer`, which has room for int64 ones. Timed runs
// use a plan made beforehand, as oneDNN's and XNNPACK's benchmarks time
// their primitives and operators, not their creation.
inline Status RunShape(const Plan& plan, const float* src, float* dst, Indices indices, int64_t* index_buffer) {
  if (indices == Indices::kInt32) return plan.Run(src, dst, reinterpret_cast<int32_t*>(index_buffer));
  return plan.Run(src, dst, indices == Indices::kInt64 ? index_buffer : nullptr);
}

inline const char* LayoutName(Layout layout) { return layout == Layout::kNCHW ? "nchw" : "nhwc"; }

// Like PyTorch's CPU allocator, so that no target pays for split cache lines
// merely because of where malloc put the tensor (on AVX3, 16 bytes off costs
// up to 1.4x).
inline constexpr size_t kAlignment = 64;

struct FreeDeleter {
  void operator()(void* p) const { std::free(p); }
};
template <typename T>
using AlignedPtr = std::unique_ptr<T[], FreeDeleter>;

// Zeroed, so every page is faulted in now rather than in the timed loop.
template <typename T>
AlignedPtr<T> AllocateZeroed(int64_t count) {
  // aligned_alloc wants a size that is a multiple of the alignment.
  const size_t bytes = (std::max<size_t>(static_cast<size_t>(count) * sizeof(T), 1) +
                        kAlignment - 1) / kAlignment * kAlignment;
  void* p = std::aligned_alloc(kAlignment, bytes);
  if (p != nullptr) std::memset(p, 0, bytes);
  return AlignedPtr<T>(static_cast<T*>(p));
}

}  // namespace bench
}  // namespace simdpool

#endif  // SIMDPOOL_BENCH_SHAPES_H_
