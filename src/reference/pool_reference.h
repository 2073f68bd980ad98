// Scalar reference pooling: plain loops written from docs/semantics.md. It
// shares no code with the SIMD kernels (not even the window tables) and fixes
// the floating-point evaluation order every kernel must reproduce.
#ifndef SIMDPOOL_SRC_REFERENCE_POOL_REFERENCE_H_
#define SIMDPOOL_SRC_REFERENCE_POOL_REFERENCE_H_

#include <cstdint>

#include "simdpool/simdpool.h"

namespace simdpool {
namespace reference {

// `problem` must be valid with stride resolved (no 0 = default); out_h/out_w
// are its output sizes. indices (of problem.index_type) may be null; it is
// only written for max.
void Pool2D(const simdpool_problem& problem, int64_t out_h, int64_t out_w, const float* src,
            float* dst, void* indices);

}  // namespace reference
}  // namespace simdpool

#endif  // SIMDPOOL_SRC_REFERENCE_POOL_REFERENCE_H_
