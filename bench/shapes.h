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

struct Shape {
  const char* name;
  Op op;
  int64_t n, c, h, w;
  int64_t kernel, stride, pad;
  bool count_include_pad;  // avg only
  bool indices;            // max only: also write int64 indices
};

inline constexpr Shape kShapes[] = {
    {"resnet_stem_max", Op::kMax, 1, 64, 112, 112, 3, 2, 1, true, false},
    {"resnet_stem_max_b32", Op::kMax, 32, 64, 112, 112, 3, 2, 1, true, false},
    {"vgg_max_2x2", Op::kMax, 1, 64, 224, 224, 2, 2, 0, true, false},
    {"vgg_deep_max", Op::kMax, 1, 512, 28, 28, 2, 2, 0, true, false},
    {"alexnet_max", Op::kMax, 1, 96, 55, 55, 3, 2, 0, true, false},
    {"inception_avg", Op::kAvg, 1, 288, 35, 35, 3, 1, 1, false, false},
    {"densenet_avg_2x2", Op::kAvg, 1, 128, 56, 56, 2, 2, 0, true, false},
    {"maxpool_indices", Op::kMax, 1, 64, 112, 112, 3, 2, 1, true, true},
};

inline constexpr Layout kLayouts[] = {Layout::kNCHW, Layout::kNHWC};

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
