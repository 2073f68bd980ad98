// Runs a pooling problem: validation, planning, target choice, execution.
// A plan is made once and may run many times (simdpool_plan); simdpool_run
// makes one for a single run.
#ifndef SIMDPOOL_SRC_POOL_H_
#define SIMDPOOL_SRC_POOL_H_

#include <cstdint>

#include "problem.h"

namespace simdpool {
namespace internal {

Error Validate(const simdpool_problem* problem, simdpool_shape* output_shape);
// Validates `problem` and builds everything a run needs but the row buffers.
Error CreatePlan(const simdpool_problem* problem, Plan* plan);
// Runs a plan from CreatePlan on the active target; reads `plan` only, so
// several threads may run one plan at once.
Error RunPlan(const Plan& plan, const void* src, void* dst, void* indices);
Error Run(const simdpool_problem* problem, const void* src, void* dst, void* indices);

}  // namespace internal
}  // namespace simdpool

#endif  // SIMDPOOL_SRC_POOL_H_
