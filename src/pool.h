// Runs a pooling problem: validation, planning, target choice, execution.
#ifndef SIMDPOOL_SRC_POOL_H_
#define SIMDPOOL_SRC_POOL_H_

#include <cstdint>

#include "problem.h"

namespace simdpool {
namespace internal {

Error Validate(const simdpool_problem* problem, simdpool_shape* output_shape);
Error Run(const simdpool_problem* problem, const void* src, void* dst, void* indices);

}  // namespace internal
}  // namespace simdpool

#endif  // SIMDPOOL_SRC_POOL_H_
