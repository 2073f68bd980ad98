// Entry points of the per-target kernels (compiled once per Highway target in
// kernels/*.cc), called by src/ with an explicit target. Plain types only.
#ifndef SIMDPOOL_KERNELS_KERNELS_H_
#define SIMDPOOL_KERNELS_KERNELS_H_

#include <cstdint>

#include "plan.h"

namespace simdpool {
namespace kernels {

// The Highway targets (HWY_TARGETS bits) the kernels were compiled for.
int64_t CompiledTargets();

// The HWY_TARGET of the code that runs when `target` is requested; tests use
// it to prove that forcing a target really runs that target's code.
int64_t KernelTargetFor(int64_t target);

// `target` must be one bit of CompiledTargets(). They return false if a
// scratch buffer could not be allocated (nothing is written then). indices
// (null for values alone) are of plan.problem.index_type.
bool MaxPool2DNCHW(int64_t target, const internal::Plan& plan, const float* src, float* dst,
                   void* indices);
bool MaxPool2DNHWC(int64_t target, const internal::Plan& plan, const float* src, float* dst,
                   void* indices);
bool AvgPool2D(int64_t target, const internal::Plan& plan, const float* src, float* dst);

}  // namespace kernels
}  // namespace simdpool

#endif  // SIMDPOOL_KERNELS_KERNELS_H_
